"""Pages of 双报到 (included from org/urls.py, so names are ``org:party_*``)."""

from django.urls import path

from . import views as v

urlpatterns = [
    # Residents and members
    path("party/r/<str:token>/", v.register, name="party_register"),
    path("party/r/<str:token>/done/", v.register_done, name="party_register_done"),
    path("party/me/", v.my_service, name="party_me"),
    path("party/posts/", v.posts, name="party_posts"),
    path("party/posts/<int:pk>/claim/", v.post_claim, name="party_post_claim"),
    path("party/posts/<int:pk>/withdraw/", v.post_withdraw, name="party_post_withdraw"),
    # Staff
    path("party/", v.overview, name="party_overview"),
    path("party/orgs/create/", v.org_create, name="party_org_create"),
    path("party/orgs/fill/", v.groups_fill, name="party_groups_fill"),
    path("party/registrations/", v.registrations, name="party_registrations"),
    path("party/registrations/residents/", v.resident_search, name="party_resident_search"),
    path("party/registrations/<int:pk>/end/", v.registration_end, name="party_registration_end"),
    path("party/manage/posts/", v.manage_posts, name="party_manage_posts"),
    path("party/manage/posts/<int:pk>/", v.manage_post, name="party_manage_post"),
    path("party/institutions/", v.institutions, name="party_institutions"),
    path("party/institutions/<int:pk>/", v.institution_detail, name="party_institution"),
    path("party/report/", v.report, name="party_report"),
    path("party/report/xlsx/", v.report_xlsx, name="party_report_xlsx"),
    path("party/buildings/<int:pk>/qr/", v.qr_sheet, name="party_qr_sheet"),
    path("party/buildings/<int:pk>/qr.pdf", v.qr_sheet_pdf, name="party_qr_sheet_pdf"),
    path("party/qr.pdf", v.qr_sheets_pdf, name="party_qr_sheets_pdf"),
]
