"""GeoReport v2 conformance: POST requests, api keys, attribute validation, and the key command.

Every refused POST is checked to have changed nothing (cases, events, notifications, audit rows).
"""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongzhi.casework.models import Case, CaseEvent, Category, Open311Key
from gongzhi.casework.open311.actions import open311_key_revoke
from gongzhi.casework.open311.testing import (
    BASE,
    children,
    json_body,
    json_errors,
    new_key,
    post_request,
    xml_errors,
    xml_root,
)
from gongzhi.core.models import AuditEvent
from gongzhi.core.notifications.models import Notification

from .helpers import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(case_world):
    return new_key()


def test_post_json_creates_a_case_through_intake(client, case_world, key):
    w = case_world
    response = post_request(
        client, "json", api_key=key, jurisdiction_id="T01", service_code="public_facility",
        lat="31.820587", long="117.227239", address_string="社区东门公交站旁", email="li.ming@example.com",
        device_id="dev-42", account_id="acct-7", first_name="明", last_name="李", phone="13612345678",
        description="东门公交站旁的路灯坏了三天，晚上很黑", media_url="https://img.example.com/lamp.jpg",
        **{"attribute[facility]": "street_light", "attribute[urgency]": "urgent"},
    )
    assert response.status_code == 200, response.content
    [item] = json_body(response)
    assert list(item) == ["service_request_id", "token", "service_notice", "account_id"]
    case = Case.objects.get(pk=item["service_request_id"])
    assert item["token"] == str(case.token)
    assert item["account_id"] == "acct-7"
    assert item["service_notice"] == "社区将在 4 小时内响应，48 小时内办结。"  # urgent public facility deadlines
    assert (case.channel, case.community_id, case.household_id, case.created_by_id, case.reporter_id) == (
        "open311", w.c1.pk, None, None, None)
    assert case.category.code == "public_facility" and case.urgency == "urgent"
    assert case.address == "社区东门公交站旁"
    assert (case.lat, case.long) == (Decimal("31.820587"), Decimal("117.227239"))
    assert (case.reporter_name, case.reporter_phone) == ("李明", "13612345678")
    assert case.tier == "community"  # no grid known from a free address
    assert case.status == "submitted"
    # Staff read the answers in the case text; the resident's own words come first.
    assert case.description.startswith("东门公交站旁的路灯坏了三天，晚上很黑\n\n补充信息（Open311）：")
    for line in ("设施：路灯", "电子邮箱：li.ming@example.com", "图片/附件链接：https://img.example.com/lamp.jpg",
                 "来源应用：市民通 App"):
        assert line in case.description
    [event] = case.events.all()
    assert event.kind == "submitted" and event.actor_id is None
    assert event.data["channel"] == "open311" and event.data["category"] == "public_facility"
    assert event.data["open311"] == {
        "api_key": "市民通 App", "description": "东门公交站旁的路灯坏了三天，晚上很黑",
        "media_url": "https://img.example.com/lamp.jpg", "email": "li.ming@example.com", "device_id": "dev-42",
        "account_id": "acct-7", "attributes": {"facility": "street_light", "urgency": "urgent"},
    }
    # The community's staff are told; the step is audited without a user.
    assert Notification.objects.filter(url=f"/cases/{case.pk}/", user=w.users["community_staff"]).exists()
    audit = AuditEvent.objects.get(action="case.submitted", target_id=str(case.pk))
    assert audit.actor_id is None and audit.changes["channel"] == "open311"


