"""The audit page speaks in words (issue #8 point 3): actions and changes labelled in both languages,
a filter by what was done (in words), by whom and by date, and exports counted in residents."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from gongzhi.core.audit import audit_record
from gongzhi.core.models import AuditEvent
from gongzhi.org.models import Resident
from gongzhi.testing.kit import client_for


def _events(html: str) -> list[str]:
    return re.findall(r'data-action="([^"]+)"', html)


def _seed(world):
    staff = world.users["community_staff"]
    grid = world.users["grid_worker"]
    audit_record(actor=staff, action="case.rated", target_type="casework.case", target_label="#7 楼道灯不亮",
                 community_id=world.c1.pk, changes={"status": ["verified", "rated"]})
    audit_record(actor=grid, action="resident.reveal_contact", target_type="org.resident", target_label="张三",
                 community_id=world.c1.pk)
    old = audit_record(actor=grid, action="building.update", target_type="org.building", target_label="3栋",
                       community_id=world.c1.pk, changes={"name": ["3幢", "3栋"]})
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    return staff


def test_actions_and_changes_in_words(world):
    _seed(world)
    c = client_for(world.users["community_secretary"])
    html = c.get("/org/audit/").content.decode()
    assert "评价" in html and "查看完整联系方式" in html
    assert "状态：</span>已核查待评价 → 已评价" in html
    assert "case.rated" not in re.sub(r'data-action="[^"]+"', "", html)  # the code is no longer shown
    html = c.get("/org/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Rated" in html and "Status" in html


def test_filter_by_words_person_and_date(world):
    _seed(world)
    c = client_for(world.users["community_secretary"])
    assert _events(c.get("/org/audit/", {"action": "评价"}).content.decode()) == ["case.rated"]
    assert _events(c.get("/org/audit/", {"action": "resident."}).content.decode()) == ["resident.reveal_contact"]
    grid_name = world.users["grid_worker"].name
    assert set(_events(c.get("/org/audit/", {"person": grid_name}).content.decode())) == {
        "resident.reveal_contact", "building.update"}
    today = timezone.localdate().isoformat()
    recent = _events(c.get("/org/audit/", {"person": grid_name, "from": today}).content.decode())
    assert recent == ["resident.reveal_contact"]
    week_ago = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    assert _events(c.get("/org/audit/", {"person": grid_name, "to": week_ago}).content.decode()) == ["building.update"]


def test_a_bad_date_is_a_clear_error(world):
    _seed(world)
    response = client_for(world.users["community_secretary"]).get("/org/audit/", {"from": "2025-13-45"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-code="invalid_date"' in html and "2025-13-45" in html and "2025-01-31" in html


def test_a_roster_export_is_logged_with_how_many_residents_it_holds(world):
    staff = world.users["community_staff"]
    c = client_for(staff)
    response = c.post("/org/roster/export/", {"community": world.c1.pk})
    assert response.status_code == 200
    held = Resident.objects.filter(community=world.c1).count()
    assert held > 0
    event = AuditEvent.objects.filter(action="roster.export").latest("pk")
    assert event.details["residents"] == held
    html = client_for(world.users["community_secretary"]).get("/org/audit/", {"action": "导出花名册"}).content.decode()
    assert _events(html) == ["roster.export"]
    assert re.search(rf"涉及居民：</span>\s*{held} 人", html), html[html.find("audit-list"):][:800]

