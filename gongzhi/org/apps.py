from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "gongzhi.org"
    label = "org"
    verbose_name = "组织与居民"

    def ready(self) -> None:
        from gongzhi.core import capabilities, home, navigation

        from . import permissions  # noqa: F401  (declares org's capabilities)
        from .scopes import user_capabilities

        capabilities.set_holder(user_capabilities)
        from . import home as org_home
        from .party import home as party_home

        home.register(org_home.home_sections)
        navigation.register(org_home.nav_provider)
        home.register(party_home.home_sections)
        navigation.register(party_home.nav_provider)
