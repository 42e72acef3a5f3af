"""CAP 1.2 read strictly and written valid (docs/alerts.md): hand-written messages, the OASIS schema, bombs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from gongzhi.alerts import cap
from gongzhi.alerts.cap import CapAlert, CapArea, CapError, CapInfo

SCHEMA = etree.XMLSchema(etree.parse(str(Path(cap.__file__).parent / "schema" / "CAP-v1.2.xsd")))
CST = timezone(timedelta(hours=8))

# A yellow thunderstorm-and-gale warning as Guangzhou's meteorological service would send it (SCENARIOS S6).
YELLOW = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>44010041600000_20260701143000</identifier>
  <sender>gz-weather@example.gov.cn</sender>
  <sent>2026-07-01T14:30:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>雷雨大风</event>
    <responseType>Prepare</responseType>
    <urgency>Expected</urgency>
    <severity>Moderate</severity>
    <certainty>Likely</certainty>
    <effective>2026-07-01T14:30:00+08:00</effective>
    <expires>2026-07-01T20:30:00+08:00</expires>
    <senderName>广州市气象台</senderName>
    <headline>广州市气象台发布雷雨大风黄色预警信号</headline>
    <description>预计未来6小时内我市将出现雷雨大风，阵风8至10级。</description>
    <instruction>关好门窗，加固户外搭建物，尽量减少外出。</instruction>
    <parameter><valueName>signal</valueName><value>yellow</value></parameter>
    <area>
      <areaDesc>天河区</areaDesc>
      <geocode><valueName>GB2260</valueName><value>440106</value></geocode>
    </area>
  </info>
</alert>
""".encode()


def _replace(old: str, new: str) -> bytes:
    text = YELLOW.decode()
    assert old in text, old
    return text.replace(old, new, 1).encode()


def test_a_real_warning_is_read_field_by_field():
    alert = cap.parse(YELLOW)
    assert (alert.identifier, alert.sender, alert.status, alert.msg_type, alert.scope) == (
        "44010041600000_20260701143000", "gz-weather@example.gov.cn", "Actual", "Alert", "Public")
    assert alert.sent == datetime(2026, 7, 1, 6, 30, tzinfo=timezone.utc)
    [info] = alert.infos
    assert (info.event, info.urgency, info.severity, info.certainty) == ("雷雨大风", "Expected", "Moderate", "Likely")
    assert info.categories == ["Met"] and info.response_types == ["Prepare"]
    assert info.expires - info.effective == timedelta(hours=6)
    assert info.parameters == [("signal", "yellow")]
    assert info.areas == [CapArea(desc="天河区", geocodes=[("GB2260", "440106")])]
    assert info.level == "yellow"


@pytest.mark.parametrize("severity,headline,level", [
    ("Extreme", "特大暴雨", "red"), ("Severe", "台风", "orange"), ("Moderate", "高温", "yellow"),
    ("Minor", "大雾", "blue"), ("Unknown", "停水通知", "notice"),
    ("Minor", "广州市气象台发布暴雨橙色预警信号", "orange"),  # the issuer's own colour wins
])
def test_the_level_follows_the_named_colour_else_the_severity(severity, headline, level):
    message = _replace("<severity>Moderate</severity>", f"<severity>{severity}</severity>")
    message = message.decode().replace("广州市气象台发布雷雨大风黄色预警信号", headline).replace("雷雨大风", "天气").encode()
    assert cap.parse(message).infos[0].level == level


