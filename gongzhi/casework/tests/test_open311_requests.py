"""GeoReport v2 conformance: GET requests (window, limit, filters), one request, tokens, the status mapping
through our lifecycle, and that nothing personal is published."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.actions.intake import case_submit
from gongzhi.casework.models import Case, Category
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

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]


def staff_case(w, *, community=None, days_ago=0, code="environment", **extra):
    """A case taken by phone at the community, optionally back-dated."""
    fields = {"description": "2栋门口垃圾堆了三天没人清", "address": "2栋门口"}
    fields.update(extra)
    case = case_submit(actor=w.users["community_staff"], channel="phone", community_id=(community or w.c1).pk,
                       category_code=code, **fields)
    if days_ago:
        moment = timezone.now() - timedelta(days=days_ago)
        Case.objects.filter(pk=case.pk).update(created_at=moment, updated_at=moment)
    return case


def get_json(client, path="requests.json", **params):
    params.setdefault("jurisdiction_id", "T01")
    response = client.get(BASE + path, params)
    assert response.status_code == 200, response.content
    return json_body(response)


def ids_of(items):
    return [item["service_request_id"] for item in items]


# The list ----------------------------------------------------------------------------------------------------------

def test_get_requests_json_fields_and_formats(client, case_world):
    w = case_world
    case = staff_case(w, lat=Decimal("31.820587"), long=Decimal("117.227239"))
    [item] = get_json(client)
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == case.pk and isinstance(item["service_request_id"], int)
    assert (item["status"], item["status_notes"]) == ("open", "已提交，等待社区受理")
    assert (item["service_code"], item["service_name"]) == ("environment", "环境卫生")
    assert item["description"] == "2栋门口垃圾堆了三天没人清"
    assert item["agency_responsible"] == "和谐社区居委会"
    assert item["service_notice"] == "社区将在 24 小时内响应，72 小时内办结。"
    case.refresh_from_db()
    local = timezone.localtime(case.created_at)
    assert item["requested_datetime"] == local.isoformat(timespec="seconds")
    assert item["requested_datetime"].endswith("+08:00")
    assert item["expected_datetime"] == timezone.localtime(case.resolution_due_at).isoformat(timespec="seconds")
    assert item["address"] == "2栋门口, 和谐社区"
    assert item["address_id"] is None and item["zipcode"] is None and item["media_url"] is None
    assert (item["lat"], item["long"]) == (31.820587, 117.227239)


def test_get_requests_xml(client, case_world):
    w = case_world
    household = w.h("b1 1-101")
    case = case_submit(actor=w.users["community_staff"], channel="walk_in", household_id=household.pk,
                       category_code="property_repair", description="卫生间漏水")
    response = client.get(BASE + "requests.xml", {"jurisdiction_id": "T01"})
    assert response.status_code == 200
    root = xml_root(response)
    assert root.tag == "service_requests"
    [request] = root
    assert request.tag == "request" and children(request) == REQUEST_FIELDS
    assert request.findtext("service_request_id") == str(case.pk)
    assert request.findtext("status") == "open"
    assert request.findtext("address_id") == str(household.pk)
    assert request.findtext("address") == "阳光小区 1栋, 和谐社区"  # never the room
    assert request.findtext("agency_responsible") == "和谐社区 1栋楼栋长"
    assert request.find("lat").text is None and request.find("zipcode").text is None
    assert request.findtext("requested_datetime").endswith("+08:00")


def test_empty_list(client, case_world):
    assert get_json(client) == []
    root = xml_root(client.get(BASE + "requests.xml", {"jurisdiction_id": "T01"}))
    assert root.tag == "service_requests" and len(root) == 0


def test_only_the_jurisdictions_requests(client, case_world):
    w = case_world
    mine = staff_case(w)
    theirs = case_submit(actor=w.users["outsider"], channel="phone", community_id=w.c2.pk,
                         description="幸福家园路灯不亮", category_code="public_facility")
    assert ids_of(get_json(client)) == [mine.pk]
    assert ids_of(get_json(client, jurisdiction_id="T02")) == [theirs.pk]


def test_default_window_is_the_last_90_days_newest_first(client, case_world):
    w = case_world
    old = staff_case(w, days_ago=91)
    recent = staff_case(w, days_ago=80)
    today = staff_case(w)
    assert ids_of(get_json(client)) == [today.pk, recent.pk]
    # The old one is reachable with dates, and by id.
    start = (timezone.now() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - timedelta(days=85)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids_of(get_json(client, start_date=start, end_date=end)) == [old.pk]
    assert ids_of(get_json(client, service_request_id=str(old.pk))) == [old.pk]


def test_one_date_given_means_90_days_from_or_to_it(client, case_world):
    w = case_world
    a = staff_case(w, days_ago=150)
    b = staff_case(w, days_ago=100)
    c = staff_case(w, days_ago=30)
    start = timezone.localtime(timezone.now() - timedelta(days=160)).isoformat(timespec="seconds")
    assert ids_of(get_json(client, start_date=start)) == [b.pk, a.pk]  # start + 90 days
    end = timezone.localtime(timezone.now() - timedelta(days=95)).isoformat(timespec="seconds")
    assert ids_of(get_json(client, end_date=end)) == [b.pk, a.pk]  # end - 90 days
    assert c.pk not in ids_of(get_json(client, end_date=end))


def test_date_formats(client, case_world):
    w = case_world
    case = staff_case(w, days_ago=10)
    case.refresh_from_db()
    day = timezone.localtime(case.created_at).date()
    # A bare date is midnight in the server's zone; an unencoded "+" (a space) is put back.
    assert ids_of(get_json(client, start_date=str(day), end_date=str(day + timedelta(days=1)))) == [case.pk]
    moment = timezone.localtime(timezone.now() - timedelta(days=11)).strftime("%Y-%m-%dT%H:%M:%S")
    assert ids_of(get_json(client, start_date=moment + " 08:00")) == [case.pk]
    assert ids_of(get_json(client, start_date=moment + ".125+08:00")) == [case.pk]


@pytest.mark.parametrize("params,param,words", [
    ({"start_date": "yesterday"}, "start_date", "W3C"),
    ({"start_date": "2026-13-01"}, "start_date", "W3C"),
    ({"end_date": "2026-11-01T00:00:00"}, "end_date", "时区"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "end_date", "90"),
    ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "end_date", "早于"),
    ({"status": "pending"}, "status", "open"),
    ({"service_request_id": "1,abc"}, "service_request_id", "编号"),
])
def test_bad_query_arguments_are_400(client, case_world, params, param, words):
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}requests.{fmt}", {"jurisdiction_id": "T01", **params})
        assert response.status_code == 400
        [(code, description)] = json_errors(response) if fmt == "json" else xml_errors(response)
        assert str(code) == "400" and description.startswith(param + "：") and words in description


def test_unknown_service_code_filter_is_404(client, case_world):
    response = client.get(BASE + "requests.json", {"jurisdiction_id": "T01", "service_code": "environment,ufo"})
    assert response.status_code == 404
    [(code, description)] = json_errors(response)
    assert code == 404
    assert description.startswith("service_code：") and "ufo" in description and "environment" not in description


def test_filters_service_code_and_status(client, case_world):
    w = case_world
    rubbish = staff_case(w)
    lamp = staff_case(w, code="public_facility", description="路灯不亮")
    parking = staff_case(w, code="parking_traffic", description="消防通道停满了车")
    lifecycle.case_reject(actor=w.users["community_secretary"], case_id=parking.pk, reason="已转交交警处理")
    assert ids_of(get_json(client, service_code="environment,public_facility")) == [lamp.pk, rubbish.pk]
    assert ids_of(get_json(client, service_code="parking_traffic")) == [parking.pk]
    assert ids_of(get_json(client, status="open")) == [lamp.pk, rubbish.pk]
    assert ids_of(get_json(client, status="closed")) == [parking.pk]
    assert ids_of(get_json(client, status="open,closed")) == [parking.pk, lamp.pk, rubbish.pk]
    assert ids_of(get_json(client, status="closed", service_code="environment")) == []
    # A deactivated category still filters its old requests.
    Category.objects.filter(community=w.c1, code="environment").update(is_active=False)
    assert ids_of(get_json(client, service_code="environment")) == [rubbish.pk]


def test_service_request_id_overrides_every_other_argument(client, case_world):
    w = case_world
    old = staff_case(w, days_ago=200)
    new = staff_case(w)
    other = case_submit(actor=w.users["outsider"], channel="phone", community_id=w.c2.pk,
                        description="别的社区", category_code="other")
    items = get_json(client, service_request_id=f"{old.pk}, {new.pk},{other.pk},999999", status="closed",
                     service_code="public_facility", start_date="2020-01-01T00:00:00Z")
    assert ids_of(items) == [new.pk, old.pk]  # never another community's, unknown ids just absent


def test_at_most_1000_requests(client, case_world):
    w = case_world
    category = Category.objects.get(community=w.c1, code="environment")
    now = timezone.now()
    Case.objects.bulk_create([
        Case(community=w.c1, channel="phone", category=category, description=f"第 {i} 条", tier="community",
             response_due_at=now, resolution_due_at=now)
        for i in range(1005)
    ], batch_size=500)
    items = get_json(client)
    assert len(items) == 1000
    newest = list(Case.objects.order_by("-created_at", "-id").values_list("pk", flat=True)[:1000])
    assert ids_of(items) == newest
    assert len(xml_root(client.get(BASE + "requests.xml", {"jurisdiction_id": "T01"}))) == 1000


def test_limit_setting(client, case_world, settings):
    w = case_world
    cases = [staff_case(w) for _ in range(3)]
    settings.OPEN311_MAX_REQUESTS = 2
    assert ids_of(get_json(client)) == [cases[2].pk, cases[1].pk]
    response = client.get(BASE + "requests.json", {"jurisdiction_id": "T01",
                                                   "service_request_id": ",".join(str(c.pk) for c in cases)})
    assert response.status_code == 400  # more ids than one answer may hold


def test_list_query_count_does_not_grow(client, case_world):
    w = case_world
    staff_case(w)
    with CaptureQueriesContext(connection) as one:
        get_json(client)
    for _ in range(6):
        staff_case(w, code="public_facility", description="路灯不亮")
        staff_case(w, code="elderly_disability", description="独居老人需要助餐")
    with CaptureQueriesContext(connection) as many:
        assert len(get_json(client)) == 13
    assert len(many) == len(one)


# One request, tokens --------------------------------------------------------------------------------------------------

def test_one_request_both_formats(client, case_world):
    w = case_world
    case = staff_case(w)
    for params in ({"jurisdiction_id": "T01"}, {}):  # the id says the community
        items = get_json(client, f"requests/{case.pk}.json", **params) if params else \
            json_body(client.get(f"{BASE}requests/{case.pk}.json"))
        assert isinstance(items, list) and ids_of(items) == [case.pk] and list(items[0]) == REQUEST_FIELDS
    root = xml_root(client.get(f"{BASE}requests/{case.pk}.xml"))
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    assert children(root[0]) == REQUEST_FIELDS


def test_one_request_not_found(client, case_world):
    w = case_world
    case = staff_case(w)
    for url, params in ((f"requests/{case.pk + 1000}", {}), (f"requests/{case.pk}", {"jurisdiction_id": "T02"})):
        response = client.get(f"{BASE}{url}.json", params)
        assert response.status_code == 404 and json_errors(response)[0][0] == 404
        response = client.get(f"{BASE}{url}.xml", params)
        assert response.status_code == 404 and xml_errors(response)[0][0] == "404"


def test_token_lookup(client, case_world):
    key = new_key()
    response = post_request(client, "xml", api_key=key, jurisdiction_id="T01", service_code="suggestion",
                            address_string="社区广场", description="建议增设晾衣架")
    request = xml_root(response)[0]
    token, request_id = request.findtext("token"), request.findtext("service_request_id")
    body = json_body(client.get(f"{BASE}tokens/{token}.json"))
    assert body == [{"service_request_id": int(request_id), "token": token}]
    root = xml_root(client.get(f"{BASE}tokens/{token}.xml", {"jurisdiction_id": "T01"}))
    assert root.tag == "service_requests" and children(root[0]) == ["service_request_id", "token"]
    assert root[0].findtext("service_request_id") == request_id
    # Unknown, malformed, or another jurisdiction's token.
    for url, params in (("tokens/00000000-0000-0000-0000-000000000000", {}), ("tokens/12345", {}),
                        (f"tokens/{token}", {"jurisdiction_id": "T02"})):
        response = client.get(f"{BASE}{url}.xml", params)
        assert response.status_code == 404 and xml_errors(response)[0][0] == "404"


# Status through our lifecycle ------------------------------------------------------------------------------------------

def test_status_follows_the_case_from_submission_to_closure(client, case_world):
    w = case_world
    key = new_key()
    household = w.h("b1 1-101")
    response = post_request(client, api_key=key, jurisdiction_id="T01", service_code="property_repair",
                            address_id=str(household.pk), description="卫生间天花板漏水",
                            **{"attribute[facility]": "leak"})
    cid = json_body(response)[0]["service_request_id"]

    def state():
        [item] = get_json(client, f"requests/{cid}.json")
        return item["status"], item["status_notes"], item["updated_datetime"]

    status, notes, updated = state()
    assert (status, notes) == ("open", "已提交，等待楼栋受理")
    head, grid_worker, staff = w.users["building_head"], w.users["grid_worker"], w.users["community_staff"]
    lifecycle.case_accept(actor=head, case_id=cid, note="马上联系楼上业主")
    assert state()[:2] == ("open", "已受理")
    lifecycle.case_start(actor=head, case_id=cid)
    assert state()[:2] == ("open", "办理中")
    lifecycle.case_resolve(actor=head, case_id=cid, result="更换了楼上破裂的水管")
    status, notes, resolved_at = state()
    assert (status, notes) == ("closed", "已办结待核查：更换了楼上破裂的水管")
    assert resolved_at >= updated
    lifecycle.case_verify(actor=grid_worker, case_id=cid, fixed=False, note="天花板还在滴水")
    assert state()[:2] == ("open", "办理中（第 1 次重新办理）")
    lifecycle.case_resolve(actor=head, case_id=cid, result="重新做了防水")
    lifecycle.case_verify(actor=grid_worker, case_id=cid, fixed=True)
    assert state()[:2] == ("closed", "已核查待评价：重新做了防水")
    lifecycle.case_close(actor=staff, case_id=cid)
    assert state()[:2] == ("closed", "已关闭：重新做了防水")
    assert ids_of(get_json(client, status="closed")) == [cid]
    assert ids_of(get_json(client, status="open")) == []


def test_rejected_merged_dispatched_and_whistled(client, case_world):
    w = case_world
    secretary = w.users["community_secretary"]
    rejected = staff_case(w, code="suggestion", description="建议社区每天播报天气")
    lifecycle.case_reject(actor=secretary, case_id=rejected.pk, reason="不属于社区办理事项，请关注气象台发布")
    target = staff_case(w)
    duplicate = staff_case(w)
    lifecycle.case_merge(actor=secretary, case_id=duplicate.pk, into_case_id=target.pk)
    whistled = staff_case(w, code="property_repair", description="楼顶防水层大面积破损")
    lifecycle.case_whistle(actor=secretary, case_id=whistled.pk, department_id=w.departments["housing"].pk,
                           reason="需要房管所维修基金")
    items = {i["service_request_id"]: i for i in get_json(client)}
    assert (items[rejected.pk]["status"], items[rejected.pk]["status_notes"]) == (
        "closed", "不予受理：不属于社区办理事项，请关注气象台发布")
    assert (items[duplicate.pk]["status"], items[duplicate.pk]["status_notes"]) == (
        "closed", f"已合并：并入诉求 {target.pk} 一并办理")
    assert items[target.pk]["status"] == "open"
    assert (items[whistled.pk]["status"], items[whistled.pk]["status_notes"]) == ("open", "已派单")
    assert items[whistled.pk]["agency_responsible"] == "区房管所"


# Personal data ----------------------------------------------------------------------------------------------------------

def _bodies(client, case_id):
    return [
        client.get(BASE + "requests.json", {"jurisdiction_id": "T01"}).content.decode(),
        client.get(BASE + "requests.xml", {"jurisdiction_id": "T01"}).content.decode(),
        client.get(f"{BASE}requests/{case_id}.json").content.decode(),
        client.get(f"{BASE}requests/{case_id}.xml").content.decode(),
    ]


def test_get_never_shows_the_reporter(client, case_world):
    w = case_world
    key = new_key()
    response = post_request(
        client, api_key=key, jurisdiction_id="T01", service_code="environment", address_string="2栋门口",
        first_name="建国", last_name="王", phone="13698765432", email="wjg@example.com", device_id="DEVICE-XYZ",
        account_id="ACCOUNT-123", description="我是王建国，电话13698765432，身份证340104198001010012，2栋门口垃圾没人清",
    )
    cid = json_body(response)[0]["service_request_id"]
    walk_in = case_submit(actor=w.users["community_staff"], channel="phone", community_id=w.c1.pk,
                          category_code="public_facility", reporter_name="赵秀兰", reporter_phone="13511112222",
                          description="赵秀兰反映：东门路灯不亮，可回电 0551-62345678 或 wjg2@example.com",
                          address="东门")
    case = Case.objects.get(pk=cid)
    assert (case.reporter_name, case.reporter_phone) == ("王建国", "13698765432")  # staff still have them
    for body in _bodies(client, cid) + _bodies(client, walk_in.pk):
        for secret in ("王建国", "建国", "13698765432", "wjg@example.com", "DEVICE-XYZ", "ACCOUNT-123",
                       "340104198001010012", "赵秀兰", "13511112222", "62345678", "wjg2@example.com", "市民通"):
            assert secret not in body
    [item] = get_json(client, f"requests/{cid}.json")
    assert item["description"] == "我是王**，电话136****5432，身份证340***********0012，2栋门口垃圾没人清"
    [item] = get_json(client, f"requests/{walk_in.pk}.json")
    assert item["description"].startswith("赵**反映：东门路灯不亮，可回电 055******5678 或 w***@example.com")
    # The POST response doesn't echo personal data either.
    assert set(json_body(response)[0]) == {"service_request_id", "token", "service_notice", "account_id"}


def test_person_categories_publish_no_text_or_place(client, case_world):
    w = case_world
    key = new_key()
    response = post_request(client, api_key=key, jurisdiction_id="T01", service_code="elderly_disability",
                            address_id=str(w.h("b1 1-101").pk), lat="31.8", long="117.2",
                            media_url="https://img.example.com/grandma.jpg", description="独居老人行动不便需要助餐",
                            **{"attribute[services]": "meals"})
    cid = json_body(response)[0]["service_request_id"]
    lifecycle.case_reject(actor=w.users["community_secretary"], case_id=cid, reason="张奶奶已由儿子接走照顾")
    [item] = get_json(client, f"requests/{cid}.json")
    assert item["service_code"] == "elderly_disability" and item["status"] == "closed"
    assert item["status_notes"] == "不予受理"  # the reason speaks about the person
    assert item["description"] is None and item["media_url"] is None
    assert item["address"] == "和谐社区" and item["address_id"] is None
    assert item["lat"] is None and item["long"] is None
    for body in _bodies(client, cid):
        assert "独居老人行动不便" not in body and "张奶奶" not in body and "grandma" not in body


def test_open311_request_reads_back_as_sent(client, case_world):
    key = new_key()
    response = post_request(client, "xml", api_key=key, jurisdiction_id="T01", service_code="public_facility",
                            lat="31.820587", long="117.227239", address_string="东门公交站",
                            media_url="https://img.example.com/lamp.jpg", description="路灯坏了",
                            **{"attribute[facility]": "street_light"})
    request_id = xml_root(response)[0].findtext("service_request_id")
    request = xml_root(client.get(f"{BASE}requests/{request_id}.xml"))[0]
    assert request.findtext("description") == "路灯坏了"  # the answers and contact lines stay with staff
    assert request.findtext("media_url") == "https://img.example.com/lamp.jpg"
    assert (request.findtext("lat"), request.findtext("long")) == ("31.820587", "117.227239")
    assert request.findtext("address") == "东门公交站, 和谐社区"
    assert request.findtext("service_notice") == "社区将在 24 小时内响应，120 小时内办结。"


def test_text_that_would_break_xml_is_cleaned(client, case_world):
    w = case_world
    case = staff_case(w, description="垃圾 <堆> & \"异味\" \x0b\x01 很重")
    body = client.get(f"{BASE}requests/{case.pk}.xml").content
    request = ET.fromstring(body)[0]
    assert request.findtext("description") == "垃圾 <堆> & \"异味\"  很重"
    assert json.loads(client.get(f"{BASE}requests/{case.pk}.json").content)[0]["description"].startswith("垃圾 <堆>")


# Addresses: building level at most (issue #7) ------------------------------------------------------------------------

@pytest.mark.parametrize("typed, published", [
    ("明月公寓1栋1单元102", "明月公寓1栋"),
    ("阳光小区3-502", "阳光小区"),
    ("阳光小区1栋102室", "阳光小区1栋"),
    ("5楼502门口", "门口"),
    ("幸福里2号楼3单元502室门口", "幸福里2号楼 门口"),
    ("阳光小区 1栋 2单元3层301室", "阳光小区 1栋"),
    ("1-2-301", ""),
    ("2栋门口", "2栋门口"),  # no room in it: as typed
])
def test_a_typed_room_is_never_published(client, case_world, typed, published):
    w = case_world
    case = staff_case(w, address=typed)
    expected = f"{published}, 和谐社区" if published else "和谐社区"
    assert get_json(client)[0]["address"] == expected
    assert get_json(client, f"requests/{case.pk}.json")[0]["address"] == expected
    for path in ("requests.xml", f"requests/{case.pk}.xml"):
        response = client.get(BASE + path, {"jurisdiction_id": "T01"})
        assert xml_root(response)[0].findtext("address") == expected
    if published != typed:
        for body in _bodies(client, case.pk):
            assert typed not in body


def test_a_household_case_with_the_room_typed_shows_its_building(client, case_world):
    w = case_world
    household = w.h("b1 1-101")
    case = case_submit(actor=w.users["community_staff"], channel="walk_in", household_id=household.pk,
                       category_code="property_repair", description="卫生间漏水", address="阳光小区1栋1单元101")
    [item] = get_json(client, f"requests/{case.pk}.json")
    assert item["address"] == "阳光小区1栋, 和谐社区"
    key = new_key()
    response = post_request(client, api_key=key, jurisdiction_id="T01", service_code="public_facility",
                            address_string="阳光小区1栋2单元1101室", description="单元门禁坏了",
                            **{"attribute[facility]": "other"})
    cid = json_body(response)[0]["service_request_id"]
    assert get_json(client, f"requests/{cid}.json")[0]["address"] == "阳光小区1栋, 和谐社区"
