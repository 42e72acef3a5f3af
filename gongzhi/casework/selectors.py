"""Reads of the casework app: queues, timelines, the five questions, similar requests,
and what the pages need on top: pickers, filter options, home-page counts, departments and whistles.

The page reads each run a fixed number of queries, whatever the number of cases or people, so the
queue page's query count does not grow with its rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import User
from gongzhi.core.sorting import natural_sorted
from gongzhi.core.validators import mask_contacts_in, mask_phone
from gongzhi.org.ids import query_pk
from gongzhi.org.models import (
    ROLE_SCOPE,
    Building,
    Household,
    Region,
    RoleAssignment,
    ScopeLevel,
)
from gongzhi.org.permissions import own_resident, scope_for

from .models import TIER_ORDER, Case, CaseEvent, Category, Department, Tier, Whistle
from .permissions import (
    ROLE_TIER,
    case_q,
    department_ids,
    intake_scope,
    sees_full_contacts,
    tier_scope,
    view_scope,
    visible_cases_q,
    visible_departments_q,
)
from .search import filter_search, scope_tokens, search_text_for


def case_text(user, case: Case, text: str | None) -> str:
    """A request's text (description, title, note, result, rating comment) as ``user`` may read it:
    phone and ID numbers masked unless they hold the full phone/ID right there (``sees_full_contacts``)."""
    if not text:
        return text or ""
    full = user is not None and sees_full_contacts(user, case)
    return text if full else mask_contacts_in(text)


SIMILAR_DAYS = 14
MY_TIERS = "mine"  # the queue's tier filter: the tiers the user answers at, at their places (本级)
SIMILAR_THRESHOLD = 0.3


def queue(
    user,
    *,
    q: str = "",
    status: str | list[str] | None = None,
    tier: str | None = None,
    category_id: int | None = None,
    community_id: int | None = None,
    grid_id: int | None = None,
    building_id: int | None = None,
    handler: str | None = None,
    overdue: bool = False,
    mine_only: bool = False,
) -> QuerySet[Case]:
    """The staff queue: cases in the user's scope (not their own reports), newest first."""
    scope = view_scope(user)
    q_scope = case_q(scope) if not scope.is_empty else Q(pk__in=[])
    departments = department_ids(user)
    if departments:
        q_scope |= Q(department_id__in=departments)
    qs = Case.objects.filter(q_scope)
    if status == "open":
        qs = qs.filter(status__in=Case.OPEN_STATUSES)
    elif isinstance(status, (list, tuple)):
        qs = qs.filter(status__in=status)
    elif status:
        qs = qs.filter(status=status)
    if tier == MY_TIERS:
        qs = qs.filter(my_tiers_q(user))
        tier = None
    for name, value in (("tier", tier), ("category_id", category_id), ("community_id", community_id),
                        ("grid_id", grid_id), ("building_id", building_id)):
        if value:
            qs = qs.filter(**{name: value})
    if handler == "me" or mine_only:
        qs = qs.filter(handler=user)
    elif handler == "none":
        qs = qs.filter(handler__isnull=True)
    if overdue:
        now = timezone.now()
        qs = qs.filter(status__in=Case.OPEN_STATUSES).filter(
            Q(resolution_due_at__lt=now) | Q(responded_at__isnull=True, response_due_at__lt=now)
        )
    if q:
        tokens = None
        if not (scope.everything or departments or scope.compounds or scope.units or scope.households):
            tokens = scope_tokens(communities=scope.communities, grids=scope.grids, buildings=scope.buildings)
        qs = filter_search(qs, q, scope=tokens or None)
    return qs.select_related("category", "building", "household__unit", "handler", "grid").order_by(
        "-created_at", "-id"
    )


def my_cases(user) -> QuerySet[Case]:
    """A resident's own requests."""
    return (
        Case.objects.filter(reporter=user)
        .select_related("category", "building", "household__unit")
        .order_by("-created_at", "-id")
    )


