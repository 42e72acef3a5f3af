"""Intake: a request enters the platform from any channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.effects import save_file_on_commit
from gongzhi.core.errors import ApplicationError
from gongzhi.core.images import clean_image
from gongzhi.org.actions.common import clean_phone
from gongzhi.org.models import Building, Household, Region, Resident
from gongzhi.org.permissions import own_resident

from .. import error_codes as codes
from ..models import Case, CaseEvent, CasePhoto, Category, Channel, Patrol, Tier, Urgency
from ..permissions import can_intake_at
from ..search import search_text_for
from ..suggest import suggest_category
from .common import record, tier_handlers
from .categories import community_categories

MAX_DESCRIPTION = 4000
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 10 * 1024 * 1024
STAFF_CHANNELS = (Channel.WALK_IN, Channel.PHONE, Channel.NPC_STATION, Channel.PATROL, Channel.API)


@dataclass
class PhotoIn:
    name: str
    data: bytes


def clean_description(text) -> str:
    description = str(text or "").strip()
    if not description:
        raise ApplicationError(codes.DESCRIPTION_REQUIRED, _("请填写诉求内容。"), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise ApplicationError(
            codes.DESCRIPTION_TOO_LONG,
            _("诉求内容不能超过 %(n)d 个字（当前 %(len)d 字）。") % {"n": MAX_DESCRIPTION, "len": len(description)},
            field="description",
        )
    return description


def clean_reporter_phone(raw) -> str:
    """A reporter's phone as typed by staff: a Chinese mobile or landline (stored in national form), or nothing."""
    return clean_phone(raw, field="reporter_phone", message=_(
        "反映人电话格式不正确，请填写手机号（如 13912345678）或带区号的固定电话（如 0551-63601234）。"))