def test_post_xml_with_a_household_address_id(client, case_world, key):
    w = case_world
    household = w.h("b1 1-101")
    response = post_request(client, "xml", api_key=key, jurisdiction_id="T01", service_code="property_repair",
                            address_id=str(household.pk), description="卫生间天花板漏水",
                            **{"attribute[facility]": "leak", "attribute[room]": "1栋1单元101"})
    assert response.status_code == 200, response.content
    root = xml_root(response)
    assert root.tag == "service_requests"
    [request] = root
    assert request.tag == "request"
    assert children(request) == ["service_request_id", "token", "service_notice", "account_id"]
    assert request.find("account_id").text is None  # empty element: none was sent
    case = Case.objects.get(pk=int(request.findtext("service_request_id")))
    assert request.findtext("token") == str(case.token)
    assert (case.community_id, case.building_id, case.household_id) == (w.c1.pk, w.b1.pk, household.pk)
    assert case.tier == "building"  # b1 has a building head: the leak is handled at the building
    assert case.urgency == "normal"
    assert "报修部位：漏水渗水" in case.description and "楼栋/房号：1栋1单元101" in case.description


def test_address_id_alone_says_the_community(client, case_world, key):
    w = case_world
    household = w.h("b4 1-201")
    response = post_request(client, api_key=key, service_code="environment", address_id=str(household.pk),
                            description="楼下垃圾桶满了没人清")
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=json_body(response)[0]["service_request_id"])
    assert case.community_id == w.c2.pk and case.household_id == household.pk


def test_description_is_optional(client, case_world, key):
    response = post_request(client, api_key=key, jurisdiction_id="T02", service_code="public_facility",
                            address_string="幸福家园南门", **{"attribute[facility]": "road"})
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=json_body(response)[0]["service_request_id"])
    assert case.description.startswith("公共设施\n\n补充信息（Open311）：\n设施：道路路面")
    assert "description" not in case.events.get().data["open311"]


def test_multivaluelist_and_other_datatypes(client, case_world, key):
    response = client.post(BASE + "requests.json", data={
        "api_key": key, "jurisdiction_id": "T01", "service_code": "elderly_disability",
        "address_string": "阳光小区", "description": "独居老人需要助餐",
        "attribute[services][]": ["meals", "visit", "meals"], "attribute[age]": "82",
        "attribute[preferred_time]": "2026-12-01T09:00:00+08:00",
    })
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=json_body(response)[0]["service_request_id"])
    answers = case.events.get().data["open311"]["attributes"]
    assert answers == {"services": ["meals", "visit"], "age": "82", "preferred_time": "2026-12-01T09:00:00+08:00"}
    assert "需要的服务：助餐送餐、上门探访" in case.description
    assert "希望服务时间：2026-12-01 09:00" in case.description


def test_unknown_attributes_and_informational_answers_are_ignored(client, case_world, key):
    response = post_request(client, api_key=key, jurisdiction_id="T01", service_code="safety_hazard",
                            lat="31.8", long="117.2", description="楼道里有电动车在充电",
                            **{"attribute[hazard]": "ebike", "attribute[emergency_notice]": "看到了",
                               "attribute[fixmystreet_id]": "123"})
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=json_body(response)[0]["service_request_id"])
    assert case.events.get().data["open311"]["attributes"] == {"hazard": "ebike"}


# Refusals: status, body, nothing changed ----------------------------------------------------------------------------------

def _refused(client, fmt, expected_status, **fields):
    before = snapshot()
    response = post_request(client, fmt, **fields)
    assert response.status_code == expected_status, response.content
    assert snapshot() == before
    return json_errors(response) if fmt == "json" else [(int(c), d) for c, d in xml_errors(response)]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_api_key_missing_invalid_or_revoked_is_403(client, case_world, key, fmt):
    fields = {"jurisdiction_id": "T01", "service_code": "suggestion", "address_string": "社区", "description": "建议"}
    [(code, description)] = _refused(client, fmt, 403, **fields)
    assert code == 403 and description.startswith("api_key：")
    [(code, description)] = _refused(client, fmt, 403, api_key="o311_not-a-key", **fields)
    assert code == 403 and "无效" in description
    open311_key_revoke(actor=None, name="市民通 App")
    [(code, _)] = _refused(client, fmt, 403, api_key=key, **fields)
    assert code == 403


