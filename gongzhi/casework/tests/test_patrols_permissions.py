"""Every patrol page and endpoint across every role of the test world.

第一网格 (g1) is walked by its grid head and grid worker; its log is read by them, the
community secretary and staff and sub-district staff. Only the walker writes in their
own open patrol (others who can read it get 403); everyone else gets 404.
"""

from __future__ import annotations

import json
from functools import partial

import pytest
from django.utils import timezone

from gongzhi.casework.models import Case, Patrol, PatrolStop
from gongzhi.core.models import AuditEvent
from gongzhi.core.notifications.models import Notification
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing import kit

pytestmark = pytest.mark.django_db

ROLES = list(ROLE_KEYS)
WALKERS = {"grid_head", "grid_worker"}
READERS = WALKERS | {"community_secretary", "community_staff", "subdistrict_staff"}

snapshot = kit.snapshot_of(Patrol, PatrolStop, counts=(Case, Notification, AuditEvent))
check_writes = partial(kit.check_writes, snapshot=snapshot)

def open_patrol(w) -> Patrol:
    """The grid worker's open patrol with one stop (ending any previous one: test setup)."""
    Patrol.objects.filter(worker=w.users["grid_worker"], ended_at__isnull=True).update(
        ended_at=timezone.now(), summary="测试")
    patrol = Patrol.objects.create(community=w.c1, grid=w.g1, worker=w.users["grid_worker"],
                                   started_at=timezone.now())
    PatrolStop.objects.create(patrol=patrol, building=w.b1, visited_at=timezone.now())
    return patrol


def test_pages_read(case_world):
    w = case_world
    patrol = open_patrol(w)
    stop = patrol.stops.get()
    # c2's staff read c2's (empty) log.
    kit.check_reads(w, "/patrols/", READERS | {"outsider"})
    kit.check_reads(w, f"/patrols/?grid={w.g1.pk}&day={timezone.localdate().isoformat()}", READERS)
    kit.check_reads(w, f"/patrols/{patrol.pk}/", READERS)
    kit.check_reads(w, f"/patrols/{patrol.pk}/end/", {"grid_worker"}, READERS - {"grid_worker"})
    kit.check_reads(w, f"/patrols/stops/{stop.pk}/report/", {"grid_worker"}, READERS - {"grid_worker"})
    # Walking mode only for the walker: one button per building of the grid.
    page = kit.client_for(w.users["grid_worker"]).get(f"/patrols/{patrol.pk}/").content.decode()
    assert 'id="buildings"' in page and page.count('name="building"') == 2  # b1 and b3 are in g1
    assert 'id="buildings"' not in kit.client_for(w.users["grid_head"]).get(f"/patrols/{patrol.pk}/").content.decode()


def test_pages_write(case_world):
    w = case_world

    def start_setup(role):
        Patrol.objects.filter(ended_at__isnull=True).update(ended_at=timezone.now(), summary="测试")

    check_writes(
        w, start_setup, lambda c, _o: c.post("/patrols/start/", {"grid": w.g1.pk}),
        lambda r: 302 if r in WALKERS else 403 if r in READERS else 404,
    )
    def walker_or_403(r):
        return 302 if r == "grid_worker" else 403 if r in READERS else 404

    check_writes(w, lambda r: open_patrol(w),
                 lambda c, p: c.post(f"/patrols/{p.pk}/stops/", {"building": w.b3.pk}), walker_or_403)
    check_writes(w, lambda r: open_patrol(w),
                 lambda c, p: c.post(f"/patrols/{p.pk}/stops/", {"place": "小区东门"}), walker_or_403)
    check_writes(w, lambda r: open_patrol(w),
                 lambda c, p: c.post(f"/patrols/stops/{p.stops.get().pk}/note/", {"note": "楼道干净"}), walker_or_403)
    check_writes(w, lambda r: open_patrol(w),
                 lambda c, p: c.post(f"/patrols/{p.pk}/end/", {"summary": "巡查 1 处，一切正常"}), walker_or_403)
    check_writes(w, lambda r: open_patrol(w),
                 lambda c, p: c.post(f"/patrols/stops/{p.stops.get().pk}/report/",
                                     {"description": "1栋门口井盖松动", "category": "public_facility"}),
                 walker_or_403)


