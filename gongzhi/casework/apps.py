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

        home.register(casework_home.home_sections)
        navigation.register(casework_home.nav_provider)
        from .field_home import register_field  # service orders, mediation, patrols
        register_field()
        # 四率统计 in the navigation; a year of requests in manage.py demo.
        from . import demo, rates_views

        navigation.register(rates_views.nav_provider)
        demo.register()
