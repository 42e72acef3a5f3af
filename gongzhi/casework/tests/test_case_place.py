"""Requests for "elsewhere in the community" are no longer stranded (issue #8, point 1).

- a resident picks any building of their community on the request form (the building picker);
- staff set or correct the place of a request (``actions.place.case_relocate``, page and API): it
  goes to that place's tier and the people there are told through the inbox; every role is checked,
  refusals change nothing;
- 派单 lists the handlers of the request's place at every tier, and the person it is dispatched to
  may work on it.
"""

from __future__ import annotations

import functools
import json

import pytest

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.actions.intake import case_submit
from gongzhi.casework.actions.place import case_relocate
from gongzhi.casework.models import Case, CaseEvent
from gongzhi.casework.selectors import handler_candidates
from gongzhi.core.models import AuditEvent
from gongzhi.core.notifications.models import Notification
from gongzhi.testing import kit
from gongzhi.testing.kit import client_for

pytestmark = pytest.mark.django_db

snapshot = kit.snapshot_of(
    Case.objects.values_list("pk", "status", "tier", "building_id", "grid_id", "household_id", "address",
                             "handler_id"),
    counts=(CaseEvent, Notification, AuditEvent),
)
expect_error = functools.partial(kit.expect_error, snapshot=snapshot)

# Who may set the place of a community-tier request with no building in 和谐社区: its handlers
# (community secretary, staff, social worker). The reporter and the roles that only look on see it
# and are refused (403); everyone else does not see it (404).
PLACERS = {"community_secretary", "community_staff", "social_worker"}
LOOKERS_ON = {"subdistrict_staff", "npc_deputy", "resident"}


def stranded(w) -> Case:
    """What a resident of b1 files today about a street light by b3 ("和谐社区的其他地点")."""
    return case_submit(actor=w.users["resident"], community_id=w.c1.pk, category_code="public_facility",
                       address="翠竹苑1栋门口", description="翠竹苑1栋门口的路灯坏了，晚上很黑")


def test_a_stranded_request_reaches_nobody_at_its_place(case_world):
    w = case_world
    case = stranded(w)
    assert (case.tier, case.building_id, case.grid_id) == ("community", None, None)
    assert client_for(w.users["grid_worker"]).get(f"/cases/{case.pk}/").status_code == 404


def test_relocating_routes_it_to_the_place_and_tells_the_new_handlers(case_world):
    w = case_world
    case = stranded(w)
    staff, worker = w.users["community_staff"], w.users["grid_worker"]
    before = Notification.objects.filter(user=worker).count()
    case_relocate(actor=staff, case_id=case.pk, building_id=w.b3.pk, address="门口路灯")
    case.refresh_from_db()
    # public_facility starts at the grid: b3 is in grid 1.
    assert (case.tier, case.building_id, case.grid_id, case.compound_id, case.address) == (
        "grid", w.b3.pk, w.g1.pk, w.compound_b.pk, "门口路灯")
    assert case.status == "submitted"
    event = case.events.get(kind="relocated")
    assert event.public and "翠竹苑 1栋 门口路灯" in event.note and event.actor == staff
    assert event.data["from"]["tier"] == "community" and event.data["to"]["grid"] == w.g1.pk
    audit = AuditEvent.objects.get(action="case.relocated")
    assert audit.changes["tier"] == ["community", "grid"] and audit.changes["building"] == [None, w.b3.pk]
    assert Notification.objects.filter(user=worker).count() == before + 1
    assert Notification.objects.filter(user=w.users["grid_head"], url=f"/cases/{case.pk}/").exists()
    assert not Notification.objects.filter(user=staff, kind="case.relocated").exists()  # never the actor
    # The grid worker now finds it, and it counts as new at their tier.
    grid = client_for(worker)
    assert grid.get(f"/cases/{case.pk}/").status_code == 200
    assert f'id="case-{case.pk}"' in grid.get("/casework/?status=submitted&tier=mine").content.decode()
    lifecycle.case_accept(actor=worker, case_id=case.pk)


