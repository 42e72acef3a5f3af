"""The inbox pages: the list, opening one, marking all read. No GET writes anything."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.core.pagination import paginate

from . import selectors
from .actions import notifications_mark_read
from .models import Notification
from .permissions import access_notification


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page, prefix = paginate(request, selectors.inbox(request.user, unread_only=unread_only), per_page=30)
    return render(request, "core/notifications/inbox.html",
                  {"page": page, "query_prefix": prefix, "unread_only": unread_only,
                   "unread": selectors.unread_count(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """POST (the button in the list) marks it read and goes where it points; a GET (an old link) only goes."""
    notification = access_notification(request.user, pk)
    if request.method == "POST":
        notifications_mark_read(actor=request.user, ids=[notification.pk])
    return redirect(target(request, notification))


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(actor=request.user)
    return redirect("inbox:list")


def target(request: HttpRequest, notification: Notification) -> str:
    """Where a notification leads: its link if it stays on this site, else the inbox."""
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return reverse("inbox:list")
