"""CAP 1.2 messages (OASIS Common Alerting Protocol, Version 1.2, 2010): read strictly, write valid.

``parse(data)`` turns an uploaded or polled message into a ``CapAlert`` or raises ``CapError`` (an
``ApplicationError`` with a stable code and a Chinese message naming the element); ``to_xml(alert)``
writes one that validates against the OASIS schema (``schema/CAP-v1.2.xsd``, tested). Nothing here
touches the database: issuing the alert from it, and checking that an Update or Cancel refers to an
alert we know, belong to the actions. The reading of the standard is in docs/alerts.md.

The XML is read with defusedxml: a DTD, an entity declaration or an external reference is refused
(``cap_forbidden_xml``), never expanded, so an XML bomb costs nothing; a file over ``MAX_BYTES`` is
refused before parsing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError

from .error_codes import AlertsError

NS = "urn:oasis:names:tc:emergency:cap:1.2"
MAX_BYTES = 512 * 1024  # a real warning is a few KB; a feed entry with polygons stays far below

STATUS = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPE = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPE = ("Public", "Restricted", "Private")
CATEGORY = ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE",
            "Other")
RESPONSE_TYPE = ("Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None")
URGENCY = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITY = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTY = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")

# The four warning levels of 突发事件应对法 (2007) art. 42 — 一级 red (特别严重) … 四级 blue (一般) — against
# CAP's severity. "notice" is an ordinary notice (普通通知), not a warning.
LEVEL_SEVERITY = {"red": "Extreme", "orange": "Severe", "yellow": "Moderate", "blue": "Minor", "notice": "Unknown"}
SEVERITY_LEVEL = {severity: level for level, severity in LEVEL_SEVERITY.items()}
COLOUR_WORDS = {"红色": "red", "橙色": "orange", "黄色": "yellow", "蓝色": "blue"}

# CAP dateTime (spec 3.3.2): 2002-05-24T16:49:00-07:00; the zone is required and UTC is written -00:00.
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
_NO_SPACE_COMMA = re.compile(r"^[^\s,<&]+$")  # identifier, sender (spec 3.2.1)


class CapError(ApplicationError):
    status = 422


@dataclass
class CapArea:
    desc: str
    polygons: list[str] = field(default_factory=list)
    circles: list[str] = field(default_factory=list)
    geocodes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CapInfo:
    event: str
    urgency: str
    severity: str
    certainty: str
    categories: list[str] = field(default_factory=lambda: ["Safety"])
    language: str = "zh-CN"
    response_types: list[str] = field(default_factory=list)
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    contact: str = ""
    parameters: list[tuple[str, str]] = field(default_factory=list)
    areas: list[CapArea] = field(default_factory=list)

    @property
    def level(self) -> str:
        """Our colour level: the colour the issuer names (雷雨大风黄色预警信号), else from the severity."""
        for text in (self.headline, self.event):
            for word, level in COLOUR_WORDS.items():
                if word in text:
                    return level
        return SEVERITY_LEVEL[self.severity]


@dataclass
class CapAlert:
    identifier: str
    sender: str
    sent: datetime
    status: str = "Actual"
    msg_type: str = "Alert"
    scope: str = "Public"
    source: str = ""
    restriction: str = ""
    addresses: str = ""
    codes: list[str] = field(default_factory=list)
    note: str = ""
    references: list[tuple[str, str, datetime]] = field(default_factory=list)  # (sender, identifier, sent)
    incidents: str = ""
    infos: list[CapInfo] = field(default_factory=list)


# Reading -----------------------------------------------------------------------------------------------
# Each container's children in schema order: (name, minimum, maximum or None for unbounded).
_ALERT = [("identifier", 1, 1), ("sender", 1, 1), ("sent", 1, 1), ("status", 1, 1), ("msgType", 1, 1),
          ("source", 0, 1), ("scope", 1, 1), ("restriction", 0, 1), ("addresses", 0, 1), ("code", 0, None),
          ("note", 0, 1), ("references", 0, 1), ("incidents", 0, 1), ("info", 0, None)]
_INFO = [("language", 0, 1), ("category", 1, None), ("event", 1, 1), ("responseType", 0, None),
         ("urgency", 1, 1), ("severity", 1, 1), ("certainty", 1, 1), ("audience", 0, 1), ("eventCode", 0, None),
         ("effective", 0, 1), ("onset", 0, 1), ("expires", 0, 1), ("senderName", 0, 1), ("headline", 0, 1),
         ("description", 0, 1), ("instruction", 0, 1), ("web", 0, 1), ("contact", 0, 1), ("parameter", 0, None),
         ("resource", 0, None), ("area", 0, None)]
_AREA = [("areaDesc", 1, 1), ("polygon", 0, None), ("circle", 0, None), ("geocode", 0, None),
         ("altitude", 0, 1), ("ceiling", 0, 1)]
_PAIR = [("valueName", 1, 1), ("value", 1, 1)]
_RESOURCE = [("resourceDesc", 1, 1), ("mimeType", 1, 1), ("size", 0, 1), ("uri", 0, 1), ("derefUri", 0, 1),
             ("digest", 0, 1)]


def _error(code: str, message: str, where: str) -> CapError:
    return CapError(code, message, field=where)


def _children(element: ET.Element, order: list[tuple[str, int, int | None]], where: str) -> dict[str, list]:
    """The element's CAP children by name, checked against the schema's sequence (order and counts).
    Elements of other namespaces (a signature, extensions) are passed over, as the schema allows."""
    found: dict[str, list] = {name: [] for name, _min, _max in order}
    position = 0
    for child in element:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            continue
        namespace, _brace, name = child.tag[1:].partition("}") if child.tag.startswith("{") else ("", "", child.tag)
        if namespace != NS:
            continue
        names = [n for n, _min, _max in order]
        if name not in names:
            raise _error(AlertsError.CAP_UNKNOWN_ELEMENT,
                         _("CAP 消息中有未知元素 <%(name)s>（位置：%(where)s）。") % {"name": name, "where": where}, where)
        index = names.index(name)
        if index < position:
            raise _error(AlertsError.CAP_UNKNOWN_ELEMENT,
                         _("CAP 消息中 <%(name)s> 的位置不对（位置：%(where)s），元素须按标准顺序排列。")
                         % {"name": name, "where": where}, where)
        position = index
        found[name].append(child)
    for name, minimum, maximum in order:
        count = len(found[name])
        if count < minimum:
            raise _error(AlertsError.CAP_MISSING,
                         _("CAP 消息缺少必填元素 <%(name)s>（位置：%(where)s）。") % {"name": name, "where": where},
                         f"{where}.{name}")
        if maximum is not None and count > maximum:
            raise _error(AlertsError.CAP_UNKNOWN_ELEMENT,
                         _("CAP 消息中 <%(name)s> 只能出现一次（位置：%(where)s）。") % {"name": name, "where": where},
                         f"{where}.{name}")
    return found


def _text(found: dict[str, list], name: str) -> str:
    return (found[name][0].text or "").strip() if found[name] else ""


def _texts(found: dict[str, list], name: str) -> list[str]:
    return [(e.text or "").strip() for e in found[name]]


def _one_of(value: str, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise _error(AlertsError.CAP_INVALID_VALUE,
                     _("CAP 元素 <%(where)s> 的值“%(value)s”不在标准取值中（%(allowed)s）。")
                     % {"where": where.rsplit(".", 1)[-1], "value": value[:40], "allowed": "、".join(allowed)},
                     where)
    return value


def parse_time(value: str, where: str) -> datetime:
    if not _TIME.match(value):
        raise _error(AlertsError.CAP_INVALID_TIME,
                     _("CAP 时间“%(value)s”格式不对，应如 2026-07-01T14:30:00+08:00（须带时区）。")
                     % {"value": value[:40]}, where)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise _error(AlertsError.CAP_INVALID_TIME,
                     _("CAP 时间“%(value)s”不是有效的日期时间。") % {"value": value[:40]}, where) from None


def _optional_time(found: dict[str, list], name: str, where: str) -> datetime | None:
    value = _text(found, name)
    return parse_time(value, f"{where}.{name}") if value else None


def _references(value: str) -> list[tuple[str, str, datetime]]:
    """``sender,identifier,sent`` triples separated by whitespace (spec 3.2.1, <references>)."""
    result = []
    for triple in value.split():
        parts = triple.split(",")
        if len(parts) != 3 or not all(parts):
            raise _error(AlertsError.CAP_BAD_REFERENCES,
                         _("CAP <references> 的“%(value)s”格式不对，应为“发送方,标识,发送时间”。") % {"value": triple[:80]},
                         "alert.references")
        result.append((parts[0], parts[1], parse_time(parts[2], "alert.references")))
    return result


def parse(data: bytes) -> CapAlert:
    """A CAP 1.2 message, checked strictly (structure, value lists, times, references); ``CapError`` if not."""
    if len(data) > MAX_BYTES:
        raise _error(AlertsError.CAP_TOO_LARGE,
                     _("CAP 文件过大（%(size)d KB），上限为 %(limit)d KB。")
                     % {"size": len(data) // 1024, "limit": MAX_BYTES // 1024}, "file")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise _error(AlertsError.CAP_FORBIDDEN_XML,
                     _("CAP 文件含有 DTD 或实体声明，出于安全原因拒绝处理。"), "file") from None
    except (ParseError, ValueError):
        raise _error(AlertsError.CAP_NOT_XML, _("文件不是有效的 XML，无法读取为 CAP 消息。"), "file") from None
    if root.tag != f"{{{NS}}}alert":
        raise _error(AlertsError.CAP_WRONG_ROOT,
                     _("这不是 CAP 1.2 预警消息：根元素应为 urn:oasis:names:tc:emergency:cap:1.2 命名空间的 <alert>。"),
                     "file")
    found = _children(root, _ALERT, "alert")
    alert = CapAlert(
        identifier=_text(found, "identifier"), sender=_text(found, "sender"),
        sent=parse_time(_text(found, "sent"), "alert.sent"),
        status=_one_of(_text(found, "status"), STATUS, "alert.status"),
        msg_type=_one_of(_text(found, "msgType"), MSG_TYPE, "alert.msgType"),
        scope=_one_of(_text(found, "scope"), SCOPE, "alert.scope"),
        source=_text(found, "source"), restriction=_text(found, "restriction"),
        addresses=_text(found, "addresses"), codes=_texts(found, "code"), note=_text(found, "note"),
        references=_references(_text(found, "references")), incidents=_text(found, "incidents"),
    )
    for name in ("identifier", "sender"):
        if not _NO_SPACE_COMMA.match(getattr(alert, name)):
            raise _error(AlertsError.CAP_INVALID_VALUE,
                         _("CAP <%(name)s> 不能为空，也不能含空格、逗号、< 或 &。") % {"name": name}, f"alert.{name}")
    if alert.scope == "Restricted" and not alert.restriction:
        raise _error(AlertsError.CAP_MISSING, _("scope 为 Restricted 的 CAP 消息须有 <restriction>。"),
                     "alert.restriction")
    if alert.scope == "Private" and not alert.addresses:
        raise _error(AlertsError.CAP_MISSING, _("scope 为 Private 的 CAP 消息须有 <addresses>。"), "alert.addresses")
    if alert.msg_type in ("Update", "Cancel") and not alert.references:
        raise _error(AlertsError.CAP_BAD_REFERENCES,
                     _("更新（Update）或撤销（Cancel）的 CAP 消息须在 <references> 中指明原预警。"), "alert.references")
    for n, info in enumerate(found["info"]):
        alert.infos.append(_info(info, f"alert.info[{n}]"))
    return alert


def _info(element: ET.Element, where: str) -> CapInfo:
    found = _children(element, _INFO, where)
    info = CapInfo(
        language=_text(found, "language") or "en-US",  # the schema's default
        categories=[_one_of(c, CATEGORY, f"{where}.category") for c in _texts(found, "category")],
        event=_text(found, "event"),
        response_types=[_one_of(r, RESPONSE_TYPE, f"{where}.responseType") for r in _texts(found, "responseType")],
        urgency=_one_of(_text(found, "urgency"), URGENCY, f"{where}.urgency"),
        severity=_one_of(_text(found, "severity"), SEVERITY, f"{where}.severity"),
        certainty=_one_of(_text(found, "certainty"), CERTAINTY, f"{where}.certainty"),
        effective=_optional_time(found, "effective", where), onset=_optional_time(found, "onset", where),
        expires=_optional_time(found, "expires", where),
        sender_name=_text(found, "senderName"), headline=_text(found, "headline"),
        description=_text(found, "description"), instruction=_text(found, "instruction"),
        web=_text(found, "web"), contact=_text(found, "contact"),
    )
    if not info.event:
        raise _error(AlertsError.CAP_MISSING, _("CAP <event> 不能为空。"), f"{where}.event")
    if info.effective and info.expires and info.expires <= info.effective:
        raise _error(AlertsError.CAP_INVALID_TIME, _("CAP 预警的失效时间须晚于生效时间。"), f"{where}.expires")
    for n, parameter in enumerate(found["parameter"]):
        pair = _children(parameter, _PAIR, f"{where}.parameter[{n}]")
        info.parameters.append((_text(pair, "valueName"), _text(pair, "value")))
    for n, area in enumerate(found["area"]):
        at = f"{where}.area[{n}]"
        parts = _children(area, _AREA, at)
        geocodes = []
        for k, geocode in enumerate(parts["geocode"]):
            pair = _children(geocode, _PAIR, f"{at}.geocode[{k}]")
            geocodes.append((_text(pair, "valueName"), _text(pair, "value")))
        info.areas.append(CapArea(desc=_text(parts, "areaDesc"), polygons=_texts(parts, "polygon"),
                                  circles=_texts(parts, "circle"), geocodes=geocodes))
    return info


# Writing -----------------------------------------------------------------------------------------------
def format_time(value: datetime) -> str:
    """CAP dateTime: seconds, the zone as ±hh:mm, UTC as -00:00 (spec 3.3.2)."""
    if value.tzinfo is None:
        raise ValueError("CAP times carry their zone")
    value = value.replace(microsecond=0)
    offset = value.utcoffset() or timedelta(0)
    if offset == timedelta(0):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"
    return value.isoformat()


def to_xml(alert: CapAlert) -> bytes:
    """The message as CAP 1.2 XML (UTF-8), elements in the schema's order."""
    root = ET.Element(f"{{{NS}}}alert")

    def add(parent: ET.Element, name: str, value) -> None:
        if value is None or value == "":
            return
        ET.SubElement(parent, f"{{{NS}}}{name}").text = format_time(value) if isinstance(value, datetime) else str(value)

    for name, value in (("identifier", alert.identifier), ("sender", alert.sender), ("sent", alert.sent),
                        ("status", alert.status), ("msgType", alert.msg_type), ("source", alert.source),
                        ("scope", alert.scope), ("restriction", alert.restriction), ("addresses", alert.addresses)):
        add(root, name, value)
    for code in alert.codes:
        add(root, "code", code)
    add(root, "note", alert.note)
    add(root, "references", " ".join(f"{s},{i},{format_time(t)}" for s, i, t in alert.references))
    add(root, "incidents", alert.incidents)
    for info in alert.infos:
        element = ET.SubElement(root, f"{{{NS}}}info")
        add(element, "language", info.language)
        for category in info.categories:
            add(element, "category", category)
        add(element, "event", info.event)
        for response in info.response_types:
            add(element, "responseType", response)
        for name, value in (("urgency", info.urgency), ("severity", info.severity), ("certainty", info.certainty),
                            ("effective", info.effective), ("onset", info.onset), ("expires", info.expires),
                            ("senderName", info.sender_name), ("headline", info.headline),
                            ("description", info.description), ("instruction", info.instruction),
                            ("web", info.web), ("contact", info.contact)):
            add(element, name, value)
        for value_name, value in info.parameters:
            parameter = ET.SubElement(element, f"{{{NS}}}parameter")
            add(parameter, "valueName", value_name)
            add(parameter, "value", value)
        for area in info.areas:
            area_element = ET.SubElement(element, f"{{{NS}}}area")
            add(area_element, "areaDesc", area.desc)
            for polygon in area.polygons:
                add(area_element, "polygon", polygon)
            for circle in area.circles:
                add(area_element, "circle", circle)
            for value_name, value in area.geocodes:
                geocode = ET.SubElement(area_element, f"{{{NS}}}geocode")
                add(geocode, "valueName", value_name)
                add(geocode, "value", value)
    ET.register_namespace("", NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
