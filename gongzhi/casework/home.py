"""有求必应 on the home page and in the navigation bar.

Residents get "反映诉求" and their requests still in progress; handlers get their queue counts
(new at my tier, overdue, mine); department members the whistles waiting for their 报到.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext as _

from gongzhi.core.home import Section
from gongzhi.org.permissions import own_resident

from . import selectors
from .models import Case
from .permissions import department_ids, handles_anything, intake_scope, supervise_scope


def home_sections(request) -> list[Section]:
    user = request.user
    if not user.is_authenticated:
        return []
    sections: list[Section] = []
    handler = handles_anything(user)
    if own_resident(user) is not None:
        waiting = [Case.Status.RESOLVED, Case.Status.VERIFIED]
        mine = list(
            selectors.my_cases(user).filter(status__in=[*Case.OPEN_STATUSES, *waiting])[:5]
        )
        # Staff who also live in the community see their work first, their own requests below it.
        sections.append(Section(30 if handler else 5, "casework/home_resident.html",
                                {"cases": mine, "waiting": waiting}))
    if handler:
        sections.append(Section(6, "casework/home_handler.html", {
            "counts": selectors.handler_counts(user),
            "links": {key: urlencode(params) for key, params in selectors.HOME_TILES.items()},
            "can_intake": not intake_scope(user).is_empty,
            "departments": bool(department_ids(user)),
        }))
    return sections


def nav_provider(request, caps: set[str]) -> list[tuple[int, str, str]]:
    user = request.user
    items = []
    if own_resident(user) is not None:
        items.append((5, _("我的诉求"), "casework:mine"))
    if handles_anything(user):
        items.append((6, _("诉求办理"), "casework:queue"))
        if not supervise_scope(user).is_empty:
            items.append((7, _("督办"), "casework:board"))
    if department_ids(user):
        items.append((8, _("部门报到"), "casework:whistles"))
    return items
