"""The inbox (站内通知): the list, opening one (marks it read), marking all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.errors import NotFound
from gongzhi.core.pagination import paginate

from .. import selectors
from ..actions.inbox import notifications_mark_read
from ..models import Notification


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    qs = selectors.inbox(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page, prefix = paginate(request, qs, per_page=30)
    return render(request, "casework/inbox.html",
                  {"page": page, "query_prefix": prefix, "unread_only": unread_only,
                   "unread": selectors.unread_count(request.user)})


@login_required
@require_GET
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening a notification marks it read and goes where it points."""
    notification = Notification.objects.filter(pk=pk, user=request.user).first()
    if notification is None:
        raise NotFound()
    notifications_mark_read(actor=request.user, ids=[notification.pk])
    target = notification.url or (f"/cases/{notification.case_id}/" if notification.case_id else "/cases/inbox/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/cases/inbox/"
    return redirect(target)


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(actor=request.user)
    return redirect("casework:inbox")
