"""Who sees and handles which resident requests.

Capabilities are declared in the registry (``gongzhi.core.capabilities``) and folded into scopes by
the kernel (``gongzhi.org.scopes``); checks on one case are ``rules`` predicates combined per
permission (role × scope × the case's tier):

- ``casework.view_case``: the reporter always sees their own; role holders see the cases whose place
  lies in their ``VIEW_CASES`` scope; department members see the cases whistled to their department.
- ``casework.handle_case`` follows 小事不出楼栋，大事不出社区: building heads, unit heads and red
  stewards handle building-tier cases of their place; grid heads and workers grid-tier cases;
  community secretary, staff and social workers community-tier cases; department members
  department-tier cases of their department. Anyone who may handle a tier may also take over a case
  at a lower tier inside their scope (a grid worker can help a building head). 派单 may name anyone who
  answers for the case's place at any tier (``handles_place``), and the person named works on it
  (``is_assigned_handler``): the secretary sends a community-tier request to the building's grid worker.
- ``casework.supervise_case``: community-level powers (whistle, reject, merge) over cases in scope.

List queries use the same scopes through ``case_q`` / ``visible_cases_q``; departments are visible
through ``visible_departments_q`` (pages, API and actions alike).
"""

from __future__ import annotations

import rules
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import capabilities
from gongzhi.core.capabilities import register
from gongzhi.core.errors import NotFound, PermissionDeniedError
from gongzhi.org.ids import as_pk
from gongzhi.org.models import Role
from gongzhi.org.permissions import REVEAL_CONTACT
from gongzhi.org.scopes import Scope, active_assignments, any_in, cached_on_user, scope_for

from .models import TIER_ORDER, Case, Department, Tier, Whistle

_APP = "casework"

# Capabilities --------------------------------------------------------------------------------------
VIEW_CASES = register("view_cases", app=_APP, label=_("查看辖区诉求"), roles=(
    Role.SUBDISTRICT_STAFF, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.SOCIAL_WORKER, Role.NPC_DEPUTY,
    Role.GRID_HEAD, Role.GRID_WORKER, Role.BUILDING_HEAD, Role.UNIT_HEAD, Role.RED_STEWARD, Role.PROPERTY_STAFF))
# The tier each role answers at.
HANDLE_TIER_CAPS = {
    Tier.BUILDING: register("handle_building_cases", app=_APP, label=_("处理楼栋级诉求"),
                            roles=(Role.BUILDING_HEAD, Role.UNIT_HEAD, Role.RED_STEWARD)),
    Tier.GRID: register("handle_grid_cases", app=_APP, label=_("处理网格级诉求"),
                        roles=(Role.GRID_HEAD, Role.GRID_WORKER)),
    Tier.COMMUNITY: register("handle_community_cases", app=_APP, label=_("处理社区级诉求"),
                             roles=(Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.SOCIAL_WORKER)),
}
# Community-level powers over cases: whistle, reject, merge, edit categories.
SUPERVISE_CASES = register("supervise_cases", app=_APP, label=_("督办诉求"),
                           roles=(Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF))
# Who may register a request on behalf of a resident (walk-in, phone, patrol, liaison station).
INTAKE_CASES = register("intake_cases", app=_APP, label=_("代居民登记诉求"), roles=(
    Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.SOCIAL_WORKER, Role.NPC_DEPUTY, Role.GRID_HEAD,
    Role.GRID_WORKER, Role.BUILDING_HEAD, Role.UNIT_HEAD, Role.RED_STEWARD))

# The same declarations as role sets, for queries over role assignments ("who handles this place").
ROLE_CASE_VIEW = set(capabilities.roles_with(VIEW_CASES))
ROLE_TIER = {role: tier for tier, cap in HANDLE_TIER_CAPS.items() for role in capabilities.roles_with(cap)}
ROLE_SUPERVISE = set(capabilities.roles_with(SUPERVISE_CASES))
ROLE_INTAKE = set(capabilities.roles_with(INTAKE_CASES))


# Scopes --------------------------------------------------------------------------------------------
def view_scope(user) -> Scope:
    return scope_for(user, VIEW_CASES)


def tier_scope(user, tier: str) -> Scope:
    return scope_for(user, HANDLE_TIER_CAPS[tier])


def supervise_scope(user) -> Scope:
    return scope_for(user, SUPERVISE_CASES)


def intake_scope(user) -> Scope:
    return scope_for(user, INTAKE_CASES)


def department_ids(user) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return cached_on_user(user, "casework:departments", lambda: list(user.departments.values_list("pk", flat=True)))


def case_q(scope: Scope) -> Q:
    """Cases whose place lies in ``scope``."""
    if scope.everything:
        return Q()
    return any_in((
        ("community_id", scope.communities),
        ("grid_id", scope.grids),
        ("compound_id", scope.compounds),
        ("building_id", scope.buildings),
        ("household__unit_id", scope.units),
        ("household_id", scope.households),
    ))


