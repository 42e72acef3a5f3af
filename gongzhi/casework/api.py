"""JSON API of 有求必应. Every endpoint calls one action or selector; access as on the pages."""


import base64
import binascii
import re

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from gongzhi.core.errors import ApplicationError
from gongzhi.core.notifications import selectors as inbox
from gongzhi.core.notifications.actions import notifications_mark_read
from gongzhi.core.schemas import Id, IdList, Page, PageNumber, PageSize, errors, paginate_queryset
from gongzhi.core.validators import mask_phone

from . import error_codes as codes
from . import schemas as s
from . import selectors
from .actions import departments as department_actions
from .actions import lifecycle
from .actions import contact as contact_actions
from .actions import place as place_actions
from .actions.intake import PhotoIn, case_submit
from .models import Case, Channel, Department
from .permissions import (
    access_case,
    can_handle,
    can_view,
    supervise_scope,
    visible_departments_q,
)

router = Router(tags=["casework"])


def photos_from_base64(items: list[s.PhotoB64]) -> list[PhotoIn]:
    photos = []
    for index, item in enumerate(items, start=1):
        try:
            data = base64.b64decode(item.data, validate=True)
        except (binascii.Error, ValueError):
            raise ApplicationError(codes.PHOTO_NOT_IMAGE, f"第 {index} 张照片不是有效的 base64 数据。",
                                   field="photos") from None
        photos.append(PhotoIn(name=item.name, data=data))
    return photos


def _place(case: Case) -> str:
    if case.household_id:
        return f"{case.building.name} {case.household.unit.number}-{case.household.room}"
    if case.building_id:
        return case.building.name
    return case.address


def brief(case: Case, user) -> dict:
    now = timezone.now()
    return {
        "id": case.pk,
        "title": selectors.case_text(user, case, case.title),
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "tier": case.tier,
        "category": case.category.code,
        "category_name": case.category.name,
        "urgency": case.urgency,
        "place": _place(case),
        "handler_id": case.handler_id,
        "created_at": case.created_at,
        "response_due_at": case.response_due_at,
        "resolution_due_at": case.resolution_due_at,
        "overdue": case.is_open and case.resolution_due_at < now,
    }


def _photo_out(p) -> dict:
    return {"id": p.pk, "kind": p.kind, "url": f"/cases/photos/{p.pk}/"}


def detail(request, case: Case) -> dict:
    user = request.user
    handles = can_handle(user, case)
    staff_view = handles or (case.reporter_id != user.pk)

    def shown(text):  # phone/ID numbers masked for roles without the full phone/ID right
        return selectors.case_text(user, case, text)

    fresh = getattr(case, "intake_event", None)
    if fresh is not None:  # just submitted: the one event and its photos are in hand
        events, photos = [fresh], list(fresh.saved_photos)
    else:
        events, photos = selectors.timeline(case, public_only=not staff_view), list(case.photos.all())
    return {
        **brief(case, user),
        "description": shown(case.description),
        "channel": case.channel,
        "community_id": case.community_id,
        "grid_id": case.grid_id,
        "building_id": case.building_id,
        "household_id": case.household_id,
        "address": shown(case.address),
        "suggested_category": case.suggested_category.code if case.suggested_category_id else None,
        "suggestion_confidence": case.suggestion_confidence,
        "resolution": shown(case.resolution),
        "resolved_tier": case.resolved_tier,
        "rating": case.rating,
        "rating_comment": shown(case.rating_comment),
        "merged_into_id": case.merged_into_id,
        "department_id": case.department_id,
        "responded_at": case.responded_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "reopen_count": case.reopen_count,
        "photos": [_photo_out(p) for p in photos],
        "timeline": [
            {
                "id": e.pk, "kind": e.kind, "kind_label": str(e.get_kind_display()), "created_at": e.created_at,
                "actor": e.actor.name if e.actor_id else None, "from_status": e.from_status,
                "to_status": e.to_status, "tier": e.tier, "note": shown(e.note), "public": e.public,
                "photos": [_photo_out(p) for p in (e.saved_photos if e is fresh else e.photos.all())],
            }
            for e in events
        ],
        "similar": [
            {"id": x.case.pk, "title": selectors.case_text(user, x.case, x.case.title) if can_view(user, x.case) else None,
             "category_name": x.case.category.name, "shared_words": list(x.shared),
             "status": x.case.status, "score": x.score}
            for x in (selectors.similar_to_case(case) if case.is_open else [])
        ],
        "can_handle": handles,
    }


