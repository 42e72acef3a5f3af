"""四率 on a hand-computed month (docs/rates.md), every breakdown, and who may see which report.

The month is March 2026 in 和谐社区 (c1); the report is made at T = 2026-04-10 12:00
(Asia/Shanghai). Every request is created and moved through the real actions with the
clock frozen at the moment written next to it, so timestamps are exact.

Deadlines used (default categories, normal urgency):
    property_repair  (building tier) respond 24 h, resolve  72 h
    public_facility  (grid tier)     respond 24 h, resolve 120 h
    policy_consultation (community)  respond 48 h, resolve 120 h
    safety_hazard    (grid tier)     respond  2 h, resolve  24 h
    suggestion       (community)     respond 72 h, resolve 336 h

    A property_repair b1 1-101 created 03-01 00:00 (period start: included)
      accepted 01:00 (1 h, on time) · resolved 03-02 00:00 (24 h ≤ 72, on time) at building · rated 5
    B property_repair b1 1-101 created 03-03 09:00
      accepted 03-05 09:00 (48 h > 24, late) · resolved 03-07 09:00 (96 h > 72, late) at building · rated 4
    C public_facility b1 1-101 created 03-04 08:00 (grid g1)
      accepted 10:00 (2 h) · resolved 03-06 08:00 (48 h ≤ 120) at grid · rated 3
    D policy_consultation, community only (no grid/building) created 03-05 09:00
      accepted 12:00 (3 h ≤ 48) · resolved 03-06 09:00 (24 h ≤ 120) at community · rated 1
    E property_repair b1 1-101 created 03-06 09:00
      whistled to 区房管所 11:00 (2 h, the response) · acknowledged 12:00 · resolved 03-08 09:00
      (48 h ≤ 72) at department · not rated
    F suggestion, community only, created 03-07 09:00 · rejected 10:00 (1 h: responded)
    G property_repair b1 1-101 created 03-08 09:00 · merged into H at 10:00  → left out everywhere
    H property_repair b1 1-101 created 03-08 08:00 · accepted 09:00 (1 h) · still in progress at T,
      due 03-11 08:00 < T → open past deadline
    I public_facility b2 (grid g2), walk-in, created 03-10 09:00 · accepted 10:00 (1 h) ·
      resolved 03-11 09:00 · reopened 03-12 09:00 · resolved again 03-20 09:00 (240 h > 120, late)
      at grid · rated 5
    J property_repair b1 1-101 created 03-12 09:00 · accepted 10:00 (1 h) · resolved 03-13 09:00 ·
      reopened 03-14 09:00 → in progress at T, due 03-15 09:00 < T → open past deadline, not resolved
    K safety_hazard b3 (grid g1), walk-in, created 03-20 09:00 · never answered · due 03-21 09:00 < T
    P public_facility b3 (grid g1), walk-in, created 03-25 09:00 · nobody answers by 03-26 09:00 ·
      the deadline sweep at 03-26 10:00 escalates it to the community (fresh response window) ·
      accepted 03-26 12:00 (27 h: responded, but NOT on time: it missed its first deadline) ·
      resolved 03-27 09:00 (48 h ≤ 120, on time) at community
    L suggestion, community only, created 03-31 09:00 · never answered · due 04-14 09:00 > T (not yet due)
    The same sweep (03-26 10:00) also closes A B C D I (rated ≥ 3 days before) and E (resolved, unrated
    for 7 days), flags H J K overdue and escalates K and X: none of that changes a figure — a closed
    request is still resolved and keeps its rating.
    outside the report: M created 02-27 (before), O created 04-01 00:00 (end excluded),
    X in 幸福社区 (c2) created 03-15 09:00 (other community; open, due 03-20 09:00 < T)
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from gongzhi.casework.rates import permissions as rate_permissions
from gongzhi.casework.rates import selectors as rates
from gongzhi.casework.actions import lifecycle
from gongzhi.casework.actions.intake import case_submit
from gongzhi.casework.actions.supervision import sweep_deadlines
from gongzhi.casework.models import Case
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing import kit

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 4, 10, 12, 0, tzinfo=TZ)
MARCH = rates.month_period(2026, 3)


def t(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=TZ)


@contextmanager
def at(moment: datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _submit(w, when, *, category, actor="resident", **place):
    with at(when):
        if actor == "resident" and not place:
            place = {"household_id": w.h("b1 1-101").pk}
        if actor == "resident":
            return case_submit(actor=w.users["resident"], description=f"{category} 测试诉求", channel="resident",
                               category_code=category, **place)
        return case_submit(actor=w.users[actor], description=f"{category} 测试诉求", channel="walk_in",
                           category_code=category, **place)


def _do(when, fn, **kwargs):
    with at(when):
        return fn(**kwargs)


@pytest.fixture
def march(case_world):
    """The requests of the module docstring; returns (world, {letter: case id})."""
    w = case_world
    u = w.users
    owner = w.residents["b1 1-101 owner"].pk
    ids = {}
    ids["M"] = _submit(w, t(2, 27, 9), category="property_repair").pk

    a = _submit(w, t(3, 1, 0), category="property_repair")
    _do(t(3, 1, 1), lifecycle.case_accept, actor=u["building_head"], case_id=a.pk)
    _do(t(3, 2, 0), lifecycle.case_resolve, actor=u["building_head"], case_id=a.pk, result="已修好")
    _do(t(3, 2, 8), lifecycle.case_rate, actor=u["resident"], case_id=a.pk, rating=5)
    ids["A"] = a.pk

    b = _submit(w, t(3, 3, 9), category="property_repair")
    _do(t(3, 5, 9), lifecycle.case_accept, actor=u["building_head"], case_id=b.pk)
    _do(t(3, 7, 9), lifecycle.case_resolve, actor=u["building_head"], case_id=b.pk, result="已修好")
    _do(t(3, 7, 12), lifecycle.case_rate, actor=u["resident"], case_id=b.pk, rating=4)
    ids["B"] = b.pk

    c = _submit(w, t(3, 4, 8), category="public_facility")
    _do(t(3, 4, 10), lifecycle.case_accept, actor=u["grid_worker"], case_id=c.pk)
    _do(t(3, 6, 8), lifecycle.case_resolve, actor=u["grid_worker"], case_id=c.pk, result="路灯已换")
    _do(t(3, 6, 9), lifecycle.case_rate, actor=u["resident"], case_id=c.pk, rating=3)
    ids["C"] = c.pk

    d = _submit(w, t(3, 5, 9), category="policy_consultation", community_id=w.c1.pk)
    _do(t(3, 5, 12), lifecycle.case_accept, actor=u["community_staff"], case_id=d.pk)
    _do(t(3, 6, 9), lifecycle.case_resolve, actor=u["community_staff"], case_id=d.pk, result="已解答")
    _do(t(3, 6, 10), lifecycle.case_rate, actor=u["resident"], case_id=d.pk, rating=1)
    ids["D"] = d.pk

    e = _submit(w, t(3, 6, 9), category="property_repair")
    whistle = _do(t(3, 6, 11), lifecycle.case_whistle, actor=u["community_staff"], case_id=e.pk,
                  department_id=w.departments["housing"].pk, reason="楼上空置房漏水，需房管所协调")
    _do(t(3, 6, 12), lifecycle.whistle_acknowledge, actor=u["department"], whistle_id=whistle.pk, note="收到")
    _do(t(3, 8, 9), lifecycle.case_resolve, actor=u["department"], case_id=e.pk, result="已联系产权单位维修")
    ids["E"] = e.pk

    f = _submit(w, t(3, 7, 9), category="suggestion", community_id=w.c1.pk)
    _do(t(3, 7, 10), lifecycle.case_reject, actor=u["community_staff"], case_id=f.pk, reason="不属于社区事务")
    ids["F"] = f.pk

    h = _submit(w, t(3, 8, 8), category="property_repair")
    _do(t(3, 8, 9), lifecycle.case_accept, actor=u["building_head"], case_id=h.pk)
    g = _submit(w, t(3, 8, 9), category="property_repair")
    _do(t(3, 8, 10), lifecycle.case_merge, actor=u["community_staff"], case_id=g.pk, into_case_id=h.pk)
    ids["G"], ids["H"] = g.pk, h.pk

    i = _submit(w, t(3, 10, 9), category="public_facility", actor="community_staff", building_id=w.b2.pk,
                reporter_resident_id=owner)
    _do(t(3, 10, 10), lifecycle.case_accept, actor=u["community_staff"], case_id=i.pk)
    _do(t(3, 11, 9), lifecycle.case_resolve, actor=u["community_staff"], case_id=i.pk, result="已修")
    _do(t(3, 12, 9), lifecycle.case_reopen, actor=u["resident"], case_id=i.pk, reason="还是坏的")
    _do(t(3, 20, 9), lifecycle.case_resolve, actor=u["community_staff"], case_id=i.pk, result="换了新的")
    _do(t(3, 20, 10), lifecycle.case_rate, actor=u["resident"], case_id=i.pk, rating=5)
    ids["I"] = i.pk

    j = _submit(w, t(3, 12, 9), category="property_repair")
    _do(t(3, 12, 10), lifecycle.case_accept, actor=u["building_head"], case_id=j.pk)
    _do(t(3, 13, 9), lifecycle.case_resolve, actor=u["building_head"], case_id=j.pk, result="已修")
    _do(t(3, 14, 9), lifecycle.case_reopen, actor=u["resident"], case_id=j.pk, reason="又漏了")
    ids["J"] = j.pk

    ids["K"] = _submit(w, t(3, 20, 9), category="safety_hazard", actor="community_staff", building_id=w.b3.pk).pk
    ids["X"] = _submit(w, t(3, 15, 9), category="public_facility", actor="outsider", building_id=w.b4.pk).pk

    p = _submit(w, t(3, 25, 9), category="public_facility", actor="community_staff", building_id=w.b3.pk)
    with at(t(3, 26, 10)):
        sweep_deadlines()
    _do(t(3, 26, 12), lifecycle.case_accept, actor=u["community_staff"], case_id=p.pk)
    _do(t(3, 27, 9), lifecycle.case_resolve, actor=u["community_staff"], case_id=p.pk, result="已修复")
    ids["P"] = p.pk

    ids["L"] = _submit(w, t(3, 31, 9), category="suggestion", community_id=w.c1.pk).pk
    ids["O"] = _submit(w, t(4, 1, 0), category="property_repair").pk
    return w, ids


def _report(w, kind="community", pk=None, breakdown=None, user="community_staff"):
    scope = rate_permissions.rate_scope(w.users[user], kind=kind, pk=pk or w.c1.pk)
    return rates.rates_report(scope, MARCH, breakdown=breakdown, as_of=T)


def test_the_cases_are_what_the_docstring_says(march):
    _w, ids = march
    status = dict(Case.objects.values_list("pk", "status"))
    assert [status[ids[k]] for k in "ABCDEFGHIJKLP"] == [
        "closed", "closed", "closed", "closed", "closed", "rejected", "merged", "accepted", "closed",
        "in_progress", "submitted", "submitted", "resolved"]
    tiers = dict(Case.objects.values_list("pk", "resolved_tier"))
    assert [tiers[ids[k]] for k in "ABCDEIP"] == [
        "building", "building", "grid", "community", "department", "grid", "community"]
    p = Case.objects.get(pk=ids["P"])
    assert p.responded_at <= p.response_due_at  # answered inside the community's fresh window…
    assert p.events.filter(kind="escalated", actor__isnull=True).exists()  # …after the sweep escalated it
    assert tiers[ids["J"]] == ""  # reopened: its resolution was cleared


def test_community_month_totals(march, django_assert_max_num_queries):
    w, _ids = march
    scope = rate_permissions.rate_scope(w.users["community_staff"], kind="community", pk=w.c1.pk)
    with django_assert_max_num_queries(2):  # cases grouped by category + the category names
        report = rates.rates_report(scope, MARCH, as_of=T)
    f = report.total
    # A…L and P = 13 requests; G is a merged duplicate → N = 12.
    assert (f.received, f.merged) == (12, 1)
    # Responded: A B C D E F H I J P = 10 (K and L never answered). 响应率 = 10/12.
    assert f.responded == 10 and f.response_rate == rates.Rate(10, 12)
    # On time: all but B (48 h > 24 h) and P (escalated by the sweep first) = 8. 及时响应率 = 8/12.
    assert f.response_on_time_rate == rates.Rate(8, 12)
    # Rejected: F. Resolution denominator = 12 − 1 = 11; resolved A B C D E I P = 7 (J reopened, open).
    assert f.rejected == 1 and f.resolution_rate == rates.Rate(7, 11)
    # On time: A C D E P = 5 (B 96 h > 72, I resolved again at 240 h > 120).
    # Due: resolved 7 + open past deadline H J K = 3 → 10 (L not yet due, F rejected). 按期办结率 = 5/10.
    assert (f.open, f.open_overdue) == (4, 3)
    assert f.on_time_rate == rates.Rate(5, 10)
    # Rated A5 B4 C3 D1 I5 = 5; satisfied (4 or 5) A B I = 3. 满意率 = 3/5.
    assert f.satisfaction_rate == rates.Rate(3, 5)
    # Tiers of the 7 resolved: building A B, grid C I, community D P, department E.
    assert [(tier, share) for tier, _label, share in f.tier_shares] == [
        ("building", rates.Rate(2, 7)), ("grid", rates.Rate(2, 7)), ("community", rates.Rate(2, 7)),
        ("department", rates.Rate(1, 7))]
    # Respond hours A1 B48 C2 D3 E2 F1 H1 I1 J1 P27 = 87 over 10;
    # resolve hours A24 B96 C48 D24 E48 I240 P48 = 528 over 7.
    assert f.avg_respond_hours == pytest.approx(8.7)
    assert f.avg_resolve_hours == pytest.approx(528 / 7)
    assert f.response_rate.percent == "83.3%" and f.on_time_rate.percent == "50.0%"
    # By category (N only): property_repair A B E H J = 5, public_facility C I P = 3, policy D = 1,
    # safety K = 1, suggestion F L = 2; other categories 0.
    counts = {r.key: r.figures.received for r in report.by_category}
    assert {k: v for k, v in counts.items() if v} == {
        "property_repair": 5, "public_facility": 3, "policy_consultation": 1, "safety_hazard": 1, "suggestion": 2}
    assert len(counts) == 10 and sum(counts.values()) == 12


def test_breakdown_by_grid(march, django_assert_max_num_queries):
    w, _ids = march
    scope = rate_permissions.rate_scope(w.users["community_staff"], kind="community", pk=w.c1.pk)
    with django_assert_max_num_queries(3):  # one query grouped by category and grid + category and grid names
        report = rates.rates_report(scope, MARCH, breakdown="grid", as_of=T)
    rows = {r.label: r.figures for r in report.rows}
    assert list(rows) == ["第一网格", "第二网格", "未定位到网格"]
    g1, g2, none = rows["第一网格"], rows["第二网格"], rows["未定位到网格"]
    # g1: A B C E H J (b1) and K P (b3) = 8; G (merged) left out.
    assert (g1.received, g1.merged, g1.responded, g1.resolved, g1.rejected) == (8, 1, 7, 5, 0)
    # On time A C E P = 4 over resolved 5 + open past deadline H J K 3 = 8.
    assert g1.on_time_rate == rates.Rate(4, 8)
    assert g1.satisfaction_rate == rates.Rate(2, 3)  # A5 B4 C3
    # g2: I only: resolved late, rated 5.
    assert (g2.received, g2.resolved, g2.on_time_rate, g2.satisfaction_rate) == (
        1, 1, rates.Rate(0, 1), rates.Rate(1, 1))
    # No grid: D F L. F rejected → resolution 1/2; on time D 1/1 (L not yet due); D rated 1 → 0/1.
    assert (none.received, none.responded, none.rejected) == (3, 2, 1)
    assert none.resolution_rate == rates.Rate(1, 2) and none.on_time_rate == rates.Rate(1, 1)
    assert none.satisfaction_rate == rates.Rate(0, 1)
    assert sum(r.figures.received for r in report.rows) == report.total.received == 12


def test_breakdown_by_building(march):
    w, _ids = march
    report = _report(w, breakdown="building")
    rows = {r.label: r.figures for r in report.rows}
    assert set(rows) == {"阳光小区 1栋", "阳光小区 2栋", "翠竹苑 1栋", "未定位到楼栋"}
    b1, b2, b3 = rows["阳光小区 1栋"], rows["阳光小区 2栋"], rows["翠竹苑 1栋"]
    assert (b1.received, b1.resolved, b1.open_overdue, b1.tier_building, b1.tier_grid, b1.tier_department) == (
        6, 4, 2, 2, 1, 1)  # A B C E H J; C resolved at grid, E at department
    assert (b2.received, b2.resolved, b2.tier_grid) == (1, 1, 1)  # I
    # K (never answered, overdue) and P (answered late after the sweep's escalation, resolved at community)
    assert (b3.received, b3.responded, b3.open_overdue, b3.response_rate) == (2, 1, 1, rates.Rate(1, 2))
    assert (b3.response_on_time_rate, b3.tier_community) == (rates.Rate(0, 2), 1)
    assert rows["未定位到楼栋"].received == 3  # D F L
    assert sum(r.figures.received for r in report.rows) == 12


def test_breakdown_by_category(march):
    w, _ids = march
    report = _report(w, breakdown="category")
    rows = {r.key: r.figures for r in report.rows}
    pr = rows["property_repair"]
    # A B E H J: resolved A B E = 3; on time A E over 3 + open past deadline H J = 5.
    assert (pr.received, pr.resolved, pr.on_time_rate, pr.satisfaction_rate) == (
        5, 3, rates.Rate(2, 5), rates.Rate(2, 2))
    sug = rows["suggestion"]  # F rejected, L open not yet due
    assert (sug.received, sug.responded, sug.resolution_rate, sug.on_time_rate) == (
        2, 1, rates.Rate(0, 1), rates.Rate(0, 0))
    assert sug.on_time_rate.value is None and sug.on_time_rate.percent == "—"
    assert rows["other"].received == 0 and rows["other"].response_rate.value is None


def test_grid_and_building_scopes(march):
    w, _ids = march
    g1 = _report(w, kind="grid", pk=w.g1.pk, user="grid_worker").total
    assert (g1.received, g1.resolved, g1.open_overdue) == (8, 5, 3)
    b1 = _report(w, kind="building", pk=w.b1.pk, user="building_head", breakdown="grid")
    assert (b1.total.received, b1.total.resolution_rate) == (6, rates.Rate(4, 6))
    assert [r.label for r in b1.rows] == ["第一网格"]


def test_subdistrict_sums_its_communities(march):
    w, _ids = march
    report = _report(w, kind="subdistrict", pk=w.sub.pk, user="subdistrict_staff", breakdown="community")
    rows = {r.label: r.figures for r in report.rows}
    assert rows["和谐社区"].received == 12
    # X in c2: open, due 03-20 09:00 < T → counts against on time there.
    assert (rows["幸福社区"].received, rows["幸福社区"].open_overdue, rows["幸福社区"].on_time_rate) == (
        1, 1, rates.Rate(0, 1))
    assert report.total.received == 13 and report.total.on_time_rate == rates.Rate(5, 11)


def test_report_time_decides_what_is_overdue(march):
    """The same month with the report time at 03-14 12:00 (states as they are now)."""
    w, _ids = march
    scope = rate_permissions.rate_scope(w.users["community_staff"], kind="community", pk=w.c1.pk)
    early = rates.rates_report(scope, MARCH, as_of=t(3, 14, 12)).total
    # At 03-14 12:00: H (due 03-11 08:00) is past due; J (due 03-15 09:00) is not yet; K (due 03-21) not yet.
    assert early.open_overdue == 1 and early.on_time_rate == rates.Rate(5, 8)


def test_period_bounds_and_validation():
    assert rates.month_period(2026, 12) == rates.Period(date(2026, 12, 1), date(2027, 1, 1), "month")
    assert rates.quarter_period(2026, 1).end == date(2026, 4, 1)
    assert rates.quarter_period(2026, 4) == rates.Period(date(2026, 10, 1), date(2027, 1, 1), "quarter")
    assert rates.year_period(2025).label == "2025年"
    p = rates.period("2026-03-01", "2026-04-01")
    assert p.start_at == t(3, 1, 0) and p.end_at == t(4, 1, 0)
    for start, end, field in (("2026-03-01", "2026-03-01", "end"), ("2026-3-x", "2026-04-01", "start"),
                              ("2020-01-01", "2026-01-01", "end")):
        with pytest.raises(ApplicationError) as exc:
            rates.period(start, end)
        assert exc.value.code == "invalid_period" and exc.value.field == field


def test_unknown_breakdown_is_refused(march):
    w, _ids = march
    with pytest.raises(ApplicationError) as exc:
        _report(w, breakdown="household")
    assert exc.value.code == "invalid_breakdown"
    with pytest.raises(ApplicationError):
        _report(w, breakdown="community")  # only for a sub-district


# API -------------------------------------------------------------------------------------------
def _get(client, user, query):
    kit.log_in(client, user)
    with at(T):
        return client.get("/api/casework/rates", query)


def test_api_report_with_breakdown(client, march):
    w, _ids = march
    r = _get(client, w.users["community_secretary"],
             {"community": w.c1.pk, "start": "2026-03-01", "end": "2026-04-01", "breakdown": "grid"})
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["scope"] == {"kind": "community", "id": w.c1.pk, "name": "和谐社区"}
    total = data["total"]
    assert total["received"] == 12
    assert total["response_rate"] == {"value": round(10 / 12, 6), "numerator": 10, "denominator": 12}
    assert total["resolution_rate"]["numerator"] == 7 and total["resolution_rate"]["denominator"] == 11
    assert total["on_time_rate"]["value"] == 0.5
    assert total["satisfaction_rate"]["value"] == 0.6
    assert total["resolved_tier_share"]["department"]["numerator"] == 1
    assert total["avg_resolve_hours"] == 75.43
    assert [row["label"] for row in data["rows"]] == ["第一网格", "第二网格", "未定位到网格"]
    assert data["rows"][0]["received"] == 8


def test_api_defaults_to_this_month_and_the_users_scope(client, march):
    w, _ids = march
    r = _get(client, w.users["grid_worker"], {})
    assert r.status_code == 200
    data = r.json()
    assert data["scope"]["kind"] == "grid" and data["scope"]["id"] == w.g1.pk
    assert (data["start"], data["end"]) == ("2026-04-01", "2026-05-01")  # T is in April
    assert data["total"]["received"] == 1  # O: created 04-01 00:00 at b1 (grid g1), the start is included


def test_api_bad_input(client, march):
    w, _ids = march
    staff = w.users["community_staff"]
    r = _get(client, staff, {"community": w.c1.pk, "grid": w.g1.pk})
    assert r.status_code == 400 and r.json()["code"] == "invalid_scope"
    r = _get(client, staff, {"community": w.c1.pk, "start": "2026-04-01", "end": "2026-03-01"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_period" and r.json()["field"] == "end"
    r = _get(client, staff, {"community": w.c1.pk, "start": "2026-03-01"})
    assert r.status_code == 400 and r.json()["field"] == "end"
    r = _get(client, staff, {"community": w.c1.pk, "breakdown": "household"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_breakdown"


def test_api_needs_a_login(client):
    assert client.get("/api/casework/rates").status_code == 401
    assert client.get("/api/casework/ping").status_code == 401


def test_bearer_clients_post_without_a_csrf_cookie(case_world):
    """Over real HTTP a token client has no CSRF cookie; the session auth must not refuse it first.
    (Django's test client skips CSRF unless asked, which hid this until the intake benchmark.)"""
    import json

    from django.test import Client

    from gongzhi.accounts.actions import api_token_create

    w = case_world
    _token, key = api_token_create(user=w.users["resident"], name="app")
    strict = Client(enforce_csrf_checks=True)
    body = json.dumps({"description": "楼道灯坏了", "household_id": w.h("b1 1-101").pk})
    r = strict.post("/api/casework/cases", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 201, r.content
    # A browser session still needs its CSRF token.
    kit.log_in(strict, w.users["resident"])
    r = strict.post("/api/casework/cases", body, content_type="application/json")
    assert r.status_code == 403
    assert Case.objects.count() == 1


def test_ping(client, case_world):
    kit.log_in(client, case_world.users["resident"])
    assert client.get("/api/casework/ping").json() == {"ok": True}


# Access: every role × every kind of scope ----------------------------------------------------------
ALLOWED = {
    "subdistrict_staff": {"sub", "c1", "c2", "g1", "g2", "g3", "b1", "b2", "b3"},
    "community_secretary": {"c1", "g1", "g2", "b1", "b2", "b3"},
    "community_staff": {"c1", "g1", "g2", "b1", "b2", "b3"},
    "social_worker": {"c1", "g1", "g2", "b1", "b2", "b3"},
    "npc_deputy": {"c1", "g1", "g2", "b1", "b2", "b3"},
    "grid_head": {"g1", "b1", "b3"},
    "grid_worker": {"g1", "b1", "b3"},
    "building_head": {"b1"},
    "property_staff": {"b1", "b2"},  # compound A: its buildings, not the grids it straddles
    "outsider": {"c2", "g3"},
}
SCOPES = ["sub", "c1", "c2", "g1", "g2", "g3", "b1", "b2", "b3"]


def _scope_param(w, name):
    kind = {"s": "subdistrict", "c": "community", "g": "grid", "b": "building"}[name[0]]
    return kind, getattr(w, name).pk


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_access_for_every_role(client, case_world, role):
    w = case_world
    allowed = ALLOWED.get(role, set())
    for name in SCOPES:
        kind, pk = _scope_param(w, name)
        r = _get(client, w.users[role], {kind: pk, "start": "2026-03-01", "end": "2026-04-01"})
        if name in allowed:
            assert r.status_code == 200, (role, name, r.content)
            assert r.json()["scope"]["id"] == pk
        else:
            assert r.status_code == 404, (role, name)
            assert r.json()["code"] == "not_found"
        page = client.get("/casework/rates/", {"scope": f"{kind}:{pk}", "period": "month", "year": 2026,
                                               "month": 3})
        assert page.status_code == (200 if name in allowed else 404), (role, name)
    # The picker offers exactly the allowed scopes.
    offered = {s.key for s in rate_permissions.rate_scopes(w.users[role])}
    assert offered == {"{}:{}".format(*_scope_param(w, n)) for n in allowed} - _covered(w, role)
    if not allowed:
        assert client.get("/api/casework/rates").status_code == 404
        assert client.get("/casework/rates/").status_code == 404
    # The navigation offers the page exactly to those who may open it.
    assert ('href="/casework/rates/"' in client.get("/").content.decode()) == bool(allowed)


def _covered(w, role):
    """Buildings a user reaches through a grid or community are not listed again in the picker."""
    if role in ("property_staff", "building_head"):
        return set()
    return {f"building:{b.pk}" for b in (w.b1, w.b2, w.b3)}


def test_missing_place_is_404_like_a_refusal(client, case_world):
    w = case_world
    r = _get(client, w.users["subdistrict_staff"], {"community": 999999})
    assert r.status_code == 404
    r = _get(client, w.users["subdistrict_staff"], {"community": w.g1.pk})  # a grid is not a community
    assert r.status_code == 404
    with pytest.raises(NotFound):
        rate_permissions.rate_scope(w.users["subdistrict_staff"], kind="household", pk=w.h("b1 1-101").pk)


# Page and Excel ----------------------------------------------------------------------------------
def test_page_shows_the_rates_and_breakdown(client, march):
    w, _ids = march
    kit.log_in(client, w.users["community_secretary"])
    with at(T):
        r = client.get("/casework/rates/", {"scope": f"community:{w.c1.pk}", "period": "month", "year": 2026,
                                            "month": 3, "breakdown": "grid"})
    assert r.status_code == 200
    html = r.content.decode()
    for text in ("2026年3月", "83.3%", "60.0%", "50.0%", "第一网格", "第二网格", "未定位到网格", "Excel"):
        assert text in html, text


def test_page_periods(client, march):
    w, _ids = march
    kit.log_in(client, w.users["community_staff"])
    with at(T):
        quarter = client.get("/casework/rates/", {"period": "quarter", "year": 2026, "quarter": 1})
        year = client.get("/casework/rates/", {"period": "year", "year": 2026})
        custom = client.get("/casework/rates/", {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"})
        bad = client.get("/casework/rates/", {"period": "custom", "start": "2026-03-31", "end": "2026-03-01"})
    assert quarter.context["report"].total.received == 13  # March's 12 + M (02-27)
    assert year.context["report"].total.received == 14  # + O (04-01)
    assert custom.context["report"].total.received == 12  # the end date is included on the page
    assert bad.status_code == 200 and "结束日期必须晚于开始日期" in bad.content.decode()


def test_excel_export(client, march):
    from openpyxl import load_workbook

    w, _ids = march
    kit.log_in(client, w.users["community_staff"])
    with at(T):
        r = client.get("/casework/rates/export.xlsx", {"scope": f"community:{w.c1.pk}", "period": "month",
                                                       "year": 2026, "month": 3, "breakdown": "building"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(row for row in rows if row[0] == "楼栋")
    total = next(row for row in rows if row[0] == "合计")
    by = dict(zip(header, total))
    assert by["受理量"] == 12 and by["已解决"] == 7
    assert by["解决率"] == pytest.approx(7 / 11) and by["按期办结率"] == pytest.approx(0.5)
    assert {row[0] for row in rows[rows.index(header) + 1:]} >= {"阳光小区 1栋", "翠竹苑 1栋", "未定位到楼栋"}


def test_excel_export_refused_like_the_page(client, march):
    w, _ids = march
    kit.log_in(client, w.users["unit_head"])
    r = client.get("/casework/rates/export.xlsx", {"scope": f"community:{w.c1.pk}"})
    assert r.status_code == 404


def test_durations_are_computed_in_sql(march):
    """The averages are sums of (responded_at − created_at) done by the database, not per-row Python."""
    w, _ids = march
    scope = rate_permissions.rate_scope(w.users["community_staff"], kind="community", pk=w.c1.pk)
    row = rates.cases_in(scope, MARCH).aggregate(**rates._aggregates(T))
    figures = rates._figures(row)
    assert figures.respond_time == timedelta(hours=87) and figures.resolve_time == timedelta(hours=528)
