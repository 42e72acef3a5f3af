"""Who sees and handles which resident requests.

Seeing a case (``case_scope``): the reporter always sees their own; role
holders see the cases whose place lies in their role's scope (same tree scopes
as org, see ROLE_CASE_VIEW); department members see the cases whistled to
their department.

Handling a case (``can_handle``) follows 小事不出楼栋，大事不出社区: building
heads, unit heads and red stewards handle building-tier cases of their place;
grid heads and workers grid-tier cases; community secretary, staff and social
workers community-tier cases; department members department-tier cases of
their department. Anyone who may handle a tier may also take over a case at a
lower tier inside their scope (a grid worker can help a building head).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from gongzhi.core.errors import NotFound, PermissionDeniedError
from gongzhi.org.models import ROLE_SCOPE, Role, ScopeLevel, StewardHousehold
from gongzhi.org.permissions import Scope, active_assignments

from .models import TIER_ORDER, Case, Department, Tier, Whistle

ROLE_CASE_VIEW = {
    Role.SUBDISTRICT_STAFF,
    Role.COMMUNITY_SECRETARY,
    Role.COMMUNITY_STAFF,
    Role.SOCIAL_WORKER,
    Role.NPC_DEPUTY,
    Role.GRID_HEAD,
    Role.GRID_WORKER,
    Role.BUILDING_HEAD,
    Role.UNIT_HEAD,
    Role.RED_STEWARD,
    Role.PROPERTY_STAFF,
}

# The tier each role answers at.
ROLE_TIER = {
    Role.BUILDING_HEAD: Tier.BUILDING,
    Role.UNIT_HEAD: Tier.BUILDING,
    Role.RED_STEWARD: Tier.BUILDING,
    Role.GRID_HEAD: Tier.GRID,
    Role.GRID_WORKER: Tier.GRID,
    Role.COMMUNITY_SECRETARY: Tier.COMMUNITY,
    Role.COMMUNITY_STAFF: Tier.COMMUNITY,
    Role.SOCIAL_WORKER: Tier.COMMUNITY,
}

# Community-level powers over cases: whistle, reject, merge, edit categories.
ROLE_SUPERVISE = {Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF}
# Who may register a request on behalf of a resident (walk-in, phone, patrol, liaison station).
ROLE_INTAKE = {
    Role.COMMUNITY_SECRETARY,
    Role.COMMUNITY_STAFF,
    Role.SOCIAL_WORKER,
    Role.NPC_DEPUTY,
    Role.GRID_HEAD,
    Role.GRID_WORKER,
    Role.BUILDING_HEAD,
    Role.UNIT_HEAD,
    Role.RED_STEWARD,
}


def _scope_from(user, roles) -> Scope:
    scope = Scope(everything=getattr(user, "is_superuser", False))
    stewards = []
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
            stewards.append(a.pk)
    if stewards:
        scope.households |= set(
            StewardHousehold.objects.filter(assignment_id__in=stewards).values_list("household_id", flat=True)
        )
    return scope


def _cached(user, key, factory):
    cache = user.__dict__.setdefault("_gz_case_cache", {})
    if key not in cache:
        cache[key] = factory()
    return cache[key]


def view_scope(user) -> Scope:
    return _cached(user, "view", lambda: _scope_from(user, ROLE_CASE_VIEW))


def tier_scope(user, tier: str) -> Scope:
    roles = {r for r, t in ROLE_TIER.items() if t == tier}
    return _cached(user, f"tier:{tier}", lambda: _scope_from(user, roles))


def supervise_scope(user) -> Scope:
    return _cached(user, "supervise", lambda: _scope_from(user, ROLE_SUPERVISE))


def intake_scope(user) -> Scope:
    return _cached(user, "intake", lambda: _scope_from(user, ROLE_INTAKE))


def department_ids(user) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return _cached(user, "departments", lambda: list(user.departments.values_list("pk", flat=True)))


def case_q(scope: Scope) -> Q:
    """Cases whose place lies in ``scope``."""
    if scope.everything:
        return Q()
    q = Q(pk__in=[])
    for attr, ids in (
        ("community_id", scope.communities),
        ("grid_id", scope.grids),
        ("compound_id", scope.compounds),
        ("building_id", scope.buildings),
        ("household__unit_id", scope.units),
        ("household_id", scope.households),
    ):
        if ids:
            q |= Q(**{f"{attr}__in": sorted(ids)})
    return q


def case_in_scope(case: Case, scope: Scope) -> bool:
    if scope.everything or case.community_id in scope.communities:
        return True
    if case.grid_id in scope.grids or case.compound_id in scope.compounds or case.building_id in scope.buildings:
        return True
    if case.household_id and case.household_id in scope.households:
        return True
    if scope.units and case.household_id:
        return case.household.unit_id in scope.units
    return False


def visible_cases_q(user) -> Q:
    """Every case the user may see: own, in role scope, or whistled to their department."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    q = Q(reporter=user)
    scope = view_scope(user)
    if not scope.is_empty:
        q |= case_q(scope)
    departments = department_ids(user)
    if departments:
        q |= Q(Exists(Whistle.objects.filter(case_id=OuterRef("pk"), department_id__in=departments)))
    return q


def can_view(user, case: Case) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if case.reporter_id == user.pk:
        return True
    if case_in_scope(case, view_scope(user)):
        return True
    departments = department_ids(user)
    return bool(departments) and case.whistles.filter(department_id__in=departments).exists()


def can_handle(user, case: Case) -> bool:
    """May act as handler on the case at its current tier (or take it over from below)."""
    if case.tier == Tier.DEPARTMENT:
        return case.department_id is not None and case.department_id in department_ids(user)
    position = TIER_ORDER.index(case.tier)
    return any(case_in_scope(case, tier_scope(user, tier)) for tier in TIER_ORDER[position:3])


def can_supervise(user, case: Case) -> bool:
    return case_in_scope(case, supervise_scope(user))


def can_intake_at(user, *, community_id: int, household=None, building=None) -> bool:
    """Staff-side intake on behalf of a resident, at a place inside the user's scope."""
    scope = intake_scope(user)
    if household is not None:
        return scope.contains_household(household)
    if building is not None:
        return scope.contains_building(building)
    return scope.touches_community(community_id)


def access_case(user, case_id) -> Case:
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    case = (
        Case.objects.select_related("category", "household__unit", "building", "compound", "grid", "community",
                                    "handler", "department", "reporter", "suggested_category")
        .filter(pk=pk)
        .first()
    )
    if case is None or not can_view(user, case):
        raise NotFound()
    return case


def require_handle(user, case: Case) -> None:
    if not can_handle(user, case):
        raise PermissionDeniedError()


def require_supervise(user, case: Case) -> None:
    if not can_supervise(user, case):
        raise PermissionDeniedError()


def access_department(user, department_id) -> Department:
    department = Department.objects.filter(pk=department_id).first()
    if department is None or not (
        supervise_scope(user).covers_community(department.community_id) or department.pk in department_ids(user)
    ):
        raise NotFound()
    return department


def handles_anything(user) -> bool:
    return any(a.role in ROLE_CASE_VIEW for a in active_assignments(user)) or bool(department_ids(user))

