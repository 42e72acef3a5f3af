"""The scope kernel: which part of the organisation tree a user's roles reach.

Every app asks the same two questions of a user: "is this object inside what I may do X to?"
(for ``access_*`` checks) and "which rows are inside?" (a ``Q`` for list queries), so pages, API
and exports apply exactly one rule. Both are answered by a ``Scope``: the union of the tree nodes
of the user's active role assignments that hold a capability (see ``gongzhi.core.capabilities``).

- ``scope_for(user, cap)`` — the scope of a registered capability (cached on the user object for the
  request: ``user.__dict__["_gz_scopes"]``; a fresh user object starts empty).
- ``scope_of_roles(user, roles)`` — the fold itself, for any set of roles.
- ``active_assignments(user)``, ``own_resident(user)`` — loaded once per request.
- ``resident_in_scope(resident, scope)`` — a resident of a household inside the scope.
- ``any_in(fields)`` — the Q of "this field is in that id set" for several fields (lists by scope).

Apps build their predicates (``rules``) and ``access_*`` functions on these; nothing else folds
assignments into scopes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Exists, OuterRef, Q

from gongzhi.core import capabilities

from .models import (
    ROLE_SCOPE,
    Building,
    Compound,
    Household,
    Occupancy,
    Region,
    Resident,
    RoleAssignment,
    ScopeLevel,
    StewardHousehold,
    Unit,
)

T = TypeVar("T")


def any_in(fields: Iterable[tuple[str, set[int]]], *, prefix: str = "") -> Q:
    """Rows whose ``field`` is in its id set, for any of ``fields`` (nothing when every set is empty)."""
    q = Q(pk__in=[])
    for field_name, ids in fields:
        if ids:
            q |= Q(**{f"{prefix}{field_name}__in": sorted(ids)})
    return q


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

    def touches_building(self, b: Building) -> bool:
        """The building is inside, or one of its units is (a unit head sees their building, and
        only their unit's rooms in it): the single-object twin of ``building_q()``."""
        return self.contains_building(b) or b.pk in self.unit_building_ids

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
        return any_in((
            ("community_id", self.communities),
            ("grid_id", self.grids),
            ("compound_id", self.compounds),
            ("building_id", self.buildings),
            ("unit_id", self.units),
            ("id", self.households),
        ), prefix=prefix)

    def building_q(self) -> Q:
        if self.everything:
            return Q()
        return any_in((
            ("community_id", self.communities),
            ("grid_id", self.grids),
            ("compound_id", self.compounds),
            ("id", self.buildings),
            ("units", self.units),
        ))

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
    def unit_building_ids(self) -> set[int]:
        """Buildings of the scope's units (computed once)."""
        cached = getattr(self, "_unit_buildings", None)
        if cached is None:
            cached = set(Unit.objects.filter(pk__in=self.units).values_list("building_id", flat=True)) if self.units else set()
            self._unit_buildings = cached
        return cached

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
    """The active resident record linked to this login, if any (loaded once per request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if "_gz_resident" not in user.__dict__:
        user.__dict__["_gz_resident"] = Resident.objects.filter(user=user, is_active=True).first()
    return user.__dict__["_gz_resident"]


def cached_on_user(user, key: str, factory: Callable[[], T]) -> T:
    """Memoise a per-request answer about ``user`` on the user object (dropped with it)."""
    cache = user.__dict__.setdefault("_gz_scopes", {})
    if key not in cache:
        cache[key] = factory()
    return cache[key]


def scope_of_roles(user, roles: Iterable[str], *, include_own_households: bool = False) -> Scope:
    """Fold the user's active assignments of ``roles`` into one scope.

    The scope of an assignment follows its role's level (``ROLE_SCOPE``): a sub-district reaches all
    its communities, a community/grid/compound/building/unit itself, a red steward the households on
    their list. ``include_own_households`` adds the households the user lives in.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    roles = frozenset(roles)
    scope = Scope(everything=user.is_superuser)
    steward_assignments = []
    for a in active_assignments(user):
        if a.role not in roles:
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
    if include_own_households:
        resident = own_resident(user)
        if resident is not None:
            scope.households |= set(resident.occupancies.values_list("household_id", flat=True))
    return scope


def scope_for(user, cap: str) -> Scope:
    """Everything ``user`` may apply the registered capability ``cap`` to."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    capability = capabilities.get(cap)
    return cached_on_user(
        user, cap, lambda: scope_of_roles(user, capability.roles, include_own_households=capability.residents)
    )


def user_capabilities(user) -> set[str]:
    """Every capability the user holds somewhere (to decide which links and cards to show)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if getattr(user, "is_superuser", False):
        return {c.name for c in capabilities.all_capabilities()}
    caps: set[str] = set()
    for a in active_assignments(user):
        caps |= capabilities.for_role(a.role)
    if own_resident(user) is not None:
        caps |= capabilities.resident_capabilities()
    return caps


def resident_in_scope(resident: Resident, scope: Scope) -> bool:
    if scope.everything or resident.community_id in scope.communities:
        return True
    if scope.is_empty:
        return False
    return Occupancy.objects.filter(resident=resident).filter(scope.household_q("household__")).exists()