def test_api_key_is_checked_before_anything_else(client, case_world):
    [(code, _)] = _refused(client, "json", 403, api_key="wrong", jurisdiction_id="nowhere")
    assert code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_required_arguments_are_all_reported(client, case_world, key, fmt):
    errors = _refused(client, fmt, 400, api_key=key, jurisdiction_id="T01")
    assert [code for code, _ in errors] == [400, 400]
    assert errors[0][1].startswith("service_code：")
    assert errors[1][1].startswith("location：") and "address_id" in errors[1][1]


@pytest.mark.parametrize("fields,param", [
    ({"service_code": "ufo_sighting"}, "service_code"),
    ({"jurisdiction_id": "T09"}, "jurisdiction_id"),
])
def test_unknown_service_or_jurisdiction_is_404(client, case_world, key, fields, param):
    body = {"api_key": key, "jurisdiction_id": "T01", "service_code": "suggestion", "address_string": "社区",
            **fields}
    [(code, description)] = _refused(client, "json", 404, **body)
    assert code == 404 and description.startswith(param + "：")


def test_inactive_category_cannot_be_posted(client, case_world, key):
    Category.objects.filter(community=case_world.c1, code="suggestion").update(is_active=False)
    [(code, _)] = _refused(client, "xml", 404, api_key=key, jurisdiction_id="T01", service_code="suggestion",
                           address_string="社区")
    assert code == 404


def test_jurisdiction_required_without_a_household(client, case_world, key):
    [(code, description)] = _refused(client, "json", 400, api_key=key, service_code="suggestion",
                                     lat="31.8", long="117.2")
    assert code == 400 and description.startswith("jurisdiction_id：")


@pytest.mark.parametrize("fields,param", [
    ({"lat": "31.8"}, "long"),
    ({"long": "117.2"}, "lat"),
    ({"lat": "north", "long": "117.2"}, "lat"),
    ({"lat": "31.8", "long": "181"}, "long"),
    ({"lat": "NaN", "long": "117.2"}, "lat"),
    ({"address_string": "路" * 201}, "address_string"),
    ({"address_id": "12a"}, "address_id"),
    ({"address_id": "999999"}, "address_id"),
    ({"address_string": "社区", "email": "not-an-email"}, "email"),
    ({"address_string": "社区", "media_url": "javascript:alert(1)"}, "media_url"),
    ({"address_string": "社区", "description": "漏" * 4001}, "description"),
    ({"address_string": "社区", "device_id": "d" * 101}, "device_id"),
    ({"address_string": "社区", "first_name": "名" * 30, "last_name": "姓" * 30}, "first_name"),
    ({"address_string": "社区", "phone": "1" * 21}, "phone"),
])
def test_bad_arguments_are_400_and_change_nothing(client, case_world, key, fields, param):
    body = {"api_key": key, "jurisdiction_id": "T01", "service_code": "suggestion", **fields}
    errors = _refused(client, "json", 400, **body)
    assert [d.split("：")[0] for _, d in errors] == [param]


def test_household_outside_the_jurisdiction(client, case_world, key):
    other = case_world.h("b4 1-101")  # a household of T02
    [(code, description)] = _refused(client, "json", 400, api_key=key, jurisdiction_id="T01",
                                     service_code="suggestion", address_id=str(other.pk))
    assert code == 400 and description.startswith("address_id：")


def test_unknown_household_without_jurisdiction_names_the_address(client, case_world, key):
    [(code, description)] = _refused(client, "json", 400, api_key=key, service_code="suggestion",
                                     address_id="999999")
    assert code == 400 and description.startswith("address_id：") and "不在任何社区" in description


