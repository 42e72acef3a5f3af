"""The ``field`` URL namespace: pages of services, mediation and patrols (included from config/urls.py)."""

from django.urls import include, path

app_name = "field"
urlpatterns = [
    path("", include("gongzhi.casework.services.urls")),
    path("", include("gongzhi.casework.mediation.urls")),
    path("", include("gongzhi.casework.patrols.urls")),
]
