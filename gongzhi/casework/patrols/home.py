"""Patrols on the home page and in the navigation bar (registered from ``CaseworkConfig.ready()``).

Grid heads and workers start (one tap) or continue their patrol from the home page; everyone
who reads a patrol log gets the 巡查 link.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongzhi.core.home import Section

from . import permissions, selectors


def home_sections(request) -> list[Section]:
    user = request.user
    if not user.is_authenticated or not permissions.walks(user):
        return []
    return [Section(4, "casework/field/home_patrol.html", {
        "current": selectors.open_patrol(user), "grids": permissions.patrol_grids(user),
    })]


def nav_provider(request, caps: set[str]) -> list[tuple[int, str, str]]:
    if permissions.reads_patrols(request.user):
        return [(34, _("巡查"), "field:patrols")]
    return []