def visible_cases(user) -> QuerySet[Case]:
    return Case.objects.filter(visible_cases_q(user))


def timeline(case: Case, *, public_only: bool) -> list[CaseEvent]:
    qs = case.events.select_related("actor").prefetch_related("photos").order_by("created_at", "id")
    if public_only:
        qs = qs.filter(public=True)
    return list(qs)


FIVE_QUESTIONS = [
    ("need", _("问需求"), [CaseEvent.Kind.SUBMITTED, CaseEvent.Kind.DUPLICATE_ADDED, CaseEvent.Kind.MERGED]),
    ("cause", _("问原因"), [CaseEvent.Kind.ACCEPTED, CaseEvent.Kind.CATEGORY_CHANGED, CaseEvent.Kind.REJECTED,
                      CaseEvent.Kind.COMMENT]),
    ("plan", _("问方案"), [CaseEvent.Kind.DISPATCHED, CaseEvent.Kind.ESCALATED, CaseEvent.Kind.WHISTLED,
                     CaseEvent.Kind.HANDED_OVER]),
    ("progress", _("问进度"), [CaseEvent.Kind.STARTED, CaseEvent.Kind.PROGRESS, CaseEvent.Kind.DEPARTMENT_ACK,
                         CaseEvent.Kind.REMINDED, CaseEvent.Kind.OVERDUE, CaseEvent.Kind.REOPENED]),
    ("outcome", _("问结果"), [CaseEvent.Kind.RESOLVED, CaseEvent.Kind.VERIFIED, CaseEvent.Kind.RATED,
                        CaseEvent.Kind.CLOSED]),
]


def five_questions(case: Case, *, public_only: bool = False) -> list[dict]:
    """The NPC five questions (五连问) as one view of the same history."""
    events = timeline(case, public_only=public_only)
    result = []
    for key, label, kinds in FIVE_QUESTIONS:
        result.append({"key": key, "label": label, "events": [e for e in events if e.kind in kinds]})
    return result


@dataclass
class Similar:
    """A similar open request. ``shared`` are the words it has in common with the new text:
    what a resident is shown instead of another household's own words."""

    case: Case
    score: float
    shared: tuple[str, ...] = ()


def _words(text: str) -> set[str]:
    return {w for w in text.split() if len(w) > 1}


def similar_open_cases(
    *, community_id: int, text: str, building_id: int | None = None, compound_id: int | None = None,
    exclude_pk: int | None = None, limit: int = 3,
) -> list[Similar]:
    """Open requests nearby (same building, else same compound) from the last 14 days with similar text."""
    if not building_id and not compound_id:
        return []
    since = timezone.now() - timedelta(days=SIMILAR_DAYS)
    qs = Case.objects.filter(community_id=community_id, created_at__gte=since, status__in=Case.OPEN_STATUSES)
    qs = qs.filter(building_id=building_id) if building_id else qs.filter(compound_id=compound_id)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    mine = _words(search_text_for(text))
    if not mine:
        return []
    # Score on the words alone; load only the few cases shown (this runs on every intake).
    found = []
    for pk, search_text in qs.order_by("-created_at").values_list("pk", "search_text")[:200]:
        theirs = _words(search_text)
        if not theirs:
            continue
        common = mine & theirs
        score = len(common) / len(mine | theirs)
        if score >= SIMILAR_THRESHOLD:
            found.append((pk, round(score, 2), tuple(sorted(common, key=lambda w: (-len(w), w)))[:6]))
    found.sort(key=lambda s: -s[1])
    found = found[:limit]
    cases = Case.objects.select_related("category", "building").in_bulk([pk for pk, _score, _w in found])
    return [Similar(cases[pk], score, shared) for pk, score, shared in found]


def similar_to_case(case: Case) -> list[Similar]:
    return similar_open_cases(
        community_id=case.community_id, text=case.description, building_id=case.building_id,
        compound_id=case.compound_id, exclude_pk=case.pk,
    )