def clean_photos(photos) -> list[tuple[PhotoIn, str, str, int, int]]:
    """Check every photo before anything is written: real image, ≤ 10 MB, at most three.

    What is kept is ``core.images.clean_image``'s copy: no EXIF (location), at most 4096 px a
    side; a decompression bomb is refused like any other file that is no photo.
    """
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ApplicationError(codes.TOO_MANY_PHOTOS, _("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}, field="photos")
    cleaned = []
    for index, photo in enumerate(photos, start=1):
        if not isinstance(photo, PhotoIn):
            photo = PhotoIn(name=getattr(photo, "name", f"photo{index}"), data=_read_upload(photo))
        if len(photo.data) > MAX_PHOTO_BYTES:
            raise ApplicationError(
                codes.PHOTO_TOO_LARGE,
                _("第 %(i)d 张照片超过 10 MB（%(mb).1f MB），请压缩后再上传。")
                % {"i": index, "mb": len(photo.data) / 1024 / 1024},
                field="photos",
            )
        image = clean_image(photo.data)
        if image is None:
            raise ApplicationError(
                codes.PHOTO_NOT_IMAGE,
                _("第 %(i)d 个文件（%(name)s）不是图片，请上传 JPG、PNG 或 WEBP 照片。") % {"i": index, "name": photo.name},
                field="photos",
            )
        cleaned.append((PhotoIn(name=photo.name, data=image.data), image.content_type, image.extension,
                        image.width, image.height))
    return cleaned


def _read_upload(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        # Don't read a huge upload into memory just to refuse it.
        return b"\0" * (MAX_PHOTO_BYTES + 1)
    upload.seek(0)
    return upload.read()


def save_photos(case: Case, cleaned, *, kind: str, actor, event: CaseEvent | None) -> list[CasePhoto]:
    saved = []
    for photo, content_type, extension, width, height in cleaned:
        item = CasePhoto(
            case=case, event=event, kind=kind, content_type=content_type, size=len(photo.data), width=width,
            height=height, uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        save_file_on_commit(item.image, f"case{case.pk}.{extension}", photo.data)  # no orphan on rollback
        item.save()
        saved.append(item)
    return saved


@dataclass
class Place:
    community: Region
    grid_id: int | None = None
    compound_id: int | None = None
    building: Building | None = None
    household: Household | None = None


def resolve_place(*, actor, channel: str, community_id=None, household_id=None, building_id=None) -> Place:
    """Where the request is, and whether this submitter may report there."""
    household = building = None
    if household_id:
        household = (
            Household.objects.select_related("unit", "building__community", "community").filter(pk=household_id).first()
        )
        if household is None:
            raise ApplicationError(codes.PLACE_OUTSIDE, _("所选住户不存在，不属于任何社区。"), field="household")
        building = household.building
    elif building_id:
        building = Building.objects.select_related("community").filter(pk=building_id).first()
        if building is None:
            raise ApplicationError(codes.PLACE_OUTSIDE, _("所选楼栋不存在，不属于任何社区。"), field="building")
    if building is not None:
        community = building.community
    elif community_id:
        community = Region.objects.filter(pk=community_id, kind=Region.Kind.COMMUNITY).first()
        if community is None:
            raise ApplicationError(codes.PLACE_OUTSIDE, _("该地点不在任何社区范围内。"), field="community")
    else:
        raise ApplicationError(codes.PLACE_REQUIRED, _("请选择诉求发生的住户、楼栋或社区。"), field="place")
    place = Place(community=community, building=building, household=household)
    if building is not None:
        place.grid_id, place.compound_id = building.grid_id, building.compound_id
    if channel == Channel.OPEN311:
        return place
    if channel == Channel.RESIDENT:
        _check_resident_place(actor, place)
    elif not can_intake_at(actor, community_id=community.pk, household=household, building=building):
        raise ApplicationError(codes.PLACE_NOT_ALLOWED, _("该地点不在您的工作范围内。"), field="place", status=403)
    return place


def _check_resident_place(actor, place: Place) -> None:
    resident = own_resident(actor)
    if resident is None:
        raise ApplicationError(
            codes.PLACE_NOT_ALLOWED, _("您的账号尚未关联住户，请联系社区工作人员。"), field="place", status=403
        )
    homes = Household.objects.filter(occupancies__resident=resident)
    if place.household is not None:
        allowed = homes.filter(pk=place.household.pk).exists()
    else:
        allowed = homes.filter(community=place.community).exists()
    if not allowed:
        raise ApplicationError(
            codes.PLACE_NOT_ALLOWED, _("只能为自己的住户或所在社区反映诉求。"), field="place", status=403
        )


def starting_tier(category: Category, place: Place) -> tuple[str, list[int]]:
    """The lowest tier responsible for the category that exists at this place, and the user ids
    to notify there. A building's handlers are looked up once: finding them both decides that the
    request starts at the building and says who to tell."""
    probe = _probe(place)
    tier = category.tier
    if tier == Tier.DEPARTMENT:
        tier = Tier.COMMUNITY  # departments are summoned by a whistle, never assigned directly
    if tier == Tier.BUILDING:
        if place.building is not None:
            handlers = tier_handlers(probe, Tier.BUILDING)
            if handlers:
                return tier, handlers
        tier = Tier.GRID
    if tier == Tier.GRID and not place.grid_id:
        tier = Tier.COMMUNITY
    return tier, tier_handlers(probe, tier)


def _probe(place: Place) -> Case:
    """An unsaved case at the place, to ask who is responsible there before it is written."""
    return Case(
        community=place.community, grid_id=place.grid_id, compound_id=place.compound_id,
        building=place.building, household=place.household,
    )


def deadlines(category: Category, urgency: str, start) -> tuple:
    if urgency == Urgency.URGENT:
        response, resolution = category.urgent_response_hours, category.urgent_resolution_hours
    else:
        response, resolution = category.response_hours, category.resolution_hours
    return start + timedelta(hours=float(response)), start + timedelta(hours=float(resolution))


def case_submit(
    *,
    actor,
    description: str,
    channel: str = Channel.RESIDENT,
    community_id: int | None = None,
    household_id: int | None = None,
    building_id: int | None = None,
    address: str = "",
    category_code: str | None = None,
    urgency: str = Urgency.NORMAL,
    photos=(),
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_resident_id: int | None = None,
    idempotency_key: str = "",
    patrol_id: int | None = None,
    lat=None,
    long=None,
    extra_data: dict | None = None,
) -> Case:
    """Register a request. Everything is checked before anything is written.

    ``extra_data`` (a JSON-able dict, already validated by the caller) is kept in the
    data of the "submitted" event, e.g. what an Open311 client sent beyond our fields.
    """
    description = clean_description(description)
    if channel not in Channel.values:
        raise ApplicationError(codes.INVALID_CHANNEL, _("来源无效。"), field="channel")
    if urgency not in Urgency.values:
        raise ApplicationError(codes.INVALID_URGENCY, _("紧急程度无效。"), field="urgency")
    idempotency_key = str(idempotency_key or "").strip()[:64]
    submitter = actor if getattr(actor, "is_authenticated", False) else None
    if idempotency_key and submitter is not None:
        existing = Case.objects.filter(created_by=submitter, idempotency_key=idempotency_key).values_list(
            "pk", flat=True
        ).first()
        if existing:
            raise _duplicate(existing)
    if channel in STAFF_CHANNELS and channel != Channel.API and submitter is None:
        raise ApplicationError(codes.INVALID_CHANNEL, _("来源无效。"), field="channel")
    place = resolve_place(
        actor=actor, channel=channel, community_id=community_id, household_id=household_id, building_id=building_id
    )
    address = str(address or "").strip()[:200]
    reporter_phone = clean_reporter_phone(reporter_phone)
    cleaned_photos = clean_photos(photos)
    categories = community_categories(place.community.pk)
    suggested, confidence = suggest_category(place.community.pk, description, categories=categories)
    if category_code:
        category = categories.get(category_code)
        if category is None or not category.is_active:
            raise ApplicationError(
                codes.UNKNOWN_CATEGORY, _("未知的诉求类别：%(code)s") % {"code": category_code}, field="category"
            )
    else:
        category = suggested or categories["other"]
    patrol = None
    if patrol_id:
        patrol = Patrol.objects.filter(pk=patrol_id, worker=submitter, ended_at__isnull=True).first()
        if patrol is None:
            raise ApplicationError(codes.UNKNOWN_PATROL, _("巡查记录不存在或已结束。"), field="patrol")
        channel = Channel.PATROL

    reporter = submitter if channel == Channel.RESIDENT else None
    reporter_resident = own_resident(submitter) if reporter is not None else None
    if reporter_resident_id and channel != Channel.RESIDENT:
        reporter_resident = Resident.objects.filter(pk=reporter_resident_id, community=place.community).first()
        if reporter_resident is not None and reporter_resident.user_id:
            reporter = reporter_resident.user
    now = timezone.now()
    response_due, resolution_due = deadlines(category, urgency, now)
    tier, handlers = starting_tier(category, place)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                community=place.community,
                grid_id=place.grid_id,
                compound_id=place.compound_id,
                building=place.building,
                household=place.household,
                address=address,
                lat=lat,
                long=long,
                channel=channel,
                reporter=reporter,
                reporter_resident=reporter_resident,
                reporter_name=(reporter_resident.name if reporter_resident else str(reporter_name or "")[:50]),
                reporter_phone=(reporter_resident.phone if reporter_resident else reporter_phone),
                created_by=submitter,
                patrol=patrol,
                category=category,
                suggested_category=suggested,
                suggestion_confidence=confidence,
                urgency=urgency,
                description=description,
                search_text=search_text_for(description, address, category.name),
                status=Case.Status.SUBMITTED,
                tier=tier,
                response_due_at=response_due,
                resolution_due_at=resolution_due,
                idempotency_key=idempotency_key if submitter is not None else "",
            )
            event = record(
                case, actor=submitter, kind=CaseEvent.Kind.SUBMITTED, note=description[:500],
                data={**(extra_data or {}), "channel": channel, "category": category.code,
                      "suggested": suggested.code if suggested else None, "confidence": confidence},
                notify_users=handlers, notify_reporters=reporter is not None and reporter != submitter,
                audit_changes={"category": category.code, "tier": tier, "channel": channel},
            )
            event.saved_photos = save_photos(
                case, cleaned_photos, kind=CasePhoto.Kind.REPORT, actor=submitter, event=event
            )
    except IntegrityError:
        existing = Case.objects.filter(created_by=submitter, idempotency_key=idempotency_key).values_list(
            "pk", flat=True
        ).first()
        if existing:
            raise _duplicate(existing) from None
        raise
    case.intake_event = event  # so the caller can answer without loading the timeline again
    return case


def _duplicate(case_id: int) -> ApplicationError:
    return ApplicationError(
        codes.DUPLICATE_SUBMISSION,
        _("该诉求已提交过（编号 #%(id)s），请勿重复提交。") % {"id": case_id},
        status=409,
        details={"case_id": case_id},
    )


