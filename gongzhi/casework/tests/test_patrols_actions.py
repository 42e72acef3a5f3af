"""网格巡查: start, one-tap stops, a request from a stop, the summary, the log."""

from __future__ import annotations

import datetime
from functools import partial

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.casework.patrols import actions as pa
from gongzhi.casework.patrols import permissions as patrol_permissions
from gongzhi.casework.patrols import selectors as fs
from gongzhi.casework.models import Case, CaseEvent, Patrol, PatrolStop
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.core.notifications.models import Notification
from gongzhi.testing import kit

pytestmark = pytest.mark.django_db


snapshot = kit.snapshot_of(Patrol, PatrolStop, PatrolStop.cases.through.objects.values_list("patrolstop_id", "case_id"),
                           counts=(Case, CaseEvent, Notification, AuditEvent))
expect_error = partial(kit.expect_error, snapshot=snapshot)


def test_a_patrol_from_start_to_summary(case_world):
    w = case_world
    worker = w.users["grid_worker"]
    patrol = pa.patrol_start(actor=worker, grid_id=w.g1.pk)
    assert (patrol.grid, patrol.community_id, patrol.worker, patrol.ended_at) == (w.g1, w.c1.pk, worker, None)
    assert fs.open_patrol(worker) == patrol

    at_b1 = pa.patrol_stop_add(actor=worker, patrol_id=patrol.pk, building_id=w.b1.pk)
    at_gate = pa.patrol_stop_add(actor=worker, patrol_id=patrol.pk, place="小区东门", note="门禁正常")
    pa.patrol_stop_add(actor=worker, patrol_id=patrol.pk, building_id=w.b3.pk)
    pa.patrol_stop_note(actor=worker, stop_id=at_b1.pk, note="2单元楼道堆放纸箱，有消防隐患")
    assert PatrolStop.objects.get(pk=at_b1.pk).note.startswith("2单元楼道")

    case = pa.patrol_report(actor=worker, stop_id=at_b1.pk, description="1栋2单元楼道堆放大量纸箱，堵塞消防通道",
                            category_code="safety_hazard")
    assert (case.channel, case.patrol, case.building, case.created_by) == ("patrol", patrol, w.b1, worker)
    assert list(at_b1.cases.all()) == [case]
    free = pa.patrol_report(actor=worker, stop_id=at_gate.pk, description="东门路灯不亮，晚上很黑")
    assert free.building is None and free.address == "小区东门" and free.community_id == w.c1.pk
    assert free.patrol == patrol

    figures = fs.patrol_summary(patrol)
    assert (figures.stops, figures.buildings, figures.cases) == (3, 2, 2)
    assert fs.suggested_summary(patrol) == "巡查 3 处（楼栋 2 栋），发现并上报问题 2 件。"
    pa.patrol_end(actor=worker, patrol_id=patrol.pk, summary="巡查 3 处，上报 2 件。整体秩序良好。")
    patrol.refresh_from_db()
    assert patrol.ended_at is not None and patrol.summary.endswith("整体秩序良好。")
    assert fs.open_patrol(worker) is None
    assert list(AuditEvent.objects.filter(target_type="casework.patrol").order_by("pk")
                .values_list("action", flat=True)) == [
        "patrol.start", "patrol.stop", "patrol.stop", "patrol.stop", "patrol.stop_note", "patrol.report",
        "patrol.report", "patrol.end"]

    # The log: by grid and day, with the stops and the requests they raised.
    log = list(fs.patrol_log(w.users["community_staff"], grid_id=w.g1.pk, day=timezone.localdate()))
    assert log == [patrol] and log[0].stop_count == 3
    stops = list(log[0].stops.all())
    assert [s.pk for s in stops] == sorted(s.pk for s in stops)
    assert [c.pk for c in stops[0].cases.all()] == [case.pk]
    assert {c.pk for c in log[0].cases.all()} == {case.pk, free.pk}
    assert list(fs.patrol_log(w.users["community_staff"], grid_id=w.g2.pk)) == []
    assert list(fs.patrol_log(w.users["community_staff"],
                              day=timezone.localdate() - datetime.timedelta(days=1))) == []
    # A new patrol may start once the last one ended.
    assert pa.patrol_start(actor=worker, grid_id=w.g1.pk).pk != patrol.pk


