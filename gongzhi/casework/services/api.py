"""JSON API of service orders and offerings (/api/field/services/…, mounted by ``fieldwork.api``).

Same access rules and actions as the pages: every write endpoint calls one action;
errors share the API's shape (400 bad input, 403 a refused action on a visible
object, 404 invisible or missing, 409 the order is not in a state for that step).
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from gongzhi.core.errors import NotFound
from gongzhi.core.schemas import Id, Page, PageNumber, PageSize, checked, errors, paginate_queryset
from gongzhi.core.validators import mask_phone

from ..models import ServiceOffering, ServiceOrder
from . import actions as service_actions
from . import permissions, selectors

router = Router(tags=["field"])


# Schemas ---------------------------------------------------------------------------------------
# Limits checked by the actions (a 400 with a specific code): published, not enforced on parsing.
class OfferingPatchIn(Schema):
    title: str = checked(min_length=1, max_length=100)
    description: str = checked(default="", max_length=2000)
    provider: str = checked(default=ServiceOffering.Provider.ANY.value, enum=ServiceOffering.Provider.values)


class OfferingIn(OfferingPatchIn):
    community_id: Id


class OfferingOut(Schema):
    id: int
    community_id: int
    title: str
    description: str
    provider: str
    provider_label: str
    is_active: bool


class OrderIn(Schema):
    offering_id: Id
    household_id: Id | None = None
    note: str = checked(default="", max_length=service_actions.MAX_NOTE)
    preferred_time: str = checked(default="", max_length=100)


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


class OrderDispatchIn(Schema):
    assignee_id: Id
    note: str = checked(default="", max_length=service_actions.MAX_NOTE)


class OrderReasonIn(Schema):
    reason: str = checked(default="", max_length=service_actions.MAX_NOTE)


class OrderReleaseIn(Schema):
    reason: str = checked(min_length=1, max_length=service_actions.MAX_NOTE)  # the action requires it


class CompleteIn(Schema):
    note: str = checked(min_length=1, max_length=service_actions.MAX_COMPLETION)


class OrderRateIn(Schema):
    rating: int = checked(ge=1, le=5)
    comment: str = checked(default="", max_length=500)


class CandidateOut(Schema):
    id: int
    name: str
    kinds: list[str]


# Serialisers -----------------------------------------------------------------------------------
def _offering(o: ServiceOffering) -> dict:
    return {"id": o.pk, "community_id": o.community_id, "title": o.title, "description": o.description,
            "provider": o.provider, "provider_label": str(o.get_provider_display()), "is_active": o.is_active}


def _order(user, order: ServiceOrder) -> dict:
    full = permissions.sees_contact(user, order)
    phone = order.requested_by.phone
    return {
        "id": order.pk, "offering_id": order.offering_id, "service": order.offering.title,
        "provider": order.offering.provider, "community_id": order.community_id,
        "household_id": order.household_id if full else None,
        "place": selectors.household_label(order, full=full), "status": order.status,
        "status_label": str(order.get_status_display()), "note": order.note, "preferred_time": order.preferred_time,
        "requester": order.requested_by.name, "requester_phone": phone if full else mask_phone(phone),
        "assignee_id": order.assignee_id, "assignee": order.assignee.name if order.assignee_id else None,
        "dispatched_by_id": order.dispatched_by_id, "created_at": order.created_at, "posted_at": order.posted_at,
        "taken_at": order.taken_at, "completed_at": order.completed_at, "completion_note": order.completion_note,
        "rating": order.rating, "rating_comment": order.rating_comment, "cancelled_at": order.cancelled_at,
        "actions": permissions.order_actions(user, order),
    }


def _order_by_id(request, order_id: Id) -> dict:
    return _order(request.user, permissions.access_order(request.user, order_id))


def _orders_page(request, qs, page: int, page_size: int) -> dict:
    result = paginate_queryset(qs, page=page, page_size=page_size)
    result["items"] = [_order(request.user, o) for o in result["items"]]
    return result


# Services: offerings ---------------------------------------------------------------------------
@router.get("/services/offerings", response={200: list[OfferingOut], **errors(404)})
def offering_list(request: HttpRequest, community: Id, include_withdrawn: bool = False):
    """The catalogue of a community (members), or every offering including withdrawn ones (managers)."""
    user = request.user
    if not (community in permissions.member_communities(user) or permissions.can_read_board(user, community)):
        raise NotFound()
    if include_withdrawn and permissions.can_read_board(request.user, community):
        qs = selectors.offerings_for_staff(community, show="all")
    else:
        qs = selectors.catalogue(community)
    return [_offering(o) for o in qs]


@router.post("/services/offerings", response={201: OfferingOut, **errors(400, 403, 404)})
def offering_create(request: HttpRequest, payload: OfferingIn):
    offering = service_actions.offering_create(actor=request.user, **payload.dict())
    return Status(201, _offering(offering))


@router.put("/services/offerings/{offering_id}", response={200: OfferingOut, **errors(400, 403)})
def offering_update(request: HttpRequest, offering_id: Id, payload: OfferingPatchIn):
    return _offering(service_actions.offering_update(actor=request.user, offering_id=offering_id, **payload.dict()))


@router.post("/services/offerings/{offering_id}/withdraw", response={200: OfferingOut, **errors(403, 409)})
def offering_withdraw(request: HttpRequest, offering_id: Id):
    return _offering(service_actions.offering_withdraw(actor=request.user, offering_id=offering_id))


@router.post("/services/offerings/{offering_id}/relist", response={200: OfferingOut, **errors(400, 403, 409)})
def offering_relist(request: HttpRequest, offering_id: Id):
    return _offering(service_actions.offering_relist(actor=request.user, offering_id=offering_id))


# Services: orders ------------------------------------------------------------------------------
@router.post("/services/orders", response={201: OrderOut, **errors(400, 403, 404, 409)})
def order_place(request: HttpRequest, payload: OrderIn):
    order = service_actions.order_place(actor=request.user, **payload.dict())
    return Status(201, _order_by_id(request, order.pk))


@router.get("/services/orders/mine", response=Page[OrderOut])
def orders_mine(request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 30):
    return _orders_page(request, selectors.my_orders(request.user), page, page_size)


@router.get("/services/pool", response=Page[OrderOut])
def orders_pool(request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 30):
    return _orders_page(request, selectors.pool(request.user), page, page_size)


@router.get("/services/orders/taken", response=Page[OrderOut])
def orders_taken(request: HttpRequest, done: bool = False, page: PageNumber = 1, page_size: PageSize = 30):
    return _orders_page(request, selectors.my_taken(request.user, done=done), page, page_size)


class BoardFilter(Schema):
    community: Id
    status: str = "waiting"  # waiting / posted / taken / done / cancelled; anything else: all
    offering: Id | None = None
    page: PageNumber = 1
    page_size: PageSize = 30


@router.get("/services/orders", response={200: Page[OrderOut], **errors(404)})
def orders_board(request: HttpRequest, filters: Query[BoardFilter]):
    """The staff board of a community: waiting / posted / taken / done / cancelled / all."""
    if not permissions.can_read_board(request.user, filters.community):
        raise NotFound()
    qs = selectors.board(filters.community, status=filters.status, offering_id=filters.offering)
    return _orders_page(request, qs, filters.page, filters.page_size)


@router.get("/services/orders/{order_id}", response=OrderOut)
def order_get(request: HttpRequest, order_id: Id):
    return _order_by_id(request, order_id)


@router.get("/services/orders/{order_id}/candidates", response=list[CandidateOut])
def order_candidates(request: HttpRequest, order_id: Id, q: str = ""):
    order = permissions.access_order(request.user, order_id)
    if not permissions.can_manage_services(request.user, order.community_id):
        raise NotFound()
    return selectors.dispatch_candidates(order, q=q)


@router.post("/services/orders/{order_id}/dispatch", response={200: OrderOut, **errors(400, 403, 409)})
def order_dispatch(request: HttpRequest, order_id: Id, payload: OrderDispatchIn):
    service_actions.order_dispatch(actor=request.user, order_id=order_id, assignee_id=payload.assignee_id,
                                   note=payload.note)
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/post", response={200: OrderOut, **errors(403, 409)})
def order_post(request: HttpRequest, order_id: Id):
    service_actions.order_post(actor=request.user, order_id=order_id)
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/take", response={200: OrderOut, **errors(403, 409)})
def order_take(request: HttpRequest, order_id: Id):
    service_actions.order_take(actor=request.user, order_id=order_id)
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/release", response={200: OrderOut, **errors(400, 403, 409)})
def order_release(request: HttpRequest, order_id: Id, payload: OrderReleaseIn):
    order = service_actions.order_release(actor=request.user, order_id=order_id, reason=payload.reason)
    if permissions.order_role(request.user, order) is None:  # a taker who gave it back may no longer see it
        return _order(request.user, order) | {"actions": []}
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/complete", response={200: OrderOut, **errors(400, 403, 409)})
def order_complete(request: HttpRequest, order_id: Id, payload: CompleteIn):
    service_actions.order_complete(actor=request.user, order_id=order_id, note=payload.note)
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/rate", response={200: OrderOut, **errors(400, 403, 409)})
def order_rate(request: HttpRequest, order_id: Id, payload: OrderRateIn):
    service_actions.order_rate(actor=request.user, order_id=order_id, rating=payload.rating, comment=payload.comment)
    return _order_by_id(request, order_id)


@router.post("/services/orders/{order_id}/cancel", response={200: OrderOut, **errors(400, 403, 409)})
def order_cancel(request: HttpRequest, order_id: Id, payload: OrderReasonIn):
    service_actions.order_cancel(actor=request.user, order_id=order_id, reason=payload.reason)
    return _order_by_id(request, order_id)