# Attribute validation ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("service_code,attributes,param,words", [
    ("property_repair", {}, "attribute[facility]", "必填"),
    ("property_repair", {"attribute[facility]": "  "}, "attribute[facility]", "必填"),
    ("property_repair", {"attribute[facility]": "roof_garden"}, "attribute[facility]", "roof_garden"),
    ("property_repair", {"attribute[facility]": ["leak", "door"]}, "attribute[facility]", "只能填一个"),
    ("property_repair", {"attribute[facility]": "leak", "attribute[room]": "3栋\n501"}, "attribute[room]", "换行"),
    ("property_repair", {"attribute[facility]": "leak", "attribute[room]": "5" * 201}, "attribute[room]", "200"),
    ("property_repair", {"attribute[facility]": "leak", "attribute[urgency]": "asap"}, "attribute[urgency]",
     "urgent"),
    ("elderly_disability", {"attribute[services][]": ["meals", "spa"]}, "attribute[services]", "spa"),
    ("elderly_disability", {"attribute[services]": "meals", "attribute[age]": "eighty"}, "attribute[age]", "数字"),
    ("elderly_disability", {"attribute[services]": "meals", "attribute[preferred_time]": "下周一"},
     "attribute[preferred_time]", "ISO 8601"),
    ("neighbour_dispute", {"attribute[history]": "谈" * 2001}, "attribute[history]", "2000"),
])
def test_attribute_answers_checked_against_the_definition(client, case_world, key, service_code, attributes,
                                                          param, words):
    errors = _refused(client, "json", 400, api_key=key, jurisdiction_id="T01", service_code=service_code,
                      address_string="阳光小区", description="需要帮助", **attributes)
    assert len(errors) == 1
    code, description = errors[0]
    assert code == 400 and description.startswith(param + "：") and words in description


def test_every_attribute_problem_is_reported_at_once(client, case_world, key):
    errors = _refused(client, "xml", 400, api_key=key, jurisdiction_id="T01", service_code="elderly_disability",
                      address_string="阳光小区", **{"attribute[age]": "eighty", "attribute[urgency]": "now"})
    assert [d.split("：")[0] for _, d in errors] == ["attribute[services]", "attribute[age]", "attribute[urgency]"]


def test_text_attribute_keeps_line_breaks(client, case_world, key):
    response = post_request(client, api_key=key, jurisdiction_id="T01", service_code="neighbour_dispute",
                            address_string="阳光小区", description="楼上夜里噪音",
                            **{"attribute[history]": "上周谈过一次\n对方答应十点后安静", "attribute[dispute]": "noise"})
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=json_body(response)[0]["service_request_id"])
    assert case.events.get().data["open311"]["attributes"]["history"] == "上周谈过一次\n对方答应十点后安静"


# The key command ----------------------------------------------------------------------------------------------------

def test_open311_apikey_prints_the_key_once_and_stores_only_its_hash(client, case_world):
    out = StringIO()
    call_command("open311_apikey", "网格通小程序", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("o311_") and len(raw) > 40
    stored = Open311Key.objects.get(name="网格通小程序")
    assert stored.key_hash == Open311Key.hash(raw) and stored.prefix == raw[:8]
    assert raw not in {str(v) for v in Open311Key.objects.values_list("name", "prefix", "key_hash").get()}
    assert AuditEvent.objects.filter(action="open311_key.create", target_id=str(stored.pk)).exists()
    response = post_request(client, api_key=raw, jurisdiction_id="T01", service_code="suggestion",
                            address_string="社区", description="建议增设晾晒区")
    assert response.status_code == 200, response.content

    with pytest.raises(CommandError, match="已有同名密钥"):
        call_command("open311_apikey", "网格通小程序", stdout=StringIO())
    assert Open311Key.objects.count() == 1

    out = StringIO()
    call_command("open311_apikey", "网格通小程序", "--revoke", stdout=out)
    assert "已撤销" in out.getvalue()
    assert AuditEvent.objects.filter(action="open311_key.revoke").count() == 1
    response = post_request(client, api_key=raw, jurisdiction_id="T01", service_code="suggestion",
                            address_string="社区", description="再提一次")
    assert response.status_code == 403

    with pytest.raises(CommandError, match="没有名为"):
        call_command("open311_apikey", "不存在的应用", "--revoke", stdout=StringIO())


def test_two_keys_are_different(case_world):
    assert new_key("甲") != new_key("乙")
    assert CaseEvent.objects.count() == 0
