"""Resident pages: 反映诉求, similar requests, 我的诉求, the case page's verify / reopen / rate, photos."""

import pytest

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.models import Case, CasePhoto
from gongzhi.casework.permissions import can_view

from gongzhi.core.tests.test_images import bomb

from .helpers import snapshot
from .test_pages_support import (
    ALL_ROLES,
    as_role,
    element,
    file_case,
    png,
    resolved_case,
    staff_case,
    text,
    upload,
)

pytestmark = pytest.mark.django_db


def _form(w, **overrides):
    data = {"place": f"h:{w.h('b1 1-101').pk}", "description": "卫生间天花板漏水，楼上好像没人住，水一直往下滴",
            "urgency": "normal", "category": "", "address": "", "key": "key-1"}
    data.update(overrides)
    return data


# 反映诉求 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_new_request_page_for_every_role(client, case_world, role):
    response = as_role(client, case_world, role).get("/cases/new/")
    assert response.status_code == 200
    html = text(response)
    if role == "resident":
        assert 'id="case-form"' in html and 'accept="image/*"' in html and "capture=" in html
        assert 'name="key"' in html and "我家" in html
    else:
        assert 'id="case-form"' not in html and 'id="no-place"' in html


def test_anonymous_is_sent_to_login(client, case_world):
    for url in ("/cases/new/", "/cases/", "/cases/inbox/", "/casework/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_resident_files_with_photo_and_sees_the_suggestion(client, case_world):
    w = case_world
    c = as_role(client, w, "resident")
    response = c.post("/cases/new/", {**_form(w), "photos": [upload()]})
    assert response.status_code == 302, text(response)
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.pk}/?submitted=1"
    assert case.household == w.h("b1 1-101") and case.reporter == w.users["resident"]
    assert case.idempotency_key == "key-1" and case.photos.count() == 1
    page = text(c.get(response["Location"]))
    submitted = element(page, "submitted")
    assert f"#{case.pk}" in submitted
    assert f"平台判断这是“{case.category.name}”类诉求" in submitted
    photo = case.photos.get()
    assert f'/cases/photos/{photo.pk}/?size=thumb' in page
    # And it is in 我的诉求 with its status chip.
    mine = text(c.get("/cases/"))
    assert case.title in element(mine, "my-cases") and "已提交" in mine


def test_resident_chooses_category_and_sees_what_the_platform_suggested(client, case_world):
    w = case_world
    c = as_role(client, w, "resident")
    response = c.post("/cases/new/", _form(w, category="neighbour_dispute"), follow=True)
    case = Case.objects.get()
    assert case.category.code == "neighbour_dispute"
    assert case.suggested_category.code != "neighbour_dispute"
    assert f"平台建议的类别是“{case.suggested_category.name}”" in element(text(response), "submitted")