def _detail_by_id(request, case_id: Id) -> dict:
    return detail(request, access_case(request.user, case_id))


@router.get("/categories", response=list[s.CategoryOut])
def category_list(request: HttpRequest, community: Id):
    from gongzhi.org.permissions import own_resident, scope_for

    scope = scope_for(request.user, "view_tree")
    resident = own_resident(request.user)
    allowed = scope.touches_community(community) or (
        resident is not None and resident.community_id == community
    ) or supervise_scope(request.user).covers_community(community)
    if not allowed:
        return []
    return [
        {"id": c.pk, "code": c.code, "name": c.name, "tier": c.tier, "response_hours": float(c.response_hours),
         "resolution_hours": float(c.resolution_hours)}
        for c in selectors.categories(community)
    ]


@router.post("/cases", response={201: s.CaseOut, **errors(400, 403, 404, 409)})
def case_create(request: HttpRequest, payload: s.CaseIn):
    channel = payload.channel or (Channel.RESIDENT if payload.household_id or not payload.reporter_name
                                  else Channel.WALK_IN)
    case = case_submit(
        actor=request.user,
        description=payload.description,
        channel=channel,
        community_id=payload.community_id,
        household_id=payload.household_id,
        building_id=payload.building_id,
        address=payload.address,
        category_code=payload.category,
        urgency=payload.urgency,
        photos=photos_from_base64(payload.photos),
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        reporter_resident_id=payload.reporter_resident_id,
        idempotency_key=payload.idempotency_key or request.headers.get("Idempotency-Key", ""),
        patrol_id=payload.patrol_id,
    )
    if can_view(request.user, case):  # the saved case as it is, without loading it again
        return Status(201, detail(request, case))
    return Status(201, _detail_by_id(request, case.pk))


class QueueFilter(Schema):
    q: str = ""
    status: str | None = None
    tier: str | None = None
    category: Id | None = None
    community: Id | None = None
    grid: Id | None = None
    building: Id | None = None
    handler: str | None = None
    overdue: bool = False
    page: PageNumber = 1
    page_size: PageSize = 30


@router.get("/cases", response=Page[s.CaseBriefOut])
def case_queue(request: HttpRequest, filters: Query[QueueFilter]):
    """The staff queue for the caller's scope."""
    qs = selectors.queue(
        request.user, q=filters.q, status=filters.status, tier=filters.tier, category_id=filters.category,
        community_id=filters.community, grid_id=filters.grid, building_id=filters.building,
        handler=filters.handler, overdue=filters.overdue,
    )
    page = paginate_queryset(qs, page=filters.page, page_size=filters.page_size)
    page["items"] = [brief(c, request.user) for c in page["items"]]
    return page


@router.get("/cases/mine", response=Page[s.CaseBriefOut])
def my_cases(request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 30):
    result = paginate_queryset(selectors.my_cases(request.user), page=page, page_size=page_size)
    result["items"] = [brief(c, request.user) for c in result["items"]]
    return result


@router.get("/cases/{int:case_id}", response=s.CaseOut)
def case_get(request: HttpRequest, case_id: Id):
    return _detail_by_id(request, case_id)


@router.get("/cases/{int:case_id}/five-questions", response=list[dict])
def case_five_questions(request: HttpRequest, case_id: Id):
    case = access_case(request.user, case_id)
    if not can_handle(request.user, case) and case.reporter_id == request.user.pk:
        from gongzhi.core.errors import NotFound

        raise NotFound()
    return [
        {"key": q["key"], "label": q["label"],
         "events": [{"kind": e.kind, "created_at": e.created_at.isoformat(), "note": e.note} for e in q["events"]]}
        for q in selectors.five_questions(case)
    ]


