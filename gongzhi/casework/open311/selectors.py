"""Reads behind /open311/v2/: jurisdictions, keys, services, and the public view of requests.

GeoReport v2 reads need no login, so this module decides what the world may
see of a request: its category, status (open/closed, with the detail in
``status_notes``), dates, responsible body and, for place-based categories,
the text and place as reported. Never the reporter's name, phone, e-mail or
account: phone numbers, ID numbers, e-mail addresses and the reporter's name
are masked even where a resident typed them into the description. Categories
about a person (see ``definitions.ServiceDefinition.public``) show neither
text nor place.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import JSONField, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.core.validators import mask_contacts_in
from gongzhi.org.models import Region

from ..models import Case, CaseEvent, Category, Channel, Open311Key, Tier, Urgency
from . import codes
from .definitions import DEFINITIONS_CHANGESET, MULTI, SINGLE, definition_for

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
WINDOW_DAYS = 90
DEFAULT_LIMIT = 1000
CLOSED_STATUSES = tuple(s for s in Case.Status.values if s not in Case.OPEN_STATUSES)


def max_requests() -> int:
    """At most this many requests per GET requests (the spec's 1000; ``OPEN311_MAX_REQUESTS`` overrides)."""
    return int(getattr(settings, "OPEN311_MAX_REQUESTS", DEFAULT_LIMIT))


# Jurisdictions and keys ---------------------------------------------------------------------------------------------

def jurisdiction(jurisdiction_id: str | None, *, required: bool = True) -> Region | None:
    """The community a ``jurisdiction_id`` (community code) names.

    Without one: the only community when the deployment has one; otherwise an
    error when ``required``, else None (the caller has another way to find it).
    """
    code = (jurisdiction_id or "").strip()
    communities = Region.objects.filter(kind=Region.Kind.COMMUNITY)
    if code:
        community = communities.filter(code=code).first()
        if community is None:
            raise ApplicationError(
                codes.UNKNOWN_JURISDICTION, _("未找到该辖区（社区编码 %(code)s）。") % {"code": code[:40]},
                field="jurisdiction_id", status=404,
            )
        return community
    some = list(communities.order_by("code").values_list("code", flat=True)[:11])
    if len(some) == 1:
        return communities.get()
    if not required:
        return None
    if not some:
        raise ApplicationError(codes.JURISDICTION_REQUIRED, _("本平台尚未设立任何社区。"), field="jurisdiction_id")
    listed = "、".join(some[:10]) + ("……" if len(some) > 10 else "")
    raise ApplicationError(
        codes.JURISDICTION_REQUIRED,
        _("本平台服务多个社区，请用 jurisdiction_id 指明社区编码（%(codes)s）。") % {"codes": listed},
        field="jurisdiction_id",
    )


def key_for(raw: str | None) -> Open311Key:
    """The active key matching ``raw``; 403 for a missing, unknown or revoked key."""
    raw = (raw or "").strip()
    if not raw:
        raise ApplicationError(codes.API_KEY_MISSING, _("缺少 api_key，提交诉求需要密钥。"), field="api_key",
                               status=403)
    key = Open311Key.objects.filter(key_hash=Open311Key.hash(raw), revoked_at__isnull=True).first()
    if key is None:
        raise ApplicationError(codes.API_KEY_INVALID, _("api_key 无效或已被撤销，不能提交诉求。"), field="api_key",
                               status=403)
    return key


# Discovery and services ---------------------------------------------------------------------------------------------

def changeset() -> str:
    """When services or definitions last changed: the definitions' revision or the latest category edit."""
    latest = (
        AuditEvent.objects.filter(action__in=["category.update", "category.create"])
        .order_by("-created_at").values_list("created_at", flat=True).first()
    )
    if latest is None:
        return DEFINITIONS_CHANGESET
    edited = latest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return max(edited, DEFINITIONS_CHANGESET)


def services(community: Region) -> list[Category]:
    return list(Category.objects.filter(community=community, is_active=True).order_by("sort_order", "code"))


def service(community: Region, service_code: str | None, *, active_only: bool = True) -> Category:
    code = (service_code or "").strip()
    if not code:
        raise ApplicationError(codes.SERVICE_CODE_REQUIRED, _("缺少 service_code（服务类型编码）。"),
                               field="service_code")
    categories = Category.objects.filter(community=community, code=code)
    if active_only:
        categories = categories.filter(is_active=True)
    category = categories.first()
    if category is None:
        raise ApplicationError(
            codes.UNKNOWN_SERVICE, _("本社区没有该服务类型：%(code)s。") % {"code": code[:40]}, field="service_code",
            status=404,
        )
    return category


def service_out(category: Category) -> dict:
    definition = definition_for(category.code)
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": any(a.variable for a in definition.attributes),
        "type": "realtime",
        "keywords": ", ".join(definition.keywords) or category.name,
        "group": str(Tier(category.tier).label),
    }


