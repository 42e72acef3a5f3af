"""矛盾纠纷调解: opening on a request, parties, sessions, outcomes, the disputes-resolved count."""

from __future__ import annotations

import datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.mediation import actions as ma
from gongzhi.casework.mediation import selectors as fs
from gongzhi.casework.actions.intake import case_submit
from gongzhi.casework.models import (
    Case,
    CaseEvent,
    Mediation,
    MediationParty,
    MediationSession,
)
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.core.notifications.models import Notification
from gongzhi.testing import kit

pytestmark = pytest.mark.django_db
M = Mediation.Status
BEIJING = ZoneInfo("Asia/Shanghai")


def dispute(w, household="b1 1-101", user="resident", **kw) -> Case:
    kw.setdefault("description", "楼上天天晚上十一点还在装修，说了几次都不听，想请社区出面协调")
    return case_submit(actor=w.users[user], household_id=w.h(household).pk, category_code="neighbour_dispute", **kw)


snapshot = kit.snapshot_of(Mediation, MediationParty, MediationSession, Case.objects.values("pk", "status", "resolution"),
                           counts=(CaseEvent, Notification, AuditEvent))
expect_error = partial(kit.expect_error, snapshot=snapshot)


@pytest.fixture
def accepted(case_world):
    """A neighbour dispute in g1, accepted by the grid worker."""
    w = case_world
    case = dispute(w)
    assert case.tier == "grid"
    lifecycle.case_accept(actor=w.users["grid_worker"], case_id=case.pk)
    return case


def ready_to_close(w, mediation):
    worker = w.users["grid_worker"]
    ma.mediation_add_party(actor=worker, mediation_id=mediation.pk, side="applicant",
                           resident_id=w.residents["b1 1-101 owner"].pk)
    ma.mediation_add_party(actor=worker, mediation_id=mediation.pk, side="respondent", name="楼上住户刘先生",
                           phone="139 1234 5678")
    ma.mediation_add_session(actor=worker, mediation_id=mediation.pk, held_at=timezone.now() - datetime.timedelta(
        hours=2), place="社区调解室", attendees="双方当事人、网格员、楼栋长", notes="双方陈述；刘先生同意调整装修时间")


def test_mediation_from_open_to_agreement_resolves_the_case(case_world, accepted):
    w = case_world
    worker, resident = w.users["grid_worker"], w.users["resident"]
    mediation = ma.mediation_open(actor=worker, case_id=accepted.pk, note="双方情绪较激动")
    assert (mediation.mediator, mediation.opened_by, mediation.community_id, mediation.status) == (
        worker, worker, w.c1.pk, M.OPEN)
    opened = CaseEvent.objects.filter(case=accepted).order_by("pk").last()
    assert opened.kind == "progress" and "已启动矛盾纠纷调解" in opened.note and opened.public
    assert Notification.objects.filter(user=resident, dedupe_key=f"casework.event:{opened.pk}").exists()  # the reporter follows it

    ready_to_close(w, mediation)
    parties = list(mediation.parties.order_by("pk"))
    assert parties[0].name == w.residents["b1 1-101 owner"].name and parties[0].phone  # copied from the resident
    assert parties[1].phone == "13912345678"  # normalised
    assert mediation.sessions.get().recorded_by == worker

    ma.mediation_close(actor=worker, mediation_id=mediation.pk, outcome="agreed",
                       terms="刘先生装修限于每日 8:00–12:00、14:00–18:00，周末不施工", resolve_case=True)
    mediation.refresh_from_db()
    accepted.refresh_from_db()
    assert mediation.status == M.AGREED and mediation.closed_at is not None
    assert accepted.status == Case.Status.RESOLVED and "经调解达成协议" in accepted.resolution
    kinds = list(CaseEvent.objects.filter(case=accepted).order_by("pk").values_list("kind", "data"))
    assert [k for k, _ in kinds] == ["submitted", "accepted", "progress", "progress", "resolved"]
    assert kinds[3][1]["outcome"] == "agreed"
    assert list(AuditEvent.objects.filter(target_type="casework.mediation").order_by("pk")
                .values_list("action", flat=True)) == [
        "mediation.open", "mediation.add_party", "mediation.add_party", "mediation.add_session", "mediation.close"]
    assert fs.disputes_resolved(w.c1.pk, timezone.localdate().year) == 1


