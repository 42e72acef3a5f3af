"""The base world, built once per test process, and fresh copies of it for each test.

The base world is ``org.testing.world.build_world()`` plus the casework additions
(``casework.testing.build_casework``: categories and two departments). It is written and
committed once per process (each xdist worker has its own database); every test then runs in
a transaction that is rolled back, so the rows are back as built for the next test.

Tests never see the built objects themselves, only deep copies (``fresh``), the way Django's
``setUpTestData`` hands out class-level data: what one test changes on an instance (or caches
on it, such as the scopes kept in ``user.__dict__["_gz_*"]``) cannot reach another.

Each login of the world also gets a session row at build time (``SESSIONS``), so the kit's
``client_for`` can hand out a logged-in client without writing a session per request.
"""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import models, transaction

BACKEND = "gongzhi.accounts.backends.PhoneBackend"


class _Base:
    """Where the plugin keeps the current base world of this process."""

    world: Any = None
    active = False


BASE = _Base()

# user pk -> (session key, auth hash) of a session logged in as that user (committed with the
# world, or built inside a module's rolled-back transaction for the logins an app world adds).
SESSIONS: dict[int, tuple[str, str]] = {}


def open_session(user) -> str:
    """Write a session row logged in as ``user`` (what ``Client.force_login`` stores) and return its key."""
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def remember_sessions(users) -> list[int]:
    """Open a session for each user that has none yet; return the pks added (to forget later)."""
    added = []
    for user in users:
        if user.pk not in SESSIONS:
            SESSIONS[user.pk] = (open_session(user), user.get_session_auth_hash())
            added.append(user.pk)
    return added


# The tables the base world writes to, each with the pks that were there before it (rows a
# migration made): ``empty_world`` deletes the rest. Found on the first build of the process.
WORLD_TABLES: dict[type[models.Model], set] = {}


def build_base_world():
    """Build and commit the base world (org world + casework additions) with a session per login."""
    from django.apps import apps

    from gongzhi.casework.testing import build_casework
    from gongzhi.org.testing.world import build_world

    with atomic_block():
        first = not WORLD_TABLES
        if first:
            tables = apps.get_models(include_auto_created=True)
            before = {m: set(m._base_manager.values_list("pk", flat=True)) for m in tables}
        world = build_casework(build_world())
        SESSIONS.clear()
        remember_sessions(world.users.values())
        if first:
            for m in tables:
                if m._base_manager.exclude(pk__in=before[m]).exists():
                    WORLD_TABLES[m] = before[m]
    return world


def empty_world() -> None:
    """Delete the base world's rows, inside the test's transaction (the rollback brings them back).

    For the few tests of code that needs an empty database (the demo refuses to seed over data, a
    one-community deployment needs no jurisdiction). In a transactional test the deletion is
    committed; the flush after it and the rebuild bring the base world back.
    Foreign keys are checked at the end of the transaction, so the order does not matter.
    """
    with transaction.atomic():  # a transactional test: checked (and committed) once, at the end
        for model, preset in WORLD_TABLES.items():
            model._base_manager.exclude(pk__in=preset)._raw_delete(using="default")


def atomic_block():
    """``transaction.atomic()`` that durable atomic blocks may nest in, as they may in a TestCase."""
    block = transaction.atomic()
    block._from_testcase = True
    return block


def fresh(obj):
    """A deep copy of a world (or a tuple of worlds) with no cached scopes on its model instances.

    Copied through pickle (what ``copy.deepcopy`` does for model instances, about three times
    faster here): instances shared inside the world stay shared in the copy.
    """
    copied = pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))
    for instance in _instances(copied, set()):
        for key in [k for k in instance.__dict__ if k.startswith("_gz_")]:
            del instance.__dict__[key]
    return copied


def _instances(obj, seen: set[int]):
    """Every model instance reachable from a world through dataclass fields, dicts, lists and tuples."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, models.Model):
        yield obj
        return
    if isinstance(obj, dict):
        children = obj.values()
    elif isinstance(obj, (list, tuple, set)):
        children = obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        children = vars(obj).values()
    else:
        return
    for child in children:
        yield from _instances(child, seen)
