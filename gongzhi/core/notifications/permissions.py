"""Access to one notification: only its recipient, anybody else gets a 404."""

from __future__ import annotations

from gongzhi.core.errors import NotFound

from .models import Notification


def access_notification(user, pk: int) -> Notification:
    notification = Notification.objects.filter(pk=pk, user_id=getattr(user, "pk", None)).first()
    if notification is None:
        raise NotFound()
    return notification