def test_close_without_resolving_and_other_outcomes(case_world, accepted):
    w = case_world
    staff = w.users["community_staff"]
    mediation = ma.mediation_open(actor=staff, case_id=accepted.pk, mediator_id=w.users["grid_head"].pk)
    assert mediation.mediator == w.users["grid_head"]
    assert Notification.objects.filter(user=w.users["grid_head"], url=f"/cases/{accepted.pk}/").exists()
    ready_to_close(w, mediation)
    ma.mediation_close(actor=staff, mediation_id=mediation.pk, outcome="not_agreed", note="双方分歧较大，建议诉讼")
    accepted.refresh_from_db()
    assert accepted.status == Case.Status.ACCEPTED  # the case goes on
    assert Mediation.objects.get(pk=mediation.pk).status == M.NOT_AGREED
    # Withdrawn needs only the reason.
    other = dispute(w, household="b3 1-101", user="grid_worker", channel="walk_in",
                    reporter_name="王阿姨")
    m2 = ma.mediation_open(actor=w.users["grid_worker"], case_id=other.pk)
    ma.mediation_close(actor=w.users["grid_worker"], mediation_id=m2.pk, outcome="withdrawn",
                       note="双方已自行和解")
    assert Mediation.objects.get(pk=m2.pk).status == M.WITHDRAWN
    assert fs.disputes_resolved(w.c1.pk, timezone.localdate().year) == 0


def test_open_errors(case_world, accepted):
    w = case_world
    worker = w.users["grid_worker"]
    for bad in (w.users["volunteer"].pk, w.users["outsider"].pk, w.users["resident"].pk, 999999):
        expect_error("invalid_mediator", lambda bad=bad: ma.mediation_open(
            actor=worker, case_id=accepted.pk, mediator_id=bad), field="mediator")
    expect_error("too_long", lambda: ma.mediation_open(actor=worker, case_id=accepted.pk, note="说" * 2001))
    # Those who see the case but do not mediate are refused; the others do not see it.
    for role in ("building_head", "unit_head", "subdistrict_staff", "social_worker", "npc_deputy", "property_staff"):
        expect_error("permission_denied", lambda role=role: ma.mediation_open(actor=w.users[role],
                                                                              case_id=accepted.pk), status=403)
    for role in ("volunteer", "outsider", "nobody", "department", "owners_committee", "red_steward",
                 "police_liaison"):
        expect_error("not_found", lambda role=role: ma.mediation_open(actor=w.users[role], case_id=accepted.pk),
                     status=404)
    # The reporter sees their case, but mediation is the community's work.
    expect_error("permission_denied", lambda: ma.mediation_open(actor=w.users["resident"], case_id=accepted.pk),
                 status=403)
    m = ma.mediation_open(actor=worker, case_id=accepted.pk)
    error = expect_error("mediation_exists", lambda: ma.mediation_open(actor=worker, case_id=accepted.pk),
                         status=409)
    assert error.details == {"mediation_id": m.pk}
    closed = dispute(w, household="b1 1-102", user="community_staff", channel="walk_in", reporter_name="业主")
    lifecycle.case_reject(actor=w.users["community_staff"], case_id=closed.pk, reason="不属于调解范围")
    expect_error("case_not_open", lambda: ma.mediation_open(actor=worker, case_id=closed.pk), status=409)


def test_grid_worker_mediates_only_their_grid(case_world):
    w = case_world
    in_g2 = dispute(w, household="b2 1-101", user="community_staff", channel="walk_in", reporter_name="李女士")
    # The g1 grid worker cannot see a g2 request; community staff mediate it.
    expect_error("not_found", lambda: ma.mediation_open(actor=w.users["grid_worker"], case_id=in_g2.pk), status=404)
    expect_error("invalid_mediator", lambda: ma.mediation_open(
        actor=w.users["community_staff"], case_id=in_g2.pk, mediator_id=w.users["grid_worker"].pk))
    assert ma.mediation_open(actor=w.users["community_staff"], case_id=in_g2.pk).pk


