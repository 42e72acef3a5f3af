"""JSON API of 双报到 (mounted at /api/party). Same access rules and actions as the pages.

Errors share the API's shape ``{"code", "message", "field"}``: 400 bad input,
403 an action refused on a visible object (e.g. sub-district staff writing),
404 invisible or missing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from gongzhi.core.errors import NotFound
from gongzhi.core.schemas import DecimalIn, Id, Page, PageNumber, PageSize, checked, errors, paginate_queryset

from ..models import Institution, PartyMember, PartyOrg, PartyRegistration, ServicePost
from ..permissions import VIEW_PARTY, access_community
from . import actions
from . import selectors as ps
from .permissions import post_communities

router = Router(tags=["party"])


# Schemas ---------------------------------------------------------------------------------------
# Limits checked by the actions (a 400 with a specific code): published, not enforced on parsing.
class PartyOrgOut(Schema):
    id: int
    community_id: int
    parent_id: int | None
    kind: str
    kind_label: str
    name: str
    grid_id: int | None
    compound_id: int | None
    building_id: int | None
    secretary_name: str
    members: int


class PartyOrgIn(Schema):
    community_id: Id
    kind: str = checked(enum=PartyOrg.Kind.values)
    name: str = checked(default="", max_length=100)
    parent_id: Id | None = None
    grid_id: Id | None = None
    compound_id: Id | None = None
    building_id: Id | None = None
    secretary_name: str = checked(default="", max_length=50)


class RegistrationOut(Schema):
    id: int
    member_id: int
    resident_id: int
    name: str
    kind: str
    employer_id: int | None
    employer: str | None
    party_group_id: int
    party_group: str
    building_id: int
    community_id: int
    method: str
    registered_at: datetime
    ended_at: datetime | None


class QrRegistrationIn(Schema):
    qr_token: str
    kind: str = checked(enum=PartyMember.Kind.values)
    employer_id: Id | None = None
    employer_name: str = checked(default="", max_length=100)
    home_org_name: str = checked(default="", max_length=100)


class StaffRegistrationIn(Schema):
    resident_id: Id
    building_id: Id
    kind: str = checked(enum=PartyMember.Kind.values)
    employer_id: Id | None = None
    employer_name: str = checked(default="", max_length=100)
    home_org_name: str = checked(default="", max_length=100)


class MemberOut(Schema):
    id: int
    resident_id: int
    name: str
    phone_masked: str
    kind: str
    employer_id: int | None
    employer: str | None
    home_org_name: str
    party_group_id: int | None
    party_group: str | None


class PostOut(Schema):
    id: int
    community_id: int
    title: str
    description: str
    category: str
    category_label: str
    location: str
    slots: int
    active_claims: int
    status: str
    mine: bool | None = None


class PostIn(Schema):
    community_id: Id
    title: str = checked(min_length=1, max_length=100)
    description: str = checked(default="", max_length=2000)
    category: str = checked(default=ServicePost.Category.OTHER.value, enum=["", *ServicePost.Category.values])
    location: str = checked(default="", max_length=200)
    slots: int = checked(default=1, ge=1, le=999)


class PostPatchIn(Schema):
    title: str | None = checked(default=None, min_length=1, max_length=100)
    description: str | None = checked(default=None, max_length=2000)
    category: str | None = checked(default=None, enum=["", *ServicePost.Category.values, None])
    location: str | None = checked(default=None, max_length=200)
    slots: int | None = checked(default=None, ge=1, le=999)


class ClaimOut(Schema):
    id: int
    post_id: int
    member_id: int
    status: str
    claimed_at: datetime
    withdrawn_at: datetime | None


class RecordIn(Schema):
    served_on: date
    hours: DecimalIn = checked(gt=0, le=24, description="At most one decimal place.")
    note: str = checked(default="", max_length=200)


class RecordOut(Schema):
    id: int
    claim_id: int
    served_on: date
    hours: Decimal
    note: str


class InstitutionOut(Schema):
    id: int
    community_id: int
    kind: str
    kind_label: str
    name: str
    contact_name: str
    address: str
    is_partner: bool
    partner_since: date | None
    services_offered: str


class InstitutionIn(Schema):
    community_id: Id
    kind: str = checked(enum=Institution.Kind.values)
    name: str = checked(min_length=1, max_length=100)
    contact_name: str = checked(default="", max_length=50)
    contact_phone: str = ""
    address: str = checked(default="", max_length=200)
    is_partner: bool = False
    partner_since: date | None = None
    services_offered: str = checked(default="", max_length=2000)


class InstitutionPatchIn(Schema):
    kind: str | None = checked(default=None, enum=[*Institution.Kind.values, None])
    name: str | None = checked(default=None, min_length=1, max_length=100)
    contact_name: str | None = checked(default=None, max_length=50)
    contact_phone: str | None = None
    address: str | None = checked(default=None, max_length=200)
    is_partner: bool | None = None
    partner_since: date | None = None
    services_offered: str | None = checked(default=None, max_length=2000)


# Serialisers ---------------------------------------------------------------------------------
def _org_out(org: PartyOrg, members: int) -> dict:
    return {
        "id": org.pk, "community_id": org.community_id, "parent_id": org.parent_id, "kind": org.kind,
        "kind_label": str(org.get_kind_display()), "name": org.name, "grid_id": org.grid_id,
        "compound_id": org.compound_id, "building_id": org.building_id, "secretary_name": org.secretary_name,
        "members": members,
    }


def _registration_out(r: PartyRegistration) -> dict:
    m = r.member
    return {
        "id": r.pk, "member_id": m.pk, "resident_id": m.resident_id, "name": m.resident.name, "kind": m.kind,
        "employer_id": m.employer_id, "employer": m.employer.name if m.employer_id else None,
        "party_group_id": r.party_group_id, "party_group": r.party_group.name, "building_id": r.building_id,
        "community_id": r.community_id, "method": r.method, "registered_at": r.registered_at,
        "ended_at": r.ended_at,
    }


def _reload_registration(pk: Id) -> PartyRegistration:
    return PartyRegistration.objects.select_related("member__resident", "member__employer", "party_group").get(pk=pk)


def _post_out(p: ServicePost) -> dict:
    return {
        "id": p.pk, "community_id": p.community_id, "title": p.title, "description": p.description,
        "category": p.category, "category_label": str(p.get_category_display()), "location": p.location,
        "slots": p.slots, "active_claims": getattr(p, "active_claims", 0), "status": p.status,
        "mine": getattr(p, "mine", None),
    }


def _institution_out(i: Institution) -> dict:
    return {
        "id": i.pk, "community_id": i.community_id, "kind": i.kind, "kind_label": str(i.get_kind_display()),
        "name": i.name, "contact_name": i.contact_name, "address": i.address, "is_partner": i.is_partner,
        "partner_since": i.partner_since, "services_offered": i.services_offered,
    }


def _record_out(r) -> dict:
    return {"id": r.pk, "claim_id": r.claim_id, "served_on": r.served_on, "hours": r.hours, "note": r.note}


# Organisations -------------------------------------------------------------------------------
@router.get("/orgs", response={200: list[PartyOrgOut], **errors(404)})
def org_list(request: HttpRequest, community: Id):
    """The community's party organisations with registered-member counts (branches sum their groups)."""
    community_obj = access_community(request.user, community, VIEW_PARTY)
    roots, _stats = ps.org_tree(community_obj)
    out: list[dict] = []

    def walk(nodes):
        for n in nodes:
            out.append(_org_out(n.org, n.members))
            walk(n.children)

    walk(roots)
    return out


