"""Issue #8 points 6 and 7 on the staff desks: the 督办 board says what is late and lists a request once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.casework.models import Case

from .test_pages_support import as_role, element, file_case, text

pytestmark = pytest.mark.django_db


def test_board_says_response_late_next_to_a_future_deadline_and_lists_each_case_once(client, case_world):
    w = case_world
    now = timezone.now()
    answer_late = file_case(w)  # not answered in time, but its 办结时限 is days away
    Case.objects.filter(pk=answer_late.pk).update(response_due_at=now - timedelta(hours=1),
                                                  resolution_due_at=now + timedelta(hours=10))
    both_late = file_case(w, description="2楼水管漏水已经三天了，楼下天花板都湿了")
    Case.objects.filter(pk=both_late.pk).update(response_due_at=now - timedelta(hours=5),
                                                resolution_due_at=now - timedelta(hours=1))
    html = text(as_role(client, w, "community_staff").get("/casework/board/"))
    overdue, unanswered, soon = (element(html, k) for k in ("overdue", "unanswered", "due_soon"))
    # each request in exactly one list
    assert both_late.title in overdue and both_late.title not in unanswered + soon
    assert answer_late.title in unanswered and answer_late.title not in overdue + soon
    # the row with a future 办结时限 says what is late: the response, with its own deadline
    row = unanswered[unanswered.find(answer_late.title):]
    row = row[:row.find("</li>")]
    assert "响应超时" in row and "响应时限" in row
    assert '<span class="chip overdue">超时</span>' not in row
    counts = element(html, "board-counts")
    assert counts.count('<div class="n">1</div>') == 2  # overdue 1, unanswered 1 (not 2)


# Excel exports (point 7) ---------------------------------------------------------------------------------
def _sheet_rows(response):
    from io import BytesIO

    from openpyxl import load_workbook

    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(response.content))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def test_queue_export_follows_the_current_filter_and_is_audited(client, case_world):
    from gongzhi.core.models import AuditEvent

    from .test_pages_support import staff_case

    w = case_world
    mine = file_case(w)  # b1, the resident's own request
    other = staff_case(w, building=w.b2, description="2栋门口垃圾堆了三天没人清", reporter_phone="13912345678")
    c = as_role(client, w, "community_staff")
    sheets = _sheet_rows(c.get("/casework/export.xlsx", {"building": w.b2.pk}))
    [rows] = sheets.values()
    ids = [r[0] for r in rows if isinstance(r[0], int)]
    assert ids == [other.pk] and mine.pk not in ids
    row = next(r for r in rows if r[0] == other.pk)
    assert "王先生" in row and "139****5678" in row and "13912345678" not in row  # masked as on the page
    event = AuditEvent.objects.filter(action="case_queue.export").latest("pk")
    assert event.details == {"cases": 1, "residents": 1} and event.community_id == w.c1.pk
    # the whole queue: every page, not only the first
    [rows] = _sheet_rows(c.get("/casework/export.xlsx", {"status": "all"})).values()
    assert {mine.pk, other.pk} <= {r[0] for r in rows}


def test_queue_export_is_refused_like_the_queue(client, case_world):
    for role in ("resident", "nobody"):
        assert as_role(client, case_world, role).get("/casework/export.xlsx").status_code == 404
        assert as_role(client, case_world, role).get("/casework/board/export.xlsx").status_code == 404


def test_board_export_has_one_sheet_per_list(client, case_world):
    w = case_world
    late = file_case(w)
    Case.objects.filter(pk=late.pk).update(resolution_due_at=timezone.now() - timedelta(hours=1))
    sheets = _sheet_rows(as_role(client, w, "community_staff").get("/casework/board/export.xlsx"))
    assert list(sheets) == ["超时未办结", "超时未响应", "24 小时内到期"]
    assert late.pk in [r[0] for r in sheets["超时未办结"]]
    assert "办结超时" in next(r for r in sheets["超时未办结"] if r[0] == late.pk)


# A case on one A4 page (point 7) ---------------------------------------------------------------------------
def test_a_case_prints_on_one_a4_page_with_the_five_questions_and_timeline(client, case_world):
    import re

    from gongzhi.casework.actions import lifecycle
    from gongzhi.core.printing import A4_POINTS
    from gongzhi.core.tests.test_qr_printing import _page_sizes

    w = case_world
    case = file_case(w, description="楼道灯坏了好几天，晚上上下楼很不方便。" * 20)
    head = w.users["building_head"]
    lifecycle.case_accept(actor=head, case_id=case.pk)
    for i in range(12):  # a long history: more than fits, counted
        lifecycle.case_comment(actor=head, case_id=case.pk, note=f"第{i}次跟进：已联系物业，物业说明天来修。" * 4)
    lifecycle.case_resolve(actor=head, case_id=case.pk, result="已更换楼道灯泡，亮了。" * 30)
    c = as_role(client, w, "community_staff")
    page = text(c.get(f"/cases/{case.pk}/"))
    assert f'href="/cases/{case.pk}/print/"' in page  # the print button on the case page
    html = text(c.get(f"/cases/{case.pk}/print/"))
    for key, label in (("need", "问需求"), ("cause", "问原因"), ("plan", "问方案"), ("progress", "问进度"),
                       ("outcome", "问结果")):
        assert f'id="q-{key}"' in html and label in html
    assert "办结" in html and "另有" in html  # the timeline, with what did not fit counted
    response = c.get(f"/cases/{case.pk}/print.pdf")
    assert response["Content-Type"] == "application/pdf"
    sizes = _page_sizes(response.content)
    assert len(sizes) == 1, f"{len(sizes)} pages"
    assert sizes[0] == pytest.approx(A4_POINTS, abs=1)
    # a refused user gets the 404 the case page gives
    assert as_role(client, w, "outsider").get(f"/cases/{case.pk}/print/").status_code == 404
    assert re.search(r"打印", html)


# The menu (point 6) ---------------------------------------------------------------------------------------
def _current_links(html: str) -> list[str]:
    import re

    nav = html[html.find('<nav class="nav"'):]
    nav = nav[:nav.find("</nav>")]
    return re.findall(r'<a href="([^"]+)" aria-current="page"', nav)


def test_a_case_opened_from_the_queue_highlights_the_queue_not_my_requests(client, case_world):
    w = case_world
    case = file_case(w)
    staff_page = text(as_role(client, w, "community_staff").get(f"/cases/{case.pk}/"))
    assert _current_links(staff_page) == ["/casework/"]
    resident_page = text(as_role(client, w, "resident").get(f"/cases/{case.pk}/"))
    assert _current_links(resident_page) == ["/cases/"]


def test_the_secretarys_menu_folds_into_groups(client, case_world):
    import re

    html = text(as_role(client, case_world, "community_secretary").get("/casework/"))
    nav = html[html.find('<nav class="nav"'):]
    nav = nav[:nav.find("</nav>")]
    top = re.sub(r"<details.*?</details>", "<G>", nav, flags=re.S)
    entries = top.count("<a ") + top.count("<G>")
    assert entries <= 10, top
    admin = re.search(r"<summary>管理</summary>(.*?)</details>", nav, flags=re.S).group(1)
    assert "花名册" in admin and "审计" in admin


# Message the building (point 7) ----------------------------------------------------------------------------
def _message(client, world, role, **body):
    data = {"building": world.b1.pk, "title": "明天停水", "body": "明天上午 9 点至 12 点停水，请提前储水。", "key": "k1"}
    data.update(body)
    return as_role(client, world, role).post("/casework/message/", data)


def test_message_the_building_notifies_each_resident_once(client, case_world):
    from gongzhi.core.models import AuditEvent
    from gongzhi.core.notifications.models import Notification
    from gongzhi.org.testing.world import make_user

    w = case_world
    second = w.residents["b1 2-201 owner"]
    second.user = make_user(second.name)
    second.save(update_fields=["user"])
    elsewhere = w.residents["b2 1-101 owner"]
    elsewhere.user = make_user(elsewhere.name)
    elsewhere.save(update_fields=["user"])
    response = _message(client, w, "community_secretary")
    assert response.status_code == 302 and response["Location"].startswith("/casework/")
    sent = Notification.objects.filter(kind="building.message")
    assert sorted(sent.values_list("user_id", flat=True)) == sorted([w.users["resident"].pk, second.user_id])
    assert sent.first().title == "明天停水" and sent.first().source == "casework"
    followed = client.get(response["Location"])
    assert "已通知 2 位居民" in text(followed) and "6 户没有人开通账号" in text(followed)
    event = AuditEvent.objects.get(action="building.message")
    assert event.details["residents"] == 2 and event.details["households"] == 8 and event.details["unreached"] == 6
    # a double submit (same form key) sends nothing more
    _message(client, w, "community_secretary")
    assert sent.count() == 2


def test_message_bad_input_and_refusals_change_nothing(client, case_world):
    from gongzhi.core.notifications.models import Notification

    w = case_world
    response = _message(client, w, "community_secretary", title="  ")
    assert response.status_code == 400 and 'data-code="required"' in text(response) and "请填写消息标题" in text(response)
    response = _message(client, w, "community_secretary", body="长" * 501)
    assert response.status_code == 400 and "501" in text(response)
    assert _message(client, w, "building_head").status_code == 302  # their own building
    assert _message(client, w, "building_head", building=w.b2.pk, key="k2").status_code == 404  # not theirs
    assert _message(client, w, "property_staff", key="k3").status_code == 404  # no page: does not handle
    before = Notification.objects.count()
    assert _message(client, w, "unit_head", key="k4").status_code in (403, 404)  # one unit, not the building
    assert Notification.objects.count() == before


def test_the_audience_is_shared_by_any_scope(case_world):
    from gongzhi.org.audience import Audience, audience_reach

    w = case_world
    households, residents, users = audience_reach(Audience("compound", w.compound_a.pk))
    assert households == 12 and residents >= 12  # b1 (8) and b2 (4) of 阳光小区
    assert {uid for ids in users.values() for uid in ids} == {w.users["resident"].pk}


# A photo chosen before a form error (point 6) ------------------------------------------------------------
def test_photos_chosen_before_an_error_are_not_dropped_silently(client, case_world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_pages_support import png

    w = case_world
    c = as_role(client, w, "resident")
    photo = SimpleUploadedFile("leak.png", png(), content_type="image/png")
    response = c.post("/cases/new/", {"household": w.h("b1 1-101").pk, "description": "", "photos": [photo]})
    assert response.status_code == 400
    html = text(response)
    assert 'id="photos-dropped"' in html and "1 张照片还没有保存" in html and "重新选择照片" in html
    response = c.post("/cases/new/", {"household": w.h("b1 1-101").pk, "description": ""})
    assert 'id="photos-dropped"' not in text(response)  # no photo chosen, nothing to say
