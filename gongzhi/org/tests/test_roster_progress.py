"""Progress of an import must be visible to the polling page while the import runs.

Validation runs before the write transaction, so its updates are committed at
once on every backend. Inside the write transaction, PostgreSQL gets updates
through a second connection (checked here from a third one); SQLite cannot
take a second writer while the transaction holds the lock, so none are sent.
"""

from __future__ import annotations

import pytest
from django.db import connection

from gongzhi.org.roster.actions import roster_import
from gongzhi.org.models import RosterImport
from gongzhi.org.roster.progress import ImportProgress

from .test_roster_import import NEW_BUILDING, NEW_HOUSEHOLD, make_workbook, owner_row


def committed_progress(import_id: int) -> tuple[str, int, int]:
    """The row as another connection sees it (what the polling page would show)."""
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None, host=s["HOST"] or None,
        port=s["PORT"] or None, autocommit=True,
    ) as other:
        return other.execute(
            "SELECT phase, processed_rows, total_rows FROM org_rosterimport WHERE id = %s", [import_id]
        ).fetchone()


class Recording(ImportProgress):
    every = 1  # publish after every row, so a tiny file shows it

    def __init__(self, import_id: int) -> None:
        super().__init__(import_id, interval=0)
        self.seen: list[tuple] = []

    def update(self, done: int) -> None:
        super().update(done)
        in_transaction = connection.in_atomic_block
        if connection.vendor == "postgresql":
            self.seen.append((in_transaction, done, committed_progress(self.import_id)))
        else:
            self.seen.append((in_transaction, done, RosterImport.objects.values_list(
                "phase", "processed_rows", "total_rows").get(pk=self.import_id)))


@pytest.mark.django_db(transaction=True)
def test_progress_is_published_while_validating_and_writing(world):
    record = RosterImport.objects.create(
        community=world.c1, uploaded_by=world.users["community_staff"], filename="a.xlsx", size=1,
        status=RosterImport.Status.RUNNING,
    )
    progress = Recording(record.pk)
    wb = make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD, ["阳光小区", "3栋", "1", "102", 1, 70, None, None, None]],
                       [owner_row(), owner_row(room="102", id_number=None, phone="13912340002", name="李四")])
    roster_import(actor=world.users["community_staff"], community_id=world.c1.pk, fileobj=wb, filename="a.xlsx",
                  progress=progress)
    progress.close()
    validating = [s for s in progress.seen if s[2][0] == "validate"]
    writing = [s for s in progress.seen if s[2][0] == "write"]
    # Validation: outside any transaction, every update committed and seen with the total.
    assert [done for _t, done, _row in validating] == [1, 2, 3, 4, 5]
    assert all(not in_tx and row == ("validate", done, 5) for in_tx, done, row in validating)
    assert writing and all(in_tx for in_tx, _done, _row in writing)
    if connection.vendor == "postgresql":
        # Seen from another connection while the import's transaction is still open.
        assert [row[1] for _t, _d, row in writing] == [done for _t, done, _row in writing]
    else:
        # SQLite: the phase was published before the transaction; counts stay until the result.
        assert all(row[1] == 0 for _t, _d, row in writing)
