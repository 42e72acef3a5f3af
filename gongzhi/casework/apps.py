from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "gongzhi.casework"
    label = "casework"
    verbose_name = "有求必应"

    def ready(self) -> None:
        from gongzhi.core import home, navigation
        from gongzhi.org import setup

        from .actions.categories import ensure_categories

        setup.register(ensure_categories)  # a prepared community has the default categories

        from . import home as casework_home
        from .mediation import home as mediation_home
        from .patrols import home as patrol_home
        from .rates import home as rates_home
        from .services import home as services_home

        home.register(casework_home.home_sections)
        navigation.register(casework_home.nav_provider)
        # Service orders, mediation and patrols.
        home.register(patrol_home.home_sections)
        home.register(services_home.home_sections)
        navigation.register(services_home.nav_provider)
        navigation.register(mediation_home.nav_provider)
        navigation.register(patrol_home.nav_provider)
        # 四率统计 in the navigation; a year of requests in manage.py demo.
        from . import demo

        navigation.register(rates_home.nav_provider)
        demo.register()
