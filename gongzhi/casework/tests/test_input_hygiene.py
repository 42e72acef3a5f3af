"""Input the database or the rules can't take is refused with a clear error and changes nothing (issue #7).

NUL characters anywhere in text input (PostgreSQL refuses them: a 500 at the first query), a reporter
phone that is no phone, a rating comment over 500 characters (was cut silently), and ``rate`` on a
request the user can't see (404, like every other action).
"""

import json

import pytest

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.models import Case
from gongzhi.casework.open311.testing import BASE, new_key, post_request, xml_root
from gongzhi.testing import kit

from .helpers import post, snapshot, submit_as
from .test_pages_support import file_case, resolved_case

pytestmark = pytest.mark.django_db

NUL = "\x00"


# NUL ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["description", "address", "reporter_name"])
def test_api_refuses_nul_in_a_text_field(client, case_world, field):
    w = case_world
    body = {"community_id": w.c1.pk, "channel": "phone", "description": "东门路灯不亮", field: f"东门{NUL}路灯"}
    before = snapshot()
    response = submit_as(client, w, "community_staff", **body)
    assert response.status_code == 400, response.content
    assert response.json() == {"code": "nul_character", "field": field,
                               "message": "提交的内容含有空字符（NUL），无法保存；请删除后重新提交。"}
    assert snapshot() == before


def test_api_refuses_nul_in_a_nested_field_and_a_search(client, case_world):
    w = case_world
    c = kit.client_for(w.users["community_staff"])
    response = post(c, "/api/casework/cases", {"community_id": w.c1.pk, "description": "灯坏了",
                                               "photos": [{"name": f"a{NUL}.png", "data": ""}]})
    assert response.status_code == 400 and response.json()["field"] == "photos.0.name"
    response = c.get("/api/casework/cases", {"q": f"漏水{NUL}"})
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (400, "nul_character", "q")


def test_an_escaped_backslash_u0000_is_no_nul(client, case_world):
    w = case_world
    raw = json.dumps({"community_id": w.c1.pk, "channel": "phone", "description": "路径 C:\\u0000 不是空字符"})
    assert "\\\\u0000" in raw
    response = kit.client_for(w.users["community_staff"]).post("/api/casework/cases", data=raw,
                                                               content_type="application/json")
    assert response.status_code == 201, response.content
    assert Case.objects.get(pk=response.json()["id"]).description == "路径 C:\\u0000 不是空字符"


def test_pages_refuse_nul_with_a_chinese_page(client, case_world):
    w = case_world
    c = kit.client_for(w.users["resident"])
    before = snapshot()
    response = c.post("/cases/new/", {"place": f"h:{w.h('b1 1-101').pk}", "description": f"漏水{NUL}了",
                                      "urgency": "normal", "key": "k-nul"})
    assert response.status_code == 400
    assert "提交的内容含有空字符（NUL）" in response.content.decode()
    staff = kit.client_for(w.users["community_staff"])
    response = staff.get("/casework/", {"q": f"漏水{NUL}"})
    assert response.status_code == 400 and "提交的内容含有空字符（NUL）" in response.content.decode()
    assert snapshot() == before


def test_open311_refuses_nul_in_its_own_format(client, case_world):
    key = new_key()
    before = snapshot()
    response = post_request(client, api_key=key, jurisdiction_id="T01", service_code="environment",
                            address_string="东门", description=f"垃圾{NUL}")
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400 and error["description"].startswith("description：提交的内容含有空字符")
    response = client.get(BASE + "requests.xml", {"jurisdiction_id": "T01", "service_code": f"env{NUL}"})
    assert response.status_code == 400 and xml_root(response).findtext("error/code") == "400"
    response = client.get(f"{BASE}tokens/{NUL}.json")
    assert response.status_code in (400, 404)
    assert snapshot() == before


# reporter_phone ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("phone", ["12345", "1361234567", "abc", "99999999999"])
def test_reporter_phone_must_be_a_phone(client, case_world, phone):
    w = case_world
    before = snapshot()
    response = submit_as(client, w, "community_staff", community_id=w.c1.pk, channel="phone",
                         reporter_name="王先生", reporter_phone=phone)
    assert response.status_code == 400, response.content
    assert (response.json()["code"], response.json()["field"]) == ("invalid_phone", "reporter_phone")
    assert "反映人电话格式不正确" in response.json()["message"]
    assert snapshot() == before


def test_reporter_phone_is_kept_in_national_form(client, case_world):
    w = case_world
    for typed, kept in (("+86 136 1234 5678", "13612345678"), ("0551-63601234", "055163601234"), ("", "")):
        response = submit_as(client, w, "community_staff", community_id=w.c1.pk, channel="phone",
                             reporter_phone=typed)
        assert response.status_code == 201, response.content
        assert Case.objects.get(pk=response.json()["id"]).reporter_phone == kept


def test_reporter_phone_on_the_intake_page_and_open311(client, case_world):
    w = case_world
    key = new_key()
    before = snapshot()
    response = kit.client_for(w.users["community_staff"]).post("/casework/intake/", {
        "channel": "phone", "place": f"c:{w.c1.pk}", "description": "东门路灯不亮", "reporter_phone": "12345",
        "urgency": "normal", "key": "k-phone"})
    assert response.status_code == 400 and "反映人电话格式不正确" in response.content.decode()
    response = post_request(client, api_key=key, jurisdiction_id="T01", service_code="environment",
                            address_string="东门", description="垃圾", phone="12345")
    assert response.status_code == 400
    assert [e["description"] for e in response.json()] == ["phone：电话号码格式不正确，应为手机号或带区号的固定电话。"]
    assert snapshot() == before


# rating ------------------------------------------------------------------------------------------------------------

def test_an_over_long_rating_comment_is_refused_not_cut(client, case_world):
    w = case_world
    case = resolved_case(w)
    lifecycle.case_verify(actor=w.users["resident"], case_id=case.pk, fixed=True)
    resident = kit.client_for(w.users["resident"])
    before = snapshot()
    response = post(resident, f"/api/casework/cases/{case.pk}/rate", {"rating": 5, "comment": "好" * 501})
    assert response.status_code == 400
    assert response.json() == {"code": "comment_too_long", "field": "comment",
                               "message": "评价意见不能超过 500 个字（当前 501 字）。"}
    page = resident.post(f"/cases/{case.pk}/rate/", {"rating": "5", "comment": "好" * 501})
    assert page.status_code == 400 and "评价意见不能超过 500 个字（当前 501 字）。" in page.content.decode()
    assert snapshot() == before
    response = post(resident, f"/api/casework/cases/{case.pk}/rate", {"rating": 5, "comment": "好" * 500})
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).rating_comment == "好" * 500


def test_rate_on_an_invisible_request_is_404_like_every_action(client, case_world):
    w = case_world
    case = file_case(w)
    outsider = kit.client_for(w.users["outsider"])
    before = snapshot()
    for path, body in (("rate", {"rating": 5}), ("verify", {"fixed": True}), ("accept", {})):
        response = post(outsider, f"/api/casework/cases/{case.pk}/{path}", body)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path
    assert outsider.post(f"/cases/{case.pk}/rate/", {"rating": "5"}).status_code == 404
    assert snapshot() == before
