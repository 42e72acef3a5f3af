"""Service orders, mediation and patrols on the home page and in the navigation bar.

``register_field()`` is called once from ``CaseworkConfig.ready()``.

- Residents: 便民服务 with their orders in progress (and the ones waiting for a rating).
- Party members and volunteers: the pool and the orders they have taken.
- Community secretary and staff (and sub-district staff, read-only): orders waiting
  for dispatch, open mediations and this year's disputes resolved.
- Grid heads and workers: start (one tap) or continue their patrol.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import home, navigation
from gongzhi.core.home import Section
from gongzhi.org.permissions import active_assignments, own_resident

from . import field_selectors as fs
from .models import ServiceOrder


def _walks(user) -> bool:
    return any(a.role in fs.PATROL_WALKERS for a in active_assignments(user))


def _reads_patrols(user) -> bool:
    return _walks(user) or bool(fs.mediation_communities(user)) or getattr(user, "is_superuser", False)


def home_sections(request) -> list[Section]:
    user = request.user
    if not user.is_authenticated:
        return []
    sections: list[Section] = []
    if _walks(user):
        sections.append(Section(4, "casework/field/home_patrol.html", {
            "current": fs.open_patrol(user), "grids": fs.patrol_grids(user),
        }))
    if own_resident(user) is not None and fs.resident_households(user).exists():
        orders = list(fs.my_orders(user).filter(
            status__in=(*fs.OPEN_ORDER_STATUSES, ServiceOrder.Status.COMPLETED))[:4])
        sections.append(Section(25, "casework/field/home_services.html", {"orders": orders}))
    if fs.is_taker(user):
        sections.append(Section(26, "casework/field/home_taker.html", {
            "pool": fs.pool(user).count(), "mine": list(fs.my_taken(user)[:3]),
        }))
    communities = fs.board_communities(user)
    if communities:
        year = timezone.localdate().year
        summary = fs.community_summary([c.pk for c in communities], year)
        rows = [{"community": c, **summary[c.pk]} for c in communities]
        sections.append(Section(27, "casework/field/home_staff.html", {"rows": rows, "year": year}))
    return sections


def nav_provider(request, caps: set[str]) -> list[tuple[int, str, str]]:
    user = request.user
    items: list[tuple[int, str, str]] = []
    if own_resident(user) is not None:
        items.append((30, _("便民服务"), "field:services"))
    if fs.is_taker(user):
        items.append((31, _("接单"), "field:pool"))
    if fs.board_communities(user):
        items.append((32, _("服务派单"), "field:board"))
    if fs.mediates_anything(user):
        items.append((33, _("调解"), "field:mediations"))
    if _reads_patrols(user):
        items.append((34, _("巡查"), "field:patrols"))
    return items


def register_field() -> None:
    home.register(home_sections)
    navigation.register(nav_provider)
