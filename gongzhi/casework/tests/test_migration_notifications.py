"""casework 0005 moves the inbox's rows to core: forward on a database with rows, back, and forward again.

The world is built with today's models (only the notification table differs between the two
states); the rows to move are written with the historical casework model, as they were.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from gongzhi.casework.models import Case, CaseEvent
from gongzhi.core.notifications.models import Notification

from .test_pages_support import file_case

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("casework", "0004_search_scope_and_queue_indexes")]
AFTER = [("casework", "0005_move_notifications_to_core")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_rows_move_to_core_and_back(case_world):
    w = case_world
    case = file_case(w)  # today's code already wrote core notifications for the submission
    event = CaseEvent.objects.filter(case=case).order_by("pk").first()
    Notification.objects.all().delete()
    old_apps = migrate(BEFORE)
    Old = old_apps.get_model("casework", "Notification")
    Old._meta.get_field("created_at").auto_now_add = False
    then = timezone.now() - timedelta(days=3)
    head, resident = w.users["building_head"], w.users["resident"]
    Old.objects.create(pk=41, user_id=head.pk, case_id=case.pk, event_id=event.pk, title="诉求：已提交", body="b",
                       url="", created_at=then, read_at=None)
    Old.objects.create(pk=42, user_id=resident.pk, case_id=case.pk, event_id=event.pk, title="诉求：已提交",
                       url=f"/cases/{case.pk}/", created_at=then, read_at=then + timedelta(hours=1))
    Old.objects.create(pk=43, user_id=resident.pk, title="服务订单已接单", url="/services/orders/7/",
                       created_at=then, read_at=None)

    migrate(AFTER)
    rows = {n.pk: n for n in Notification.objects.all()}
    assert set(rows) == {41, 42, 43}  # ids kept: old /cases/inbox/<id>/ links still resolve
    a, b, c = rows[41], rows[42], rows[43]
    assert (a.user_id, a.source, a.kind, a.url, a.dedupe_key, a.subject, a.body) == (
        head.pk, "casework", "case.submitted", f"/cases/{case.pk}/", f"casework.event:{event.pk}", case.title, "b")
    assert a.created_at == then and a.read_at is None and b.read_at == then + timedelta(hours=1)
    assert (c.kind, c.url, c.dedupe_key, c.subject) == ("field", "/services/orders/7/", "", "")
    # One per user per event still holds, now through the dedupe key.
    from gongzhi.core.notifications.actions import notify
    assert notify(users=[head.pk], title="again", kind="case.submitted", source="casework",
                  dedupe_key=f"casework.event:{event.pk}") == [head.pk]
    assert Notification.objects.filter(user=head).count() == 1
    # New rows get new ids after the copied ones (the sequence moved on PostgreSQL).
    assert notify(users=[head.pk], title="new", kind="x", source="test") == [head.pk]
    assert Notification.objects.latest("pk").pk > 43
    Notification.objects.filter(source="test").delete()

    old_apps = migrate(BEFORE)
    Old = old_apps.get_model("casework", "Notification")
    back = {n.pk: n for n in Old.objects.all()}
    assert set(back) == {41, 42, 43} and not Notification.objects.exists()
    assert (back[41].case_id, back[41].event_id, back[41].url) == (case.pk, event.pk, f"/cases/{case.pk}/")
    assert (back[43].case_id, back[43].event_id, back[43].read_at) == (None, None, None)
    assert back[42].read_at == then + timedelta(hours=1)

    migrate(AFTER)
    assert Notification.objects.count() == 3 and Case.objects.filter(pk=case.pk).exists()
