"""Who may see and do what, where, in the organisation tree.

The org app's capabilities are declared below in the registry (``gongzhi.core.capabilities``):
each names the roles that hold it, within the scope of their assignment. The scope kernel
(``gongzhi.org.scopes``: ``Scope``, ``scope_for``, ``scope_of_roles``) folds a user's assignments
into the part of the tree they reach; the ``rules`` predicates ``org.<cap>_<kind>`` check one object
against it, and lists filter with the scope's ``Q``, so pages, API and exports apply one rule.

Objects reach views only through the ``access_*`` functions below. A miss and
a refusal both raise NotFound, so nobody learns that an object exists outside
their scope.
"""

from __future__ import annotations

import rules
from django.utils.translation import gettext_lazy as _

from gongzhi.core import capabilities
from gongzhi.core.capabilities import register
from gongzhi.core.errors import NotFound, PermissionDeniedError

from .ids import as_pk
from .models import Building, Compound, Household, Region, Resident, Role, Unit
from .scopes import (  # noqa: F401  (re-exported: the kernel's public names, also reachable from here)
    Scope,
    active_assignments,
    cached_on_user,
    own_resident,
    resident_in_scope,
    scope_for,
    scope_of_roles,
    user_capabilities,
)

# Capabilities ---------------------------------------------------------------
_ORG = "org"
_COMMUNITY_LEVEL = (Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF)
_GRID_LEVEL = (Role.GRID_HEAD, Role.GRID_WORKER)

# grids, compounds, buildings, units (no personal data)
VIEW_TREE = register("view_tree", app=_ORG, label=_("查看组织架构"), roles=(
    Role.SUBDISTRICT_STAFF, *_COMMUNITY_LEVEL, *_GRID_LEVEL, Role.BUILDING_HEAD, Role.UNIT_HEAD,
    Role.SOCIAL_WORKER, Role.PROPERTY_STAFF, Role.OWNERS_COMMITTEE, Role.NPC_DEPUTY, Role.POLICE_LIAISON))
# households and residents, masked contacts; a resident sees their own households
VIEW_HOUSEHOLDS = register("view_households", app=_ORG, label=_("查看住户"), residents=True, roles=(
    Role.SUBDISTRICT_STAFF, *_COMMUNITY_LEVEL, *_GRID_LEVEL, Role.BUILDING_HEAD, Role.UNIT_HEAD,
    Role.RED_STEWARD, Role.SOCIAL_WORKER, Role.PROPERTY_STAFF, Role.OWNERS_COMMITTEE, Role.POLICE_LIAISON))
# 低保/残疾/独居/困难 tags (every read audited)
VIEW_SENSITIVE = register("view_sensitive", app=_ORG, label=_("查看敏感标签"), roles=(
    *_COMMUNITY_LEVEL, *_GRID_LEVEL, Role.RED_STEWARD, Role.SOCIAL_WORKER))
# full phone / ID number on request (audited)
REVEAL_CONTACT = register("reveal_contact", app=_ORG, label=_("查看完整联系方式"), roles=(
    *_COMMUNITY_LEVEL, *_GRID_LEVEL, Role.BUILDING_HEAD, Role.UNIT_HEAD, Role.RED_STEWARD,
    Role.SOCIAL_WORKER, Role.POLICE_LIAISON))
# households, residents, ownership, tags
EDIT_HOUSEHOLDS = register("edit_households", app=_ORG, label=_("编辑住户"), roles=(*_COMMUNITY_LEVEL, *_GRID_LEVEL))
MANAGE_TREE = register("manage_tree", app=_ORG, label=_("管理组织架构"), roles=_COMMUNITY_LEVEL)
MANAGE_ROLES = register("manage_roles", app=_ORG, label=_("任免角色"), roles=_COMMUNITY_LEVEL)
MANAGE_ROSTER = register("manage_roster", app=_ORG, label=_("导入导出花名册"), roles=_COMMUNITY_LEVEL)
# party organisations, members, registrations, reports
VIEW_PARTY = register("view_party", app=_ORG, label=_("查看党建"), roles=(Role.SUBDISTRICT_STAFF, *_COMMUNITY_LEVEL))
# staff entry of registrations, posts, service hours
MANAGE_PARTY = register("manage_party", app=_ORG, label=_("管理党建"), roles=_COMMUNITY_LEVEL)
VIEW_AUDIT = register("view_audit", app=_ORG, label=_("查看操作日志"), roles=(Role.SUBDISTRICT_STAFF, *_COMMUNITY_LEVEL))

