from django.urls import include, path

from . import views

app_name = "org"
urlpatterns = [
    path("org/", views.tree, name="tree"),
    path("org/regions/<int:pk>/", views.region_detail, name="region"),
    path("org/compounds/<int:pk>/", views.compound_detail, name="compound"),
    path("org/buildings/<int:pk>/", views.building_detail, name="building"),
    path("org/steward/<int:pk>/", views.steward_households, name="steward"),
    path("org/search/", views.search, name="search"),
    path("org/households/", views.household_list, name="households"),
    path("org/households/<int:pk>/", views.household_detail, name="household"),
    path("org/households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("org/households/<int:pk>/residents/", views.household_add_resident, name="household_add_resident"),
    path("org/residents/<int:pk>/", views.resident_detail, name="resident"),
    path("org/residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("org/residents/<int:pk>/reveal/", views.reveal_contact, name="reveal"),
    path("org/roles/", views.roles, name="roles"),
    path("org/audit/", views.audit, name="audit"),
    path("", include("gongzhi.org.roster.urls")),
    path("", include("gongzhi.org.party.urls")),
]