def definition_out(category: Category) -> dict:
    attributes = []
    for order, attribute in enumerate(definition_for(category.code).attributes, start=1):
        item = {
            "variable": attribute.variable,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": str(attribute.datatype_description) if attribute.datatype_description else None,
            "order": order,
            "description": str(attribute.description),
        }
        if attribute.datatype in (SINGLE, MULTI):
            item["values"] = [{"key": v.key, "name": str(v.name)} for v in attribute.values]
        attributes.append(item)
    return {"service_code": category.code, "attributes": attributes}


def _hours(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def service_notice(category: Category, urgency: str) -> str:
    if urgency == Urgency.URGENT:
        response, resolution = category.urgent_response_hours, category.urgent_resolution_hours
    else:
        response, resolution = category.response_hours, category.resolution_hours
    return _("社区将在 %(response)s 小时内响应，%(resolution)s 小时内办结。") % {
        "response": _hours(response), "resolution": _hours(resolution),
    }


# Requests -----------------------------------------------------------------------------------------------------------

def requests_query(community: Region | None) -> QuerySet[Case]:
    """Cases with what their public view needs, in one query."""
    submitted = CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.SUBMITTED).order_by("id")
    rejected = CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.REJECTED).order_by("-id")
    qs = Case.objects.all() if community is None else Case.objects.filter(community=community)
    return qs.select_related("category", "community", "grid", "compound", "building", "department").annotate(
        open311_data=Subquery(submitted.values("data__open311")[:1], output_field=JSONField()),
        rejection_reason=Subquery(rejected.values("note")[:1]),
    )


def request_list(
    community: Region,
    *,
    ids: list[int] | None = None,
    service_codes: list[str] | None = None,
    start=None,
    end=None,
    statuses: list[str] | None = None,
    limit: int | None = None,
) -> list[Case]:
    """GET requests: ``ids`` override every other filter; otherwise a window of at most 90 days, newest first."""
    qs = requests_query(community)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    else:
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        if service_codes:
            qs = qs.filter(category__code__in=service_codes)
        if statuses and set(statuses) != {"open", "closed"}:
            qs = qs.filter(status__in=Case.OPEN_STATUSES if "open" in statuses else CLOSED_STATUSES)
    return list(qs.order_by("-created_at", "-id")[: limit or max_requests()])


def default_window(start, end, now):
    """The spec's default range: the most recent 90 days, or 90 days from/to the one date given."""
    if start is None and end is None:
        return now - timedelta(days=WINDOW_DAYS), now
    if start is None:
        return end - timedelta(days=WINDOW_DAYS), end
    if end is None:
        return start, start + timedelta(days=WINDOW_DAYS)
    return start, end


def open311_status(case: Case) -> str:
    return "open" if case.status in Case.OPEN_STATUSES else "closed"


def request_out(case: Case) -> dict:
    """One request as the world may see it (fields and order as in the spec)."""
    definition = definition_for(case.category.code)
    public = definition.public
    submitted = case.open311_data if isinstance(getattr(case, "open311_data", None), dict) else None
    if submitted is not None and case.channel == Channel.OPEN311:
        description = submitted.get("description") or ""
        media_url = submitted.get("media_url") or None
    else:
        description, media_url = case.description, None
    return {
        "service_request_id": case.pk,
        "status": open311_status(case),
        "status_notes": status_notes(case, public=public),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": (scrub(description, case) or None) if public else None,
        "agency_responsible": agency_responsible(case, public=public),
        "service_notice": service_notice(case.category, case.urgency),
        "requested_datetime": case.created_at,
        "updated_datetime": case.updated_at,
        "expected_datetime": case.resolution_due_at,
        "address": address(case, public=public),
        "address_id": case.household_id if public else None,
        "zipcode": None,
        "lat": case.lat if public else None,
        "long": case.long if public else None,
        "media_url": media_url if public else None,
    }


