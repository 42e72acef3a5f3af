"""Who may see and do what, where.

A role grants a set of capabilities (``ROLE_CAPS``) within the scope of its
assignment. ``scope_for(user, cap)`` unions every active assignment that
grants ``cap`` into a ``Scope``, which answers both "is this object inside?"
(for access_* checks) and "which rows are inside?" (a Q for list queries), so
pages, API and exports apply exactly the same rule.

Objects reach views only through the ``access_*`` functions below. A miss and
a refusal both raise NotFound, so nobody learns that an object exists outside
their scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import rules
from django.db.models import Exists, OuterRef, Q

from gongzhi.core.errors import NotFound, PermissionDeniedError

from .models import (
    ROLE_SCOPE,
    Building,
    Compound,
    Household,
    Occupancy,
    Region,
    Resident,
    Role,
    RoleAssignment,
    ScopeLevel,
    StewardHousehold,
    Unit,
)

# Capabilities ---------------------------------------------------------------
VIEW_TREE = "view_tree"  # grids, compounds, buildings, units (no personal data)
VIEW_HOUSEHOLDS = "view_households"  # households and residents, masked contacts
VIEW_SENSITIVE = "view_sensitive"  # 低保/残疾/独居/困难 tags (audited)
REVEAL_CONTACT = "reveal_contact"  # full phone / ID number on request (audited)
EDIT_HOUSEHOLDS = "edit_households"  # households, residents, ownership, tags
MANAGE_TREE = "manage_tree"  # grids, compounds, buildings, units
MANAGE_ROLES = "manage_roles"  # appoint and revoke roles
MANAGE_ROSTER = "manage_roster"  # Excel import / export
VIEW_PARTY = "view_party"  # party organisations, members, registrations, reports
MANAGE_PARTY = "manage_party"  # staff entry of registrations, posts, service hours
VIEW_AUDIT = "view_audit"

ALL_CAPS = frozenset(
    {
        VIEW_TREE,
        VIEW_HOUSEHOLDS,
        VIEW_SENSITIVE,
        REVEAL_CONTACT,
        EDIT_HOUSEHOLDS,
        MANAGE_TREE,
        MANAGE_ROLES,
        MANAGE_ROSTER,
        VIEW_PARTY,
        MANAGE_PARTY,
        VIEW_AUDIT,
    }
)
_GRID_CAPS = frozenset({VIEW_TREE, VIEW_HOUSEHOLDS, VIEW_SENSITIVE, REVEAL_CONTACT, EDIT_HOUSEHOLDS})

ROLE_CAPS: dict[str, frozenset[str]] = {
    Role.SUBDISTRICT_STAFF: frozenset({VIEW_TREE, VIEW_HOUSEHOLDS, VIEW_PARTY, VIEW_AUDIT}),
    Role.COMMUNITY_SECRETARY: ALL_CAPS,
    Role.COMMUNITY_STAFF: ALL_CAPS,
    Role.GRID_HEAD: _GRID_CAPS,
    Role.GRID_WORKER: _GRID_CAPS,
    Role.BUILDING_HEAD: frozenset({VIEW_TREE, VIEW_HOUSEHOLDS, REVEAL_CONTACT}),
    Role.UNIT_HEAD: frozenset({VIEW_TREE, VIEW_HOUSEHOLDS, REVEAL_CONTACT}),
    Role.RED_STEWARD: frozenset({VIEW_HOUSEHOLDS, VIEW_SENSITIVE, REVEAL_CONTACT}),
    Role.SOCIAL_WORKER: frozenset({VIEW_TREE, VIEW_HOUSEHOLDS, VIEW_SENSITIVE, REVEAL_CONTACT}),
    Role.PROPERTY_STAFF: frozenset({VIEW_TREE, VIEW_HOUSEHOLDS}),
    Role.OWNERS_COMMITTEE: frozenset({VIEW_TREE, VIEW_HOUSEHOLDS}),
    Role.NPC_DEPUTY: frozenset({VIEW_TREE}),
    Role.POLICE_LIAISON: frozenset({VIEW_TREE, VIEW_HOUSEHOLDS, REVEAL_CONTACT}),
    Role.VOLUNTEER: frozenset(),
}
# A login linked to a resident sees that resident's own households.
RESIDENT_CAPS = frozenset({VIEW_HOUSEHOLDS})


@dataclass
class Scope:
    """A union of tree nodes. Empty means nothing is visible."""

    everything: bool = False
    communities: set[int] = field(default_factory=set)
    grids: set[int] = field(default_factory=set)
    compounds: set[int] = field(default_factory=set)
    buildings: set[int] = field(default_factory=set)
    units: set[int] = field(default_factory=set)
    households: set[int] = field(default_factory=set)

    @property
    def is_empty(self) -> bool:
        return not (
            self.everything
            or self.communities
            or self.grids
            or self.compounds
            or self.buildings
            or self.units
            or self.households
        )

    # Membership ------------------------------------------------------------
    def covers_community(self, community_id: int | None) -> bool:
        """True when the whole community is inside (community-level roles)."""
        return self.everything or community_id in self.communities

    def touches_community(self, community_id: int | None) -> bool:
        """True when any part of the community is inside (for context and lists)."""
        if self.covers_community(community_id):
            return True
        return community_id in self.community_ids_touched

    def contains_household(self, h: Household) -> bool:
        return (
            self.everything
            or h.community_id in self.communities
            or h.grid_id in self.grids
            or h.compound_id in self.compounds
            or h.building_id in self.buildings
            or h.unit_id in self.units
            or h.pk in self.households
        )

    def contains_building(self, b: Building) -> bool:
        return (
            self.everything
            or b.community_id in self.communities
            or b.grid_id in self.grids
            or b.compound_id in self.compounds
            or b.pk in self.buildings
        )

    def contains_unit(self, u: Unit) -> bool:
        return u.pk in self.units or self.contains_building(u.building)

    def contains_compound(self, c: Compound) -> bool:
        return self.everything or c.community_id in self.communities or c.pk in self.compounds

    def contains_region(self, r: Region) -> bool:
        if self.everything:
            return True
        if r.kind == Region.Kind.COMMUNITY:
            return r.pk in self.communities
        if r.kind == Region.Kind.GRID:
            return r.pk in self.grids or r.community_id_or_none in self.communities
        return False

    # Filters ----------------------------------------------------------------
    def household_q(self, prefix: str = "") -> Q:
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        for attr, ids in (
            ("community_id", self.communities),
            ("grid_id", self.grids),
            ("compound_id", self.compounds),
            ("building_id", self.buildings),
            ("unit_id", self.units),
            ("id", self.households),
        ):
            if ids:
                q |= Q(**{f"{prefix}{attr}__in": sorted(ids)})
        return q

    def building_q(self) -> Q:
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        for attr, ids in (
            ("community_id", self.communities),
            ("grid_id", self.grids),
            ("compound_id", self.compounds),
            ("id", self.buildings),
        ):
            if ids:
                q |= Q(**{f"{attr}__in": sorted(ids)})
        if self.units:
            q |= Q(units__in=sorted(self.units))
        return q

    def resident_q(self) -> Q:
        """Residents of a visible household (or anyone in a covered community)."""
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        if self.communities:
            q |= Q(community_id__in=sorted(self.communities))
        narrow = Scope(
            grids=self.grids,
            compounds=self.compounds,
            buildings=self.buildings,
            units=self.units,
            households=self.households,
        )
        if not narrow.is_empty:
            q |= Q(
                Exists(
                    Occupancy.objects.filter(resident_id=OuterRef("pk")).filter(narrow.household_q("household__"))
                )
            )
        return q

    @property
    def community_ids_touched(self) -> set[int]:
        """Communities any part of which is inside the scope (computed once)."""
        cached = getattr(self, "_touched", None)
        if cached is not None:
            return cached
        ids = set(self.communities)
        if self.grids:
            ids |= set(Region.objects.filter(pk__in=self.grids).values_list("parent_community_id", flat=True))
        if self.compounds:
            ids |= set(Compound.objects.filter(pk__in=self.compounds).values_list("community_id", flat=True))
        if self.buildings:
            ids |= set(Building.objects.filter(pk__in=self.buildings).values_list("community_id", flat=True))
        if self.units:
            ids |= set(Unit.objects.filter(pk__in=self.units).values_list("building__community_id", flat=True))
        if self.households:
            ids |= set(Household.objects.filter(pk__in=self.households).values_list("community_id", flat=True))
        self._touched = ids
        return ids


def active_assignments(user) -> list[RoleAssignment]:
    """The user's current role assignments, loaded once per request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = user.__dict__.get("_gz_assignments")
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user, revoked_at__isnull=True)
            .select_related("region", "compound", "building__compound", "unit__building__compound", "community")
            .order_by("id")
        )
        user.__dict__["_gz_assignments"] = cached
    return cached


