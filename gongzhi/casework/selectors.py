"""Reads of the casework app: queues, timelines, the five questions, similar requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from gongzhi.org.models import Household
from gongzhi.org.permissions import own_resident

from .models import Case, CaseEvent, Category, Tier
from .permissions import case_q, department_ids, view_scope, visible_cases_q
from .search import filter_search, scope_tokens, search_text_for

SIMILAR_DAYS = 14
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
    ("need", "问需求", [CaseEvent.Kind.SUBMITTED, CaseEvent.Kind.DUPLICATE_ADDED, CaseEvent.Kind.MERGED]),
    ("cause", "问原因", [CaseEvent.Kind.ACCEPTED, CaseEvent.Kind.CATEGORY_CHANGED, CaseEvent.Kind.REJECTED,
                      CaseEvent.Kind.COMMENT]),
    ("plan", "问方案", [CaseEvent.Kind.DISPATCHED, CaseEvent.Kind.ESCALATED, CaseEvent.Kind.WHISTLED,
                     CaseEvent.Kind.HANDED_OVER]),
    ("progress", "问进度", [CaseEvent.Kind.STARTED, CaseEvent.Kind.PROGRESS, CaseEvent.Kind.DEPARTMENT_ACK,
                         CaseEvent.Kind.REMINDED, CaseEvent.Kind.OVERDUE, CaseEvent.Kind.REOPENED]),
    ("outcome", "问结果", [CaseEvent.Kind.RESOLVED, CaseEvent.Kind.VERIFIED, CaseEvent.Kind.RATED,
                        CaseEvent.Kind.CLOSED]),
]


def five_questions(case: Case) -> list[dict]:
    """The NPC five questions (五连问) as one view of the same history."""
    events = timeline(case, public_only=False)
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
    """督办: overdue and soon-due open cases in the user's scope, by tier."""
    now = timezone.now()
    base = queue(user, status="open")
    overdue = base.filter(resolution_due_at__lt=now)
    unanswered = base.filter(responded_at__isnull=True, response_due_at__lt=now)
    due_soon = base.filter(resolution_due_at__gte=now, resolution_due_at__lt=now + timedelta(days=1))
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
