"""Reads of mediations: the list, one mediation's parties and sessions, who may mediate, the yearly figures.

Access decisions are in ``permissions``.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gongzhi.org.models import RoleAssignment
from gongzhi.org.scopes import scope_for

from ..fieldwork.permissions import MANAGE_FIELDWORK, PATROL_WALKERS, as_int, signed_in
from ..models import Case, Mediation
from .permissions import MEDIATION_STAFF, mediation_communities, mediation_grids


def mediation_list(user, *, status: str = "", community_id: int | None = None) -> QuerySet[Mediation]:
    if not signed_in(user):
        return Mediation.objects.none()
    qs = Mediation.objects.select_related("case__category", "case__grid", "mediator", "community")
    if not user.is_superuser:
        q = Q(mediator=user)
        communities = mediation_communities(user)
        if communities:
            q |= Q(community_id__in=sorted(communities))
        grids = mediation_grids(user)
        if grids:
            q |= Q(case__grid_id__in=sorted(grids))
        qs = qs.filter(q)
    if status == "closed":
        qs = qs.exclude(status=Mediation.Status.OPEN)
    elif status in Mediation.Status.values:
        qs = qs.filter(status=status)
    if community_id:
        qs = qs.filter(community_id=community_id)
    return qs.annotate(session_count=Count("sessions")).order_by("-opened_at", "-pk")


def mediation_detail(mediation: Mediation) -> dict:
    return {
        "parties": list(mediation.parties.select_related("resident").order_by("side", "pk")),
        "sessions": list(mediation.sessions.select_related("recorded_by")),
    }


def mediator_candidates(case: Case) -> list:
    """Who may be named mediator: the people who may mediate the case."""
    from gongzhi.accounts.models import User

    q = Q(role__in=sorted(MEDIATION_STAFF), region_id=case.community_id)
    if case.grid_id:
        q |= Q(role__in=sorted(PATROL_WALKERS), region_id=case.grid_id)
    ids = RoleAssignment.objects.filter(q, revoked_at__isnull=True).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("name", "pk"))


def mediable_cases(user, *, q: str = "", limit: int = 30) -> list[Case]:
    """Open requests without a mediation the user may open one on, disputes first."""
    if not signed_in(user):
        return []
    scope_q = Q(pk__in=[])
    communities = set(scope_for(user, MANAGE_FIELDWORK).communities)
    if communities:
        scope_q |= Q(community_id__in=sorted(communities))
    grids = mediation_grids(user)
    if grids:
        scope_q |= Q(grid_id__in=sorted(grids))
    if user.is_superuser:
        scope_q = Q()
    qs = Case.objects.filter(scope_q, status__in=Case.OPEN_STATUSES, mediation__isnull=True).select_related(
        "category", "building", "grid"
    )
    if q:
        qs = qs.filter(Q(description__contains=q) | Q(address__contains=q) | Q(pk=as_int(q)))
    cases = list(qs.order_by("-created_at", "-pk")[: limit * 3])
    cases.sort(key=lambda c: (c.category.code != "neighbour_dispute", -c.created_at.timestamp(), -c.pk))
    return cases[:limit]


# Figures -----------------------------------------------------------------------------------------
def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """1 January to 1 January in the platform's time zone (Asia/Shanghai), as aware datetimes."""
    tz = timezone.get_default_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    return start, end


def disputes_resolved(community_id: int, year: int) -> int:
    """Disputes resolved (调解成功) in the community in the calendar year: mediations closed with an agreement."""
    return disputes_resolved_by_community([community_id], year).get(community_id, 0)


def disputes_resolved_by_community(community_ids, year: int) -> dict[int, int]:
    """{community_id: mediations closed with an agreement in ``year``} (0 for communities with none)."""
    start, end = year_bounds(year)
    ids = sorted(set(community_ids))
    rows = dict(
        Mediation.objects.filter(
            community_id__in=ids, status=Mediation.Status.AGREED, closed_at__gte=start, closed_at__lt=end
        )
        .values_list("community_id")
        .annotate(n=Count("pk"))
    )
    return {cid: rows.get(cid, 0) for cid in ids}


def mediation_stats(community_id: int, year: int) -> dict[str, int]:
    start, end = year_bounds(year)
    closed = Mediation.objects.filter(community_id=community_id, closed_at__gte=start, closed_at__lt=end)
    by_status = dict(closed.values_list("status").annotate(n=Count("pk")))
    return {
        "agreed": by_status.get(Mediation.Status.AGREED, 0),
        "not_agreed": by_status.get(Mediation.Status.NOT_AGREED, 0),
        "withdrawn": by_status.get(Mediation.Status.WITHDRAWN, 0),
        "open": Mediation.objects.filter(community_id=community_id, status=Mediation.Status.OPEN).count(),
    }
