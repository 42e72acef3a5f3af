"""URLs of the rates page (included from config/urls.py)."""

from django.urls import path

from . import rates_views

app_name = "casework_rates"

urlpatterns = [
    path("casework/rates/", rates_views.rates_page, name="page"),
    path("casework/rates/export.xlsx", rates_views.rates_export, name="export"),
]