def test_report_from_a_stop_on_the_page(case_world):
    w = case_world
    patrol = open_patrol(w)
    stop = patrol.stops.get()
    client = kit.client_for(w.users["grid_worker"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .helpers import png_bytes

    response = client.post(f"/patrols/stops/{stop.pk}/report/", {
        "description": "1栋北侧绿化带有大量建筑垃圾", "category": "environment", "urgency": "normal",
        "photos": [SimpleUploadedFile("site.png", png_bytes(), content_type="image/png")],
    })
    assert response.status_code == 302
    case = Case.objects.get(patrol=patrol)
    assert case.channel == "patrol" and case.photos.count() == 1 and list(stop.cases.all()) == [case]
    log = kit.client_for(w.users["community_staff"]).get(f"/patrols/?grid={w.g1.pk}").content.decode()
    assert f"/cases/{case.pk}/" in log
    before = snapshot()
    response = client.post(f"/patrols/stops/{stop.pk}/report/", {"description": ""})
    assert response.status_code == 400 and "请填写诉求内容" in response.content.decode()
    from gongzhi.core.tests.test_images import bomb

    response = client.post(f"/patrols/stops/{stop.pk}/report/", {  # a decompression bomb was a 500
        "description": "1栋北侧绿化带有大量建筑垃圾", "category": "environment", "urgency": "normal",
        "photos": [SimpleUploadedFile("site.png", bomb(), content_type="image/png")],
    })
    assert response.status_code == 400 and "不是图片" in response.content.decode()
    assert snapshot() == before


def test_api(case_world):
    w = case_world
    patrol = open_patrol(w)
    kit.check_reads(w, f"/api/field/patrols/{patrol.pk}", READERS)
    for role in ROLES:
        items = kit.client_for(w.users[role]).get("/api/field/patrols").json()["items"]
        assert [i["id"] for i in items] == ([patrol.pk] if role in READERS else []), role
    worker = kit.client_for(w.users["grid_worker"])
    current = worker.get("/api/field/patrols/current")
    assert current.status_code == 200 and current.json()["id"] == patrol.pk
    assert kit.client_for(w.users["grid_head"]).get("/api/field/patrols/current").status_code == 204

    def post(c, url, body):
        return c.post(url, data=json.dumps(body), content_type="application/json")

    stop = post(worker, f"/api/field/patrols/{patrol.pk}/stops", {"building_id": w.b3.pk, "note": "单元门坏了"})
    assert stop.status_code == 201 and stop.json()["building"] == w.b3.name
    report = post(worker, f"/api/field/patrols/stops/{stop.json()['id']}/report",
                  {"description": "3栋单元门门禁坏了，关不上", "category": "property_repair"})
    assert report.status_code == 201 and report.json()["patrol_id"] == patrol.pk
    refused = post(kit.client_for(w.users["grid_head"]), f"/api/field/patrols/{patrol.pk}/stops", {"place": "东门"})
    assert refused.status_code == 403 and refused.json()["code"] == "not_your_patrol"
    again = post(worker, "/api/field/patrols", {"grid_id": w.g1.pk})
    assert again.status_code == 409 and again.json()["details"] == {"patrol_id": patrol.pk}
    ended = post(worker, f"/api/field/patrols/{patrol.pk}/end", {"summary": "完成"})
    assert ended.status_code == 200 and ended.json()["ended_at"] and len(ended.json()["case_ids"]) == 1


def test_api_writes_every_role(case_world):
    w = case_world

    def post(c, url, body):
        return c.post(url, data=json.dumps(body), content_type="application/json")

    def end_all(role):
        Patrol.objects.filter(ended_at__isnull=True).update(ended_at=timezone.now(), summary="测试")

    check_writes(w, end_all, lambda c, _o: post(c, "/api/field/patrols", {"grid_id": w.g1.pk}),
                 lambda r: 201 if r in WALKERS else 403 if r in READERS else 404)

    def walker_or_403(ok):
        return lambda r: ok if r == "grid_worker" else 403 if r in READERS else 404

    check_writes(w, lambda r: open_patrol(w),
                 lambda c, p: post(c, f"/api/field/patrols/{p.pk}/stops", {"place": "北门"}), walker_or_403(201))
    check_writes(w, lambda r: open_patrol(w),
                 lambda c, p: post(c, f"/api/field/patrols/stops/{p.stops.get().pk}/note", {"note": "正常"}),
                 walker_or_403(200))
    check_writes(w, lambda r: open_patrol(w),
                 lambda c, p: post(c, f"/api/field/patrols/stops/{p.stops.get().pk}/report",
                                   {"description": "路灯不亮", "category": "public_facility"}),
                 walker_or_403(201))
    check_writes(w, lambda r: open_patrol(w),
                 lambda c, p: post(c, f"/api/field/patrols/{p.pk}/end", {"summary": "结束"}), walker_or_403(200))
