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