def supervision_board(user) -> dict:
    """督办: overdue and soon-due open cases in the user's scope, by tier. Each case is in one list only:
    past its 办结时限 (overdue), else past its 响应时限 unanswered, else due within a day."""
    now = timezone.now()
    base = queue(user, status="open")
    overdue = base.filter(resolution_due_at__lt=now)
    unanswered = base.filter(responded_at__isnull=True, response_due_at__lt=now, resolution_due_at__gte=now)
    due_soon = base.filter(resolution_due_at__gte=now, resolution_due_at__lt=now + timedelta(days=1)).exclude(
        responded_at__isnull=True, response_due_at__lt=now)
    counts = {t.value: overdue.filter(tier=t.value).count() for t in Tier}
    return {"overdue": overdue, "unanswered": unanswered, "due_soon": due_soon, "overdue_by_tier": counts}


def categories(community_id: int) -> list[Category]:
    return list(Category.objects.filter(community_id=community_id, is_active=True).order_by("sort_order", "code"))


def resident_places(user) -> list[Household]:
    """The households a resident may file requests for."""
    resident = own_resident(user)
    if resident is None:
        return []
    return list(
        Household.objects.filter(occupancies__resident=resident)
        .select_related("unit", "building", "compound", "community")
        .order_by("pk")
    )


@dataclass
class ReporterCard:
    """Who reported a request, as the staff case page shows them: the name, their household (when the
    viewer may open it), the masked phone and whether the viewer may reveal it to call."""

    name: str
    household: Household | None = None
    phone_masked: str = ""
    can_call: bool = False


def reporter_card(user, case: Case) -> ReporterCard:
    from gongzhi.org.permissions import REVEAL_CONTACT, VIEW_HOUSEHOLDS, can

    from .permissions import can_reveal_recorded_contact

    resident = case.reporter_resident
    if resident is None:
        return ReporterCard(name=case.reporter_name, phone_masked=mask_phone(case.reporter_phone),
                            can_call=bool(case.reporter_phone) and can_reveal_recorded_contact(user, case))
    homes = list(
        Household.objects.filter(occupancies__resident=resident)
        .select_related("unit", "building", "compound", "community").order_by("pk").distinct()
    )
    # The request's own household first (the reporter's home), else the first home they live in.
    homes.sort(key=lambda h: h.pk != case.household_id)
    household = next((h for h in homes if can(user, VIEW_HOUSEHOLDS, "household", h)), None)
    return ReporterCard(name=resident.name, household=household, phone_masked=mask_phone(resident.phone),
                        can_call=bool(resident.phone) and can(user, REVEAL_CONTACT, "resident", resident))


def community_buildings(community_ids: Iterable[int]) -> list[Building]:
    """Every building of these communities, by compound: what a resident may report about and where
    staff may put a request (one query)."""
    return list(
        Building.objects.filter(community_id__in=list(community_ids)).select_related("compound", "community")
        .order_by("community__code", "compound__name", "name", "pk")
    )


def buildings_by_compound(buildings: list[Building]) -> list[tuple[str, list[Building]]]:
    """The picker's groups: (compound name, its buildings), in the order given."""
    groups: dict[str, list[Building]] = {}
    many = len({b.community_id for b in buildings}) > 1
    for b in buildings:
        label = b.compound.name if b.compound_id else ""
        if many:
            label = f"{b.community.name} {label}".strip()
        groups.setdefault(label, []).append(b)
    return list(groups.items())


# Who may handle a case ------------------------------------------------------------------------
def _assignment_covers(a: RoleAssignment, case: Case, stewarded: dict[int, set[int]]) -> bool:
    """The same rule as ``permissions.case_in_scope`` for one tier role's assignment."""
    level = ROLE_SCOPE[a.role]
    if level == ScopeLevel.COMMUNITY:
        return a.region_id == case.community_id
    if level == ScopeLevel.GRID:
        return case.grid_id is not None and a.region_id == case.grid_id
    if level == ScopeLevel.BUILDING:
        return case.building_id is not None and a.building_id == case.building_id
    if level == ScopeLevel.UNIT:
        return case.household_id is not None and case.household.unit_id == a.unit_id
    if level == ScopeLevel.HOUSEHOLDS:
        return case.household_id is not None and case.household_id in stewarded.get(a.pk, set())
    return False


