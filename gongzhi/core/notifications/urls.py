from django.urls import path

from . import views

app_name = "inbox"
urlpatterns = [
    path("inbox/", views.inbox, name="list"),
    path("inbox/read-all/", views.inbox_read_all, name="read_all"),
    path("inbox/<int:pk>/", views.notification_open, name="open"),
]
