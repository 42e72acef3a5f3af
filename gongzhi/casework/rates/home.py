"""四率统计 in the navigation bar (registered from ``CaseworkConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .permissions import sees_rates


def nav_provider(request, caps) -> list[tuple[int, str, str]]:
    """A "四率统计" link for roles that see whole places' requests (no query beyond the cached roles)."""
    if sees_rates(request.user):
        return [(62, _("四率统计"), "casework_rates:page")]
    return []