def test_somewhere_else_in_my_community_with_an_address(client, case_world):
    w = case_world
    c = as_role(client, w, "resident")
    response = c.post("/cases/new/", _form(w, place=f"c:{w.c1.pk}", address="小区东门公交站旁",
                                           description="公交站旁边的井盖没了，晚上很危险"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.household_id is None and case.address == "小区东门公交站旁" and case.community == w.c1


@pytest.mark.parametrize("overrides,field,message", [
    ({"description": ""}, "description", "请填写诉求内容。"),
    ({"description": "漏" * 4001}, "description", "诉求内容不能超过 4000 个字（当前 4001 字）。"),
    ({"category": "ufo"}, "category", "未知的诉求类别：ufo"),
    ({"place": ""}, "place", "请选择诉求发生的住户、楼栋或社区。"),
    ({"place": "h:999999"}, "place", "所选住户不存在，不属于任何社区。"),
    ({"urgency": "panic"}, "urgency", "紧急程度无效。"),
])
def test_form_errors_are_shown_next_to_the_field(client, case_world, overrides, field, message):
    w = case_world
    before = snapshot()
    response = as_role(client, w, "resident").post("/cases/new/", _form(w, **overrides))
    assert response.status_code == 400
    assert element(text(response), f"err-{field}").strip() == message
    assert snapshot() == before
    # What the resident typed is still there, with the same idempotency key.
    if overrides.get("description", None) != "":
        assert 'value="key-1"' in text(response)


def test_photo_errors(client, case_world):
    w = case_world
    c = as_role(client, w, "resident")
    before = snapshot()
    response = c.post("/cases/new/", {**_form(w), "photos": [upload(b"%PDF-1.4", "scan.pdf", "application/pdf")]})
    assert response.status_code == 400
    assert "不是图片" in element(text(response), "err-photos")
    response = c.post("/cases/new/", {**_form(w), "photos": [upload(png((8, 8)), f"p{i}.png") for i in range(4)]})
    assert element(text(response), "err-photos").strip() == "最多上传 3 张照片。"
    response = c.post("/cases/new/", {**_form(w), "photos": [upload(bomb(), "bomb.png")]})  # was a 500
    assert response.status_code == 400
    assert "不是图片" in element(text(response), "err-photos")
    assert snapshot() == before and CasePhoto.objects.count() == 0


def test_someone_elses_household_is_refused(client, case_world):
    w = case_world
    before = snapshot()
    response = as_role(client, w, "resident").post("/cases/new/", _form(w, place=f"h:{w.h('b1 1-102').pk}"))
    assert response.status_code == 403
    assert element(text(response), "err-place").strip() == "只能为自己的住户或所在社区反映诉求。"
    response = as_role(client, w, "resident").post("/cases/new/", _form(w, place=f"c:{w.c2.pk}"))
    assert response.status_code == 403
    assert snapshot() == before


def test_a_double_tap_files_once_and_links_to_the_request(client, case_world):
    w = case_world
    c = as_role(client, w, "resident")
    first = c.post("/cases/new/", _form(w))
    assert first.status_code == 302
    case = Case.objects.get()
    before = snapshot()
    again = c.post("/cases/new/", _form(w))
    assert again.status_code == 409
    error = element(text(again), "err-place") or text(again)
    assert f"该诉求已提交过（编号 #{case.pk}），请勿重复提交。" in error
    assert f'href="/cases/{case.pk}/"' in text(again)
    assert snapshot() == before


def test_people_without_a_household_cannot_post_the_form(client, case_world):
    before = snapshot()
    response = as_role(client, case_world, "nobody").post("/cases/new/", _form(case_world))
    assert response.status_code == 200 and 'id="no-place"' in text(response)
    assert snapshot() == before


# Similar requests nearby ------------------------------------------------------------------------
def test_similar_open_requests_nearby(client, case_world):
    w = case_world
    # Another household of b1 reported the lift by phone.
    other = staff_case(w, household="b1 2-201", description="1栋电梯坏了，老人上下楼很困难，请尽快修",
                       channel="phone")
    c = as_role(client, w, "resident")
    response = c.post("/cases/new/similar/", {"place": f"h:{w.h('b1 1-101').pk}",
                                              "description": "1栋的电梯坏了两天了，老人上下楼困难"})
    assert response.status_code == 200
    html = text(response)
    assert f"#{other.pk}" in html and "这也是我的问题" in html
    # The neighbour's own words stay private: the resident sees the category and the words
    # the two texts share, never the other request's text.
    assert other.title not in html and "请尽快修" not in html
    assert other.category.name in html and "电梯" in html
    # Staff taking the call at the building see the title.
    staff = as_role(client, w, "community_staff")
    staff_html = text(staff.post("/cases/new/similar/", {"place": f"b:{w.b1.pk}",
                                                         "description": "1栋的电梯坏了两天了，老人上下楼困难"}))
    assert other.title in staff_html
    # Unrelated text, or a household that isn't the resident's: nothing.
    assert "#" not in text(c.post("/cases/new/similar/", {"place": f"h:{w.h('b1 1-101').pk}",
                                                          "description": "邻居装修噪音太大"}))
    assert text(c.post("/cases/new/similar/", {"place": f"h:{w.h('b1 2-201').pk}",
                                               "description": "1栋的电梯坏了两天了，老人上下楼困难"})).strip() == ""
    assert as_role(client, w, "nobody").post("/cases/new/similar/", {
        "place": f"h:{w.h('b1 1-101').pk}", "description": "1栋的电梯坏了两天了"}).content.strip() == b""


# 我的诉求 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_my_requests_page_for_every_role(client, case_world, role):
    case = file_case(case_world)
    response = as_role(client, case_world, role).get("/cases/")
    assert response.status_code == 200
    assert (case.title in element(text(response), "my-cases")) == (role == "resident")


def test_my_requests_say_what_is_waiting_for_me(client, case_world):
    w = case_world
    done = resolved_case(w)
    file_case(w, description="小区里有人乱停车，堵住了消防通道")
    html = text(as_role(client, w, "resident").get("/cases/"))
    assert "有 1 条诉求已办结，请确认是否解决并评价。" in html
    assert "已办结，请确认是否解决" in html
    only_open = text(client.get("/cases/?show=open"))
    assert done.title in only_open


# The case page -------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_case_page_for_every_role(client, case_world, role):
    w = case_world
    case = file_case(w)
    lifecycle.case_comment(actor=w.users["community_staff"], case_id=case.pk, note="只给工作人员看的备注")
    response = as_role(client, w, role).get(f"/cases/{case.pk}/")
    expected = can_view(w.users[role], case)
    assert response.status_code == (200 if expected else 404)
    if role in ("resident", "building_head", "grid_worker", "community_staff"):
        assert expected
    if role in ("nobody", "outsider", "volunteer", "department", "red_steward", "owners_committee"):
        assert not expected
    if expected:
        html = text(response)
        internal = "只给工作人员看的备注" in html
        assert internal == (role != "resident")  # the reporter sees only the public timeline


def test_missing_case_is_404(client, case_world):
    assert as_role(client, case_world, "resident").get("/cases/999999/").status_code == 404


def test_resident_verifies_then_rates(client, case_world):
    w = case_world
    case = resolved_case(w, photo=True)
    c = as_role(client, w, "resident")
    page = text(c.get(f"/cases/{case.pk}/"))
    assert "问题解决了吗？" in page and "已更换楼道灯泡，亮了" in element(page, "outcome")
    assert 'id="rate"' not in page  # first 已解决, then the stars
    response = c.post(f"/cases/{case.pk}/verify/", {"fixed": "1"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "verified"
    assert 'id="rate"' in text(c.get(f"/cases/{case.pk}/"))
    # No star chosen: the message is next to the stars and nothing changes.
    before = snapshot()
    response = c.post(f"/cases/{case.pk}/rate/", {"comment": "很快"})
    assert response.status_code == 400
    assert element(text(response), "err-rating").strip() == "评价须为 1 到 5 星。"
    assert snapshot() == before
    response = c.post(f"/cases/{case.pk}/rate/", {"rating": "5", "comment": "很快就修好了"}, follow=True)
    case.refresh_from_db()
    assert (case.status, case.rating, case.rating_comment) == ("rated", 5, "很快就修好了")
    html = text(response)
    assert "感谢您的评价！" in html and "5 星" in element(html, "rating") and 'id="rate"' not in html


def test_not_fixed_needs_a_reason_then_reopens(client, case_world):
    w = case_world
    case = resolved_case(w)
    c = as_role(client, w, "resident")
    before = snapshot()
    response = c.post(f"/cases/{case.pk}/verify/", {"fixed": "0", "note": " "})
    assert response.status_code == 400
    assert element(text(response), "err-verify").strip() == "请说明还有什么问题没有解决。"
    assert snapshot() == before
    response = c.post(f"/cases/{case.pk}/verify/", {"fixed": "0", "note": "灯还是不亮"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_progress" and case.reopen_count == 1


def test_a_rated_request_can_still_be_reopened(client, case_world):
    w = case_world
    case = resolved_case(w)
    c = as_role(client, w, "resident")
    c.post(f"/cases/{case.pk}/rate/", {"rating": "2"})
    assert 'id="reopen"' in text(c.get(f"/cases/{case.pk}/"))
    c.post(f"/cases/{case.pk}/verify/", {"fixed": "0", "note": "又坏了"})
    case.refresh_from_db()
    assert case.status == "in_progress" and case.rating is None


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_reporter_rates(client, case_world, role):
    w = case_world
    case = resolved_case(w)
    before = snapshot()
    response = as_role(client, w, role).post(f"/cases/{case.pk}/rate/", {"rating": "1"})
    if role == "resident":
        assert response.status_code == 302
        return
    assert response.status_code in (403, 404)
    if response.status_code == 403:
        assert "只能评价自己反映的诉求。" in text(response)
    assert snapshot() == before


def test_unknown_step_is_404(client, case_world):
    case = file_case(case_world)
    assert as_role(client, case_world, "resident").post(f"/cases/{case.pk}/explode/").status_code == 404
    assert client.get(f"/cases/{case.pk}/rate/").status_code == 405


# Photos --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_photos_only_for_people_who_see_the_case(client, case_world, role):
    w = case_world
    case = file_case(w, photo=True)
    photo = case.photos.get()
    c = as_role(client, w, role)
    response = c.get(f"/cases/photos/{photo.pk}/")
    if can_view(w.users[role], case):
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == png()
        thumb = c.get(f"/cases/photos/{photo.pk}/?size=thumb")
        assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
        assert "private" in thumb["Cache-Control"]
    else:
        assert response.status_code == 404


def test_missing_photo_is_404_and_media_is_not_public(client, case_world):
    w = case_world
    case = file_case(w, photo=True)
    c = as_role(client, w, "resident")
    assert c.get("/cases/photos/999999/").status_code == 404
    assert client.get(f"/media/{case.photos.get().image.name}").status_code == 404
