"""JSON API of service orders, mediation and patrols (mounted at /api/field).

Same access rules and actions as the pages: every write endpoint calls one action;
errors share the API's shape (400 bad input, 403 a refused action on a visible
object, 404 invisible or missing, 409 the object is not in a state for that step).
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from gongzhi.core.errors import NotFound
from gongzhi.core.schemas import Page, paginate_queryset
from gongzhi.core.validators import mask_phone

from . import field_selectors as fs
from .actions import mediation as mediation_actions
from .actions import patrols as patrol_actions
from .actions import services as service_actions
from .api import _photos
from .models import Mediation, Patrol, ServiceOffering, ServiceOrder
from .schemas import PhotoB64

router = Router(tags=["field"])


# Schemas ---------------------------------------------------------------------------------------
class OfferingIn(Schema):
    community_id: int
    title: str
    description: str = ""
    provider: str = ServiceOffering.Provider.ANY


class OfferingPatchIn(Schema):
    title: str
    description: str = ""
    provider: str = ServiceOffering.Provider.ANY


class OfferingOut(Schema):
    id: int
    community_id: int
    title: str
    description: str
    provider: str
    provider_label: str
    is_active: bool


class OrderIn(Schema):
    offering_id: int
    household_id: int | None = None
    note: str = ""
    preferred_time: str = ""


class OrderOut(Schema):
    id: int
    offering_id: int
    service: str
    provider: str
    community_id: int
    household_id: int | None
    place: str
    status: str
    status_label: str
    note: str
    preferred_time: str
    requester: str
    requester_phone: str
    assignee_id: int | None
    assignee: str | None
    dispatched_by_id: int | None
    created_at: datetime
    posted_at: datetime | None
    taken_at: datetime | None
    completed_at: datetime | None
    completion_note: str
    rating: int | None
    rating_comment: str
    cancelled_at: datetime | None
    actions: list[str]


class DispatchIn(Schema):
    assignee_id: int
    note: str = ""


class ReasonIn(Schema):
    reason: str = ""


class CompleteIn(Schema):
    note: str


class RateIn(Schema):
    rating: int
    comment: str = ""


class CandidateOut(Schema):
    id: int
    name: str
    kinds: list[str]


class PartyIn(Schema):
    side: str
    name: str = ""
    resident_id: int | None = None
    phone: str = ""


class PartyOut(Schema):
    id: int
    side: str
    side_label: str
    name: str
    resident_id: int | None
    phone: str


class SessionIn(Schema):
    held_at: datetime
    notes: str
    place: str = ""
    attendees: str = ""


class SessionOut(Schema):
    id: int
    held_at: datetime
    place: str
    attendees: str
    notes: str
    recorded_by: str | None


class MediationIn(Schema):
    case_id: int
    mediator_id: int | None = None
    note: str = ""


class CloseIn(Schema):
    outcome: str
    terms: str = ""
    note: str = ""
    resolve_case: bool = False


class MediationOut(Schema):
    id: int
    case_id: int
    case_title: str
    case_status: str
    community_id: int
    status: str
    status_label: str
    mediator_id: int
    mediator: str
    opened_at: datetime
    closed_at: datetime | None
    agreement_terms: str
    outcome_note: str
    parties: list[PartyOut]
    sessions: list[SessionOut]
    can_edit: bool


class MediationBriefOut(Schema):
    id: int
    case_id: int
    case_title: str
    community_id: int
    status: str
    status_label: str
    mediator: str
    opened_at: datetime
    closed_at: datetime | None


class ResolvedOut(Schema):
    community_id: int
    year: int
    disputes_resolved: int


class PhoneOut(Schema):
    phone: str


class PatrolIn(Schema):
    grid_id: int


class StopIn(Schema):
    building_id: int | None = None
    place: str = ""
    note: str = ""


class StopNoteIn(Schema):
    note: str


class ReportIn(Schema):
    description: str
    category: str | None = None
    urgency: str = "normal"
    photos: list[PhotoB64] = Field(default_factory=list)


class EndIn(Schema):
    summary: str


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


class ReportOut(Schema):
    case_id: int
    stop_id: int
    patrol_id: int


# Serialisers -----------------------------------------------------------------------------------
def _offering(o: ServiceOffering) -> dict:
    return {"id": o.pk, "community_id": o.community_id, "title": o.title, "description": o.description,
            "provider": o.provider, "provider_label": str(o.get_provider_display()), "is_active": o.is_active}


def _order(user, order: ServiceOrder) -> dict:
    full = fs.sees_contact(user, order)
    phone = order.requested_by.phone
    return {
        "id": order.pk, "offering_id": order.offering_id, "service": order.offering.title,
        "provider": order.offering.provider, "community_id": order.community_id,
        "household_id": order.household_id if full else None,
        "place": fs.household_label(order, full=full), "status": order.status,
        "status_label": str(order.get_status_display()), "note": order.note, "preferred_time": order.preferred_time,
        "requester": order.requested_by.name, "requester_phone": phone if full else mask_phone(phone),
        "assignee_id": order.assignee_id, "assignee": order.assignee.name if order.assignee_id else None,
        "dispatched_by_id": order.dispatched_by_id, "created_at": order.created_at, "posted_at": order.posted_at,
        "taken_at": order.taken_at, "completed_at": order.completed_at, "completion_note": order.completion_note,
        "rating": order.rating, "rating_comment": order.rating_comment, "cancelled_at": order.cancelled_at,
        "actions": fs.order_actions(user, order),
    }


def _order_by_id(request, order_id: int) -> dict:
    return _order(request.user, fs.access_order(request.user, order_id))


def _orders_page(request, qs, page: int, page_size: int) -> dict:
    result = paginate_queryset(qs, page=page, page_size=page_size)
    result["items"] = [_order(request.user, o) for o in result["items"]]
    return result


def _mediation(user, m: Mediation) -> dict:
    detail = fs.mediation_detail(m)
    return {
        "id": m.pk, "case_id": m.case_id, "case_title": m.case.title, "case_status": m.case.status,
        "community_id": m.community_id, "status": m.status, "status_label": str(m.get_status_display()),
        "mediator_id": m.mediator_id, "mediator": m.mediator.name, "opened_at": m.opened_at,
        "closed_at": m.closed_at, "agreement_terms": m.agreement_terms, "outcome_note": m.outcome_note,
        "parties": [
            {"id": p.pk, "side": p.side, "side_label": str(p.get_side_display()), "name": p.name,
             "resident_id": p.resident_id, "phone": mask_phone(p.phone)}
            for p in detail["parties"]
        ],
        "sessions": [
            {"id": s.pk, "held_at": s.held_at, "place": s.place, "attendees": s.attendees, "notes": s.notes,
             "recorded_by": s.recorded_by.name if s.recorded_by_id else None}
            for s in detail["sessions"]
        ],
        "can_edit": m.status == Mediation.Status.OPEN and fs.can_mediate(user, m.case),
    }


def _mediation_by_id(request, mediation_id: int) -> dict:
    return _mediation(request.user, fs.access_mediation(request.user, mediation_id))


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


def _patrol_by_id(request, patrol_id: int) -> dict:
    return _patrol(fs.patrol_detail(fs.access_patrol(request.user, patrol_id)))


# Services: offerings ---------------------------------------------------------------------------
@router.get("/services/offerings", response=list[OfferingOut])
def offering_list(request: HttpRequest, community: int, include_withdrawn: bool = False):
    """The catalogue of a community (members), or every offering including withdrawn ones (managers)."""
    if not (community in fs.member_communities(request.user) or fs.can_read_board(request.user, community)):
        raise NotFound()
    if include_withdrawn and fs.can_read_board(request.user, community):
        qs = fs.offerings_for_staff(community, show="all")
    else:
        qs = fs.catalogue(community)
    return [_offering(o) for o in qs]


@router.post("/services/offerings", response={201: OfferingOut})
def offering_create(request: HttpRequest, payload: OfferingIn):
    offering = service_actions.offering_create(actor=request.user, **payload.dict())
    return Status(201, _offering(offering))


@router.put("/services/offerings/{offering_id}", response=OfferingOut)
def offering_update(request: HttpRequest, offering_id: int, payload: OfferingPatchIn):
    return _offering(service_actions.offering_update(actor=request.user, offering_id=offering_id, **payload.dict()))


@router.post("/services/offerings/{offering_id}/withdraw", response=OfferingOut)
def offering_withdraw(request: HttpRequest, offering_id: int):
    return _offering(service_actions.offering_withdraw(actor=request.user, offering_id=offering_id))


@router.post("/services/offerings/{offering_id}/relist", response=OfferingOut)
def offering_relist(request: HttpRequest, offering_id: int):
    return _offering(service_actions.offering_relist(actor=request.user, offering_id=offering_id))


# Services: orders ------------------------------------------------------------------------------
@router.post("/services/orders", response={201: OrderOut})
def order_place(request: HttpRequest, payload: OrderIn):
    order = service_actions.order_place(actor=request.user, **payload.dict())
    return Status(201, _order_by_id(request, order.pk))


@router.get("/services/orders/mine", response=Page[OrderOut])
def orders_mine(request: HttpRequest, page: int = 1, page_size: int = 30):
    return _orders_page(request, fs.my_orders(request.user), page, page_size)


@router.get("/services/pool", response=Page[OrderOut])
def orders_pool(request: HttpRequest, page: int = 1, page_size: int = 30):
    return _orders_page(request, fs.pool(request.user), page, page_size)


@router.get("/services/orders/taken", response=Page[OrderOut])
def orders_taken(request: HttpRequest, done: bool = False, page: int = 1, page_size: int = 30):
    return _orders_page(request, fs.my_taken(request.user, done=done), page, page_size)


class BoardFilter(Schema):
    community: int
    status: str = "waiting"
    offering: int | None = None
    page: int = 1
    page_size: int = 30


@router.get("/services/orders", response=Page[OrderOut])
def orders_board(request: HttpRequest, filters: Query[BoardFilter]):
    """The staff board of a community: waiting / posted / taken / done / cancelled / all."""
    if not fs.can_read_board(request.user, filters.community):
        raise NotFound()
    qs = fs.board(filters.community, status=filters.status, offering_id=filters.offering)
    return _orders_page(request, qs, filters.page, filters.page_size)


@router.get("/services/orders/{order_id}", response=OrderOut)
def order_get(request: HttpRequest, order_id: int):
    return _order_by_id(request, order_id)


@router.get("/services/orders/{order_id}/candidates", response=list[CandidateOut])
def order_candidates(request: HttpRequest, order_id: int, q: str = ""):
    order = fs.access_order(request.user, order_id)
    if not fs.can_manage_services(request.user, order.community_id):
        raise NotFound()
    return fs.dispatch_candidates(order, q=q)


@router.post("/services/orders/{order_id}/dispatch", response=OrderOut)
def order_dispatch(request: HttpRequest, order_id: int, payload: DispatchIn):
    service_actions.order_dispatch(actor=request.user, order_id=order_id, assignee_id=payload.assignee_id,
                                   note=payload.note)
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/post", response=OrderOut)
def order_post(request: HttpRequest, order_id: int):
    service_actions.order_post(actor=request.user, order_id=order_id)
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/take", response=OrderOut)
def order_take(request: HttpRequest, order_id: int):
    service_actions.order_take(actor=request.user, order_id=order_id)
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/release", response=OrderOut)
def order_release(request: HttpRequest, order_id: int, payload: ReasonIn):
    order = service_actions.order_release(actor=request.user, order_id=order_id, reason=payload.reason)
    if fs.order_role(request.user, order) is None:  # a taker who gave it back may no longer see it
        return _order(request.user, order) | {"actions": []}
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/complete", response=OrderOut)
def order_complete(request: HttpRequest, order_id: int, payload: CompleteIn):
    service_actions.order_complete(actor=request.user, order_id=order_id, note=payload.note)
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/rate", response=OrderOut)
def order_rate(request: HttpRequest, order_id: int, payload: RateIn):
    service_actions.order_rate(actor=request.user, order_id=order_id, rating=payload.rating, comment=payload.comment)
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/cancel", response=OrderOut)
def order_cancel(request: HttpRequest, order_id: int, payload: ReasonIn):
    service_actions.order_cancel(actor=request.user, order_id=order_id, reason=payload.reason)
    return _order_by_id(request, order_id)


# Mediation -------------------------------------------------------------------------------------
@router.get("/mediations", response=Page[MediationBriefOut])
def mediation_list(request: HttpRequest, status: str = "", community: int | None = None, page: int = 1,
                   page_size: int = 30):
    result = paginate_queryset(fs.mediation_list(request.user, status=status, community_id=community), page=page,
                               page_size=page_size)
    result["items"] = [
        {"id": m.pk, "case_id": m.case_id, "case_title": m.case.title, "community_id": m.community_id,
         "status": m.status, "status_label": str(m.get_status_display()), "mediator": m.mediator.name,
         "opened_at": m.opened_at, "closed_at": m.closed_at}
        for m in result["items"]
    ]
    return result


@router.get("/mediations/resolved", response=ResolvedOut)
def mediation_resolved(request: HttpRequest, community: int, year: int | None = None):
    """Disputes resolved (调解成功) in a community in a calendar year (default: this year)."""
    if not (community in fs.mediation_communities(request.user) or getattr(request.user, "is_superuser", False)):
        raise NotFound()
    year = year or timezone.localdate().year
    return {"community_id": community, "year": year, "disputes_resolved": fs.disputes_resolved(community, year)}


@router.post("/mediations", response={201: MediationOut})
def mediation_open(request: HttpRequest, payload: MediationIn):
    mediation = mediation_actions.mediation_open(actor=request.user, case_id=payload.case_id,
                                                 mediator_id=payload.mediator_id, note=payload.note)
    return Status(201, _mediation_by_id(request, mediation.pk))


@router.get("/mediations/{mediation_id}", response=MediationOut)
def mediation_get(request: HttpRequest, mediation_id: int):
    return _mediation_by_id(request, mediation_id)


@router.post("/mediations/{mediation_id}/parties", response={201: MediationOut})
def mediation_add_party(request: HttpRequest, mediation_id: int, payload: PartyIn):
    mediation_actions.mediation_add_party(actor=request.user, mediation_id=mediation_id, **payload.dict())
    return Status(201, _mediation_by_id(request, mediation_id))


@router.post("/mediations/parties/{party_id}/remove", response=MediationOut)
def mediation_remove_party(request: HttpRequest, party_id: int):
    mediation = mediation_actions.mediation_remove_party(actor=request.user, party_id=party_id)
    return _mediation_by_id(request, mediation.pk)


@router.get("/mediations/parties/{party_id}/phone", response=PhoneOut)
def mediation_party_phone(request: HttpRequest, party_id: int):
    """The full number of a party (audited), for those who mediate."""
    return {"phone": fs.party_phone_reveal(request.user, party_id)}


@router.post("/mediations/{mediation_id}/sessions", response={201: MediationOut})
def mediation_add_session(request: HttpRequest, mediation_id: int, payload: SessionIn):
    mediation_actions.mediation_add_session(actor=request.user, mediation_id=mediation_id, **payload.dict())
    return Status(201, _mediation_by_id(request, mediation_id))


@router.post("/mediations/{mediation_id}/close", response=MediationOut)
def mediation_close(request: HttpRequest, mediation_id: int, payload: CloseIn):
    mediation_actions.mediation_close(actor=request.user, mediation_id=mediation_id, **payload.dict())
    return _mediation_by_id(request, mediation_id)


# Patrols ---------------------------------------------------------------------------------------
@router.get("/patrols", response=Page[PatrolOut])
def patrol_list(request: HttpRequest, grid: int | None = None, day: date | None = None, page: int = 1,
                page_size: int = 20):
    result = paginate_queryset(fs.patrol_log(request.user, grid_id=grid, day=day), page=page, page_size=page_size)
    result["items"] = [_patrol(p) for p in result["items"]]
    return result


@router.get("/patrols/current", response={200: PatrolOut, 204: None})
def patrol_current(request: HttpRequest):
    patrol = fs.open_patrol(request.user)
    if patrol is None:
        return Status(204, None)
    return _patrol(fs.patrol_detail(patrol))


@router.post("/patrols", response={201: PatrolOut})
def patrol_start(request: HttpRequest, payload: PatrolIn):
    patrol = patrol_actions.patrol_start(actor=request.user, grid_id=payload.grid_id)
    return Status(201, _patrol_by_id(request, patrol.pk))


@router.get("/patrols/{patrol_id}", response=PatrolOut)
def patrol_get(request: HttpRequest, patrol_id: int):
    return _patrol_by_id(request, patrol_id)


@router.post("/patrols/{patrol_id}/stops", response={201: StopOut})
def patrol_stop(request: HttpRequest, patrol_id: int, payload: StopIn):
    stop = patrol_actions.patrol_stop_add(actor=request.user, patrol_id=patrol_id, **payload.dict())
    return Status(201, {"id": stop.pk, "building_id": stop.building_id,
                        "building": stop.building.name if stop.building_id else None, "place": stop.place,
                        "visited_at": stop.visited_at, "note": stop.note, "case_ids": []})


@router.post("/patrols/stops/{stop_id}/note", response=PatrolOut)
def patrol_stop_note(request: HttpRequest, stop_id: int, payload: StopNoteIn):
    stop = patrol_actions.patrol_stop_note(actor=request.user, stop_id=stop_id, note=payload.note)
    return _patrol_by_id(request, stop.patrol_id)


@router.post("/patrols/stops/{stop_id}/report", response={201: ReportOut})
def patrol_report(request: HttpRequest, stop_id: int, payload: ReportIn):
    case = patrol_actions.patrol_report(actor=request.user, stop_id=stop_id, description=payload.description,
                                        category_code=payload.category, urgency=payload.urgency,
                                        photos=_photos(payload.photos))
    return Status(201, {"case_id": case.pk, "stop_id": stop_id, "patrol_id": case.patrol_id})


@router.post("/patrols/{patrol_id}/end", response=PatrolOut)
def patrol_end(request: HttpRequest, patrol_id: int, payload: EndIn):
    patrol_actions.patrol_end(actor=request.user, patrol_id=patrol_id, summary=payload.summary)
    return _patrol_by_id(request, patrol_id)