def status_notes(case: Case, *, public: bool) -> str:
    """Our status in words, with the reason or result the resident was given (place-based categories only)."""
    S = Case.Status
    label = str(case.get_status_display())
    if case.status == S.SUBMITTED:
        return _("已提交，等待%(tier)s受理") % {"tier": Tier(case.tier).label}
    if case.status == S.IN_PROGRESS and case.reopen_count:
        return _("办理中（第 %(n)d 次重新办理）") % {"n": case.reopen_count}
    if case.status == S.MERGED and case.merged_into_id:
        return _("已合并：并入诉求 %(id)s 一并办理") % {"id": case.merged_into_id}
    detail = ""
    if public and case.status in Case.DONE_STATUSES:
        detail = case.resolution
    elif public and case.status == S.REJECTED:
        detail = getattr(case, "rejection_reason", None) or ""
    detail = scrub(detail, case)
    return f"{label}：{detail}" if detail else label


def agency_responsible(case: Case, *, public: bool) -> str:
    community = case.community.name
    if case.tier == Tier.DEPARTMENT and case.department_id:
        return case.department.name
    if case.tier == Tier.BUILDING:
        if public and case.building_id:
            return _("%(community)s %(building)s楼栋长") % {"community": community, "building": case.building.name}
        return _("%(community)s 楼栋长") % {"community": community}
    if case.tier == Tier.GRID and case.grid_id:
        return f"{community} {case.grid.name}"
    return _("%(community)s居委会") % {"community": community}


def address(case: Case, *, public: bool) -> str:
    """Most specific first, as the spec asks: what was reported (never the room), compound and building, community."""
    parts = []
    if public:
        reported = building_level(scrub(case.address, case)) if case.address else ""
        if reported:
            parts.append(reported)
        elif case.building_id:
            compound = case.compound.name if case.compound_id else ""
            parts.append(f"{compound} {case.building.name}".strip())
    parts.append(case.community.name)
    return ", ".join(p for p in parts if p)


_NUM = r"[0-9０-９一二三四五六七八九十百零〇两]+"
_ROOM_END = r"(?:\s*(?:室|房|户|号))?"
# Everything below a building, however it was typed. Each pattern is cut out of the text.
_BELOW_BUILDING = [re.compile(p) for p in (
    rf"{_NUM}\s*单元(?:\s*{_NUM}\s*(?:层|楼))?(?:\s*{_NUM}{_ROOM_END})?",  # 1单元102, 2单元3层301室, 一单元
    rf"(?<![0-9０-９号#])\d+\s*(?:楼|层|[Ff])\s*\d+{_ROOM_END}",  # 5楼502, 3层301 (not 2号楼…)
    rf"(?<=栋|幢|座|楼|#)\s*\d{{3,4}}{_ROOM_END}",  # 1栋102, 2号楼502号, 3#502
    r"\d+(?:\s*[-－—–]\s*\d+){1,2}" + _ROOM_END,  # 3-502, 1-2-301
    rf"{_NUM}\s*(?:室|房|户)",  # 102室
)]


def building_level(text: str) -> str:
    """An address at most down to the building: unit, floor and room parts cut out (``1单元102``, ``102室``…)."""
    for pattern in _BELOW_BUILDING:
        text = pattern.sub(" ", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" ,，、;；:：-")


_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def scrub(text: str | None, case: Case) -> str:
    """Mask what identifies a person in public text: ID and phone numbers, e-mail, the reporter's name."""
    if not text:
        return ""
    text = mask_contacts_in(text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    name = (case.reporter_name or "").strip()
    if len(name) >= 2:
        text = text.replace(name, name[0] + "*" * (len(name) - 1))
    return text
