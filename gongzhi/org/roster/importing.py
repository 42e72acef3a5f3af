"""The roster import (花名册导入): everything or nothing, with progress.

``roster_import`` is the one import path: the command calls it directly with a
progress bar; the page stores the upload (``actions.roster_import_start``) and a
task (``tasks.run_roster_import``) runs ``roster_import_run``, which calls it with
progress on the RosterImport row. It validates the whole workbook before opening
the write transaction, so a bad file writes nothing, and a good one is written in
one transaction that also records the audit event.

This module must not import ``tasks`` (the task imports ``roster_import_run``
from here); enqueueing lives in ``actions``.

``actor=None`` is allowed only with ``as_system=True``: the management
commands run without a login when given no ``--user`` (whoever has the shell
has the database), and the audit event then names no actor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import IO

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import NotFound
from gongzhi.core.models import AuditEvent

from .. import error_codes as codes
from ..models import Region, RosterImport
from .layout import SHEETS
from .loader import apply_plan
from .permissions import access_roster_community
from .progress import (
    PHASE_READ,
    PHASE_VALIDATE,
    PHASE_WRITE,
    ImportProgress,
    Progress,
)
from .reader import Problem, RosterFile, RosterInvalid, max_rows
from .validator import Validator

logger = logging.getLogger(__name__)


# Import ------------------------------------------------------------------------------
def roster_import(
    *,
    actor,
    community_id: int,
    fileobj: IO[bytes],
    filename: str,
    size: int | None = None,
    progress: Progress | None = None,
    on_success: Callable[[dict], None] | None = None,
    as_system: bool = False,
) -> dict[str, int]:
    """Import a roster workbook into a community: everything or nothing.

    Returns the counts of what was created and updated. Raises RosterInvalid
    (an ApplicationError whose ``details`` list every problem as
    {sheet, row, column, message}) and writes nothing if any row is wrong.
    ``on_success(counts)`` runs inside the write transaction.
    """
    community = access_roster_community(actor, community_id, as_system=as_system)
    progress = progress or Progress()
    progress.phase(PHASE_READ)
    baseline = _last_import_event(community)
    with RosterFile.open(fileobj, size) as roster:
        positions = {}
        problems: list[Problem] = []
        for sheet in SHEETS:
            found, missing = roster.header_map(sheet)
            positions[sheet.name] = found
            problems += missing
        if problems:
            raise RosterInvalid(problems)
        total = sum(roster.row_count(sheet) or 0 for sheet in SHEETS)
        progress.phase(PHASE_VALIDATE, total)
        validator = Validator(community, progress=progress.update, progress_every=progress.every)
        limit = _RowLimit(max_rows())
        building_sheet, household_sheet, resident_sheet = SHEETS
        validator.check_buildings(limit(roster.rows(building_sheet, positions[building_sheet.name])))
        validator.check_households(limit(roster.rows(household_sheet, positions[household_sheet.name])))
        validator.check_residents(limit(roster.rows(resident_sheet, positions[resident_sheet.name])))
        plan = validator.finish()
    if validator.problem_count:
        raise RosterInvalid(validator.problems, total=validator.problem_count)
    counts = plan.counts()
    progress.phase(PHASE_WRITE, plan.write_total, in_transaction=True)
    with transaction.atomic():
        _check_no_import_since(community, baseline)
        apply_plan(plan, progress=progress.update)
        audit_record(
            actor=actor,
            action="roster.import",
            target=community,
            community_id=community.pk,
            details={"filename": filename[:200], **counts, **({"via": "command"} if actor is None else {})},
        )
        if on_success is not None:
            on_success(counts)
    return counts


def _last_import_event(community: Region) -> int:
    last = (
        AuditEvent.objects.filter(action="roster.import", community_id=community.pk)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return last or 0


def _check_no_import_since(community: Region, baseline: int) -> None:
    """Two imports of one community validated side by side would both create the same
    new residents. The write transactions take the community's lock in turn; the later
    one sees the earlier one's audit event and writes nothing."""
    list(Region.objects.select_for_update().filter(pk=community.pk).values_list("pk"))
    if AuditEvent.objects.filter(action="roster.import", community_id=community.pk, pk__gt=baseline).exists():
        raise RosterInvalid(
            [Problem("", None, "", _("校验期间本社区有另一份花名册导入完成，为避免重复登记，本次未导入任何数据，请重新上传。"))],
            code=codes.ROSTER_CONFLICT,
        )


class _RowLimit:
    """Stops reading once the file has more data rows than ROSTER_MAX_ROWS (a backstop
    for files whose row count could not be taken up front)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen = 0

    def __call__(self, rows: Iterator) -> Iterator:
        for item in rows:
            self.seen += 1
            if self.seen > self.limit:
                raise RosterInvalid(
                    [Problem("", None, "", _("文件数据超过 %(limit)d 行的上限，请拆分后分批导入。") % {"limit": self.limit})],
                    code=codes.FILE_TOO_LARGE,
                )
            yield item


def roster_import_run(*, import_id: int) -> str:
    """Run a queued import (called by the task). Runs each import at most once."""
    claimed = RosterImport.objects.filter(pk=import_id, status=RosterImport.Status.PENDING).update(
        status=RosterImport.Status.RUNNING, started_at=timezone.now(), phase=PHASE_READ
    )
    if not claimed:
        return "skipped"
    record = RosterImport.objects.select_related("community", "uploaded_by").get(pk=import_id)
    progress = ImportProgress(import_id)
    rows = RosterImport.objects.filter(pk=import_id)

    def succeeded(counts: dict) -> None:
        rows.update(
            status=RosterImport.Status.SUCCEEDED, summary=counts, phase="", processed_rows=F("total_rows"),
            finished_at=timezone.now(),
        )

    def failed(problems: list[dict], message: str, total: int) -> None:
        rows.update(
            status=RosterImport.Status.FAILED, errors=problems, phase="",
            summary={"message": message, "error_count": total}, finished_at=timezone.now(),
        )

    try:
        if record.uploaded_by is None or not record.uploaded_by.is_active:
            raise NotFound()
        with record.file.open("rb") as fileobj:
            roster_import(
                actor=record.uploaded_by,
                community_id=record.community_id,
                fileobj=fileobj,
                filename=record.filename,
                size=record.size,
                progress=progress,
                on_success=succeeded,
            )
        return "succeeded"
    except RosterInvalid as exc:
        failed([p.as_dict() for p in exc.problems], exc.message, exc.total)
        return "failed"
    except NotFound:
        message = _("上传人已无权导入该社区的花名册，未导入任何数据。")
        failed([Problem("", None, "", message).as_dict()], message, 1)
        return "failed"
    except Exception:
        logger.exception("roster import %s failed", import_id)
        message = _("导入时发生系统错误，未导入任何数据。请稍后重试或联系管理员。")
        failed([Problem("", None, "", message).as_dict()], message, 1)
        raise
    finally:
        progress.close()
        # The upload holds personal data: keep it no longer than the import needs it.
        name = record.file.name
        if name:
            record.file.storage.delete(name)
            rows.update(file="")