def _step(name: str, path: str, schema, call):
    def endpoint(request, case_id, payload):
        call(request.user, case_id, payload)
        return _detail_by_id(request, case_id)

    # Real annotation objects (this module uses postponed annotations): ninja reads them.
    endpoint.__annotations__ = {"request": HttpRequest, "case_id": Id, "payload": schema}
    endpoint.__name__ = f"case_{name}"
    router.post(f"/cases/{{int:case_id}}/{path}", response={200: s.CaseOut, **errors(400, 403, 409)},
                url_name=f"case_{name}")(endpoint)


_step("accept", "accept", s.NoteIn, lambda u, c, p: lifecycle.case_accept(actor=u, case_id=c, note=p.note))
_step("reject", "reject", s.ReasonIn, lambda u, c, p: lifecycle.case_reject(actor=u, case_id=c, reason=p.reason))
_step("merge", "merge", s.MergeIn,
      lambda u, c, p: lifecycle.case_merge(actor=u, case_id=c, into_case_id=p.into, note=p.note))
_step("category", "category", s.CategoryChangeIn,
      lambda u, c, p: lifecycle.case_change_category(actor=u, case_id=c, category_code=p.category))
_step("dispatch", "dispatch", s.DispatchIn,
      lambda u, c, p: lifecycle.case_dispatch(actor=u, case_id=c, handler_id=p.handler_id, note=p.note))
_step("hand_over", "hand-over", s.HandOverIn,
      lambda u, c, p: lifecycle.case_hand_over(actor=u, case_id=c, handler_id=p.handler_id, reason=p.reason))
_step("relocate", "place", s.RelocateIn,
      lambda u, c, p: place_actions.case_relocate(actor=u, case_id=c, building_id=p.building_id, address=p.address))
_step("escalate", "escalate", s.ReasonIn, lambda u, c, p: lifecycle.case_escalate(actor=u, case_id=c, reason=p.reason))
_step("whistle", "whistle", s.WhistleIn,
      lambda u, c, p: lifecycle.case_whistle(actor=u, case_id=c, department_id=p.department_id, reason=p.reason))
_step("start", "start", s.NoteIn, lambda u, c, p: lifecycle.case_start(actor=u, case_id=c, note=p.note))
_step("progress", "progress", s.ProgressIn,
      lambda u, c, p: lifecycle.case_progress(actor=u, case_id=c, note=p.note, public=p.public))
_step("resolve", "resolve", s.ResolveIn,
      lambda u, c, p: lifecycle.case_resolve(actor=u, case_id=c, result=p.result, photos=photos_from_base64(p.photos)))
_step("verify", "verify", s.VerifyIn,
      lambda u, c, p: lifecycle.case_verify(actor=u, case_id=c, fixed=p.fixed, note=p.note))
_step("reopen", "reopen", s.ReasonIn, lambda u, c, p: lifecycle.case_reopen(actor=u, case_id=c, reason=p.reason))
_step("rate", "rate", s.RateIn,
      lambda u, c, p: lifecycle.case_rate(actor=u, case_id=c, rating=p.rating, comment=p.comment))
_step("close", "close", s.NoteIn, lambda u, c, p: lifecycle.case_close(actor=u, case_id=c, note=p.note))
_step("comment", "comment", s.NoteIn, lambda u, c, p: lifecycle.case_comment(actor=u, case_id=c, note=p.note))


@router.post("/cases/{int:case_id}/reporter-phone", response={200: s.ReporterPhoneOut, **errors(403, 409)})
def case_reporter_phone(request: HttpRequest, case_id: Id):
    """The reporter's full phone number, to call them (audited, like a household page's reveal)."""
    return {"phone": contact_actions.case_reporter_phone(actor=request.user, case_id=case_id)}


@router.post("/cases/bulk-dispatch", response={200: list[s.CaseBriefOut], **errors(400, 403, 404, 409)})
def bulk_dispatch(request: HttpRequest, payload: s.BulkDispatchIn):
    cases = lifecycle.cases_bulk_dispatch(actor=request.user, case_ids=payload.case_ids, handler_id=payload.handler_id)
    return [brief(access_case(request.user, c.pk), request.user) for c in cases]


