"""Pages of service orders, mediation and patrols (included from config/urls.py; names ``field:*``)."""

from django.urls import path

from . import field_views as v

app_name = "field"
urlpatterns = [
    # 便民服务: residents
    path("services/", v.services, name="services"),
    path("services/<int:pk>/order/", v.order_new, name="order_new"),
    path("services/mine/", v.my_orders, name="my_orders"),
    # Takers
    path("services/pool/", v.pool, name="pool"),
    # One order (requester, taker, staff); steps are POSTs
    path("services/orders/<int:pk>/", v.order_detail, name="order"),
    path("services/orders/<int:pk>/dispatch/", v.order_dispatch, name="order_dispatch"),
    path("services/orders/<int:pk>/<slug:step>/", v.order_step, name="order_step"),
    # Staff
    path("services/board/", v.board, name="board"),
    path("services/board/offerings/", v.offerings, name="offerings"),
    path("services/board/offerings/<int:pk>/", v.offering_edit, name="offering"),
    # 矛盾纠纷调解
    path("mediation/", v.mediations, name="mediations"),
    path("mediation/open/", v.mediation_open, name="mediation_open"),
    path("mediation/<int:pk>/", v.mediation_detail, name="mediation"),
    path("mediation/<int:pk>/parties/", v.mediation_party_add, name="mediation_party_add"),
    path("mediation/parties/<int:pk>/remove/", v.mediation_party_remove, name="mediation_party_remove"),
    path("mediation/parties/<int:pk>/phone/", v.mediation_party_phone, name="mediation_party_phone"),
    path("mediation/<int:pk>/sessions/", v.mediation_session_add, name="mediation_session_add"),
    path("mediation/<int:pk>/close/", v.mediation_close, name="mediation_close"),
    # 网格巡查
    path("patrols/", v.patrols, name="patrols"),
    path("patrols/start/", v.patrol_start, name="patrol_start"),
    path("patrols/<int:pk>/", v.patrol_detail, name="patrol"),
    path("patrols/<int:pk>/stops/", v.patrol_stop, name="patrol_stop"),
    path("patrols/<int:pk>/end/", v.patrol_end, name="patrol_end"),
    path("patrols/stops/<int:pk>/note/", v.patrol_stop_note, name="patrol_stop_note"),
    path("patrols/stops/<int:pk>/report/", v.patrol_report, name="patrol_report"),
]
