"""Managing the tree: grids, compounds, buildings, units, households — inputs and permissions."""

import json

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.org.models import Building, Compound, Household, Region, Unit
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing import kit

pytestmark = pytest.mark.django_db

MANAGERS_C1 = {"community_secretary", "community_staff"}


def api(client, world, role, method, url, body):
    kit.log_in(client, world.users[role])
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def counts():
    return (Region.objects.count(), Compound.objects.count(), Building.objects.count(), Unit.objects.count(),
            Household.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_create_building_permission(client, world, role):
    before = counts()
    response = api(client, world, role, "post", "/api/org/buildings", {
        "community_id": world.c1.pk, "grid_id": world.g2.pk, "compound_id": world.compound_b.pk,
        "name": "9栋", "floors": 18, "units": 3,
    })
    if role in MANAGERS_C1:
        assert response.status_code == 201, response.content
        building = Building.objects.get(pk=response.json()["id"])
        assert building.units.count() == 3
        assert AuditEvent.objects.filter(action="building.create", target_id=str(building.pk)).exists()
    else:
        assert response.status_code == 404
        assert counts() == before


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_create_grid_and_compound_permission(client, world, role):
    before = counts()
    grid = api(client, world, role, "post", "/api/org/grids", {"community_id": world.c1.pk, "name": "第三网格",
                                                                 "code": "T01-G3"})
    compound = api(client, world, role, "post", "/api/org/compounds", {"community_id": world.c1.pk,
                                                                         "name": "新建小区"})
    if role in MANAGERS_C1:
        assert grid.status_code == 201 and compound.status_code == 201
        new_grid = Region.objects.get(code="T01-G3")
        assert new_grid.parent_community == world.c1 and new_grid.kind == "grid"
    else:
        assert grid.status_code == 404 and compound.status_code == 404
        assert counts() == before


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_create_household_permission(client, world, role):
    unit = Unit.objects.get(building=world.b1, number="1")
    before = counts()
    response = api(client, world, role, "post", "/api/org/households",
                   {"unit_id": unit.pk, "room": "301", "floor": 3, "area": "88.5"})
    if role in MANAGERS_C1:
        assert response.status_code == 201
        h = Household.objects.get(unit=unit, room="301")
        assert (h.community_id, h.grid_id, h.compound_id, h.building_id) == (
            world.c1.pk, world.g1.pk, world.compound_a.pk, world.b1.pk)
    else:
        assert response.status_code == 404
        assert counts() == before


BAD_BUILDINGS = [
    ({"name": ""}, "required", "name"),
    ({"name": "1栋"}, "duplicate_name", "name"),  # compound A already has 1栋
    ({"grid_id": "other-community-grid"}, "wrong_community", "grid"),
    ({"compound_id": "other-community-compound"}, "wrong_community", "compound"),
    ({"units": 0}, "out_of_range", "units"),
    ({"floors": 500}, "out_of_range", "floors"),
]


@pytest.mark.parametrize("override,code,field", BAD_BUILDINGS)
def test_bad_building_input(client, world, override, code, field):
    body = {"community_id": world.c1.pk, "grid_id": world.g1.pk, "compound_id": world.compound_a.pk,
            "name": "9栋", "units": 1}
    body.update(override)
    if body["grid_id"] == "other-community-grid":
        body["grid_id"] = world.g3.pk
    if body["compound_id"] == "other-community-compound":
        body["compound_id"] = world.compound_c.pk
    before = counts()
    response = api(client, world, "community_staff", "post", "/api/org/buildings", body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert counts() == before


@pytest.mark.parametrize("room,area,floor,code", [
    ("101", "80", 1, "duplicate_room"),
    ("301", "0", 3, "invalid_area"),
    ("301", "-5", 3, "invalid_area"),
    ("301", "abc", 3, "invalid_area"),
    ("", "80", 3, "required"),
])
def test_bad_household_input(client, world, room, area, floor, code):
    unit = Unit.objects.get(building=world.b1, number="1")
    before = counts()
    response = api(client, world, "community_staff", "post", "/api/org/households",
                   {"unit_id": unit.pk, "room": room, "floor": floor, "area": area})
    assert response.status_code in (400, 422)
    if response.status_code == 400:
        assert response.json()["code"] == code
    assert counts() == before


def test_moving_a_building_to_another_grid_moves_its_households(client, world):
    response = api(client, world, "community_secretary", "patch", f"/api/org/buildings/{world.b1.pk}",
                   {"grid": world.g2.pk})
    assert response.status_code == 200
    assert set(Household.objects.filter(building=world.b1).values_list("grid_id", flat=True)) == {world.g2.pk}
    event = AuditEvent.objects.get(action="building.update")
    assert event.changes == {"grid": [world.g1.pk, world.g2.pk]}
    # The grid worker of g1 no longer sees b1's households; g2 would.
    kit.log_in(client, world.users["grid_worker"])
    assert client.get("/api/org/households").json()["count"] == 4


def test_community_page_forms(client, world):
    kit.log_in(client, world.users["community_staff"])
    page = client.get(f"/org/regions/{world.c1.pk}/").content.decode()
    assert "新增楼栋" in page
    response = client.post(f"/org/regions/{world.c1.pk}/", {"form": "compound", "name": "阳光小区"}, follow=True)
    assert "本社区已有同名小区：阳光小区" in response.content.decode()
    response = client.post(f"/org/regions/{world.c1.pk}/", {
        "form": "building", "compound": world.compound_b.pk, "grid": world.g2.pk, "name": "5栋", "units": "2",
    }, follow=True)
    assert "已新增：5栋" in response.content.decode()
    assert Building.objects.get(compound=world.compound_b, name="5栋").units.count() == 2


def test_building_page_add_household_form(client, world):
    kit.log_in(client, world.users["community_staff"])
    unit = Unit.objects.get(building=world.b1, number="2")
    response = client.post(f"/org/buildings/{world.b1.pk}/", {
        "form": "household", "unit": unit.pk, "room": "101", "floor": "1", "area": "70"}, follow=True)
    assert "2单元已有房号 101" in response.content.decode()
    response = client.post(f"/org/buildings/{world.b1.pk}/", {
        "form": "household", "unit": unit.pk, "room": "301", "floor": "3", "area": "70"}, follow=True)
    assert Household.objects.filter(unit=unit, room="301").exists()


def test_grid_worker_cannot_post_tree_forms(client, world):
    kit.log_in(client, world.users["grid_worker"])
    before = counts()
    client.post(f"/org/buildings/{world.b1.pk}/", {"form": "unit", "number": "9"})
    assert counts() == before
    assert "新增房屋" not in client.get(f"/org/buildings/{world.b1.pk}/").content.decode()
