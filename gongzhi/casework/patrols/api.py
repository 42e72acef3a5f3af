"""JSON API of grid patrols (/api/field/patrols…, mounted by ``fieldwork.api``).

Same access rules and actions as the pages: every write endpoint calls one action;
errors share the API's shape (400 bad input, 403 a refused action on a visible
object, 404 invisible or missing, 409 the patrol is not open).
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from gongzhi.core.schemas import Id, Page, PageNumber, PageSize, checked, errors, paginate_queryset

from ..api import photos_from_base64
from ..actions.intake import MAX_DESCRIPTION
from ..models import Patrol, Urgency
from ..schemas import PhotoB64
from . import actions as patrol_actions
from . import permissions, selectors

router = Router(tags=["field"])


# Schemas ---------------------------------------------------------------------------------------
# Limits checked by the actions (a 400 with a specific code): published, not enforced on parsing.
class PatrolIn(Schema):
    grid_id: Id


class StopIn(Schema):
    building_id: Id | None = None
    place: str = checked(default="", max_length=200, description="Required without building_id.")
    note: str = checked(default="", max_length=2000)


class StopNoteIn(Schema):
    note: str = checked(min_length=1, max_length=2000)


class PatrolReportIn(Schema):
    description: str = checked(min_length=1, max_length=MAX_DESCRIPTION)
    category: str | None = None
    urgency: str = checked(default=Urgency.NORMAL.value, enum=Urgency.values)
    photos: list[PhotoB64] = Field(default_factory=list)


class EndIn(Schema):
    summary: str = checked(min_length=1, max_length=4000)


class StopOut(Schema):
    id: int
    building_id: int | None
    building: str | None
    place: str
    visited_at: datetime
    note: str
    case_ids: list[int]


class PatrolOut(Schema):
    id: int
    grid_id: int
    grid: str
    community_id: int
    worker_id: int
    worker: str
    started_at: datetime
    ended_at: datetime | None
    summary: str
    stops: list[StopOut]
    case_ids: list[int]


class PatrolReportOut(Schema):
    case_id: int
    stop_id: int
    patrol_id: int


# Serialisers -----------------------------------------------------------------------------------
def _patrol(p: Patrol) -> dict:
    return {
        "id": p.pk, "grid_id": p.grid_id, "grid": p.grid.name, "community_id": p.community_id,
        "worker_id": p.worker_id, "worker": p.worker.name, "started_at": p.started_at, "ended_at": p.ended_at,
        "summary": p.summary,
        "stops": [
            {"id": s.pk, "building_id": s.building_id,
             "building": s.building.name if s.building_id else None, "place": s.place,
             "visited_at": s.visited_at, "note": s.note, "case_ids": [c.pk for c in s.cases.all()]}
            for s in p.stops.all()
        ],
        "case_ids": [c.pk for c in p.cases.all()],
    }


def _patrol_by_id(request, patrol_id: Id) -> dict:
    return _patrol(selectors.patrol_detail(permissions.access_patrol(request.user, patrol_id)))


# Patrols ---------------------------------------------------------------------------------------
@router.get("/patrols", response=Page[PatrolOut])
def patrol_list(request: HttpRequest, grid: Id | None = None, day: date | None = None, page: PageNumber = 1,
                page_size: PageSize = 20):
    qs = selectors.patrol_log(request.user, grid_id=grid, day=day)
    result = paginate_queryset(qs, page=page, page_size=page_size)
    result["items"] = [_patrol(p) for p in result["items"]]
    return result


@router.get("/patrols/current", response={200: PatrolOut, 204: None})
def patrol_current(request: HttpRequest):
    patrol = selectors.open_patrol(request.user)
    if patrol is None:
        return Status(204, None)
    return _patrol(selectors.patrol_detail(patrol))


@router.post("/patrols", response={201: PatrolOut, **errors(403, 404, 409)})
def patrol_start(request: HttpRequest, payload: PatrolIn):
    patrol = patrol_actions.patrol_start(actor=request.user, grid_id=payload.grid_id)
    return Status(201, _patrol_by_id(request, patrol.pk))


@router.get("/patrols/{patrol_id}", response=PatrolOut)
def patrol_get(request: HttpRequest, patrol_id: Id):
    return _patrol_by_id(request, patrol_id)


@router.post("/patrols/{patrol_id}/stops", response={201: StopOut, **errors(400, 403, 409)})
def patrol_stop(request: HttpRequest, patrol_id: Id, payload: StopIn):
    stop = patrol_actions.patrol_stop_add(actor=request.user, patrol_id=patrol_id, **payload.dict())
    return Status(201, {"id": stop.pk, "building_id": stop.building_id,
                        "building": stop.building.name if stop.building_id else None, "place": stop.place,
                        "visited_at": stop.visited_at, "note": stop.note, "case_ids": []})


@router.post("/patrols/stops/{stop_id}/note", response={200: PatrolOut, **errors(400, 403, 409)})
def patrol_stop_note(request: HttpRequest, stop_id: Id, payload: StopNoteIn):
    stop = patrol_actions.patrol_stop_note(actor=request.user, stop_id=stop_id, note=payload.note)
    return _patrol_by_id(request, stop.patrol_id)


@router.post("/patrols/stops/{stop_id}/report", response={201: PatrolReportOut, **errors(400, 403, 409)})
def patrol_report(request: HttpRequest, stop_id: Id, payload: PatrolReportIn):
    case = patrol_actions.patrol_report(actor=request.user, stop_id=stop_id, description=payload.description,
                                        category_code=payload.category, urgency=payload.urgency,
                                        photos=photos_from_base64(payload.photos))
    return Status(201, {"case_id": case.pk, "stop_id": stop_id, "patrol_id": case.patrol_id})


@router.post("/patrols/{patrol_id}/end", response={200: PatrolOut, **errors(400, 403, 409)})
def patrol_end(request: HttpRequest, patrol_id: Id, payload: EndIn):
    patrol_actions.patrol_end(actor=request.user, patrol_id=patrol_id, summary=payload.summary)
    return _patrol_by_id(request, patrol_id)