@pytest.mark.parametrize("old,new,code,where", [
    ("<status>Actual</status>", "<status>Real</status>", "cap_invalid_value", "alert.status"),
    ("<msgType>Alert</msgType>", "<msgType>Warning</msgType>", "cap_invalid_value", "alert.msgType"),
    ("<scope>Public</scope>", "<scope>Everyone</scope>", "cap_invalid_value", "alert.scope"),
    ("<category>Met</category>", "<category>Weather</category>", "cap_invalid_value", "alert.info[0].category"),
    ("<urgency>Expected</urgency>", "<urgency>Soon</urgency>", "cap_invalid_value", "alert.info[0].urgency"),
    ("<severity>Moderate</severity>", "<severity>Yellow</severity>", "cap_invalid_value", "alert.info[0].severity"),
    ("<certainty>Likely</certainty>", "<certainty>Sure</certainty>", "cap_invalid_value", "alert.info[0].certainty"),
    ("<responseType>Prepare</responseType>", "<responseType>Run</responseType>", "cap_invalid_value",
     "alert.info[0].responseType"),
    ("<sender>gz-weather@example.gov.cn</sender>", "", "cap_missing", "alert.sender"),
    ("<event>雷雨大风</event>", "", "cap_missing", "alert.info[0].event"),
    ("<areaDesc>天河区</areaDesc>", "", "cap_missing", "alert.info[0].area[0].areaDesc"),
    ("<sent>2026-07-01T14:30:00+08:00</sent>", "<sent>2026-07-01T14:30:00Z</sent>", "cap_invalid_time", "alert.sent"),
    ("<sent>2026-07-01T14:30:00+08:00</sent>", "<sent>2026-07-01 14:30</sent>", "cap_invalid_time", "alert.sent"),
    ("<sent>2026-07-01T14:30:00+08:00</sent>", "<sent>2026-02-30T14:30:00+08:00</sent>", "cap_invalid_time",
     "alert.sent"),
    ("<expires>2026-07-01T20:30:00+08:00</expires>", "<expires>2026-07-01T14:00:00+08:00</expires>",
     "cap_invalid_time", "alert.info[0].expires"),
    ("<identifier>44010041600000_20260701143000</identifier>", "<identifier>a b</identifier>",
     "cap_invalid_value", "alert.identifier"),
    ("<scope>Public</scope>", "<scope>Restricted</scope>", "cap_missing", "alert.restriction"),
    ("<scope>Public</scope>", "<scope>Private</scope>", "cap_missing", "alert.addresses"),
    ("<msgType>Alert</msgType>", "<msgType>Update</msgType>", "cap_bad_references", "alert.references"),
    ("<msgType>Alert</msgType>", "<msgType>Cancel</msgType>", "cap_bad_references", "alert.references"),
    ("<scope>Public</scope>", "<scope>Public</scope><references>just-an-id</references>", "cap_bad_references",
     "alert.references"),
    ("<language>zh-CN</language>", "<colour>yellow</colour>", "cap_unknown_element", "alert.info[0]"),
    ("<status>Actual</status>\n  <msgType>Alert</msgType>", "<msgType>Alert</msgType><status>Actual</status>",
     "cap_unknown_element", "alert"),
    ("<sent>2026-07-01T14:30:00+08:00</sent>", "<sent>2026-07-01T14:30:00+08:00</sent><sent>2026-07-01T14:30:00+08:00</sent>",
     "cap_unknown_element", "alert.sent"),
])
def test_bad_messages_are_refused_with_the_element_named(old, new, code, where):
    with pytest.raises(CapError) as refused:
        cap.parse(_replace(old, new))
    assert (refused.value.code, refused.value.field, refused.value.status) == (code, where, 422)
    assert refused.value.message  # a Chinese sentence, shown as is


def test_an_update_names_the_alert_it_changes():
    message = _replace("<msgType>Alert</msgType>", "<msgType>Update</msgType>").decode().replace(
        "<scope>Public</scope>",
        "<scope>Public</scope><references>gz-weather@example.gov.cn,44010041600000_20260701143000,"
        "2026-07-01T14:30:00+08:00</references>").encode()
    alert = cap.parse(message)
    assert alert.references == [("gz-weather@example.gov.cn", "44010041600000_20260701143000",
                                 datetime(2026, 7, 1, 14, 30, tzinfo=CST))]