def test_start_errors(case_world):
    w = case_world
    worker = w.users["grid_worker"]
    # Community staff see the grid but do not walk it; others don't see it; g2 is not the worker's grid.
    expect_error("not_grid_worker", lambda: pa.patrol_start(actor=w.users["community_staff"], grid_id=w.g1.pk),
                 status=403)
    expect_error("not_grid_worker", lambda: pa.patrol_start(actor=w.users["subdistrict_staff"], grid_id=w.g1.pk),
                 status=403)
    for role in ("volunteer", "building_head", "resident", "outsider", "nobody"):
        expect_error("not_found", lambda role=role: pa.patrol_start(actor=w.users[role], grid_id=w.g1.pk),
                     status=404)
    expect_error("not_found", lambda: pa.patrol_start(actor=worker, grid_id=w.g2.pk), status=404)
    expect_error("not_found", lambda: pa.patrol_start(actor=worker, grid_id=w.c1.pk), status=404)  # not a grid
    patrol = pa.patrol_start(actor=worker, grid_id=w.g1.pk)
    error = expect_error("patrol_already_open", lambda: pa.patrol_start(actor=worker, grid_id=w.g1.pk), status=409)
    assert error.details == {"patrol_id": patrol.pk}
    # The database refuses a second open patrol even if the check were skipped.
    with pytest.raises(IntegrityError), transaction.atomic():
        Patrol.objects.create(community=w.c1, grid=w.g1, worker=worker, started_at=timezone.now())


def test_stop_errors(case_world):
    w = case_world
    worker = w.users["grid_worker"]
    patrol = pa.patrol_start(actor=worker, grid_id=w.g1.pk)

    def stop(actor=worker, **kw):
        return pa.patrol_stop_add(actor=actor, patrol_id=patrol.pk, **kw)

    expect_error("building_outside_grid", lambda: stop(building_id=w.b2.pk), field="building")  # b2 is in g2
    expect_error("building_outside_grid", lambda: stop(building_id=w.b4.pk), field="building")
    expect_error("building_outside_grid", lambda: stop(building_id=999999), field="building")
    expect_error("stop_place_required", lambda: stop(place="  "), field="place")
    expect_error("too_long", lambda: stop(place="地" * 201), field="place")
    expect_error("too_long", lambda: stop(building_id=w.b1.pk, note="记" * 2001), field="note")
    # The grid head of g1 reads the worker's patrol but does not write in it.
    expect_error("not_your_patrol", lambda: stop(actor=w.users["grid_head"], building_id=w.b1.pk), status=403)
    expect_error("not_your_patrol", lambda: stop(actor=w.users["community_staff"], building_id=w.b1.pk),
                 status=403)
    expect_error("not_found", lambda: stop(actor=w.users["volunteer"], building_id=w.b1.pk), status=404)
    s = stop(building_id=w.b1.pk)
    expect_error("required", lambda: pa.patrol_stop_note(actor=worker, stop_id=s.pk, note=" "), field="note")
    expect_error("not_your_patrol", lambda: pa.patrol_stop_note(actor=w.users["grid_head"], stop_id=s.pk,
                                                                note="看看"), status=403)
    expect_error("required", lambda: pa.patrol_end(actor=worker, patrol_id=patrol.pk, summary=""), field="summary")
    expect_error("not_your_patrol", lambda: pa.patrol_end(actor=w.users["grid_head"], patrol_id=patrol.pk,
                                                          summary="结束"), status=403)
    pa.patrol_end(actor=worker, patrol_id=patrol.pk, summary="结束")
    expect_error("patrol_ended", lambda: stop(building_id=w.b1.pk), status=409)
    expect_error("patrol_ended", lambda: pa.patrol_stop_note(actor=worker, stop_id=s.pk, note="补记"), status=409)
    expect_error("patrol_ended", lambda: pa.patrol_end(actor=worker, patrol_id=patrol.pk, summary="再结束"),
                 status=409)
    expect_error("patrol_ended", lambda: pa.patrol_report(actor=worker, stop_id=s.pk, description="补报"),
                 status=409)


def test_report_errors_change_nothing(case_world):
    w = case_world
    worker = w.users["grid_worker"]
    patrol = pa.patrol_start(actor=worker, grid_id=w.g1.pk)
    s = pa.patrol_stop_add(actor=worker, patrol_id=patrol.pk, building_id=w.b1.pk)
    expect_error("description_required", lambda: pa.patrol_report(actor=worker, stop_id=s.pk, description=" "))
    expect_error("unknown_category", lambda: pa.patrol_report(actor=worker, stop_id=s.pk, description="井盖丢了",
                                                              category_code="ufo"))
    expect_error("invalid_urgency", lambda: pa.patrol_report(actor=worker, stop_id=s.pk, description="井盖丢了",
                                                             urgency="panic"))
    expect_error("not_your_patrol", lambda: pa.patrol_report(actor=w.users["grid_head"], stop_id=s.pk,
                                                             description="井盖丢了"), status=403)


def test_who_reads_the_log(case_world):
    w = case_world
    worker = w.users["grid_worker"]
    patrol = pa.patrol_start(actor=worker, grid_id=w.g1.pk)
    readers = {"grid_worker", "grid_head", "community_secretary", "community_staff", "subdistrict_staff"}
    for role, user in w.users.items():
        visible = list(fs.patrol_log(user))
        assert (visible == [patrol]) == (role in readers), role
        if role in readers:
            assert patrol_permissions.access_patrol(user, patrol.pk) == patrol
        else:
            with pytest.raises(ApplicationError) as info:
                patrol_permissions.access_patrol(user, patrol.pk)
            assert info.value.status == 404, role
