"""The bell in the top bar: the unread count, counted only when a page actually shows it."""

from __future__ import annotations

from functools import cache


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread() -> int:
        from .selectors import unread_count

        return unread_count(user)

    # Templates call callables: one COUNT on the (user, read_at) index, and only if rendered.
    return {"inbox_unread": unread}
