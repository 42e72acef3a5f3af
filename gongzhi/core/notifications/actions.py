"""Writes of the inbox: sending notifications and marking them read. Not audited: personal state."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from .models import Notification


def notify(
    *,
    users: Iterable,
    title: str,
    body: str = "",
    url: str = "",
    kind: str,
    source: str,
    subject: str = "",
    dedupe_key: str = "",
    actor=None,
) -> list[int]:
    """One notification per user in ``users`` (ids or users; empty ones skipped), never to ``actor``.

    With a ``dedupe_key`` a user who already has one with that key gets no second one (the unique
    constraint decides, so concurrent senders cannot double it). Returns the ids sent to, sorted.
    Call it inside the action's transaction: a rollback takes the notifications with it.
    """
    recipients = {getattr(u, "pk", u) for u in users}
    recipients.discard(None)
    recipients.discard(getattr(actor, "pk", None))
    if recipients:
        Notification.objects.bulk_create(
            [
                Notification(user_id=uid, source=source[:32], kind=kind[:64], subject=subject[:200],
                             title=title[:200], body=body[:500], url=url[:200], dedupe_key=dedupe_key[:100])
                for uid in sorted(recipients)
            ],
            ignore_conflicts=bool(dedupe_key),
        )
    return sorted(recipients)


def notifications_mark_read(*, actor, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own unread notifications read (all of them when ``ids`` is empty)."""
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
