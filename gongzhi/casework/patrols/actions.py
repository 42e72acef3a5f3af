"""网格巡查: a grid worker walks their grid, records stops, files requests on the spot, writes a summary.

    start (one open patrol per worker) ──▶ stop, stop, … (one tap each; a note; a request from a stop)
                                       ──▶ end with a summary

Only grid heads and grid workers of the grid walk it; only the walker changes their
own patrol, and only while it is open. A request filed from a stop goes through the
normal intake (``case_submit`` with channel ``patrol`` and the patrol id) and is
linked to the stop, so the patrol log shows what each walk raised.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.org.models import Building, Region

from .. import error_codes as codes
from ..actions.intake import case_submit
from ..fieldwork.actions import clean_text
from ..models import Case, Channel, Patrol, PatrolStop, Urgency
from .permissions import access_patrol, access_stop, patrol_grids, patrol_view_grids
from .selectors import patrol_summary


def _audit(actor, action: str, patrol: Patrol, changes: dict | None = None, details: dict | None = None) -> None:
    audit_record(
        actor=actor, action=f"patrol.{action}", target=patrol,
        target_label=f"{patrol.grid.name} {timezone.localtime(patrol.started_at):%Y-%m-%d %H:%M}",
        community_id=patrol.community_id, changes=changes or {}, details=details or {},
    )


def _already_open(patrol_id: int) -> ApplicationError:
    return ApplicationError(
        codes.PATROL_ALREADY_OPEN, _("您有一次巡查尚未结束，请先结束后再开始新的巡查。"), status=409,
        details={"patrol_id": patrol_id},
    )


def _own_open(actor, patrol_id) -> Patrol:
    """The actor's own patrol, still open, locked."""
    patrol = access_patrol(actor, patrol_id)
    if patrol.worker_id != actor.pk:
        raise ApplicationError(codes.NOT_YOUR_PATROL, _("只能在自己的巡查中记录。"), status=403)
    patrol = Patrol.objects.select_for_update(of=("self",)).select_related("grid").get(pk=patrol.pk)
    if patrol.ended_at is not None:
        raise ApplicationError(codes.PATROL_ENDED, _("该次巡查已结束。"), status=409)
    return patrol


@transaction.atomic
def patrol_start(*, actor, grid_id: int) -> Patrol:
    grid = Region.objects.filter(pk=grid_id if str(grid_id).isdigit() else -1, kind=Region.Kind.GRID).first()
    if grid is None:
        raise NotFound()
    if grid.pk not in {g.pk for g in patrol_grids(actor)}:
        if patrol_view_grids(actor).filter(pk=grid.pk).exists():
            raise ApplicationError(codes.NOT_GRID_WORKER, _("只有本网格的网格长、网格员可以开始巡查。"), status=403)
        raise NotFound()
    existing = Patrol.objects.filter(worker=actor, ended_at__isnull=True).values_list("pk", flat=True).first()
    if existing:
        raise _already_open(existing)
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(community_id=grid.parent_community_id, grid=grid, worker=actor,
                                           started_at=timezone.now())
    except IntegrityError:  # a second tap raced the first one
        raise _already_open(
            Patrol.objects.filter(worker=actor, ended_at__isnull=True).values_list("pk", flat=True).first()
        ) from None
    _audit(actor, "start", patrol, {"grid": grid.pk})
    return patrol


@transaction.atomic
def patrol_stop_add(*, actor, patrol_id: int, building_id: int | None = None, place: str = "",
                    note: str = "") -> PatrolStop:
    """One tap: a building of the grid (or a place by name) at this moment, with an optional note."""
    patrol = _own_open(actor, patrol_id)
    building = None
    if building_id not in (None, ""):
        building = Building.objects.filter(pk=building_id if str(building_id).isdigit() else -1,
                                           grid_id=patrol.grid_id).first()
        if building is None:
            raise ApplicationError(codes.BUILDING_OUTSIDE_GRID, _("所选楼栋不在本网格。"), field="building")
    place = clean_text(place, field="place", label=_("地点"), max_length=200, required=False)
    if building is None and not place:
        raise ApplicationError(codes.STOP_PLACE_REQUIRED, _("请选择楼栋或填写地点。"), field="place")
    note = clean_text(note, field="note", label=_("记录"), max_length=2000, required=False)
    stop = PatrolStop.objects.create(patrol=patrol, building=building, place=place, note=note,
                                     visited_at=timezone.now())
    _audit(actor, "stop", patrol, {"stop": [None, stop.pk]},
           {"building": building.pk if building else None, "place": place})
    return stop


@transaction.atomic
def patrol_stop_note(*, actor, stop_id: int, note: str) -> PatrolStop:
    """Write down what was seen at a stop (while the patrol is open)."""
    stop = access_stop(actor, stop_id)
    patrol = _own_open(actor, stop.patrol_id)
    note = clean_text(note, field="note", label=_("记录"), max_length=2000)
    old = stop.note
    stop.note = note
    stop.save(update_fields=["note"])
    _audit(actor, "stop_note", patrol, {"stop_note": [old, note]}, {"stop": stop.pk})
    return stop


@transaction.atomic
def patrol_report(*, actor, stop_id: int, description: str, category_code: str | None = None,
                  urgency: str = Urgency.NORMAL, photos=()) -> Case:
    """File a request from a stop: the normal intake, channel 网格巡查, linked to the patrol and the stop."""
    stop = access_stop(actor, stop_id)
    patrol = _own_open(actor, stop.patrol_id)
    case = case_submit(
        actor=actor,
        description=description,
        channel=Channel.PATROL,
        building_id=stop.building_id,
        community_id=None if stop.building_id else patrol.community_id,
        address=stop.place,
        category_code=category_code or None,
        urgency=urgency,
        photos=photos,
        patrol_id=patrol.pk,
    )
    stop.cases.add(case)
    _audit(actor, "report", patrol, {"case": [None, case.pk]}, {"stop": stop.pk})
    return case


@transaction.atomic
def patrol_end(*, actor, patrol_id: int, summary: str) -> Patrol:
    patrol = _own_open(actor, patrol_id)
    summary = clean_text(summary, field="summary", label=_("巡查小结"), max_length=4000)
    patrol.ended_at, patrol.summary = timezone.now(), summary
    patrol.save(update_fields=["ended_at", "summary"])
    figures = patrol_summary(patrol)
    _audit(actor, "end", patrol, {"ended_at": [None, patrol.ended_at]},
           {"stops": figures.stops, "cases": figures.cases})
    return patrol
