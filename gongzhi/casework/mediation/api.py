"""JSON API of dispute mediation (/api/field/mediations…, mounted by ``fieldwork.api``).

Same access rules and actions as the pages: every write endpoint calls one action;
errors share the API's shape (400 bad input, 403 a refused action on a visible
object, 404 invisible or missing, 409 the mediation is closed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from gongzhi.core.errors import NotFound
from gongzhi.core.schemas import Id, Page, PageNumber, PageSize, checked, errors, paginate_queryset
from gongzhi.core.validators import mask_phone

from ..models import Mediation, MediationParty
from ..selectors import case_text
from . import actions as mediation_actions
from . import permissions, selectors

router = Router(tags=["field"])

CLOSED_OUTCOMES = [s for s in Mediation.Status.values if s != Mediation.Status.OPEN]
# A calendar year whose bounds the time zone arithmetic can represent (none: this year).
Year = Annotated[int, Field(ge=1900, le=9998)]


# Schemas ---------------------------------------------------------------------------------------
# Limits checked by the actions (a 400 with a specific code): published, not enforced on parsing.
class PartyIn(Schema):
    side: str = checked(enum=MediationParty.Side.values)
    name: str = checked(default="", max_length=50, description="Required unless resident_id gives it.")
    resident_id: Id | None = None
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
    notes: str = checked(min_length=1, max_length=4000)
    place: str = checked(default="", max_length=200)
    attendees: str = checked(default="", max_length=500)


class SessionOut(Schema):
    id: int
    held_at: datetime
    place: str
    attendees: str
    notes: str
    recorded_by: str | None


class MediationIn(Schema):
    case_id: Id
    mediator_id: Id | None = None
    note: str = checked(default="", max_length=2000)


class CloseIn(Schema):
    outcome: str = checked(enum=CLOSED_OUTCOMES)
    terms: str = checked(default="", max_length=4000, description="Required for an agreement.")
    note: str = checked(default="", max_length=2000, description="Required unless agreed.")
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


# Serialisers -----------------------------------------------------------------------------------
def _mediation(user, m: Mediation) -> dict:
    detail = selectors.mediation_detail(m)
    return {
        "id": m.pk, "case_id": m.case_id, "case_title": case_text(user, m.case, m.case.title), "case_status": m.case.status,
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
        "can_edit": m.status == Mediation.Status.OPEN and permissions.can_mediate(user, m.case),
    }


def _mediation_by_id(request, mediation_id: Id) -> dict:
    return _mediation(request.user, permissions.access_mediation(request.user, mediation_id))


# Mediation -------------------------------------------------------------------------------------
@router.get("/mediations", response=Page[MediationBriefOut])
def mediation_list(request: HttpRequest, status: str = "", community: Id | None = None, page: PageNumber = 1,
                   page_size: PageSize = 30):
    result = paginate_queryset(selectors.mediation_list(request.user, status=status, community_id=community), page=page,
                               page_size=page_size)
    result["items"] = [
        {"id": m.pk, "case_id": m.case_id, "case_title": case_text(request.user, m.case, m.case.title),
         "community_id": m.community_id,
         "status": m.status, "status_label": str(m.get_status_display()), "mediator": m.mediator.name,
         "opened_at": m.opened_at, "closed_at": m.closed_at}
        for m in result["items"]
    ]
    return result


@router.get("/mediations/resolved", response={200: ResolvedOut, **errors(404)})
def mediation_resolved(request: HttpRequest, community: Id, year: Year | None = None):
    """Disputes resolved (调解成功) in a community in a calendar year (default: this year)."""
    user = request.user
    if not (community in permissions.mediation_communities(user) or getattr(user, "is_superuser", False)):
        raise NotFound()
    year = year or timezone.localdate().year
    return {"community_id": community, "year": year, "disputes_resolved": selectors.disputes_resolved(community, year)}


@router.post("/mediations", response={201: MediationOut, **errors(400, 403, 404, 409)})
def mediation_open(request: HttpRequest, payload: MediationIn):
    mediation = mediation_actions.mediation_open(actor=request.user, case_id=payload.case_id,
                                                 mediator_id=payload.mediator_id, note=payload.note)
    return Status(201, _mediation_by_id(request, mediation.pk))


@router.get("/mediations/{mediation_id}", response=MediationOut)
def mediation_get(request: HttpRequest, mediation_id: Id):
    return _mediation_by_id(request, mediation_id)


@router.post("/mediations/{mediation_id}/parties", response={201: MediationOut, **errors(400, 403, 409)})
def mediation_add_party(request: HttpRequest, mediation_id: Id, payload: PartyIn):
    mediation_actions.mediation_add_party(actor=request.user, mediation_id=mediation_id, **payload.dict())
    return Status(201, _mediation_by_id(request, mediation_id))


@router.post("/mediations/parties/{party_id}/remove", response={200: MediationOut, **errors(403, 409)})
def mediation_remove_party(request: HttpRequest, party_id: Id):
    mediation = mediation_actions.mediation_remove_party(actor=request.user, party_id=party_id)
    return _mediation_by_id(request, mediation.pk)


@router.get("/mediations/parties/{party_id}/phone", response={200: PhoneOut, **errors(403)})
def mediation_party_phone(request: HttpRequest, party_id: Id):
    """The full number of a party (audited), for those who mediate."""
    return {"phone": mediation_actions.mediation_party_phone_reveal(actor=request.user, party_id=party_id)}


@router.post("/mediations/{mediation_id}/sessions", response={201: MediationOut, **errors(400, 403, 409)})
def mediation_add_session(request: HttpRequest, mediation_id: Id, payload: SessionIn):
    mediation_actions.mediation_add_session(actor=request.user, mediation_id=mediation_id, **payload.dict())
    return Status(201, _mediation_by_id(request, mediation_id))


@router.post("/mediations/{mediation_id}/close", response={200: MediationOut, **errors(400, 403, 409)})
def mediation_close(request: HttpRequest, mediation_id: Id, payload: CloseIn):
    mediation_actions.mediation_close(actor=request.user, mediation_id=mediation_id, **payload.dict())
    return _mediation_by_id(request, mediation_id)
