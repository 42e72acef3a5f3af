"""The org app's contributions to the home page and navigation bar."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _

from gongzhi.core.home import Section
from gongzhi.core.sorting import natural_sorted

from .models import Household, Region, Resident, Unit
from .permissions import (
    MANAGE_ROLES,
    MANAGE_ROSTER,
    VIEW_AUDIT,
    VIEW_HOUSEHOLDS,
    VIEW_TREE,
    active_assignments,
    scope_for,
)
from .selectors import my_households, tree_roots


def home_sections(request) -> list[Section]:
    user = request.user
    sections: list[Section] = []
    roles = active_assignments(user)
    if roles or user.is_superuser:
        household_scope = scope_for(user, VIEW_HOUSEHOLDS)
        stats = None
        if not household_scope.is_empty:
            households = Household.objects.filter(household_scope.household_q())
            stats = {
                "households": households.count(),
                "buildings": households.values("building_id").distinct().count(),
                "residents": Resident.objects.filter(household_scope.resident_q(), is_active=True).count(),
            }
        building_units = []
        for a in roles:
            if a.building_id:
                building_units.append((a.building, list(Unit.objects.filter(building_id=a.building_id))))
            elif a.unit_id:
                building_units.append((a.unit.building, [a.unit]))
        sections.append(
            Section(
                # Building and unit heads open the app to find a household: their units come first.
                3 if building_units else 10,
                "org/home_roles.html",
                {
                    "roles": roles,
                    "roots": tree_roots(user),
                    "stats": stats,
                    "can_search": not household_scope.is_empty,
                    "building_units": building_units,
                    "community_summaries": _community_summaries(user),
                },
            )
        )
    mine = my_households(user)
    if mine:
        sections.append(Section(20, "org/home_household.html", {"occupancies": mine}))
    return sections


def _community_summaries(user) -> list[dict]:
    """For community-level roles: grid-by-grid household counts."""
    scope = scope_for(user, VIEW_TREE)
    if scope.everything or not scope.communities:
        return []
    rows = []
    for community in Region.objects.filter(pk__in=scope.communities).order_by("code"):
        per_grid = dict(
            Household.objects.filter(community=community).values_list("grid_id").annotate(n=Count("id"))
        )
        grids = natural_sorted(Region.objects.filter(parent_community=community), key=lambda g: g.name)
        rows.append({"community": community, "grids": [(g, per_grid.get(g.pk, 0)) for g in grids]})
    return rows


def nav_provider(request, caps: set[str]) -> list[tuple[int, str, str]]:
    items = [(0, _("首页"), "core:home")]
    if VIEW_HOUSEHOLDS in caps:
        items.append((10, _("查找住户"), "org:search"))
    if VIEW_TREE in caps:
        items.append((20, _("组织架构"), "org:tree"))
    if MANAGE_ROLES in caps:
        items.append((70, _("角色"), "org:roles"))
    if MANAGE_ROSTER in caps:
        items.append((80, _("花名册"), "org:roster"))
    if VIEW_AUDIT in caps:
        items.append((90, _("审计"), "org:audit"))
    return items