@router.post("/orgs", response={201: PartyOrgOut, **errors(400, 403, 404)})
def org_create(request: HttpRequest, payload: PartyOrgIn):
    org = actions.party_org_create(actor=request.user, **payload.dict())
    return Status(201, _org_out(org, 0))


# Registrations and members --------------------------------------------------------------------
class RegistrationFilter(Schema):
    community: Id
    q: str = ""
    kind: str = ""
    active: str = "1"
    page: PageNumber = 1
    page_size: PageSize = 50


@router.get("/registrations", response={200: Page[RegistrationOut], **errors(404)})
def registration_list(request: HttpRequest, filters: Query[RegistrationFilter]):
    community = access_community(request.user, filters.community, VIEW_PARTY)
    qs = ps.registration_list(community, q=filters.q, kind=filters.kind, active=filters.active)
    page = paginate_queryset(qs, page=filters.page, page_size=filters.page_size)
    page["items"] = [_registration_out(r) for r in page["items"]]
    return page


@router.post("/registrations", response={201: RegistrationOut, **errors(400, 403, 404)})
def registration_create(request: HttpRequest, payload: StaffRegistrationIn):
    """Staff entry (工作人员录入) for a member who cannot scan."""
    reg = actions.party_register_by_staff(actor=request.user, **payload.dict())
    return Status(201, _registration_out(_reload_registration(reg.pk)))


@router.post("/register", response={201: RegistrationOut, **errors(400, 403, 404)})
def qr_register(request: HttpRequest, payload: QrRegistrationIn):
    """扫码报到: the logged-in resident registers with the party group of the QR code's building."""
    reg = actions.party_register_by_qr(actor=request.user, **payload.dict())
    return Status(201, _registration_out(_reload_registration(reg.pk)))


@router.post("/registrations/{registration_id}/end", response={200: RegistrationOut, **errors(400, 403)})
def registration_end(request: HttpRequest, registration_id: Id):
    reg = actions.registration_end(actor=request.user, registration_id=registration_id)
    return _registration_out(_reload_registration(reg.pk))


class MemberFilter(Schema):
    community: Id
    q: str = ""
    kind: str = ""
    page: PageNumber = 1
    page_size: PageSize = 50


