"""Mediation in the navigation bar (registered from ``CaseworkConfig.ready()``; its figures are on the
community office's services card, ``services.home``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .permissions import mediates_anything


def nav_provider(request, caps: set[str]) -> list[tuple[int, str, str]]:
    if mediates_anything(request.user):
        return [(33, _("调解"), "field:mediations")]
    return []
