"""Service orders on the home page and in the navigation bar (registered from ``CaseworkConfig.ready()``).

- Residents: 便民服务 with their orders in progress (and the ones waiting for a rating).
- Party members and volunteers: the pool and the orders they have taken.
- Community secretary and staff (and sub-district staff, read-only): orders waiting
  for dispatch, open mediations and this year's disputes resolved.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.home import Section
from gongzhi.org.permissions import own_resident

from ..models import ServiceOrder
from . import permissions, selectors


def home_sections(request) -> list[Section]:
    user = request.user
    if not user.is_authenticated:
        return []
    sections: list[Section] = []
    if own_resident(user) is not None and permissions.resident_households(user).exists():
        orders = list(selectors.my_orders(user).filter(
            status__in=(*selectors.OPEN_ORDER_STATUSES, ServiceOrder.Status.COMPLETED))[:4])
        sections.append(Section(25, "casework/field/home_services.html", {"orders": orders}))
    if permissions.is_taker(user):
        sections.append(Section(26, "casework/field/home_taker.html", {
            "pool": selectors.pool(user).count(), "mine": list(selectors.my_taken(user)[:3]),
        }))
    communities = permissions.board_communities(user)
    if communities:
        year = timezone.localdate().year
        summary = selectors.community_summary([c.pk for c in communities], year)
        rows = [{"community": c, **summary[c.pk]} for c in communities]
        sections.append(Section(27, "casework/field/home_staff.html", {"rows": rows, "year": year}))
    return sections


def nav_provider(request, caps: set[str]) -> list[tuple[int, str, str]]:
    user = request.user
    items: list[tuple[int, str, str]] = []
    if own_resident(user) is not None:
        items.append((30, _("便民服务"), "field:services"))
    if permissions.is_taker(user):
        items.append((31, _("接单"), "field:pool"))
    if permissions.board_communities(user):
        items.append((32, _("服务派单"), "field:board"))
    return items
