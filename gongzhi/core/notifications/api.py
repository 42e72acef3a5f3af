"""The inbox over the API (mounted at ``/api/inbox``): the caller's own notifications only."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from gongzhi.core.schemas import Id, Page, PageNumber, PageSize, paginate_queryset

from . import selectors
from .actions import notifications_mark_read
from .schemas import NotificationOut

router = Router(tags=["inbox"])


def notification_out(n) -> dict:
    return {"id": n.pk, "source": n.source, "kind": n.kind, "subject": n.subject, "title": n.title,
            "body": n.body, "url": n.url, "created_at": n.created_at, "read": n.read_at is not None}


@router.get("/notifications", response=Page[NotificationOut])
def notifications(request: HttpRequest, unread: bool = False, page: PageNumber = 1, page_size: PageSize = 30):
    result = paginate_queryset(selectors.inbox(request.user, unread_only=unread), page=page, page_size=page_size)
    result["items"] = [notification_out(n) for n in result["items"]]
    return result


@router.post("/notifications/read", response={204: None})
def notifications_read(request: HttpRequest, ids: list[Id] | None = None):
    """Mark read the given ids of the caller's own (all unread when none given)."""
    notifications_mark_read(actor=request.user, ids=ids)
    return Status(204, None)
