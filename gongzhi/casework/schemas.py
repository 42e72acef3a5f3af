from datetime import datetime

from ninja import Schema

from gongzhi.core.schemas import Id, checked

from .actions.intake import MAX_DESCRIPTION
from .models import Channel, Urgency


class PhotoB64(Schema):
    name: str = "photo.jpg"
    data: str  # base64


class CaseIn(Schema):
    # Limits checked by the action (specific codes, 400): published, not enforced on parsing.
    description: str = checked(min_length=1, max_length=MAX_DESCRIPTION)
    household_id: Id | None = None
    building_id: Id | None = None
    community_id: Id | None = None
    address: str = ""
    category: str | None = None
    urgency: str = checked(default=Urgency.NORMAL.value, enum=Urgency.values)
    channel: str | None = checked(default=None, enum=[*Channel.values, None])
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_resident_id: Id | None = None
    idempotency_key: str = ""
    patrol_id: Id | None = None
    photos: list[PhotoB64] = []


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    tier: str
    response_hours: float
    resolution_hours: float


class CaseBriefOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    tier: str
    category: str
    category_name: str
    urgency: str
    place: str
    handler_id: int | None
    created_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime
    overdue: bool


class PhotoOut(Schema):
    id: int
    kind: str
    url: str


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    created_at: datetime
    actor: str | None
    from_status: str
    to_status: str
    tier: str
    note: str
    public: bool
    photos: list[PhotoOut]


class SimilarOut(Schema):
    id: int
    title: str | None  # only for people who may open that request; others see the shared words
    category_name: str
    shared_words: list[str]
    status: str
    score: float


class CaseOut(CaseBriefOut):
    description: str
    channel: str
    community_id: int
    grid_id: int | None
    building_id: int | None
    household_id: int | None
    address: str
    suggested_category: str | None
    suggestion_confidence: float | None
    resolution: str
    resolved_tier: str
    rating: int | None
    rating_comment: str
    merged_into_id: int | None
    department_id: int | None
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    photos: list[PhotoOut]
    timeline: list[EventOut]
    similar: list[SimilarOut]
    can_handle: bool


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str = checked(min_length=1)


class MergeIn(Schema):
    into: Id
    note: str = ""


class CategoryChangeIn(Schema):
    category: str


class DispatchIn(Schema):
    handler_id: Id
    note: str = ""


class ReporterPhoneOut(Schema):
    phone: str


class RelocateIn(Schema):
    building_id: Id | None = checked(default=None, description="required: a building of the request's community")
    address: str | None = checked(default=None, max_length=200,
                                  description="the exact spot; left out, the request keeps its address")


class HandOverIn(Schema):
    handler_id: Id
    reason: str


class WhistleIn(Schema):
    department_id: Id
    reason: str


class WhistleOut(Schema):
    id: int
    case_id: int
    department_id: int
    status: str
    ack_due_at: datetime
    acknowledged_at: datetime | None


class ProgressIn(Schema):
    note: str
    public: bool = True


class ResolveIn(Schema):
    result: str
    photos: list[PhotoB64] = []


class VerifyIn(Schema):
    fixed: bool
    note: str = ""


class RateIn(Schema):
    rating: int = checked(ge=1, le=5)
    comment: str = checked(default="", max_length=500)


class BulkDispatchIn(Schema):
    case_ids: list[Id]
    handler_id: Id


class CaseNotificationOut(Schema):
    id: int
    case_id: int | None
    title: str
    body: str
    url: str
    created_at: datetime
    read: bool


class DepartmentOut(Schema):
    id: int
    name: str
    kind: str
    ack_hours: float


class DepartmentIn(Schema):
    community_id: Id
    name: str = checked(min_length=1, max_length=100)
    kind: str
    ack_hours: float | str = 2  # a string too, so "很久" gets the Chinese error rather than a 422
    contact_phone: str = ""


class DepartmentPatchIn(Schema):
    """Only the fields sent change."""

    name: str | None = None
    kind: str | None = None
    ack_hours: float | str | None = None
    contact_phone: str | None = None


class DepartmentMemberIn(Schema):
    phone: str


class DepartmentMemberOut(Schema):
    id: int
    name: str
    phone_masked: str


class DepartmentDetailOut(DepartmentOut):
    community_id: int
    kind_label: str
    contact_phone: str
    members: list[DepartmentMemberOut]
