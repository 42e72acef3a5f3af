"""The test kit: the helpers that permission, action and page tests share.

    from gongzhi.testing import kit

    snapshot = kit.snapshot_of(Patrol, PatrolStop, counts=(Case, AuditEvent))
    expect_error = functools.partial(kit.expect_error, snapshot=snapshot)

    kit.client_for(world.users["grid_worker"])           # a logged-in test client
    kit.check_reads(world, url, {"grid_head"})          # 200 for these roles, 404 for the rest
    kit.check_writes(world, setup, request, expected, snapshot=snapshot)
    expect_error("patrol.closed", lambda: patrol_end(...), status=409)

A refusal must change nothing and an allowed write must change something: both are checked
against a snapshot of the tables the write could touch.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, models
from django.test import Client

from gongzhi.core.errors import ApplicationError
from gongzhi.org.testing.world import ROLE_KEYS

from .world import BACKEND, SESSIONS

Table = type[models.Model] | models.QuerySet


def log_in(client: Client, user) -> Client:
    """Log ``user`` in on ``client`` (what ``client.force_login`` does) and return the client.

    Inside a test's rolled-back transaction, a login of the test world reuses the session row
    built with the world (a cookie instead of a session insert and a ``last_login`` update);
    otherwise, or if the test has since changed the user's password or deleted the session,
    it is a real ``force_login``.
    """
    from django.contrib.sessions.models import Session

    entry = SESSIONS.get(user.pk)
    if (
        entry is not None
        and connection.in_atomic_block
        and entry[1] == user.get_session_auth_hash()
        and Session.objects.filter(pk=entry[0]).exists()
    ):
        client.cookies[settings.SESSION_COOKIE_NAME] = entry[0]
        return client
    client.force_login(user, backend=BACKEND)
    return client


def client_for(user, **client_options) -> Client:
    """A new test client logged in as ``user`` (a ``User``; ``world.users[role]``)."""
    return log_in(Client(**client_options), user)


def snapshot(*tables: Table, counts: Iterable[Table] = ()) -> tuple:
    """Every row of each of ``tables`` (a model, or a queryset as it yields) and the row counts of ``counts``."""
    out: list[Any] = []
    for table in tables:
        rows = table._default_manager.order_by("pk").values() if isinstance(table, type) else table
        out.append(sorted(map(repr, rows)))
    for table in counts:
        out.append(table._default_manager.count() if isinstance(table, type) else table.count())
    return tuple(out)


def snapshot_of(*tables: Table, counts: Iterable[Table] = ()) -> Callable[[], tuple]:
    """A function that takes ``snapshot(*tables, counts=counts)`` when called (querysets re-run each time)."""
    counts = tuple(counts)

    def take() -> tuple:
        return snapshot(*[t.all() if isinstance(t, models.QuerySet) else t for t in tables],
                        counts=[t.all() if isinstance(t, models.QuerySet) else t for t in counts])

    return take


def expected_status(allowed: Collection[str], refused: Collection[str] = ()) -> Callable[[str], int]:
    """200 for ``allowed`` roles, 403 for ``refused`` ones (visible, not theirs), 404 for everyone else."""
    return lambda role: 200 if role in allowed else 403 if role in refused else 404


def check_reads(world, url: str, expected, refused: Collection[str] = (), *,
                roles: Iterable[str] = ROLE_KEYS) -> None:
    """GET ``url`` as every role; ``expected`` is the allowed roles (see ``expected_status``) or ``role -> status``.

    Every mismatch is collected before failing, so one run shows the whole row of the matrix.
    """
    want_for = expected if callable(expected) else expected_status(expected, refused)
    failures = []
    for role in roles:
        want = want_for(role)
        got = client_for(world.users[role]).get(url).status_code
        if got != want:
            failures.append(f"{role}: {got} != {want}")
    assert not failures, f"{url}: " + "; ".join(failures)


def check_writes(world, setup: Callable[[str], Any], request: Callable[[Client, Any], Any],
                 expected: Callable[[str], int], *, snapshot: Callable[[], Any],
                 roles: Iterable[str] = ROLE_KEYS) -> None:
    """For every role: ``obj = setup(role)``, then ``request(client_for(user), obj)`` must answer ``expected(role)``.

    A refusal (4xx) must leave ``snapshot()`` unchanged, an allowed write (2xx/3xx) must change it.
    """
    failures = []
    for role in roles:
        obj = setup(role)
        want = expected(role)
        before = snapshot()
        got = request(client_for(world.users[role]), obj).status_code
        if got != want:
            failures.append(f"{role}: {got} != {want}")
        elif got >= 400 and snapshot() != before:
            failures.append(f"{role}: refused but something changed")
        elif got < 400 and snapshot() == before:
            failures.append(f"{role}: allowed but nothing changed")
    assert not failures, "; ".join(failures)


def expect_error(code: str, call: Callable[[], Any], *, snapshot: Callable[[], Any], status: int | None = None,
                 field: str | None = None) -> ApplicationError:
    """``call()`` must raise ``ApplicationError(code)`` (with ``status``/``field`` if given) and change nothing."""
    before = snapshot()
    with pytest.raises(ApplicationError) as info:
        call()
    assert info.value.code == code, info.value.message
    if status is not None:
        assert info.value.status == status
    if field is not None:
        assert info.value.field == field
    assert snapshot() == before, "a refused action changed something"
    return info.value