@router.post("/whistles/{int:whistle_id}/acknowledge", response={200: s.WhistleOut, **errors(400, 403, 409)})
def whistle_ack(request: HttpRequest, whistle_id: Id, payload: s.NoteIn):
    return lifecycle.whistle_acknowledge(actor=request.user, whistle_id=whistle_id, note=payload.note)


@router.get("/departments", response=list[s.DepartmentOut])
def department_list(request: HttpRequest, community: Id):
    qs = Department.objects.filter(visible_departments_q(request.user), community_id=community).order_by("name")
    return [{"id": d.pk, "name": d.name, "kind": d.kind, "ack_hours": float(d.ack_hours)} for d in qs]


def _department_out(department: Department) -> dict:
    return {
        "id": department.pk, "community_id": department.community_id, "name": department.name,
        "kind": department.kind, "kind_label": str(department.get_kind_display()),
        "ack_hours": float(department.ack_hours), "contact_phone": department.contact_phone,
        "members": [{"id": u.pk, "name": u.name, "phone_masked": mask_phone(u.phone)}
                    for u in department.members.order_by("name", "pk")],
    }


@router.post("/departments", response={201: s.DepartmentDetailOut, **errors(400, 403, 404, 409)})
def department_create(request: HttpRequest, payload: s.DepartmentIn):
    """Add a 职能部门 to a community (the staff who edit its request categories)."""
    department = department_actions.department_create(
        actor=request.user, community_id=payload.community_id, name=payload.name, kind=payload.kind,
        ack_hours=payload.ack_hours, contact_phone=payload.contact_phone,
    )
    return Status(201, _department_out(department))


@router.patch("/departments/{int:department_id}", response={200: s.DepartmentDetailOut, **errors(400, 403, 409)})
def department_update(request: HttpRequest, department_id: Id, payload: s.DepartmentPatchIn):
    department = department_actions.department_update(
        actor=request.user, department_id=department_id, data=payload.model_dump(exclude_unset=True))
    return _department_out(department)


@router.post("/departments/{int:department_id}/members",
             response={201: s.DepartmentDetailOut, **errors(400, 403, 409)})
def department_member_add(request: HttpRequest, department_id: Id, payload: s.DepartmentMemberIn):
    """Add the login with this mobile number: they see what is whistled to the department and do its 报到."""
    department_actions.department_member_add(actor=request.user, department_id=department_id, phone=payload.phone)
    return Status(201, _department_out(Department.objects.get(pk=department_id)))


@router.delete("/departments/{int:department_id}/members/{int:user_id}", response={204: None, **errors(403, 409)})
def department_member_remove(request: HttpRequest, department_id: Id, user_id: Id):
    department_actions.department_member_remove(actor=request.user, department_id=department_id, user_id=user_id)
    return Status(204, None)


@router.get("/notifications", response=Page[s.CaseNotificationOut])
def notifications(request: HttpRequest, unread: bool = False, page: PageNumber = 1, page_size: PageSize = 30):
    """The shared inbox (``/api/inbox/notifications``) in this endpoint's older shape, with ``case_id``."""
    result = paginate_queryset(inbox.inbox(request.user, unread_only=unread), page=page, page_size=page_size)
    result["items"] = [
        {"id": n.pk, "case_id": _case_id(n), "title": n.title, "body": n.body, "url": n.url,
         "created_at": n.created_at, "read": n.read_at is not None}
        for n in result["items"]
    ]
    return result


_CASE_URL = re.compile(r"/cases/(\d+)/")


def _case_id(n) -> int | None:
    """A case step's notification leads to its case page (``record()`` sets the url); others have no case."""
    match = _CASE_URL.fullmatch(n.url) if n.source == "casework" and n.kind.startswith("case.") else None
    return int(match[1]) if match else None


@router.post("/notifications/read", response={204: None})
def notifications_read(request: HttpRequest, ids: IdList | None = None):
    notifications_mark_read(actor=request.user, ids=ids)
    return Status(204, None)