def own_resident(user) -> Resident | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if "_gz_resident" not in user.__dict__:
        user.__dict__["_gz_resident"] = Resident.objects.filter(user=user, is_active=True).first()
    return user.__dict__["_gz_resident"]


def scope_for(user, cap: str) -> Scope:
    """Everything ``user`` may apply capability ``cap`` to."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cache = user.__dict__.setdefault("_gz_scopes", {})
    if cap in cache:
        return cache[cap]
    scope = Scope(everything=user.is_superuser)
    steward_assignments = []
    for a in active_assignments(user):
        if cap not in ROLE_CAPS.get(a.role, ()):
            continue
        level = ROLE_SCOPE[a.role]
        if level == ScopeLevel.SUBDISTRICT:
            scope.communities |= {c.pk for c in a.region.child_communities()}
        elif level == ScopeLevel.COMMUNITY:
            scope.communities.add(a.region_id)
        elif level == ScopeLevel.GRID:
            scope.grids.add(a.region_id)
        elif level == ScopeLevel.COMPOUND:
            scope.compounds.add(a.compound_id)
        elif level == ScopeLevel.BUILDING:
            scope.buildings.add(a.building_id)
        elif level == ScopeLevel.UNIT:
            scope.units.add(a.unit_id)
        elif level == ScopeLevel.HOUSEHOLDS:
            steward_assignments.append(a.pk)
    if steward_assignments:
        scope.households |= set(
            StewardHousehold.objects.filter(assignment_id__in=steward_assignments).values_list(
                "household_id", flat=True
            )
        )
    if cap in RESIDENT_CAPS:
        resident = own_resident(user)
        if resident is not None:
            scope.households |= set(resident.occupancies.values_list("household_id", flat=True))
    cache[cap] = scope
    return scope


def user_caps(user) -> set[str]:
    """Every capability the user holds somewhere (to decide which links to show)."""
    if getattr(user, "is_superuser", False):
        return set(ALL_CAPS)
    caps: set[str] = set()
    for a in active_assignments(user):
        caps |= ROLE_CAPS.get(a.role, frozenset())
    if own_resident(user) is not None:
        caps |= RESIDENT_CAPS
    return caps


# Predicates (rules) ----------------------------------------------------------
def _cap_predicate(cap: str, kind: str):
    def check(user, obj) -> bool:
        if obj is None:
            return False
        scope = scope_for(user, cap)
        if kind == "household":
            return scope.contains_household(obj)
        if kind == "building":
            return scope.contains_building(obj)
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


def resident_in_scope(resident: Resident, scope: Scope) -> bool:
    if scope.everything or resident.community_id in scope.communities:
        return True
    if scope.is_empty:
        return False
    return Occupancy.objects.filter(resident=resident).filter(scope.household_q("household__")).exists()


for _cap in ALL_CAPS | RESIDENT_CAPS:
    for _kind in ("household", "building", "unit", "compound", "region", "community", "resident"):
        rules.add_perm(f"org.{_cap}_{_kind}", _cap_predicate(_cap, _kind))


def can(user, cap: str, kind: str, obj) -> bool:
    return user.has_perm(f"org.{cap}_{kind}", obj)


# access_* ---------------------------------------------------------------------
def access_household(user, household_id, cap: str = VIEW_HOUSEHOLDS) -> Household:
    household = (
        Household.objects.select_related("unit", "building", "compound", "grid", "community")
        .filter(pk=_as_int(household_id))
        .first()
    )
    if household is None or not can(user, cap, "household", household):
        raise NotFound()
    return household


def access_resident(user, resident_id, cap: str = VIEW_HOUSEHOLDS) -> Resident:
    resident = Resident.objects.filter(pk=_as_int(resident_id)).first()
    if resident is None or not can(user, cap, "resident", resident):
        raise NotFound()
    return resident


def access_building(user, building_id, cap: str = VIEW_TREE) -> Building:
    building = (
        Building.objects.select_related("compound", "grid", "community").filter(pk=_as_int(building_id)).first()
    )
    if building is None or not can(user, cap, "building", building):
        raise NotFound()
    return building


def access_unit(user, unit_id, cap: str = VIEW_TREE) -> Unit:
    unit = Unit.objects.select_related("building__compound").filter(pk=_as_int(unit_id)).first()
    if unit is None or not can(user, cap, "unit", unit):
        raise NotFound()
    return unit


def access_compound(user, compound_id, cap: str = VIEW_TREE) -> Compound:
    compound = Compound.objects.select_related("community").filter(pk=_as_int(compound_id)).first()
    if compound is None or not can(user, cap, "compound", compound):
        raise NotFound()
    return compound


def access_region(user, region_id, cap: str = VIEW_TREE) -> Region:
    region = Region.objects.filter(pk=_as_int(region_id)).first()
    if region is None or not can(user, cap, "region", region):
        raise NotFound()
    return region


def access_community(user, community_id, cap: str) -> Region:
    """A community the user covers entirely with ``cap`` (staff-level work)."""
    community = Region.objects.filter(pk=_as_int(community_id), kind=Region.Kind.COMMUNITY).first()
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


def _as_int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
