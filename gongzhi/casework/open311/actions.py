"""Writes behind /open311/v2/: api keys, and a GeoReport v2 request becoming a case.

``open311_request_submit`` checks everything the GeoReport client sent (key,
jurisdiction, service, location, contact fields, attribute answers against the
service definition) and reports every problem at once; only then does it call
``case_submit``, which runs its own checks before writing anything.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError
from gongzhi.core.validators import normalize_phone
from gongzhi.org.models import Household

from ..actions.categories import ensure_categories
from ..actions.intake import MAX_DESCRIPTION, case_submit
from ..models import Case, Channel, Open311Key
from . import codes
from .definitions import clean_attributes, definition_for
from .selectors import jurisdiction, key_for, service

KEY_PREFIX = "o311_"
MAX_MEDIA_URL = 500
MAX_ID = 100


# Keys ---------------------------------------------------------------------------------------------------------------

def open311_key_create(*, actor, name: str) -> tuple[Open311Key, str]:
    """A new api_key for a client application. The key itself is returned once; only its hash is stored."""
    name = str(name or "").strip()
    if not name or len(name) > 100:
        raise ApplicationError(codes.INVALID_ARGUMENT, _("请填写密钥名称（不超过 100 个字），例如使用方的应用名称。"),
                               field="name")
    if Open311Key.objects.filter(name=name).exists():
        raise ApplicationError(codes.KEY_NAME_TAKEN, _("已有同名密钥：%(name)s。") % {"name": name}, field="name")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            key = Open311Key.objects.create(name=name, prefix=raw[:8], key_hash=Open311Key.hash(raw))
            audit_record(actor=actor, action="open311_key.create", target=key, changes={"name": name})
    except IntegrityError:
        raise ApplicationError(codes.KEY_NAME_TAKEN, _("已有同名密钥：%(name)s。") % {"name": name},
                               field="name") from None
    return key, raw


@transaction.atomic
def open311_key_revoke(*, actor, name: str) -> Open311Key:
    key = Open311Key.objects.select_for_update().filter(name=str(name or "").strip()).first()
    if key is None:
        raise ApplicationError(codes.KEY_NOT_FOUND, _("没有名为 %(name)s 的密钥。") % {"name": name}, field="name",
                               status=404)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="open311_key.revoke", target=key, changes={"revoked": True})
    return key


# Requests -----------------------------------------------------------------------------------------------------------

@dataclass
class RequestIn:
    """The POST arguments, as strings (blank = not given, as the spec's "optional" says)."""

    api_key: str = ""
    jurisdiction_id: str = ""
    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    description: str = ""
    media_url: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)


