"""Two takers press 接单 at the same moment, each in their own database connection.

Runs on PostgreSQL (row locks, READ COMMITTED): the second UPDATE waits for the first
to commit, re-checks ``status = 'posted'`` and updates nothing. The in-memory SQLite
test database does not run concurrent writers; the same logic is covered there by
``test_services_actions.test_two_takers_exactly_one_wins`` (both takers on a stale row).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from gongzhi.casework.services import actions as sa
from gongzhi.casework.models import ServiceOrder
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent

from .field_world import build_field

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.parametrize("attempt", range(5))
def test_concurrent_takers_exactly_one_wins(case_world, attempt):
    from django.db import connections

    w = case_world
    fw = build_field(w)
    order = sa.order_place(actor=w.users["resident"], offering_id=fw.haircut.pk)
    sa.order_post(actor=w.users["community_staff"], order_id=order.pk)
    takers = [w.users["volunteer"], w.users["volunteer2"], w.users["member"]]
    barrier = threading.Barrier(len(takers))
    results: dict[str, str] = {}

    def take(user):
        try:
            barrier.wait(timeout=10)
            sa.order_take(actor=user, order_id=order.pk)
            results[user.name] = "won"
        except ApplicationError as exc:
            results[user.name] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(u,)) for u in takers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()) == ["order_already_taken", "order_already_taken", "won"], results
    order.refresh_from_db()
    winner = next(name for name, r in results.items() if r == "won")
    assert order.status == ServiceOrder.Status.TAKEN and order.assignee.name == winner
    assert AuditEvent.objects.filter(action="service_order.take", target_id=str(order.pk)).count() == 1
