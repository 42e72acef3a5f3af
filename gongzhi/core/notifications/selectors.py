"""Reads of the inbox. Every read is the user's own: there is no way to ask for someone else's."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def inbox(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user) -> int:
    """One COUNT on the (user, read_at, created_at) index."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
