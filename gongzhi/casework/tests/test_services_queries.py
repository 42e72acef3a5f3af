"""List pages do not slow down as data grows: the query count is the same for 2 rows and for 12."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.casework.models import Patrol, PatrolStop, ServiceOrder
from gongzhi.testing import kit

from .field_world import build_field

pytestmark = pytest.mark.django_db

HOMES = ["b1 1-101", "b1 1-102", "b1 1-201", "b1 1-202", "b1 2-101", "b1 2-102", "b1 2-201", "b1 2-202",
         "b2 1-101", "b2 1-102", "b3 1-101", "b3 1-102"]



def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_orders(w, offering, homes, **kw):
    now = timezone.now()
    for key in homes:
        ServiceOrder.objects.create(offering=offering, community=w.c1, household=w.h(key),
                                    requested_by=w.users["resident"], posted_at=now, **kw)


def test_pool_board_and_mine_do_not_grow(case_world):
    w = case_world
    fw = build_field(w)
    pages = [("volunteer", "/services/pool/"), ("community_staff", f"/services/board/?community={w.c1.pk}&status=all"),
             ("resident", "/services/mine/"), ("volunteer", "/services/pool/?tab=mine"),
             ("community_staff", f"/services/board/offerings/?community={w.c1.pk}")]
    add_orders(w, fw.haircut, HOMES[:2], status="posted")
    add_orders(w, fw.repair, HOMES[:2], status="taken", assignee=w.users["volunteer"])
    small = {url: queries(kit.client_for(w.users[role]), url) for role, url in pages}
    add_orders(w, fw.haircut, HOMES[2:], status="posted")
    add_orders(w, fw.repair, HOMES[2:], status="taken", assignee=w.users["volunteer"])
    large = {url: queries(kit.client_for(w.users[role]), url) for role, url in pages}
    assert large == small


def test_patrol_log_does_not_grow(case_world):
    w = case_world

    def walk(n_stops: int):
        patrol = Patrol.objects.create(community=w.c1, grid=w.g1, worker=w.users["grid_worker"],
                                       started_at=timezone.now(), ended_at=timezone.now(), summary="巡查")
        for i in range(n_stops):
            PatrolStop.objects.create(patrol=patrol, building=w.b1 if i % 2 else w.b3, visited_at=timezone.now())

    walk(2)
    url = f"/patrols/?grid={w.g1.pk}"
    small = queries(kit.client_for(w.users["community_staff"]), url)
    for _ in range(5):
        walk(6)
    assert queries(kit.client_for(w.users["community_staff"]), url) == small
