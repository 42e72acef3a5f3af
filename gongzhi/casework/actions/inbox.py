from django.utils import timezone

from ..models import Notification


def notifications_mark_read(*, actor, ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications read (all unread when ``ids`` is empty). Not audited: personal state."""
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