def test_party_and_session_errors(case_world, accepted):
    w = case_world
    worker = w.users["grid_worker"]
    m = ma.mediation_open(actor=worker, case_id=accepted.pk)

    def party(**kw):
        kw.setdefault("side", "respondent")
        kw.setdefault("name", "刘先生")
        return ma.mediation_add_party(actor=worker, mediation_id=m.pk, **kw)

    expect_error("invalid_side", lambda: party(side="judge"), field="side")
    expect_error("required", lambda: party(name=" "), field="name")
    expect_error("too_long", lambda: party(name="刘" * 51), field="name")
    expect_error("invalid_phone", lambda: party(phone="12345"), field="phone")
    expect_error("unknown_resident", lambda: party(resident_id=w.residents["b4 1-101 owner"].pk), field="resident")
    expect_error("unknown_resident", lambda: party(resident_id=999999), field="resident")
    expect_error("permission_denied", lambda: ma.mediation_add_party(
        actor=w.users["subdistrict_staff"], mediation_id=m.pk, side="other", name="某某"), status=403)
    expect_error("not_found", lambda: ma.mediation_add_party(
        actor=w.users["volunteer"], mediation_id=m.pk, side="other", name="某某"), status=404)

    def session(**kw):
        kw.setdefault("held_at", "2026-01-05T14:30")
        kw.setdefault("notes", "双方到场")
        return ma.mediation_add_session(actor=worker, mediation_id=m.pk, **kw)

    expect_error("session_in_future", lambda: session(held_at=timezone.now() + datetime.timedelta(days=1)),
                 field="held_at")
    expect_error("invalid_datetime", lambda: session(held_at="明天下午"), field="held_at")
    expect_error("required", lambda: session(held_at=""), field="held_at")
    expect_error("required", lambda: session(notes="  "), field="notes")
    expect_error("too_long", lambda: session(place="地" * 201), field="place")
    s = session(held_at="2026-01-05 14:30")
    assert s.held_at == datetime.datetime(2026, 1, 5, 14, 30, tzinfo=BEIJING)  # naive input is Beijing time


def test_close_errors(case_world, accepted):
    w = case_world
    worker = w.users["grid_worker"]
    m = ma.mediation_open(actor=worker, case_id=accepted.pk)

    def close(**kw):
        return ma.mediation_close(actor=worker, mediation_id=m.pk, **kw)

    expect_error("invalid_outcome", lambda: close(outcome="maybe"), field="outcome")
    expect_error("required", lambda: close(outcome="agreed", terms=""), field="terms")
    expect_error("parties_missing", lambda: close(outcome="agreed", terms="和解"), field="parties")
    expect_error("required", lambda: close(outcome="not_agreed"), field="note")
    expect_error("required", lambda: close(outcome="withdrawn", note=" "), field="note")
    ma.mediation_add_party(actor=worker, mediation_id=m.pk, side="applicant", name="张先生")
    expect_error("parties_missing", lambda: close(outcome="agreed", terms="和解"))
    ma.mediation_add_party(actor=worker, mediation_id=m.pk, side="respondent", name="刘先生")
    expect_error("no_session", lambda: close(outcome="agreed", terms="和解"), field="sessions")
    ma.mediation_add_session(actor=worker, mediation_id=m.pk, held_at=timezone.now(), notes="调解一次")
    expect_error("cannot_resolve_case", lambda: close(outcome="not_agreed", note="不同意", resolve_case=True),
                 field="resolve_case")
    expect_error("permission_denied", lambda: ma.mediation_close(actor=w.users["subdistrict_staff"],
                                                                 mediation_id=m.pk, outcome="withdrawn", note="撤"),
                 status=403)
    close(outcome="agreed", terms="和解")
    expect_error("mediation_closed", lambda: close(outcome="withdrawn", note="再次结案"), status=409)
    expect_error("mediation_closed", lambda: ma.mediation_add_party(
        actor=worker, mediation_id=m.pk, side="other", name="某某"), status=409)
    party = m.parties.first()
    expect_error("mediation_closed", lambda: ma.mediation_remove_party(actor=worker, party_id=party.pk), status=409)


def test_resolving_needs_a_case_the_actor_handles(case_world):
    w = case_world
    case = dispute(w)  # still 已提交: not resolvable yet
    worker = w.users["grid_worker"]
    m = ma.mediation_open(actor=worker, case_id=case.pk)
    ready_to_close(w, m)
    expect_error("cannot_resolve_case", lambda: ma.mediation_close(
        actor=worker, mediation_id=m.pk, outcome="agreed", terms="和解", resolve_case=True), field="resolve_case")
    ma.mediation_close(actor=worker, mediation_id=m.pk, outcome="agreed", terms="和解")
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED


def test_remove_party(case_world, accepted):
    w = case_world
    worker = w.users["grid_worker"]
    m = ma.mediation_open(actor=worker, case_id=accepted.pk)
    p = ma.mediation_add_party(actor=worker, mediation_id=m.pk, side="other", name="物业经理")
    expect_error("permission_denied", lambda: ma.mediation_remove_party(actor=w.users["subdistrict_staff"],
                                                                        party_id=p.pk), status=403)
    expect_error("not_found", lambda: ma.mediation_remove_party(actor=w.users["volunteer"], party_id=p.pk),
                 status=404)
    ma.mediation_remove_party(actor=worker, party_id=p.pk)
    assert not m.parties.exists()
    assert AuditEvent.objects.filter(action="mediation.remove_party").count() == 1


def test_phone_masked_and_reveal_audited(case_world, accepted):
    w = case_world
    worker = w.users["grid_worker"]
    m = ma.mediation_open(actor=worker, case_id=accepted.pk)
    p = ma.mediation_add_party(actor=worker, mediation_id=m.pk, side="respondent", name="刘先生", phone="13912345678")
    before = AuditEvent.objects.filter(action="mediation.reveal_phone").count()
    assert ma.mediation_party_phone_reveal(actor=worker, party_id=p.pk) == "13912345678"
    assert AuditEvent.objects.filter(action="mediation.reveal_phone").count() == before + 1
    with pytest.raises(ApplicationError) as info:
        ma.mediation_party_phone_reveal(actor=w.users["subdistrict_staff"], party_id=p.pk)
    assert info.value.status == 403
    with pytest.raises(ApplicationError) as info:
        ma.mediation_party_phone_reveal(actor=w.users["volunteer"], party_id=p.pk)
    assert info.value.status == 404


# Disputes resolved per community per year ---------------------------------------------------------
def test_disputes_resolved_hand_computed(case_world):
    """和谐社区 c1 and 幸福社区 c2, mediations closed around the new year (Beijing time).

        c1  agreed      2025-03-01 10:00   → 2025
        c1  agreed      2025-12-31 23:30   → 2025 (15:30 UTC)
        c1  agreed      2026-01-01 00:30   → 2026 (still 2025-12-31 16:30 UTC)
        c1  not agreed  2025-06-01         → not resolved
        c1  withdrawn   2025-07-01         → not resolved
        c1  open                           → not resolved
        c2  agreed      2025-05-05         → 2025
    Expected: c1 2025 = 2, c1 2026 = 1, c2 2025 = 1, c2 2026 = 0, c1 2024 = 0.
    """
    w = case_world
    mediator = w.users["community_staff"]
    rows = [
        (w.c1, M.AGREED, datetime.datetime(2025, 3, 1, 10, 0)),
        (w.c1, M.AGREED, datetime.datetime(2025, 12, 31, 23, 30)),
        (w.c1, M.AGREED, datetime.datetime(2026, 1, 1, 0, 30)),
        (w.c1, M.NOT_AGREED, datetime.datetime(2025, 6, 1, 9, 0)),
        (w.c1, M.WITHDRAWN, datetime.datetime(2025, 7, 1, 9, 0)),
        (w.c1, M.OPEN, None),
        (w.c2, M.AGREED, datetime.datetime(2025, 5, 5, 15, 0)),
    ]
    households = ["b1 1-101", "b1 1-102", "b1 1-201", "b1 1-202", "b2 1-101", "b2 1-102", "b4 1-101"]
    for (community, status, closed), key in zip(rows, households, strict=True):
        staff = "community_staff" if community == w.c1 else "outsider"
        case = case_submit(actor=w.users[staff], household_id=w.h(key).pk, channel="walk_in",
                           reporter_name="居民", category_code="neighbour_dispute", description="邻里噪音纠纷")
        Mediation.objects.create(case=case, community=community, mediator=mediator, status=status,
                                 closed_at=closed.replace(tzinfo=BEIJING) if closed else None)
    assert fs.disputes_resolved(w.c1.pk, 2025) == 2
    assert fs.disputes_resolved(w.c1.pk, 2026) == 1
    assert fs.disputes_resolved(w.c1.pk, 2024) == 0
    assert fs.disputes_resolved(w.c2.pk, 2025) == 1
    assert fs.disputes_resolved_by_community([w.c1.pk, w.c2.pk], 2025) == {w.c1.pk: 2, w.c2.pk: 1}
    assert fs.disputes_resolved_by_community([w.c1.pk, w.c2.pk], 2026) == {w.c1.pk: 1, w.c2.pk: 0}
    assert fs.mediation_stats(w.c1.pk, 2025) == {"agreed": 2, "not_agreed": 1, "withdrawn": 1, "open": 1}
