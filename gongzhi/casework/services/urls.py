"""Pages of service orders (mounted by ``fieldwork.urls``; names ``field:*``)."""

from django.urls import path

from . import views as v

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
]