def test_a_handler_who_does_not_answer_for_the_new_place_gives_it_back(case_world):
    w = case_world
    case = case_submit(actor=w.users["community_staff"], building_id=w.b1.pk, channel="walk_in",
                       category_code="public_facility", reporter_name="孙女士", description="路灯坏了")
    lifecycle.case_accept(actor=w.users["grid_worker"], case_id=case.pk)  # grid 1
    case_relocate(actor=w.users["community_staff"], case_id=case.pk, building_id=w.b2.pk)  # grid 2
    case.refresh_from_db()
    assert (case.grid_id, case.tier, case.handler_id, case.status) == (w.g2.pk, "grid", None, "submitted")
    # A community handler keeps what they took on.
    own = stranded(w)
    lifecycle.case_accept(actor=w.users["community_staff"], case_id=own.pk)
    case_relocate(actor=w.users["community_secretary"], case_id=own.pk, building_id=w.b1.pk)
    own.refresh_from_db()
    assert own.handler_id == w.users["community_staff"].pk and own.status == "accepted"


def test_bad_places_are_refused_and_change_nothing(case_world):
    w = case_world
    case = stranded(w)
    staff = w.users["community_staff"]
    expect_error("building_required", lambda: case_relocate(actor=staff, case_id=case.pk, building_id=None),
                 status=400, field="building")
    expect_error("place_outside_community",
                 lambda: case_relocate(actor=staff, case_id=case.pk, building_id=w.b4.pk), field="building")
    expect_error("place_outside_community",
                 lambda: case_relocate(actor=staff, case_id=case.pk, building_id=999_999), field="building")
    expect_error("too_long", lambda: case_relocate(actor=staff, case_id=case.pk, building_id=w.b1.pk,
                                                   address="长" * 201), field="address")
    lifecycle.case_reject(actor=staff, case_id=case.pk, reason="重复")
    expect_error("transition_not_allowed",
                 lambda: case_relocate(actor=staff, case_id=case.pk, building_id=w.b1.pk), status=409)


def test_the_same_place_is_no_change(case_world):
    w = case_world
    case = stranded(w)
    case_relocate(actor=w.users["community_staff"], case_id=case.pk, building_id=w.b3.pk, address="门口")
    before = snapshot()
    case_relocate(actor=w.users["community_staff"], case_id=case.pk, building_id=w.b3.pk, address="门口")
    assert snapshot() == before


def _api(client, case):
    return client.post(f"/api/casework/cases/{case.pk}/place", data=json.dumps({"building_id": case.target}),
                       content_type="application/json")


def _page(client, case):
    return client.post(f"/cases/{case.pk}/place/", {"building": case.target, "address": "门口"})


@pytest.mark.parametrize("send", [_api, _page], ids=["api", "page"])
def test_every_role_through_page_and_api(case_world, send):
    w = case_world

    def setup(role):
        case = stranded(w)
        case.target = w.b3.pk
        return case

    def expected(role):
        if role in PLACERS:
            return 200 if send is _api else 302
        return 403 if role in LOOKERS_ON else 404

    kit.check_writes(w, setup, send, expected, snapshot=snapshot)


def test_page_shows_the_form_and_the_error_next_to_it(case_world):
    w = case_world
    case = stranded(w)
    staff = client_for(w.users["community_staff"])
    html = staff.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="step-place" open' in html and 'id="unplaced"' in html
    assert f'<option value="{w.b3.pk}">翠竹苑 1栋</option>' in html
    assert f'value="{w.b4.pk}"' not in html  # another community's building
    before = snapshot()
    response = staff.post(f"/cases/{case.pk}/place/", {"building": "", "address": ""})
    assert response.status_code == 400 and "请选择诉求所在的楼栋。" in response.content.decode()
    assert 'id="err-place"' in response.content.decode()
    assert snapshot() == before
    # Read-only roles get no form.
    assert 'id="step-place"' not in client_for(w.users["npc_deputy"]).get(f"/cases/{case.pk}/").content.decode()


def test_a_grid_worker_who_moves_a_request_out_of_their_grid_lands_on_the_queue(case_world):
    w = case_world
    case = case_submit(actor=w.users["community_staff"], building_id=w.b1.pk, channel="walk_in",
                       category_code="public_facility", reporter_name="孙女士", description="路灯坏了")
    response = client_for(w.users["grid_worker"]).post(f"/cases/{case.pk}/place/", {"building": w.b2.pk})
    assert response.status_code == 302 and response["Location"] == "/casework/"
    case.refresh_from_db()
    assert case.grid_id == w.g2.pk


