"""The home page's request tiles count the rows of the list each one opens (issue #8, point 4).

"待受理（本级）" said 1 for the grid worker where the list it opened held 3: the count asked for new
requests at the user's own tier, the link opened every new request in their scope. Both now come
from one selector (``selectors.queue_filters`` + ``queue_for``), and this walk checks, for every role
that has the card, that each tile's number is the number of rows its link lists.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.actions.intake import case_submit
from gongzhi.casework.models import Case
from gongzhi.casework.permissions import handles_anything
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing.kit import client_for

pytestmark = pytest.mark.django_db

TILE = re.compile(r'<a class="tile[^"]*" href="([^"]+)"><div class="n">(\d+)</div><div class="l">([^<]+)</div>')
ROW = re.compile(r'<tr id="case-\d+">')


def requests_at_every_tier(w) -> None:
    staff, resident = w.users["community_staff"], w.users["resident"]
    # building tier (b1, b2), grid tier (g1, g2), community tier (b1 and no place at all)
    case_submit(actor=resident, household_id=w.h("b1 1-101").pk, category_code="property_repair",
                description="卫生间漏水")
    case_submit(actor=staff, household_id=w.h("b2 1-101").pk, channel="phone", category_code="property_repair",
                reporter_name="钱先生", description="楼道灯坏了")
    case_submit(actor=staff, building_id=w.b1.pk, channel="walk_in", category_code="public_facility",
                reporter_name="孙女士", description="1栋门口路灯坏了")
    case_submit(actor=staff, building_id=w.b3.pk, channel="walk_in", category_code="parking_traffic",
                reporter_name="李先生", description="翠竹苑消防通道被堵")
    case_submit(actor=staff, building_id=w.b2.pk, channel="walk_in", category_code="neighbour_dispute",
                reporter_name="周女士", description="楼上噪音")
    case_submit(actor=staff, household_id=w.h("b1 2-101").pk, channel="walk_in",
                category_code="elderly_disability", reporter_name="吴大爷", description="想申请助餐")
    elsewhere = case_submit(actor=staff, community_id=w.c1.pk, channel="walk_in", category_code="suggestion",
                            address="社区广场", reporter_name="郑女士", description="广场想加几张长椅")
    accepted = case_submit(actor=staff, building_id=w.b1.pk, channel="walk_in", category_code="public_facility",
                           reporter_name="王先生", description="1栋旁边井盖松动")
    lifecycle.case_accept(actor=w.users["grid_worker"], case_id=accepted.pk)
    lifecycle.case_dispatch(actor=w.users["community_secretary"], case_id=elsewhere.pk,
                            handler_id=w.users["community_staff"].pk)
    # Two of them late: one answered, one never looked at.
    Case.objects.filter(pk__in=[accepted.pk, elsewhere.pk]).update(resolution_due_at=timezone.now() - timedelta(hours=1))


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_every_tile_counts_the_rows_of_its_list(case_world, role):
    w = case_world
    requests_at_every_tier(w)
    user = w.users[role]
    client = client_for(user)
    home = client.get("/").content.decode()
    tiles = TILE.findall(home)
    if not handles_anything(user):
        assert 'id="home-queue"' not in home
        return
    queue_tiles = [(href, int(n), label) for href, n, label in tiles if href.startswith("/casework/?")]
    assert len(queue_tiles) == 3, tiles
    for href, count, label in queue_tiles:
        listed = client.get(href.replace("&amp;", "&"))
        assert listed.status_code == 200
        rows = len(ROW.findall(listed.content.decode()))
        assert rows == count, f"{role}: “{label}” says {count}, its list {href} holds {rows}"


def test_the_walk_is_not_vacuous(case_world):
    """The roles that answer at a tier really have requests waiting there, and the new-at-my-tier list
    leaves out what waits at other tiers (the grid worker's building-tier requests)."""
    w = case_world
    requests_at_every_tier(w)
    counts = {}
    for role in ("grid_worker", "building_head", "community_secretary"):
        home = client_for(w.users[role]).get("/").content.decode()
        counts[role] = {label: int(n) for _href, n, label in TILE.findall(home)}
    assert counts["building_head"]["待受理（本级）"] == 1  # b1's leak
    assert counts["grid_worker"]["待受理（本级）"] == 2  # b1's street light and b3's fire lane
    assert counts["community_secretary"]["待受理（本级）"] == 1  # the meal service (the bench is dispatched)
    assert counts["community_secretary"]["超时"] == 2
    all_new = client_for(w.users["grid_worker"]).get("/casework/?status=submitted").content.decode()
    assert len(ROW.findall(all_new)) > counts["grid_worker"]["待受理（本级）"]