def case_in_scope(case: Case, scope: Scope) -> bool:
    """The single-case twin of ``case_q``."""
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


def visible_departments_q(user) -> Q:
    """Departments of the communities the user supervises, and the user's own (one rule for all)."""
    scope = supervise_scope(user)
    if scope.everything:
        return Q()
    q = Q(pk__in=department_ids(user))
    if scope.communities:
        q |= Q(community_id__in=sorted(scope.communities))
    return q


# Predicates ----------------------------------------------------------------------------------------
@rules.predicate
def is_reporter(user, case: Case) -> bool:
    return case.reporter_id is not None and case.reporter_id == user.pk


@rules.predicate
def case_in_view_scope(user, case: Case) -> bool:
    return case_in_scope(case, view_scope(user))


@rules.predicate
def whistled_to_users_department(user, case: Case) -> bool:
    departments = department_ids(user)
    return bool(departments) and case.whistles.filter(department_id__in=departments).exists()


@rules.predicate
def handles_at_department_tier(user, case: Case) -> bool:
    return case.tier == Tier.DEPARTMENT and case.department_id is not None and case.department_id in department_ids(user)


@rules.predicate
def handles_at_place_tier(user, case: Case) -> bool:
    """Holds the case's tier, or a higher place tier, for the case's place."""
    if case.tier == Tier.DEPARTMENT:
        return False
    position = TIER_ORDER.index(case.tier)
    return any(case_in_scope(case, tier_scope(user, tier)) for tier in TIER_ORDER[position:3])


PLACE_TIERS = TIER_ORDER[:3]  # building, grid, community: the tiers of a place's own people


def handles_place(user, case: Case) -> bool:
    """Answers at some tier for the case's place (the people 派单 may name: building head, grid
    worker or community staff of that place)."""
    return any(case_in_scope(case, tier_scope(user, tier)) for tier in PLACE_TIERS)


@rules.predicate
def is_assigned_handler(user, case: Case) -> bool:
    """The person a case was dispatched to, while they answer for its place at any tier: a community
    secretary may 派单 a community-tier request to the grid worker of its building."""
    return (case.tier != Tier.DEPARTMENT and case.handler_id is not None and case.handler_id == user.pk
            and handles_place(user, case))


@rules.predicate
def case_in_supervise_scope(user, case: Case) -> bool:
    return case_in_scope(case, supervise_scope(user))


rules.add_perm("casework.view_case", rules.is_authenticated & (is_reporter | case_in_view_scope
                                                              | whistled_to_users_department))
rules.add_perm("casework.handle_case", rules.is_authenticated & (handles_at_department_tier | handles_at_place_tier
                                                                | is_assigned_handler))
rules.add_perm("casework.supervise_case", rules.is_authenticated & case_in_supervise_scope)


def can_view(user, case: Case) -> bool:
    return rules.has_perm("casework.view_case", user, case)


def can_handle(user, case: Case) -> bool:
    """May act as handler on the case at its current tier (or take it over from below)."""
    return rules.has_perm("casework.handle_case", user, case)


def can_supervise(user, case: Case) -> bool:
    return rules.has_perm("casework.supervise_case", user, case)


def sees_full_contacts(user, case: Case) -> bool:
    """Phone and ID numbers typed into the request's text, in full: its reporter, and the roles that hold
    the full phone/ID right (org's ``reveal_contact``) for the case's place. Everyone else sees them
    masked (``selectors.case_text``), as Open311 publishes them."""
    if is_reporter(user, case):
        return True
    return case_in_scope(case, scope_for(user, REVEAL_CONTACT))


def can_reveal_recorded_contact(user, case: Case) -> bool:
    """The phone staff recorded for a walk-in or a caller: for the roles that may see full phone
    numbers (org's ``reveal_contact``) where the request is."""
    return case_in_scope(case, scope_for(user, REVEAL_CONTACT))


def can_intake_at(user, *, community_id: int, household=None, building=None) -> bool:
    """Staff-side intake on behalf of a resident, at a place inside the user's scope."""
    scope = intake_scope(user)
    if household is not None:
        return scope.contains_household(household)
    if building is not None:
        return scope.contains_building(building)
    return scope.touches_community(community_id)


# access_* ------------------------------------------------------------------------------------------
def access_case(user, case_id) -> Case:
    pk = as_pk(case_id)
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
    department = Department.objects.filter(visible_departments_q(user), pk=as_pk(department_id)).first()
    if department is None:
        raise NotFound()
    return department


def handles_anything(user) -> bool:
    return any(a.role in ROLE_CASE_VIEW for a in active_assignments(user)) or bool(department_ids(user))


