"""Pages of 有求必应: /cases/ for everyone's own requests and the case page, /casework/ for staff desks."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import RedirectView

from gongzhi.core.notifications import views as inbox

from .views import case, photos, resident, staff

app_name = "casework"
urlpatterns = [
    # Residents (and the case page every audience shares).
    path("cases/", resident.my_cases, name="mine"),
    path("cases/new/", resident.case_new, name="new"),
    path("cases/new/similar/", resident.similar, name="similar"),
    path("cases/<int:pk>/", case.case_detail, name="detail"),
    path("cases/<int:pk>/reporter-phone/", case.reporter_phone, name="reporter_phone"),
    path("cases/<int:pk>/print/", case.case_print, name="print"),
    path("cases/<int:pk>/print.pdf", case.case_print_pdf, name="print_pdf"),
    path("cases/<int:pk>/<slug:step>/", case.case_step, name="step"),
    path("cases/photos/<int:pk>/", photos.photo, name="photo"),
    # The inbox moved to /inbox/ (gongzhi.core.notifications); old links keep working, and a GET writes nothing.
    path("cases/inbox/", login_required(RedirectView.as_view(pattern_name="inbox:list", query_string=True)), name="inbox"),
    path("cases/inbox/read-all/", inbox.inbox_read_all, name="inbox_read_all"),
    path("cases/inbox/<int:pk>/", inbox.notification_open, name="inbox_open"),
    # Handlers and staff.
    path("casework/", staff.queue, name="queue"),
    path("casework/handlers/", staff.handler_options, name="handler_options"),
    path("casework/export.xlsx", staff.queue_export, name="queue_export"),
    path("casework/message/", staff.building_message, name="building_message"),
    path("casework/board/", staff.board, name="board"),
    path("casework/board/export.xlsx", staff.board_export, name="board_export"),
    path("casework/intake/", staff.intake, name="intake"),
    path("casework/intake/rooms/", staff.intake_rooms, name="intake_rooms"),
    path("casework/categories/", staff.category_settings, name="categories"),
    path("casework/departments/", staff.departments, name="departments"),
    path("casework/whistles/", staff.whistles, name="whistles"),
    path("casework/whistles/<int:pk>/ack/", case.whistle_ack, name="whistle_ack"),
]