ALL_CAPS = frozenset(c.name for c in capabilities.all_capabilities(_ORG))
# Derived views of the registry, kept for readers of the role table (docs/permissions.md).
ROLE_CAPS: dict[str, frozenset[str]] = {role: capabilities.for_role(role) & ALL_CAPS for role in Role}
RESIDENT_CAPS = capabilities.resident_capabilities() & ALL_CAPS



# Predicates (rules) ----------------------------------------------------------
def _cap_predicate(cap: str, kind: str):
    def check(user, obj) -> bool:
        if obj is None:
            return False
        scope = scope_for(user, cap)
        if kind == "household":
            return scope.contains_household(obj)
        if kind == "building":  # a unit's scope reaches its building (only that unit's rooms are listed)
            return scope.touches_building(obj)
        if kind == "unit":
            return scope.contains_unit(obj)
        if kind == "compound":
            return scope.contains_compound(obj)
        if kind == "region":
            return scope.contains_region(obj)
        if kind == "community":  # obj is a community id
            return scope.covers_community(obj)
        if kind == "resident":
            return resident_in_scope(obj, scope)
        raise ValueError(kind)

    return rules.predicate(check, name=f"{cap}_{kind}")


for _cap in ALL_CAPS | RESIDENT_CAPS:
    for _kind in ("household", "building", "unit", "compound", "region", "community", "resident"):
        rules.add_perm(f"org.{_cap}_{_kind}", _cap_predicate(_cap, _kind))


def can(user, cap: str, kind: str, obj) -> bool:
    return user.has_perm(f"org.{cap}_{kind}", obj)


# access_* ---------------------------------------------------------------------
def access_household(user, household_id, cap: str = VIEW_HOUSEHOLDS) -> Household:
    household = (
        Household.objects.select_related("unit", "building", "compound", "grid", "community")
        .filter(pk=as_pk(household_id))
        .first()
    )
    if household is None or not can(user, cap, "household", household):
        raise NotFound()
    return household


def access_resident(user, resident_id, cap: str = VIEW_HOUSEHOLDS) -> Resident:
    resident = Resident.objects.filter(pk=as_pk(resident_id)).first()
    if resident is None or not can(user, cap, "resident", resident):
        raise NotFound()
    return resident


def access_building(user, building_id, cap: str = VIEW_TREE) -> Building:
    building = (
        Building.objects.select_related("compound", "grid", "community").filter(pk=as_pk(building_id)).first()
    )
    if building is None or not can(user, cap, "building", building):
        raise NotFound()
    return building


def access_unit(user, unit_id, cap: str = VIEW_TREE) -> Unit:
    unit = Unit.objects.select_related("building__compound").filter(pk=as_pk(unit_id)).first()
    if unit is None or not can(user, cap, "unit", unit):
        raise NotFound()
    return unit


def access_compound(user, compound_id, cap: str = VIEW_TREE) -> Compound:
    compound = Compound.objects.select_related("community").filter(pk=as_pk(compound_id)).first()
    if compound is None or not can(user, cap, "compound", compound):
        raise NotFound()
    return compound


def access_region(user, region_id, cap: str = VIEW_TREE) -> Region:
    region = Region.objects.filter(pk=as_pk(region_id)).first()
    if region is None or not can(user, cap, "region", region):
        raise NotFound()
    return region


def access_community(user, community_id, cap: str) -> Region:
    """A community the user covers entirely with ``cap`` (staff-level work)."""
    community = Region.objects.filter(pk=as_pk(community_id), kind=Region.Kind.COMMUNITY).first()
    if community is None or not can(user, cap, "community", community.pk):
        raise NotFound()
    return community


def require(user, cap: str, kind: str, obj) -> None:
    """For an object the user can already see: refuse an action they may not take."""
    if not can(user, cap, kind, obj):
        raise PermissionDeniedError()


def communities_with(user, cap: str) -> list[Region]:
    """Communities the user covers entirely with ``cap``, for pickers."""
    scope = scope_for(user, cap)
    qs = Region.objects.filter(kind=Region.Kind.COMMUNITY)
    if not scope.everything:
        qs = qs.filter(pk__in=scope.communities)
    return list(qs.order_by("code"))
