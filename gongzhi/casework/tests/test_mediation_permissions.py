"""Every mediation page and endpoint across every role of the test world.

The dispute is a neighbour_dispute request in 第一网格 (g1) of 和谐社区: its community
secretary and staff and g1's grid head and worker mediate; sub-district staff read
(403 on writes); everyone else gets 404 and changes nothing.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.utils import timezone

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.mediation import actions as ma
from gongzhi.casework.actions.intake import case_submit
from gongzhi.casework.models import (
    Case,
    CaseEvent,
    Mediation,
    MediationParty,
    MediationSession,
)
from gongzhi.core.models import AuditEvent
from gongzhi.core.notifications.models import Notification
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing import kit

pytestmark = pytest.mark.django_db

ROLES = list(ROLE_KEYS)
MEDIATORS = {"community_secretary", "community_staff", "grid_head", "grid_worker"}
READERS = MEDIATORS | {"subdistrict_staff"}


snapshot = kit.snapshot_of(Mediation, MediationParty, MediationSession, counts=(CaseEvent, Notification, AuditEvent))


@pytest.fixture
def dispute(case_world):
    w = case_world
    case = case_submit(actor=w.users["resident"], household_id=w.h("b1 1-101").pk, category_code="neighbour_dispute",
                       description="楼上养的狗天天半夜叫，沟通没用，请社区调解")
    lifecycle.case_accept(actor=w.users["grid_worker"], case_id=case.pk)
    return case


def fresh_case(template: Case) -> Case:
    """Test setup: a copy of the dispute (another open request at the same place)."""
    copy = Case.objects.get(pk=template.pk)
    copy.pk = None
    copy.token = uuid.uuid4()
    copy.save()
    return copy


def fresh_mediation(w, template: Case) -> Mediation:
    case = fresh_case(template)
    worker = w.users["grid_worker"]
    m = ma.mediation_open(actor=worker, case_id=case.pk)
    ma.mediation_add_party(actor=worker, mediation_id=m.pk, side="applicant", name="张先生", phone="13800001111")
    ma.mediation_add_party(actor=worker, mediation_id=m.pk, side="respondent", name="刘先生")
    ma.mediation_add_session(actor=worker, mediation_id=m.pk, held_at=timezone.now(), notes="第一次调解")
    return m


def mediators_or_403(role: str, ok: int = 302) -> int:
    return ok if role in MEDIATORS else 403 if role == "subdistrict_staff" else 404


def test_pages_read(case_world, dispute):
    w = case_world
    m = fresh_mediation(w, dispute)
    # The list: whoever mediates or reads somewhere (c2's staff see their own, empty list).
    kit.check_reads(w, "/mediation/", READERS | {"outsider"})
    kit.check_reads(w, "/mediation/?status=all", READERS | {"outsider"})
    kit.check_reads(w, f"/mediation/{m.pk}/", READERS)
    kit.check_reads(w, "/mediation/open/", MEDIATORS | {"outsider"})
    kit.check_reads(w, f"/mediation/open/?case={dispute.pk}", MEDIATORS)
    party = m.parties.get(side="applicant")
    url = f"/mediation/parties/{party.pk}/phone/"
    for role in ROLES:
        response = kit.client_for(w.users[role]).get(url)
        want = 200 if role in MEDIATORS else 403 if role == "subdistrict_staff" else 404
        assert response.status_code == want, role
        if want == 200:
            assert "13800001111" in response.content.decode()
    # Lists show the number masked.
    page = kit.client_for(w.users["community_staff"]).get(f"/mediation/{m.pk}/").content.decode()
    assert "13800001111" not in page and "138****1111" in page


def test_pages_write(case_world, dispute):
    w = case_world
    kit.check_writes(
        w, lambda _: fresh_case(dispute),
        lambda c, case: c.post("/mediation/open/", {"case": case.pk, "mediator": ""}),
        lambda r: 302 if r in MEDIATORS else 404, snapshot=snapshot,
    )
    kit.check_writes(
        w, lambda _: fresh_mediation(w, dispute),
        lambda c, m: c.post(f"/mediation/{m.pk}/parties/", {"side": "other", "name": "物业经理"}),
        mediators_or_403, snapshot=snapshot,
    )
    kit.check_writes(
        w, lambda _: fresh_mediation(w, dispute),
        lambda c, m: c.post(f"/mediation/{m.pk}/sessions/", {"held_at": "2026-01-02T09:00", "notes": "再次调解"}),
        mediators_or_403, snapshot=snapshot,
    )
    kit.check_writes(
        w, lambda _: fresh_mediation(w, dispute),
        lambda c, m: c.post(f"/mediation/parties/{m.parties.get(side='respondent').pk}/remove/"),
        mediators_or_403, snapshot=snapshot,
    )
    kit.check_writes(
        w, lambda _: fresh_mediation(w, dispute),
        lambda c, m: c.post(f"/mediation/{m.pk}/close/", {"outcome": "agreed", "terms": "晚十点后狗关阳台以内"}),
        mediators_or_403, snapshot=snapshot,
    )


def test_close_page_offers_to_resolve(case_world, dispute):
    w = case_world
    m = fresh_mediation(w, dispute)
    client = kit.client_for(w.users["grid_worker"])
    assert 'name="resolve_case"' in client.get(f"/mediation/{m.pk}/").content.decode()
    response = client.post(f"/mediation/{m.pk}/close/", {"outcome": "agreed", "terms": "互相谅解", "resolve_case": "on"})
    assert response.status_code == 302
    assert Case.objects.get(pk=m.case_id).status == Case.Status.RESOLVED
    # The box stays checked when choosing another outcome: it only applies to an agreement.
    m2 = fresh_mediation(w, dispute)
    response = client.post(f"/mediation/{m2.pk}/close/", {"outcome": "not_agreed", "note": "分歧大",
                                                          "resolve_case": "on"})
    assert response.status_code == 302 and Case.objects.get(pk=m2.case_id).status == Case.Status.ACCEPTED
    # Bad input re-renders the page with the message and changes nothing.
    m3 = fresh_mediation(w, dispute)
    before = snapshot()
    response = client.post(f"/mediation/{m3.pk}/close/", {"outcome": "agreed", "terms": ""})
    assert response.status_code == 400 and "请填写协议内容" in response.content.decode()
    assert snapshot() == before


def test_api(case_world, dispute):
    w = case_world
    m = fresh_mediation(w, dispute)
    kit.check_reads(w, f"/api/field/mediations/{m.pk}", READERS)
    kit.check_reads(w, f"/api/field/mediations/resolved?community={w.c1.pk}",
                {"community_secretary", "community_staff", "subdistrict_staff"})
    for role in ROLES:
        items = kit.client_for(w.users[role]).get("/api/field/mediations?status=all").json()["items"]
        assert [i["id"] for i in items] == ([m.pk] if role in READERS else []), role
    body = kit.client_for(w.users["community_staff"]).get(f"/api/field/mediations/{m.pk}").json()
    assert body["parties"][0]["phone"] == "138****1111" and body["can_edit"] is True
    assert kit.client_for(w.users["subdistrict_staff"]).get(f"/api/field/mediations/{m.pk}").json()["can_edit"] is False

    def post(c, url, body):
        return c.post(url, data=json.dumps(body), content_type="application/json")

    kit.check_writes(
        w, lambda _: fresh_case(dispute), lambda c, case: post(c, "/api/field/mediations", {"case_id": case.pk}),
        lambda r: 201 if r in MEDIATORS else 403 if r in {
            "subdistrict_staff", "building_head", "unit_head", "social_worker", "npc_deputy", "property_staff",
            "resident"} else 404, snapshot=snapshot,
    )
    kit.check_writes(
        w, lambda _: fresh_mediation(w, dispute),
        lambda c, m: post(c, f"/api/field/mediations/{m.pk}/close", {"outcome": "withdrawn", "note": "已和解"}),
        lambda r: mediators_or_403(r, ok=200), snapshot=snapshot,
    )
    bad = post(kit.client_for(w.users["grid_worker"]), f"/api/field/mediations/{m.pk}/sessions",
               {"held_at": "2099-01-01T10:00:00+08:00", "notes": "未来"})
    assert bad.status_code == 400 and bad.json()["code"] == "session_in_future"
    resolved = kit.client_for(w.users["community_staff"]).get(f"/api/field/mediations/resolved?community={w.c1.pk}").json()
    assert resolved == {"community_id": w.c1.pk, "year": timezone.localdate().year, "disputes_resolved": 0}


def test_api_remaining_endpoints(case_world, dispute):
    """Parties, their phone, sessions: every role."""
    w = case_world

    def post(c, url, body=None):
        return c.post(url, data=json.dumps(body or {}), content_type="application/json")

    kit.check_writes(
        w, lambda _: fresh_mediation(w, dispute),
        lambda c, m: post(c, f"/api/field/mediations/{m.pk}/parties", {"side": "other", "name": "物业经理"}),
        lambda r: mediators_or_403(r, ok=201), snapshot=snapshot,
    )
    kit.check_writes(
        w, lambda _: fresh_mediation(w, dispute),
        lambda c, m: post(c, f"/api/field/mediations/parties/{m.parties.get(side='respondent').pk}/remove"),
        lambda r: mediators_or_403(r, ok=200), snapshot=snapshot,
    )
    kit.check_writes(
        w, lambda _: fresh_mediation(w, dispute),
        lambda c, m: post(c, f"/api/field/mediations/{m.pk}/sessions",
                          {"held_at": "2026-01-03T10:00:00+08:00", "notes": "电话沟通", "place": "电话"}),
        lambda r: mediators_or_403(r, ok=201), snapshot=snapshot,
    )
    m = fresh_mediation(w, dispute)
    party = m.parties.get(side="applicant")
    for role in ROLES:
        response = kit.client_for(w.users[role]).get(f"/api/field/mediations/parties/{party.pk}/phone")
        assert response.status_code == mediators_or_403(role, ok=200), role
        if response.status_code == 200:
            assert response.json() == {"phone": "13800001111"}
