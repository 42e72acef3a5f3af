"""Progress of an import, published where the polling page can see it.

An import has three phases: ``read`` (open and check the file), ``validate``
(the long one: read every row, check it, resolve it) and ``write`` (one
transaction of bulk writes). Reading and validation run outside any
transaction, so each progress update is a short autocommitted UPDATE that
the page sees at once, on SQLite and PostgreSQL alike.

During ``write`` the import's transaction holds SQLite's single write lock,
so no other connection can write until it commits: on SQLite the page shows
the write phase (started, with its size) and then the result. On PostgreSQL
row locks are per row and the import's transaction never touches its own
RosterImport row until the very end, so updates go through a second,
short-lived autocommit connection and the page sees the write progress too.
"""

from __future__ import annotations

import copy
import time

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend

from ..models import RosterImport

PHASE_READ = "read"
PHASE_VALIDATE = "validate"
PHASE_WRITE = "write"


class Progress:
    """Interface (and the do-nothing implementation) of an import's progress."""

    every = 2000  # rows between updates while validating

    def phase(self, phase: str, total: int | None = None, *, in_transaction: bool = False) -> None:
        pass

    def update(self, done: int) -> None:
        pass

    def close(self) -> None:
        pass


class ImportProgress(Progress):
    """Progress on a RosterImport row, throttled to one UPDATE per ``interval`` seconds."""

    def __init__(self, import_id: int, *, interval: float = 0.5) -> None:
        self.import_id = import_id
        self.interval = interval
        self._last = 0.0
        self._in_transaction = False
        self._side = None

    def phase(self, phase: str, total: int | None = None, *, in_transaction: bool = False) -> None:
        self._in_transaction = False  # this write goes through the default connection, before the transaction
        self._write(phase=phase, total_rows=total or 0, processed_rows=0)
        self._in_transaction = in_transaction
        self._last = time.monotonic()

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        self._write(processed_rows=done)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None

    def _write(self, **values) -> None:
        if not self._in_transaction:
            RosterImport.objects.filter(pk=self.import_id).update(**values)
            return
        connection = self._side_connection()
        if connection is None:
            return
        table = connection.ops.quote_name(RosterImport._meta.db_table)
        columns = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in values)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {columns} WHERE id = %s", [*values.values(), self.import_id])

    def _side_connection(self):
        """A second autocommit connection (PostgreSQL), or None where it would wait on our own lock."""
        if self._side is None:
            default = connections[DEFAULT_DB_ALIAS]
            if default.vendor != "postgresql":
                return None
            settings_dict = copy.deepcopy(default.settings_dict)
            settings_dict["AUTOCOMMIT"] = True
            self._side = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "roster_progress")
        return self._side


def live_write_progress() -> bool:
    """Whether the page can show progress inside the write phase (see module docstring)."""
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


class CallbackProgress(Progress):
    """Progress for the command line: forwards to ``on_phase(phase, total)`` and ``on_update(done)``."""

    def __init__(self, on_phase, on_update) -> None:
        self.on_phase = on_phase
        self.on_update = on_update

    def phase(self, phase: str, total: int | None = None, *, in_transaction: bool = False) -> None:
        self.on_phase(phase, total)

    def update(self, done: int) -> None:
        self.on_update(done)