def _eligible_roles(case: Case) -> set[str]:
    """派单 names anyone who answers for the case's place, at every tier (``permissions.handles_place``)."""
    if case.tier == Tier.DEPARTMENT:
        return set()
    return set(ROLE_TIER)


def handler_candidates(cases: Iterable[Case], *, require_all: bool = True) -> list[User]:
    """People who may handle every one of ``cases`` (or, with ``require_all=False``, any of them).

    Mirrors ``permissions.handles_place`` (department members for a department-tier case) with three
    queries in total; the actions check again.
    """
    cases = list(cases)
    if not cases:
        return []
    communities = {c.community_id for c in cases}
    grids = {c.grid_id for c in cases if c.grid_id}
    buildings = {c.building_id for c in cases if c.building_id}
    units = {c.household.unit_id for c in cases if c.household_id}
    households = {c.household_id for c in cases if c.household_id}
    q = Q(region_id__in=communities | grids) | Q(building_id__in=buildings) | Q(unit_id__in=units)
    if households:
        q |= Q(steward_households__household_id__in=households)
    assignments = list(
        RoleAssignment.objects.filter(q, revoked_at__isnull=True, role__in=list(ROLE_TIER), user__is_active=True)
        .distinct()
        .select_related("user")
    )
    stewarded: dict[int, set[int]] = defaultdict(set)
    steward_ids = [a.pk for a in assignments if ROLE_SCOPE[a.role] == ScopeLevel.HOUSEHOLDS]
    if steward_ids:
        from gongzhi.org.models import StewardHousehold

        for aid, hid in StewardHousehold.objects.filter(assignment_id__in=steward_ids).values_list(
            "assignment_id", "household_id"
        ):
            stewarded[aid].add(hid)
    department_members: dict[int, set[int]] = {}
    department_ids_needed = {c.department_id for c in cases if c.tier == Tier.DEPARTMENT and c.department_id}
    users: dict[int, User] = {}
    if department_ids_needed:
        through = Department.members.through
        for dep_id, uid in through.objects.filter(
            department_id__in=department_ids_needed, user__is_active=True
        ).values_list("department_id", "user_id"):
            department_members.setdefault(dep_id, set()).add(uid)
        for user in User.objects.filter(pk__in={u for ids in department_members.values() for u in ids}):
            users[user.pk] = user
    for a in assignments:
        users[a.user_id] = a.user

    def eligible(case: Case) -> set[int]:
        if case.tier == Tier.DEPARTMENT:
            return set(department_members.get(case.department_id, set()))
        roles = _eligible_roles(case)
        return {a.user_id for a in assignments if a.role in roles and _assignment_covers(a, case, stewarded)}

    sets = [eligible(c) for c in cases]
    chosen = set.intersection(*sets) if require_all else set.union(*sets)
    return sorted((users[uid] for uid in chosen), key=lambda u: (u.name, u.pk))


def role_labels(users: list[User], community_ids: set[int]) -> dict[int, str]:
    """Each candidate's casework roles, for the picker ("网格员 · 第一网格")."""
    if not users:
        return {}
    labels: dict[int, list[str]] = defaultdict(list)
    for a in (
        RoleAssignment.objects.filter(user__in=users, revoked_at__isnull=True, role__in=list(ROLE_TIER))
        .select_related("region", "building", "unit__building")
        .order_by("pk")
    ):
        place = a.building.name if a.building_id else (
            f"{a.unit.building.name} {a.unit}" if a.unit_id else (a.region.name if a.region_id else "")
        )
        labels[a.user_id].append(f"{a.get_role_display()} · {place}" if place else str(a.get_role_display()))
    return {uid: "、".join(parts) for uid, parts in labels.items()}


