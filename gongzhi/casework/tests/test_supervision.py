"""督办: the periodic sweep escalates, flags, reminds and closes — exactly once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.casework.actions.supervision import sweep_deadlines
from gongzhi.casework.models import Case, CaseEvent, Whistle
from gongzhi.casework.tasks import casework_sweep
from gongzhi.core.models import ScheduledJob
from gongzhi.core.notifications.models import Notification

from .helpers import as_user, post, submit_as

pytestmark = pytest.mark.django_db


def new_case(client, w, **body):
    body.setdefault("household_id", w.h("b1 1-101").pk)
    body.setdefault("description", "卫生间漏水")
    return Case.objects.get(pk=submit_as(client, w, "resident", **body).json()["id"])


def test_unanswered_case_escalates_once(client, case_world):
    w = case_world
    case = new_case(client, w)
    assert case.tier == "building"
    later = case.response_due_at + timedelta(minutes=1)
    report = sweep_deadlines(now=later)
    assert report.escalated == 1
    case.refresh_from_db()
    assert case.tier == "grid" and case.escalation_level == 1 and case.status == "submitted"
    event = case.events.get(kind="escalated")
    assert event.actor is None and event.data["automatic"] is True
    assert Notification.objects.filter(dedupe_key=f"casework.event:{event.pk}", user=w.users["grid_worker"]).exists()
    assert case.response_due_at > later  # the grid gets its own response window
    # A second run at the same moment changes nothing.
    assert sweep_deadlines(now=later).escalated == 0
    assert case.events.filter(kind="escalated").count() == 1
    # If the grid doesn't answer either, it goes to the community, and stops there.
    assert sweep_deadlines(now=case.response_due_at + timedelta(minutes=1)).escalated == 1
    case.refresh_from_db()
    assert case.tier == "community"
    assert sweep_deadlines(now=case.response_due_at + timedelta(days=30)).escalated == 0


def test_answered_case_is_not_escalated(client, case_world):
    w = case_world
    case = new_case(client, w)
    post(as_user(client, w, "building_head"), f"/api/casework/cases/{case.pk}/accept", {})
    assert sweep_deadlines(now=case.response_due_at + timedelta(hours=1)).escalated == 0


def test_overdue_flagged_once_and_supervisors_told(client, case_world):
    w = case_world
    case = new_case(client, w)
    post(as_user(client, w, "building_head"), f"/api/casework/cases/{case.pk}/accept", {})
    later = case.resolution_due_at + timedelta(minutes=5)
    report = sweep_deadlines(now=later)
    assert report.overdue == 1
    case.refresh_from_db()
    assert case.overdue_flagged_at == later and case.escalation_level == 1
    event = case.events.get(kind="overdue")
    assert not event.public
    told = set(Notification.objects.filter(dedupe_key=f"casework.event:{event.pk}").values_list("user_id", flat=True))
    assert told == {w.users["building_head"].pk, w.users["community_secretary"].pk, w.users["community_staff"].pk}
    assert sweep_deadlines(now=later + timedelta(hours=1)).overdue == 0


def test_reminder_before_deadline(client, case_world):
    w = case_world
    case = new_case(client, w)
    post(as_user(client, w, "building_head"), f"/api/casework/cases/{case.pk}/accept", {})
    early = case.created_at + timedelta(hours=1)
    assert sweep_deadlines(now=early).reminded == 0  # plenty of time left
    near = case.resolution_due_at - timedelta(hours=5)
    assert sweep_deadlines(now=near).reminded == 1
    assert sweep_deadlines(now=near + timedelta(hours=1)).reminded == 0  # not again within 12 hours
    assert Notification.objects.filter(user=w.users["building_head"], kind="case.reminded").count() == 1


def test_whistle_not_acknowledged_in_time(client, case_world):
    w = case_world
    case = new_case(client, w)
    staff = as_user(client, w, "community_staff")
    post(staff, f"/api/casework/cases/{case.pk}/whistle",
         {"department_id": w.departments["housing"].pk, "reason": "需要房管所协调"})
    whistle = Whistle.objects.get(case=case)
    report = sweep_deadlines(now=whistle.ack_due_at + timedelta(minutes=1))
    assert report.whistles_overdue == 1
    whistle.refresh_from_db()
    assert whistle.status == "overdue"
    assert sweep_deadlines(now=whistle.ack_due_at + timedelta(minutes=2)).whistles_overdue == 0


def test_auto_close_rated_and_unrated(client, case_world):
    w = case_world
    rated = new_case(client, w)
    unrated = new_case(client, w, description="楼道灯坏了")
    head = as_user(client, w, "building_head")
    for c in (rated, unrated):
        post(head, f"/api/casework/cases/{c.pk}/accept", {})
        post(head, f"/api/casework/cases/{c.pk}/resolve", {"result": "已处理"})
    post(as_user(client, w, "resident"), f"/api/casework/cases/{rated.pk}/rate", {"rating": 5})
    now = timezone.now()
    assert sweep_deadlines(now=now + timedelta(days=1)).closed == 0
    assert sweep_deadlines(now=now + timedelta(days=4)).closed == 1
    assert Case.objects.get(pk=rated.pk).status == "closed"
    assert sweep_deadlines(now=now + timedelta(days=8)).closed == 1
    assert Case.objects.get(pk=unrated.pk).status == "closed"
    assert CaseEvent.objects.filter(kind="closed", actor__isnull=True).count() == 2


def test_periodic_task_runs_once_per_interval(client, case_world):
    w = case_world
    case = new_case(client, w)
    Case.objects.filter(pk=case.pk).update(response_due_at=timezone.now() - timedelta(minutes=1))
    casework_sweep.call()
    assert Case.objects.get(pk=case.pk).tier == "grid"
    job = ScheduledJob.objects.get(name="casework.sweep")
    assert job.next_run_at > timezone.now()
    # A second chain (or worker) inside the interval does nothing.
    Case.objects.filter(pk=case.pk).update(tier="building", response_due_at=timezone.now() - timedelta(minutes=1))
    assert casework_sweep.call() == {}
    assert Case.objects.get(pk=case.pk).tier == "building"
