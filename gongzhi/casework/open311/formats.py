"""GeoReport v2 output: the same Python structure rendered as JSON or as XML.

The spec's XML is schemaless, without namespace, UTF-8 with an XML
declaration; its JSON is the "Spark convention" mapping of that XML: a list
container (``<services>``) becomes a JSON array of its items, an element with
children an object, ``true``/``false`` booleans, empty elements ``null``.
Views build plain dicts and lists (keys in the spec's order) and this module
names the XML elements: the root is given by the view, list items by
``ITEM_NAMES``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MIME_TYPES = {"xml": "text/xml", "json": "application/json"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# The element name of one item of each list container.
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}

# Characters XML 1.0 cannot carry at all (a stray control character in a description must not break a client).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def w3c(moment: datetime | None) -> str | None:
    """W3C date-time with the offset, in the server's time zone: 2026-11-22T13:30:22+08:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, (list, tuple)):
        item_name = ITEM_NAMES[element.tag]
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def to_xml(root: str, payload) -> bytes:
    element = ET.Element(root)
    _fill(element, payload)
    return (XML_DECLARATION + ET.tostring(element, encoding="unicode")).encode("utf-8")


def _json_default(value):
    if isinstance(value, datetime):
        return w3c(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)  # lazy translation strings


def to_json(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, default=_json_default).encode("utf-8")


def render(fmt: str, root: str, payload, *, status: int = 200) -> HttpResponse:
    """``payload`` in ``fmt``; ``root`` names the XML document element (JSON has none)."""
    body = to_xml(root, payload) if fmt == "xml" else to_json(payload)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, status: int, descriptions: list[str], *, code: int | None = None) -> HttpResponse:
    """The spec's error body: ``[{"code", "description"}]`` / ``<errors><error><code/><description/>…``."""
    errors = [{"code": code or status, "description": d} for d in descriptions]
    return render(fmt, "errors", errors, status=status)


_W3C = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?)?)?$"
)


class W3CError(ValueError):
    pass


def parse_w3c(text: str) -> datetime:
    """A W3C date-time (the ISO 8601 profile of the W3C note): 2010-01-01T00:00:00Z, …+08:00, or a date.

    A time must carry its zone (Z or ±hh:mm); a bare date (or year, year-month)
    starts at midnight in the server's time zone. A "+" turned into a space by
    an unencoded query string is put back.
    """
    text = (text or "").strip()
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text)
    match = _W3C.match(text)
    if match is None:
        raise W3CError("format")
    parts = match.groupdict()
    try:
        if parts["hour"] is None:
            moment = datetime(int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1))
            return timezone.make_aware(moment)
        if parts["tz"] is None:
            raise W3CError("zone")
        fraction = (parts["fraction"] or "0")[:6].ljust(6, "0")
        iso = (f"{parts['year']}-{parts['month']}-{parts['day']}T{parts['hour']}:{parts['minute']}:"
               f"{parts['second'] or '00'}.{fraction}")
        zone = parts["tz"]
        if zone == "Z":
            zone = "+00:00"
        elif ":" not in zone:
            zone = zone[:3] + ":" + zone[3:]
        return datetime.fromisoformat(iso + zone)
    except ValueError as exc:
        if isinstance(exc, W3CError):
            raise
        raise W3CError("value") from None