# Queue filters -----------------------------------------------------------------------------------
def queue_filter_options(user) -> dict:
    """Communities, grids, buildings and categories the user's queue can be narrowed to."""
    scope = view_scope(user)
    if scope.everything:
        community_ids = set(Region.objects.filter(kind=Region.Kind.COMMUNITY).values_list("pk", flat=True))
    else:
        community_ids = set(scope.community_ids_touched)
    departments = department_ids(user)
    if departments:
        community_ids |= set(Department.objects.filter(pk__in=departments).values_list("community_id", flat=True))
    grids_q = Q(parent_community_id__in=scope.communities) | Q(pk__in=scope.grids)
    grids = natural_sorted(
        Region.objects.filter(kind=Region.Kind.GRID).filter(Q() if scope.everything else grids_q)
        .select_related("parent_community"), key=lambda g: (g.parent_community_id or 0, g.name)
    )
    if scope.is_empty:
        buildings = []
    else:
        building_q = scope.building_q()
        if scope.households:
            building_q |= Q(households__in=sorted(scope.households))
        buildings = natural_sorted(Building.objects.filter(building_q).distinct().select_related("compound"),
                                   key=lambda b: (b.compound.name, b.name))
    communities = list(Region.objects.filter(pk__in=community_ids).order_by("code"))
    categories = list(
        Category.objects.filter(community_id__in=community_ids, is_active=True).order_by("community_id", "sort_order")
    )
    return {"communities": communities, "grids": grids, "buildings": buildings, "categories": categories}


# Home page and navigation ---------------------------------------------------------------------------
def my_tiers(user) -> list[str]:
    from gongzhi.org.permissions import active_assignments

    tiers = {ROLE_TIER[a.role] for a in active_assignments(user) if a.role in ROLE_TIER}
    return [t for t in TIER_ORDER if t in tiers]


def my_tiers_q(user) -> Q:
    """Cases waiting at a tier the user answers at, at a place they answer for (待受理（本级）)."""
    q = Q(pk__in=[])
    for tier in my_tiers(user):
        q |= Q(tier=tier) & case_q(tier_scope(user, tier))
    departments = department_ids(user)
    if departments:
        q |= Q(tier=Tier.DEPARTMENT, department_id__in=departments)
    return q


# The home page's tiles: each is the query string of the queue list it opens, and its count is the
# number of rows of that list (``queue_filters`` + ``queue_for``, the same reads as the queue page).
HOME_TILES = {
    "new": {"status": Case.Status.SUBMITTED, "tier": MY_TIERS},
    "overdue": {"overdue": "1"},
    "mine": {"handler": "me"},
}


def queue_filters(params) -> dict:
    """The queue page's filters out of its query parameters (a QueryDict or a dict), cleaned."""
    def number(key):  # beyond a BIGINT: -1, no row (org.ids.query_pk)
        return query_pk(params.get(key))

    status = params.get("status", "open")
    if status not in ("open", "all", *Case.Status.values):
        status = "open"
    tier = params.get("tier", "")
    return {
        "q": str(params.get("q", "")).strip()[:100],
        "status": status,
        "tier": tier if tier in (*Tier.values, MY_TIERS) else "",
        "category": number("category"),
        "community": number("community"),
        "grid": number("grid"),
        "building": number("building"),
        "handler": params.get("handler", "") if params.get("handler", "") in ("me", "none") else "",
        "overdue": params.get("overdue") == "1",
    }


def queue_for(user, f: dict) -> QuerySet[Case]:
    """The queue list for cleaned filters (``queue_filters``)."""
    return queue(
        user, q=f["q"], status=None if f["status"] == "all" else f["status"], tier=f["tier"] or None,
        category_id=f["category"], community_id=f["community"], grid_id=f["grid"], building_id=f["building"],
        handler=f["handler"] or None, overdue=f["overdue"],
    )