@pytest.mark.parametrize("data,code", [
    (b"", "cap_not_xml"),
    (b"<alert><unclosed></alert>", "cap_not_xml"),
    (b"\xff\xfe not xml at all", "cap_not_xml"),
    (b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>x</identifier></alert>', "cap_wrong_root"),
    (b"<feed/>", "cap_wrong_root"),
    (b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;'>]>"
     b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>&lol2;</alert>", "cap_forbidden_xml"),  # billion laughs
    (b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
     b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>&x;</alert>", "cap_forbidden_xml"),  # external entity
    (b" " * (cap.MAX_BYTES + 1), "cap_too_large"),
])
def test_files_that_are_no_cap_are_refused_without_expanding_anything(data, code):
    with pytest.raises(CapError) as refused:
        cap.parse(data)
    assert refused.value.code == code


def test_comments_and_other_namespaces_are_passed_over():
    message = _replace("<status>Actual</status>",
                       "<!-- relayed --><status>Actual</status><x:hop xmlns:x='urn:example:relay'>3</x:hop>")
    assert cap.parse(message).status == "Actual"


def _written() -> CapAlert:
    sent = datetime(2026, 7, 1, 14, 30, 15, 123456, tzinfo=CST)
    return CapAlert(
        identifier="gongzhi-hexie-17", sender="hexie@gongzhi.example", sent=sent, msg_type="Update",
        references=[("hexie@gongzhi.example", "gongzhi-hexie-16", sent - timedelta(hours=1))],
        note="更新：阵风加强", codes=["gongzhi"],
        infos=[CapInfo(event="雷雨大风", urgency="Expected", severity=cap.LEVEL_SEVERITY["orange"], certainty="Likely",
                       categories=["Met", "Safety"], response_types=["Shelter"], effective=sent,
                       expires=sent + timedelta(hours=6), sender_name="和谐社区居委会",
                       headline="雷雨大风橙色预警", description="阵风10级以上", instruction="留在室内",
                       parameters=[("level", "orange")],
                       areas=[CapArea(desc="和谐社区 第一网格", geocodes=[("building", "1栋")]),
                              CapArea(desc="和谐社区 全域")])],
    )


def test_what_we_write_validates_against_the_oasis_schema_and_reads_back():
    alert = _written()
    xml = cap.to_xml(alert)
    SCHEMA.assertValid(etree.fromstring(xml))
    again = cap.parse(xml)
    assert again.sent == alert.sent.replace(microsecond=0)
    assert again.references == [(s, i, t.replace(microsecond=0)) for s, i, t in alert.references]
    assert again.infos[0].level == "orange" and again.infos[0].areas == alert.infos[0].areas
    assert b"<sent>2026-07-01T14:30:15+08:00</sent>" in xml


def test_the_sample_warning_validates_and_so_does_it_rewritten():
    SCHEMA.assertValid(etree.fromstring(YELLOW))
    SCHEMA.assertValid(etree.fromstring(cap.to_xml(cap.parse(YELLOW))))
    # and the schema does refuse what the reader refuses (so the two checks above can fail)
    assert not SCHEMA.validate(etree.fromstring(_replace("<severity>Moderate</severity>", "<severity>Yellow</severity>")))
    assert not SCHEMA.validate(etree.fromstring(_replace("<sent>2026-07-01T14:30:00+08:00</sent>",
                                                         "<sent>2026-07-01T14:30:00Z</sent>")))


def test_utc_is_written_minus_zero_as_the_standard_says():
    assert cap.format_time(datetime(2026, 7, 1, 6, 30, tzinfo=timezone.utc)) == "2026-07-01T06:30:00-00:00"
    assert cap.format_time(datetime(2026, 7, 1, 14, 30, 59, 999, tzinfo=CST)) == "2026-07-01T14:30:59+08:00"
    with pytest.raises(ValueError):
        cap.format_time(datetime(2026, 7, 1, 14, 30))
