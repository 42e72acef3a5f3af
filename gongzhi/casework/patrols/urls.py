"""Pages of 网格巡查 (mounted by ``fieldwork.urls``; names ``field:patrol*``)."""

from django.urls import path

from . import views as v

urlpatterns = [
    path("patrols/", v.patrols, name="patrols"),
    path("patrols/start/", v.patrol_start, name="patrol_start"),
    path("patrols/<int:pk>/", v.patrol_detail, name="patrol"),
    path("patrols/<int:pk>/stops/", v.patrol_stop, name="patrol_stop"),
    path("patrols/<int:pk>/end/", v.patrol_end, name="patrol_end"),
    path("patrols/stops/<int:pk>/note/", v.patrol_stop_note, name="patrol_stop_note"),
    path("patrols/stops/<int:pk>/report/", v.patrol_report, name="patrol_report"),
]