def handler_counts(user) -> dict:
    """The home tiles' counts: the rows of the queue list each tile opens; and the whistles waiting."""
    counts = {key: queue_for(user, queue_filters(params)).count() for key, params in HOME_TILES.items()}
    departments = department_ids(user)
    counts["whistles"] = (
        Whistle.objects.filter(department_id__in=departments, status__in=[Whistle.Status.PENDING,
                                                                         Whistle.Status.OVERDUE]).count()
        if departments else 0
    )
    return counts


# Intake on behalf of a resident ---------------------------------------------------------------------
def intake_places(user) -> dict:
    """Communities and buildings where the user may register a request for someone."""
    scope = intake_scope(user)
    if scope.is_empty:
        return {"communities": [], "buildings": []}
    communities = list(
        Region.objects.filter(kind=Region.Kind.COMMUNITY).filter(
            Q() if scope.everything else Q(pk__in=scope.community_ids_touched)
        ).order_by("code")
    )
    building_q = scope.building_q()
    if scope.households:
        building_q |= Q(households__in=sorted(scope.households))
    buildings = natural_sorted(Building.objects.filter(building_q).distinct().select_related("compound"),
                               key=lambda b: (b.community_id, b.compound.name, b.name))
    return {"communities": communities, "buildings": buildings}


def intake_households(user, building: Building) -> list[Household]:
    scope = intake_scope(user)
    qs = Household.objects.filter(building=building).select_related("unit")
    return natural_sorted((h for h in qs if scope.contains_household(h)),
                          key=lambda h: (h.unit.number if h.unit_id else "", h.floor or 0, h.room))


# Departments and whistles ---------------------------------------------------------------------------
def visible_departments(user) -> list[Department]:
    """Departments of the communities the user supervises, and the user's own."""
    now = timezone.now()
    return list(
        Department.objects.filter(visible_departments_q(user)).select_related("community").annotate(
            pending=Count("whistles", filter=Q(whistles__status__in=[Whistle.Status.PENDING, Whistle.Status.OVERDUE])),
            late=Count("whistles", filter=Q(whistles__status__in=[Whistle.Status.PENDING, Whistle.Status.OVERDUE],
                                            whistles__ack_due_at__lt=now)),
            members_count=Count("members", distinct=True),
        ).order_by("community_id", "name")
    )


def pending_whistles(department_ids_: Iterable[int]):
    return (
        Whistle.objects.filter(department_id__in=list(department_ids_),
                               status__in=[Whistle.Status.PENDING, Whistle.Status.OVERDUE])
        .select_related("case", "department", "whistled_by")
        .order_by("ack_due_at", "pk")
    )


def department_whistles(user):
    """Everything whistled to the user's departments, pending first."""
    from django.db.models import Case as When_
    from django.db.models import IntegerField, Value, When

    return (
        Whistle.objects.filter(department_id__in=department_ids(user))
        .select_related("case", "department", "whistled_by", "acknowledged_by")
        .annotate(done=When_(When(status=Whistle.Status.ACKNOWLEDGED, then=Value(1)), default=Value(0),
                             output_field=IntegerField()))
        .order_by("done", "ack_due_at", "-pk")
    )


def can_view_households_of(user, household: Household) -> bool:
    return scope_for(user, "view_households").contains_household(household)


def editable_departments(communities) -> list[Department]:
    """The departments of the communities the user edits, members loaded (two queries), phones masked."""
    if not communities:
        return []
    departments = list(
        Department.objects.filter(community__in=communities).select_related("community")
        .prefetch_related(Prefetch("members", queryset=User.objects.order_by("name", "pk")))
        .order_by("community__code", "name")
    )
    for department in departments:
        department.member_list = list(department.members.all())
        for member in department.member_list:
            member.masked_phone = mask_phone(member.phone)
    return departments