class Problems:
    """Every 400-class problem found, reported together as the spec allows."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, param: str, message: str) -> None:
        self.items.append((param, message))

    def raise_if_any(self) -> None:
        if self.items:
            param, message = self.items[0]
            code = codes.INVALID_ATTRIBUTE if param.startswith("attribute[") else codes.INVALID_ARGUMENT
            raise ApplicationError(code, message, field=param,
                                   details=[{"field": p, "message": m} for p, m in self.items])


def open311_request_submit(*, data: RequestIn) -> Case:
    """POST requests: a case from channel "open311", submitted by no user (the api_key names the client)."""
    key = key_for(data.api_key)
    problems = Problems()
    household = _household(data.address_id, problems)
    if household is not None and not data.jurisdiction_id.strip():
        community = household.community  # the household says which community
    else:
        community = jurisdiction(data.jurisdiction_id, required=not problems.items)
        if community is None:  # a bad address_id and no jurisdiction_id: say what is wrong with the address
            problems.raise_if_any()
        if household is not None and household.community_id != community.pk:
            problems.add("address_id", _("该住户不在 jurisdiction_id 所指的社区内。"))
    category = None
    if data.service_code.strip():
        ensure_categories(community.pk)  # a new community's defaults, as case_submit would seed them
        category = service(community, data.service_code)  # 404 for an unknown service
    else:
        problems.add("service_code", _("缺少 service_code（服务类型编码）。"))

    lat, long = _coordinates(data.lat, data.long, problems)
    address = data.address_string.strip()
    if len(address) > 200:
        problems.add("address_string", _("地址不能超过 200 个字。"))
    if not (data.lat.strip() or data.long.strip() or address or data.address_id.strip()):
        problems.add("location", _("请提供位置：lat 和 long，或 address_string，或 address_id（住户编号）。"))

    description = data.description.strip()
    if len(description) > MAX_DESCRIPTION:
        problems.add("description", _("描述不能超过 %(n)d 个字（当前 %(len)d 字）。")
                     % {"n": MAX_DESCRIPTION, "len": len(description)})
    email = data.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.add("email", _("电子邮箱格式不正确。"))
    media_url = data.media_url.strip()
    if media_url:
        try:
            if len(media_url) > MAX_MEDIA_URL:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            problems.add("media_url", _("media_url 必须是不超过 500 个字符的 http(s) 链接。"))
    for name in ("device_id", "account_id"):
        if len(getattr(data, name).strip()) > MAX_ID:
            problems.add(name, _("不能超过 %(n)d 个字符。") % {"n": MAX_ID})
    reporter_name = _full_name(data.first_name.strip(), data.last_name.strip())
    if len(reporter_name) > 50:
        problems.add("first_name", _("姓名不能超过 50 个字。"))
    phone = data.phone.strip()
    if len(phone) > 20:
        problems.add("phone", _("电话号码不能超过 20 个字符。"))
    elif phone and normalize_phone(phone) is None:
        problems.add("phone", _("电话号码格式不正确，应为手机号或带区号的固定电话。"))

    cleaned = None
    if category is not None:
        cleaned = clean_attributes(definition_for(category.code), data.attributes)
        for param, message in cleaned.errors:
            problems.add(param, message)
    problems.raise_if_any()

    lines = list(cleaned.lines)
    if email:
        lines.append(_("电子邮箱：%(email)s") % {"email": email})
    if media_url:
        lines.append(_("图片/附件链接：%(url)s") % {"url": media_url})
    lines.append(_("来源应用：%(name)s") % {"name": key.name})
    text = (description or category.name) + "\n\n" + _("补充信息（Open311）：") + "\n" + "\n".join(lines)
    if len(text) > MAX_DESCRIPTION:
        raise ApplicationError(codes.INVALID_ARGUMENT, _("描述加上各项补充信息超过 %(n)d 个字，请精简描述。")
                               % {"n": MAX_DESCRIPTION}, field="description")
    submitted = {
        "api_key": key.name,
        "description": description,
        "media_url": media_url,
        "email": email,
        "device_id": data.device_id.strip(),
        "account_id": data.account_id.strip(),
        "attributes": cleaned.values,
    }
    return case_submit(
        actor=None,
        channel=Channel.OPEN311,
        description=text,
        community_id=community.pk if household is None else None,
        household_id=household.pk if household is not None else None,
        address=address,
        category_code=category.code,
        urgency=cleaned.urgency,
        reporter_name=reporter_name,
        reporter_phone=phone,
        lat=lat,
        long=long,
        extra_data={"open311": {k: v for k, v in submitted.items() if v not in ("", None, {}, [])}},
    )


def _household(address_id: str, problems: Problems) -> Household | None:
    raw = (address_id or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        problems.add("address_id", _("address_id 应为住户编号（整数）。"))
        return None
    household = Household.objects.select_related("community").filter(pk=int(raw)).first()
    if household is None:
        problems.add("address_id", _("该住户编号不存在，不在任何社区范围内。"))
    return household


def _coordinates(lat_raw: str, long_raw: str, problems: Problems) -> tuple[Decimal | None, Decimal | None]:
    lat_raw, long_raw = (lat_raw or "").strip(), (long_raw or "").strip()
    if not lat_raw and not long_raw:
        return None, None
    if not lat_raw or not long_raw:
        problems.add("lat" if not lat_raw else "long", _("lat 和 long 须同时提供（WGS84 坐标）。"))
        return None, None
    values = []
    for name, raw, bound in (("lat", lat_raw, 90), ("long", long_raw, 180)):
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or abs(value) > bound:
            problems.add(name, _("%(name)s 应为 -%(bound)d 到 %(bound)d 之间的数字（WGS84）。")
                         % {"name": name, "bound": bound})
            return None, None
        values.append(value.quantize(Decimal("0.000001")))
    return values[0], values[1]


def _full_name(first: str, last: str) -> str:
    """Chinese names are family name first, without a space; others "first last"."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return last + first
    return " ".join(p for p in (first, last) if p)
