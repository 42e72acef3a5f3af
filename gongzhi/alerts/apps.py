from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "gongzhi.alerts"
    label = "alerts"
    verbose_name = "预警通知"
