"""URLs of the rates page and its export (included from config/urls.py; names ``casework_rates:*``)."""

from django.urls import path

from . import views

app_name = "casework_rates"

urlpatterns = [
    path("casework/rates/", views.rates_page, name="page"),
    path("casework/rates/export.xlsx", views.rates_export, name="export"),
]
