"""pytest fixtures for the shared test world (registered from the root ``conftest.py``).

* ``_gz_base_world`` (session, autouse): after ``django_db_setup``, builds the base world once
  per process and commits it (``gongzhi.testing.world``). Every test then runs in a transaction
  rolled back at its end (pytest-django's ``db``), so the base world is always there, as built.
* Transactional tests (``django_db(transaction=True)``, ``live_server``, the browser tests) see
  the committed base world too. Django flushes the database after each of them; the plugin
  wraps ``TransactionTestCase._fixture_teardown`` (the flush; ``TestCase`` overrides it) to
  build the base world again right after, so the tests that follow do not notice.
* ``world`` / ``case_world`` (function): a fresh deep copy of the base world for each test.
* App worlds: a test module that sets ``APP_WORLD = build_party_world`` (any ``builder(world)``)
  gets it built once per module, on a copy of the base world, inside an outer transaction
  rolled back when the module ends (each test's transaction nests in it as a savepoint).
  A test that asks for ``app_world`` (what the builder returned) gets, as ``world``, the world
  the builder extended, both copied fresh; the module's other tests get the base world and run
  first (``pytest_collection_modifyitems``). Such modules must not hold transactional tests.
* ``empty_database``: a test of code that refuses to run over existing data (the demo seed)
  gets a database without the base world, inside its rolled-back transaction.
"""

from __future__ import annotations

import pytest

from .world import BASE, SESSIONS, atomic_block, build_base_world, empty_world, fresh, remember_sessions


def _empty_if_kept() -> None:
    """With ``--reuse-db`` the last run's base world may still be there: flush it first."""
    from django.core.management import call_command

    from gongzhi.org.models import Region

    if Region.objects.filter(code="T").exists():
        call_command("flush", verbosity=0, interactive=False)


def _uses_app_world(item) -> bool:
    module = getattr(item, "module", None)
    return getattr(module, "APP_WORLD", None) is not None and "app_world" in getattr(item, "fixturenames", ())


_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}
_NEEDS_DB = [True]


def _uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(_DB_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items):
    """Heavy modules first; in a module with an APP_WORLD, the tests that do not use it first.

    The app world's rows stay in the database from its first test to the module's end, so a test
    that expects only the base world must run before. The sort is stable and keeps modules
    together: the order is otherwise the file's.
    """
    _NEEDS_DB[0] = any(_uses_database(item) for item in items)
    modules: dict[int, list] = {}
    for item in items:
        modules.setdefault(id(getattr(item, "module", None)), []).append(item)
    # The heaviest modules first (browser tests, then those marked slow): pytest-xdist's --dist loadfile
    # hands out whole modules in this order, so a long module started last would leave the other
    # worker idle until it ends. Stable: the modules keep the files' order within each weight.
    groups = sorted(modules.values(), key=_module_weight)
    items[:] = [item for group in groups for item in sorted(group, key=_uses_app_world)]


def _module_weight(group: list) -> int:
    """0 for a module with a browser test, 1 for one with a test marked slow, 2 for the rest."""
    if any(item.get_closest_marker("browser") for item in group):
        return 0
    return 1 if any(item.get_closest_marker("slow") for item in group) else 2


def pytest_collection_finish(session):
    """Decide on the items that will run: ``-k`` / ``-m`` deselect after the hook above."""
    _NEEDS_DB[0] = any(_uses_database(item) for item in session.items)


@pytest.fixture(scope="session", autouse=True)
def _gz_base_world(django_db_setup, django_db_blocker):
    from django.db import connection
    from django.test import TransactionTestCase

    if not _NEEDS_DB[0]:  # no collected test uses the database: pytest-django created none
        yield
        return
    with django_db_blocker.unblock():
        _empty_if_kept()
        BASE.world = build_base_world()
    flush = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        flush(self)
        if connection.in_atomic_block:
            raise RuntimeError("a transactional test ran inside a module's APP_WORLD transaction")
        BASE.world = build_base_world()

    TransactionTestCase._fixture_teardown = _fixture_teardown
    BASE.active = True
    yield
    BASE.active = False
    TransactionTestCase._fixture_teardown = flush


@pytest.fixture(scope="module")
def _gz_module_world(request, _gz_base_world, django_db_blocker):
    """The module's APP_WORLD, built once inside a transaction rolled back at the module's end."""
    builder = getattr(request.module, "APP_WORLD", None)
    if builder is None:
        yield None
        return
    from django.db import transaction

    with django_db_blocker.unblock():
        block = atomic_block()
        block.__enter__()
        try:
            world = fresh(BASE.world)
            app = builder(world)
            added = remember_sessions(world.users.values())
        except BaseException:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)
            raise
    yield world, app
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        block.__exit__(None, None, None)
    for pk in added:
        SESSIONS.pop(pk, None)


@pytest.fixture
def _gz_worlds(request):
    """One fresh copy per test of (world, app world): the module's if the test uses it, else the base world's."""
    if "app_world" not in request.fixturenames or getattr(request.module, "APP_WORLD", None) is None:
        return fresh(BASE.world), None
    return fresh(request.getfixturevalue("_gz_module_world"))


@pytest.fixture
def world(db, _gz_worlds):
    """The test world (``gongzhi/org/testing/world.py`` + casework additions), fresh for this test."""
    return _gz_worlds[0]


@pytest.fixture
def case_world(world):
    """The same world: the casework additions (categories, departments) are part of the base world."""
    return world


@pytest.fixture
def app_world(_gz_module_world, world, _gz_worlds):
    """What the module's APP_WORLD builder returned, fresh for this test (same copy as ``world``)."""
    if _gz_worlds[1] is None:
        raise pytest.UsageError("app_world needs APP_WORLD = builder in the test module")
    return _gz_worlds[1]


@pytest.fixture
def empty_database(db):
    """No base world in this test (deleted in its transaction, back after): for code that needs an empty database."""
    empty_world()
