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