@router.get("/members", response={200: Page[MemberOut], **errors(404)})
def member_list(request: HttpRequest, filters: Query[MemberFilter]):
    community = access_community(request.user, filters.community, VIEW_PARTY)
    page = paginate_queryset(ps.member_list(community, q=filters.q, kind=filters.kind), page=filters.page,
                             page_size=filters.page_size)
    items = []
    for m in page["items"]:
        reg = m.active_registrations[0] if m.active_registrations else None
        items.append({
            "id": m.pk, "resident_id": m.resident_id, "name": m.resident.name, "phone_masked": m.resident.masked_phone,
            "kind": m.kind, "employer_id": m.employer_id, "employer": m.employer.name if m.employer_id else None,
            "home_org_name": m.home_org_name, "party_group_id": reg.party_group_id if reg else None,
            "party_group": reg.party_group.name if reg else None,
        })
    page["items"] = items
    return page


# Service posts -------------------------------------------------------------------------------
class PostFilter(Schema):
    community: Id
    q: str = ""
    category: str = ""
    status: str = "open"
    page: PageNumber = 1
    page_size: PageSize = 50


@router.get("/posts", response={200: Page[PostOut], **errors(404)})
def post_list(request: HttpRequest, filters: Query[PostFilter]):
    """The community's needs list: for its residents and role holders. ``mine`` is set for party members."""
    if filters.community not in post_communities(request.user):
        raise NotFound()
    member = ps.member_of(request.user)
    qs = ps.post_list(filters.community, q=filters.q, category=filters.category, status=filters.status,
                      member=member)
    page = paginate_queryset(qs, page=filters.page, page_size=filters.page_size)
    page["items"] = [_post_out(p) for p in page["items"]]
    return page


@router.post("/posts", response={201: PostOut, **errors(400, 403, 404)})
def post_create(request: HttpRequest, payload: PostIn):
    data = payload.dict()
    community_id = data.pop("community_id")
    post = actions.post_create(actor=request.user, community_id=community_id, data=data)
    return Status(201, _post_out(ps.post_with_counts(post)))


@router.patch("/posts/{post_id}", response={200: PostOut, **errors(400, 403)})
def post_update(request: HttpRequest, post_id: Id, payload: PostPatchIn):
    post = actions.post_update(actor=request.user, post_id=post_id, data=payload.dict(exclude_unset=True))
    return _post_out(ps.post_with_counts(post))


@router.post("/posts/{post_id}/close", response={200: PostOut, **errors(400, 403)})
def post_close(request: HttpRequest, post_id: Id):
    post = actions.post_close(actor=request.user, post_id=post_id)
    return _post_out(ps.post_with_counts(post))


@router.post("/posts/{post_id}/claim", response={201: ClaimOut, **errors(400, 403)})
def post_claim(request: HttpRequest, post_id: Id):
    return Status(201, actions.post_claim(actor=request.user, post_id=post_id))


@router.post("/posts/{post_id}/withdraw", response={200: ClaimOut, **errors(400)})
def post_withdraw(request: HttpRequest, post_id: Id):
    return actions.post_withdraw(actor=request.user, post_id=post_id)


@router.post("/claims/{claim_id}/records", response={201: RecordOut, **errors(400, 403)})
def record_create(request: HttpRequest, claim_id: Id, payload: RecordIn):
    """Staff record hours served on a claim (0 < hours ≤ 24, not in the future)."""
    record = actions.service_record_add(
        actor=request.user, claim_id=claim_id, served_on=payload.served_on, hours=payload.hours, note=payload.note
    )
    return Status(201, _record_out(record))


# Institutions ------------------------------------------------------------------------------------
@router.get("/institutions", response={200: Page[InstitutionOut], **errors(404)})
def institution_list(request: HttpRequest, community: Id, kind: str = "", partner: bool | None = None,
                     page: PageNumber = 1, page_size: PageSize = 50):
    community_obj = access_community(request.user, community, VIEW_PARTY)
    qs = Institution.objects.filter(community=community_obj).order_by("kind", "name")
    if kind:
        qs = qs.filter(kind=kind)
    if partner is not None:
        qs = qs.filter(is_partner=partner)
    result = paginate_queryset(qs, page=page, page_size=page_size)
    result["items"] = [_institution_out(i) for i in result["items"]]
    return result


@router.post("/institutions", response={201: InstitutionOut, **errors(400, 403, 404)})
def institution_create(request: HttpRequest, payload: InstitutionIn):
    data = payload.dict()
    community_id = data.pop("community_id")
    return Status(201, _institution_out(actions.institution_create(actor=request.user, community_id=community_id, data=data)))


@router.patch("/institutions/{institution_id}", response={200: InstitutionOut, **errors(400, 403)})
def institution_update(request: HttpRequest, institution_id: Id, payload: InstitutionPatchIn):
    inst = actions.institution_update(
        actor=request.user, institution_id=institution_id, data=payload.dict(exclude_unset=True)
    )
    return _institution_out(inst)
