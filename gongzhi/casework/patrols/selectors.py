"""Reads of patrols: the walker's open patrol, the log with stops and the requests they raised, figures.

Access decisions are in ``permissions``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from ..fieldwork.permissions import signed_in
from ..models import Case, Patrol, PatrolStop
from .permissions import patrol_view_grids


def open_patrol(user) -> Patrol | None:
    if not signed_in(user):
        return None
    return Patrol.objects.select_related("grid").filter(worker=user, ended_at__isnull=True).first()


def with_stops(qs: QuerySet[Patrol]) -> QuerySet[Patrol]:
    """Patrols with their grid, walker, stops and the requests raised (a fixed number of queries)."""
    cases = Case.objects.select_related("category").order_by("pk")
    return qs.select_related("grid", "worker", "community").prefetch_related(
        Prefetch("stops", queryset=PatrolStop.objects.select_related("building__compound").prefetch_related(
            Prefetch("cases", queryset=cases))),
        Prefetch("cases", queryset=cases),
    )


def patrol_log(user, *, grid_id: int | None = None, day: datetime.date | None = None,
               worker_id: int | None = None) -> QuerySet[Patrol]:
    """Patrols of the grids the user may read, newest first, with stops and the requests they raised."""
    grids = patrol_view_grids(user)
    qs = Patrol.objects.filter(Q(grid__in=grids) | Q(worker_id=getattr(user, "pk", None)))
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if worker_id:
        qs = qs.filter(worker_id=worker_id)
    if day:
        tz = timezone.get_default_timezone()
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
        qs = qs.filter(started_at__gte=start, started_at__lt=start + datetime.timedelta(days=1))
    return with_stops(qs).annotate(stop_count=Count("stops", distinct=True)).order_by("-started_at", "-pk")


def patrol_detail(patrol: Patrol) -> Patrol:
    return with_stops(Patrol.objects.filter(pk=patrol.pk)).get()


def grid_buildings(patrol: Patrol) -> list:
    """The buildings of the patrol's grid with how often they were visited on this patrol (one tap each)."""
    from gongzhi.core.sorting import natural_sorted
    from gongzhi.org.models import Building

    visited = dict(
        PatrolStop.objects.filter(patrol=patrol, building__isnull=False)
        .values_list("building_id")
        .annotate(n=Count("pk"))
    )
    buildings = natural_sorted(Building.objects.filter(grid_id=patrol.grid_id).select_related("compound"),
                               key=lambda b: (b.compound.name, b.name))
    for b in buildings:
        b.visits = visited.get(b.pk, 0)
    return buildings


@dataclass
class PatrolSummary:
    stops: int
    buildings: int
    cases: int


def patrol_summary(patrol: Patrol) -> PatrolSummary:
    stops = PatrolStop.objects.filter(patrol=patrol)
    return PatrolSummary(
        stops=stops.count(),
        buildings=stops.filter(building__isnull=False).values("building_id").distinct().count(),
        cases=Case.objects.filter(patrol=patrol).count(),
    )


def suggested_summary(patrol: Patrol) -> str:
    """What the end form starts with: the walk in figures, for the worker to complete."""
    figures = patrol_summary(patrol)
    return gettext("巡查 %(stops)d 处（楼栋 %(buildings)d 栋），发现并上报问题 %(cases)d 件。") % {
        "stops": figures.stops, "buildings": figures.buildings, "cases": figures.cases,
    }
