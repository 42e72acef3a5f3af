"""Turning cell values into clean Python values, fast.

Each parser takes the raw value openpyxl returns (str, int, float, datetime or
None) and returns the clean value, or raises ``BadValue`` with the Chinese
reason. They run once per cell of a 160,000-row file, so they avoid
exceptions and library calls on the common path.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from gongzhi.core.validators import id_number_check_char, normalize_phone

from .layout import TAG_LABELS, TAG_SEPARATORS, unescape_text

_MOBILE = re.compile(r"1[3-9]\d{9}")
_ID = re.compile(r"\d{17}[\dX]")
_CENT = Decimal("0.01")
_AREA_MAX = Decimal(1000000)
_HUNDRED = Decimal(100)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
_TAG_VALUES = {v: v for v in TAG_LABELS.values()}


class BadValue(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def text(value) -> str:
    """Any cell as stripped text; removes the export's formula-escaping apostrophe."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        value = value.strip()
        if value and value[0] == "'":
            value = unescape_text(value)
        return value
    if kind is int:
        return str(value)
    if kind is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def integer(value, *, label: str, minimum: int, maximum: int) -> int:
    kind = type(value)
    if kind is int:
        number = value
    elif kind is float and value.is_integer():
        number = int(value)
    else:
        raw = text(value)
        try:
            number = int(raw)
        except ValueError:
            raise BadValue(_("%(label)s必须是整数：%(value)s") % {"label": label, "value": raw}) from None
    if number < minimum or number > maximum:
        raise BadValue(
            _("%(label)s必须在 %(min)d 到 %(max)d 之间：%(value)s")
            % {"label": label, "min": minimum, "max": maximum, "value": number}
        )
    return number


def _decimal(value, label: str) -> Decimal:
    kind = type(value)
    if kind is int:
        return Decimal(value)
    raw = repr(value) if kind is float else text(value).rstrip("%％").strip()
    try:
        number = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise BadValue(_("%(label)s必须是数字：%(value)s") % {"label": label, "value": raw}) from None
    if not number.is_finite():
        raise BadValue(_("%(label)s必须是数字：%(value)s") % {"label": label, "value": raw})
    return number


def area(value) -> Decimal:
    number = _decimal(value, _("建筑面积"))
    if number <= 0:
        raise BadValue(_("建筑面积必须大于 0：%(value)s") % {"value": text(value)})
    if number >= _AREA_MAX:
        raise BadValue(_("建筑面积过大：%(value)s") % {"value": text(value)})
    return number.quantize(_CENT)


def share(value) -> Decimal:
    number = _decimal(value, _("产权份额"))
    if number <= 0 or number > _HUNDRED:
        raise BadValue(_("产权份额必须大于 0 且不超过 100：%(value)s") % {"value": text(value)})
    return number.quantize(_CENT)


def phone(value) -> str:
    """A normalised phone number; a plain 11-digit mobile is decided by a regex alone."""
    raw = text(value)
    if len(raw) == 11 and _MOBILE.fullmatch(raw):
        return raw
    normalized = normalize_phone(raw)
    if normalized is None:
        raise BadValue(_("电话号码格式不正确：%(value)s") % {"value": raw})
    return normalized


def id_number(value) -> str:
    raw = text(value).upper()
    if len(raw) != 18 or not _ID.fullmatch(raw) or id_number_check_char(raw[:17]) != raw[17]:
        raise BadValue(_("身份证号格式或校验位不正确：%(value)s") % {"value": raw})
    return raw


def birth_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        raw = text(value)
        day = None
        for fmt in _DATE_FORMATS:
            try:
                day = datetime.datetime.strptime(raw, fmt).date()
                break
            except ValueError:
                continue
        if day is None:
            raise BadValue(_("出生日期格式不正确：%(value)s（应写成 1956-03-08）") % {"value": raw})
    if day.year < 1900 or day > datetime.date.today():
        raise BadValue(_("出生日期超出合理范围：%(value)s") % {"value": day.isoformat()})
    return day


def choice(value, labels: dict[str, str], *, label: str, aliases: dict[str, str] | None = None) -> str:
    """A label (住宅) or model value (dwelling) → model value."""
    raw = text(value)
    found = labels.get(raw) or (aliases or {}).get(raw)
    if found is None and raw in labels.values():
        found = raw
    if found is None:
        raise BadValue(
            _("%(label)s取值无效：%(value)s（可选：%(options)s）")
            % {"label": label, "value": raw, "options": "、".join(labels)}
        )
    return found


def tags(value) -> frozenset[str]:
    raw = text(value)
    if not raw:
        return frozenset()
    found = set()
    for part in TAG_SEPARATORS.split(raw):
        if not part:
            continue
        tag = TAG_LABELS.get(part) or _TAG_VALUES.get(part)
        if tag is None:
            raise BadValue(
                _("标签取值无效：%(value)s（可选：%(options)s）") % {"value": part, "options": "、".join(TAG_LABELS)}
            )
        found.add(tag)
    return frozenset(found)
