"""Pages of 矛盾纠纷调解 (mounted by ``fieldwork.urls``; names ``field:mediation*``)."""

from django.urls import path

from . import views as v

urlpatterns = [
    path("mediation/", v.mediations, name="mediations"),
    path("mediation/open/", v.mediation_open, name="mediation_open"),
    path("mediation/<int:pk>/", v.mediation_detail, name="mediation"),
    path("mediation/<int:pk>/parties/", v.mediation_party_add, name="mediation_party_add"),
    path("mediation/parties/<int:pk>/remove/", v.mediation_party_remove, name="mediation_party_remove"),
    path("mediation/parties/<int:pk>/phone/", v.mediation_party_phone, name="mediation_party_phone"),
    path("mediation/<int:pk>/sessions/", v.mediation_session_add, name="mediation_session_add"),
    path("mediation/<int:pk>/close/", v.mediation_close, name="mediation_close"),
]
