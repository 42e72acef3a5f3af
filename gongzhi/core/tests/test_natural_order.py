"""Buildings, units, rooms and grids sort in their natural order everywhere (issue #8 point 5):
1栋, 2栋 … 10栋 (not 10栋 … 19栋 before 1栋), 第一、第二、第三、第四网格 (not 第一、第三、第二、第四)."""

from __future__ import annotations

import re

import pytest

from gongzhi.core.sorting import chinese_number, natural_key, natural_sorted
from gongzhi.org.models import Building, Household, PartyOrg, Unit
from gongzhi.testing.kit import client_for


@pytest.mark.parametrize("text,value", [("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("二十三", 23),
                                        ("一百零五", 105), ("两", 2), ("二〇二五", 2025)])
def test_chinese_numerals(text, value):
    assert chinese_number(text) == value


def test_natural_key():
    names = ["10栋", "1栋", "19栋", "2栋", "11栋"]
    assert natural_sorted(names) == ["1栋", "2栋", "10栋", "11栋", "19栋"]
    grids = ["第一网格", "第三网格", "第二网格", "第十网格", "第四网格", "第十一网格"]
    assert natural_sorted(grids) == ["第一网格", "第二网格", "第三网格", "第四网格", "第十网格", "第十一网格"]
    assert natural_sorted(["1002", "201", "101"]) == ["101", "201", "1002"]
    assert natural_sorted([("B区", "2栋"), ("A区", "10栋"), ("A区", "9栋")], key=lambda t: t) == [
        ("A区", "9栋"), ("A区", "10栋"), ("B区", "2栋")]
    assert natural_key(None) < natural_key("1栋")


@pytest.fixture
def numbered(world):
    """c1 gets 第三、第四 grids next to 第一、第二, and 10栋, 11栋 in 阳光小区 next to 1栋, 2栋."""
    g3 = world.c1.create_grid(name="第三网格", code="T01-G3")
    g4 = world.c1.create_grid(name="第四网格", code="T01-G0")  # a code that sorts first: the name decides
    for name, grid in (("10栋", g3), ("11栋", g4)):
        b = Building.objects.create(community=world.c1, grid=grid, compound=world.compound_a, name=name, floors=12)
        unit = Unit.objects.create(building=b, number="1")
        for room, floor in (("1002", 10), ("201", 2), ("101", 1)):
            Household.objects.create(community=world.c1, grid=grid, compound=world.compound_a, building=b, unit=unit,
                                     room=room, floor=floor, area=80)
    for number in ("10", "3"):
        Unit.objects.create(building=world.b1, number=number)
    return world


GRIDS = ["第一网格", "第二网格", "第三网格", "第四网格"]
BUILDINGS = ["阳光小区 1栋", "阳光小区 2栋", "阳光小区 10栋", "阳光小区 11栋"]


def _in_order(html: str, names: list[str]) -> bool:
    positions = [html.find(n) for n in names]
    return -1 not in positions and positions == sorted(positions)


def test_queue_filter(numbered):
    html = client_for(numbered.users["community_staff"]).get("/casework/").content.decode()
    grid_select = html[html.find('name="grid"'):]
    grid_select = grid_select[:grid_select.find("</select>")]
    assert _in_order(grid_select, GRIDS), grid_select
    building_select = html[html.find('name="building"'):]
    building_select = building_select[:building_select.find("</select>")]
    labels = re.findall(r">([^<]*栋)<", building_select)
    assert [x for x in labels if "阳光" in x] == BUILDINGS, labels


def test_staff_intake(numbered):
    html = client_for(numbered.users["community_staff"]).get("/casework/intake/").content.decode()
    assert _in_order(html, BUILDINGS)
    b10 = Building.objects.get(name="10栋")
    rooms = client_for(numbered.users["community_staff"]).get(
        "/casework/intake/rooms/", {"place": f"b:{b10.pk}"}).content.decode()
    assert _in_order(rooms, ["101", "201", "1002"]), rooms


def test_community_page_and_building_units(numbered):
    c = client_for(numbered.users["community_staff"])
    assert _in_order(c.get(f"/org/regions/{numbered.c1.pk}/").content.decode(), GRIDS)
    html = c.get(f"/org/buildings/{numbered.b1.pk}/").content.decode()
    tabs = html[html.find('class="tabs"'):]
    tabs = tabs[:tabs.find("</nav>")]
    assert re.findall(r">\s*(\d+)\s*单元", tabs) == ["1", "2", "3", "10"], tabs


def test_party_tree(numbered):
    c1 = numbered.c1
    committee = PartyOrg.objects.create(community=c1, kind=PartyOrg.Kind.COMMITTEE, name="和谐社区党委")
    for name in ("第一网格党支部", "第三网格党支部", "第二网格党支部", "第十网格党支部"):
        PartyOrg.objects.create(community=c1, kind=PartyOrg.Kind.GRID_BRANCH, parent=committee, name=name)
    html = client_for(numbered.users["community_staff"]).get("/party/", {"community": c1.pk}).content.decode()
    assert _in_order(html, ["第一网格党支部", "第二网格党支部", "第三网格党支部", "第十网格党支部"])


def test_rates_page(numbered):
    c = client_for(numbered.users["community_staff"])
    html = c.get("/casework/rates/", {"scope": f"community:{numbered.c1.pk}", "breakdown": "grid"}).content.decode()
    assert _in_order(html[html.find("<table"):], GRIDS)
    html = c.get("/casework/rates/", {"scope": f"community:{numbered.c1.pk}", "breakdown": "building"}).content.decode()
    table = html[html.find("<table"):]
    assert _in_order(table, ["1栋", "2栋", "10栋", "11栋"])
