from django.urls import path

from . import views as roster_views

urlpatterns = [
    path("org/roster/", roster_views.roster_home, name="roster"),
    path("org/roster/template.xlsx", roster_views.roster_template, name="roster_template"),
    path("org/roster/export/", roster_views.roster_export, name="roster_export"),
    path("org/roster/import/", roster_views.roster_upload, name="roster_upload"),
    path("org/roster/imports/<int:pk>/", roster_views.roster_import_detail, name="roster_import"),
]