# 派单 at every tier of the place ---------------------------------------------------------------------
def test_dispatch_lists_the_handlers_of_the_place_at_every_tier(case_world):
    w = case_world
    case = case_submit(actor=w.users["resident"], household_id=w.h("b1 1-101").pk,
                       category_code="elderly_disability", description="想给奶奶申请助餐")
    assert case.tier == "community"
    names = {u.pk for u in handler_candidates([case])}
    for role in ("building_head", "unit_head", "grid_worker", "grid_head", "community_staff", "social_worker"):
        assert w.users[role].pk in names, role
    assert w.users["red_steward"].pk not in names  # b1 1-101 is not one of their households
    html = client_for(w.users["community_secretary"]).get(f"/cases/{case.pk}/").content.decode()
    dispatch = html[html.index('id="dispatch-handler"'):html.index("</select>", html.index('id="dispatch-handler"'))]
    assert w.users["grid_worker"].name in dispatch and w.users["building_head"].name in dispatch
    # Dispatched to the grid worker, who may now work on it at its community tier.
    lifecycle.case_dispatch(actor=w.users["community_secretary"], case_id=case.pk,
                            handler_id=w.users["grid_worker"].pk)
    lifecycle.case_start(actor=w.users["grid_worker"], case_id=case.pk)
    lifecycle.case_resolve(actor=w.users["grid_worker"], case_id=case.pk, result="已对接助餐点")
    case.refresh_from_db()
    assert case.status == "resolved" and case.handler_id == w.users["grid_worker"].pk
    # Someone of another place is still refused.
    other = case_submit(actor=w.users["resident"], household_id=w.h("b1 1-101").pk,
                        category_code="elderly_disability", description="再问一下助餐")
    expect_error("invalid_handler", lambda: lifecycle.case_dispatch(
        actor=w.users["community_secretary"], case_id=other.pk, handler_id=w.users["outsider"].pk), field="handler")


def test_another_grid_worker_is_not_the_handler_of_a_dispatched_case(case_world):
    w = case_world
    case = case_submit(actor=w.users["resident"], household_id=w.h("b1 1-101").pk,
                       category_code="elderly_disability", description="想给奶奶申请助餐")
    lifecycle.case_dispatch(actor=w.users["community_secretary"], case_id=case.pk,
                            handler_id=w.users["building_head"].pk)
    # The grid head answers for the place too but was not named: a community-tier case is not theirs.
    expect_error("permission_denied", lambda: lifecycle.case_start(actor=w.users["grid_head"], case_id=case.pk),
                 status=403)


# The resident's form: any building of their community ------------------------------------------------
def test_a_resident_picks_a_building_of_their_community(case_world):
    w = case_world
    client = client_for(w.users["resident"])
    html = client.get("/cases/new/").content.decode()
    assert 'id="place-b"' in html and 'data-filter-select="place-building"' in html
    for b in (w.b1, w.b2, w.b3):
        assert f'<option value="{b.pk}">' in html
    assert f'<option value="{w.b4.pk}">' not in html  # 幸福社区 is not theirs
    response = client.post("/cases/new/", {"place": "b", "building": w.b3.pk, "address": "门口",
                                           "description": "翠竹苑1栋门口路灯坏了", "category": "public_facility",
                                           "key": "k-building"})
    assert response.status_code == 302
    case = Case.objects.get(idempotency_key="k-building")
    assert (case.building_id, case.grid_id, case.household_id, case.tier, case.address) == (
        w.b3.pk, w.g1.pk, None, "grid", "门口")
    assert client_for(w.users["grid_worker"]).get(f"/cases/{case.pk}/").status_code == 200


def test_a_building_outside_the_list_is_refused(case_world):
    w = case_world
    client = client_for(w.users["resident"])
    before = snapshot()
    for building in (w.b4.pk, "", "x"):
        response = client.post("/cases/new/", {"place": "b", "building": building, "description": "路灯坏了",
                                               "key": f"k-{building}"})
        assert response.status_code == 400
        assert "请选择诉求发生的住户、楼栋或社区。" in response.content.decode()
    assert snapshot() == before
