"""Who sees and who handles a request, for every role; refusals change nothing."""

import pytest

from gongzhi.casework.models import Case
from gongzhi.org.testing.world import ROLE_KEYS

from .helpers import as_user, post, snapshot, submit_as

pytestmark = pytest.mark.django_db

SEE_B1 = {
    "resident", "subdistrict_staff", "community_secretary", "community_staff", "social_worker", "npc_deputy",
    "grid_head", "grid_worker", "building_head", "unit_head", "property_staff",
}
HANDLE_B1_BUILDING_TIER = {
    "community_secretary", "community_staff", "social_worker", "grid_head", "grid_worker", "building_head",
    "unit_head",
}
SEE_B2 = {
    "subdistrict_staff", "community_secretary", "community_staff", "social_worker", "npc_deputy", "property_staff",
    "red_steward",
}
SEE_C2 = {"subdistrict_staff", "outsider"}


@pytest.fixture
def cases(client, case_world):
    w = case_world
    a = submit_as(client, w, "resident", household_id=w.h("b1 1-101").pk, description="卫生间漏水").json()["id"]
    b = submit_as(client, w, "community_staff", household_id=w.h("b2 1-101").pk, channel="phone",
                  reporter_name="钱先生", description="楼道灯坏了").json()["id"]
    c = submit_as(client, w, "outsider", community_id=w.c2.pk, channel="walk_in", reporter_name="孙女士",
                  description="幸福家园路灯坏了").json()["id"]
    client.logout()
    return {"a": a, "b": b, "c": c}


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_view_case_page_api_and_queue(client, case_world, cases, role):
    c = as_user(client, case_world, role)
    for key, allowed in (("a", SEE_B1), ("b", SEE_B2), ("c", SEE_C2)):
        response = c.get(f"/api/casework/cases/{cases[key]}")
        assert response.status_code == (200 if role in allowed else 404), key
    queue = {item["id"] for item in c.get("/api/casework/cases?page_size=100").json()["items"]}
    expected = {cases[k] for k, allowed in (("a", SEE_B1), ("b", SEE_B2), ("c", SEE_C2)) if role in allowed}
    if role == "resident":
        expected = set()  # residents have "my requests", not a queue
        mine = {i["id"] for i in c.get("/api/casework/cases/mine").json()["items"]}
        assert mine == {cases["a"]}
    assert queue == expected


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_accept_building_tier_case(client, case_world, cases, role):
    c = as_user(client, case_world, role)
    before = snapshot()
    response = post(c, f"/api/casework/cases/{cases['a']}/accept", {})
    if role in HANDLE_B1_BUILDING_TIER:
        assert response.status_code == 200
        assert Case.objects.get(pk=cases["a"]).handler == case_world.users[role]
    else:
        assert response.status_code == (403 if role in SEE_B1 else 404)
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_red_steward_handles_own_households(client, case_world, cases, role):
    w = case_world
    # A building-tier case in b2 1-101, a household the red steward looks after.
    cid = submit_as(client, w, "community_staff", household_id=w.h("b2 1-101").pk, channel="walk_in",
                    reporter_name="周老伯", description="家里下水道堵了", category="property_repair").json()["id"]
    assert Case.objects.get(pk=cid).tier == "building"  # the red steward answers at the building
    c = as_user(client, w, role)
    response = post(c, f"/api/casework/cases/{cid}/accept", {})
    allowed = {"red_steward", "community_secretary", "community_staff", "social_worker"}
    assert (response.status_code == 200) == (role in allowed)


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_whistle_only_by_community_staff(client, case_world, cases, role):
    c = as_user(client, case_world, role)
    before = snapshot()
    response = post(c, f"/api/casework/cases/{cases['a']}/whistle",
                    {"department_id": case_world.departments["housing"].pk, "reason": "协调"})
    if role in {"community_secretary", "community_staff"}:
        assert response.status_code == 200
    else:
        assert response.status_code == (403 if role in SEE_B1 else 404)
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_department_sees_only_whistled(client, case_world, cases, role):
    if role != "department":
        return
    c = as_user(client, case_world, role)
    assert c.get(f"/api/casework/cases/{cases['a']}").status_code == 404
    staff = as_user(client, case_world, "community_staff")
    post(staff, f"/api/casework/cases/{cases['a']}/whistle",
         {"department_id": case_world.departments["housing"].pk, "reason": "协调"})
    c = as_user(client, case_world, role)
    assert c.get(f"/api/casework/cases/{cases['a']}").status_code == 200
    assert c.get(f"/api/casework/cases/{cases['b']}").status_code == 404
    assert {i["id"] for i in c.get("/api/casework/cases").json()["items"]} == {cases["a"]}
