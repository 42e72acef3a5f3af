"""Validation helpers shared by org actions and the roster import."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError
from gongzhi.core.validators import normalize_id_number, normalize_phone

from .. import error_codes as codes


def clean_text(value, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise ApplicationError(codes.REQUIRED, _("%(label)s不能为空。") % {"label": label}, field=field)
    if len(text) > max_length:
        raise ApplicationError(
            codes.TOO_LONG, _("%(label)s不能超过 %(n)d 个字符。") % {"label": label, "n": max_length}, field=field
        )
    return text


def clean_phone(value, *, field: str = "phone", required: bool = False, message: str | None = None) -> str:
    """A Chinese mobile or landline in national form, or "" when empty and not required; ``message``
    replaces the default error text (e.g. one that shows the expected forms)."""
    text = str(value or "").strip()
    if not text:
        if required:
            raise ApplicationError(codes.REQUIRED, _("电话不能为空。"), field=field)
        return ""
    phone = normalize_phone(text)
    if phone is None:
        raise ApplicationError(
            codes.INVALID_PHONE, message or _("电话号码格式不正确：%(value)s") % {"value": text}, field=field
        )
    return phone


def clean_id_number(value, *, field: str = "id_number") -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    id_number = normalize_id_number(text)
    if id_number is None:
        raise ApplicationError(
            codes.INVALID_ID_NUMBER, _("身份证号格式或校验位不正确。"), field=field
        )
    return id_number


def clean_area(value, *, field: str = "area") -> Decimal:
    try:
        area = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(codes.INVALID_AREA, _("面积必须是数字。"), field=field) from None
    if not area.is_finite() or area <= 0:
        raise ApplicationError(codes.INVALID_AREA, _("面积必须大于 0。"), field=field)
    if area >= Decimal("1000000"):
        raise ApplicationError(codes.INVALID_AREA, _("面积过大。"), field=field)
    return area.quantize(Decimal("0.01"))


def clean_share(value, *, field: str = "share") -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        share = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise ApplicationError(codes.INVALID_SHARE, _("产权份额必须是数字。"), field=field) from None
    if not share.is_finite() or share <= 0 or share > 100:
        raise ApplicationError(codes.INVALID_SHARE, _("产权份额必须在 0 到 100 之间。"), field=field)
    return share.quantize(Decimal("0.01"))


def clean_int(value, *, field: str, label: str, minimum: int | None = None, maximum: int | None = None) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ApplicationError(codes.NOT_INTEGER, _("%(label)s必须是整数。") % {"label": label}, field=field) from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ApplicationError(
            codes.OUT_OF_RANGE, _("%(label)s超出范围。") % {"label": label}, field=field
        )
    return number


def clean_choice(value, choices, *, field: str, label: str) -> str:
    valid = {str(c.value): c for c in choices}
    labels = {str(c.label): c for c in choices}
    text = str(value or "").strip()
    if text in valid:
        return text
    if text in labels:
        return str(labels[text].value)
    raise ApplicationError(
        codes.INVALID_CHOICE,
        _("%(label)s取值无效：%(value)s（可选：%(options)s）")
        % {"label": label, "value": text, "options": "、".join(str(c.label) for c in choices)},
        field=field,
    )


def clean_date(value, *, field: str, label: str) -> datetime.date | None:
    """A date from a form (年-月-日) or already a date; None when left empty."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ApplicationError(
            codes.INVALID_DATE, _("%(label)s格式不正确，应为 年-月-日。") % {"label": label}, field=field
        ) from None
