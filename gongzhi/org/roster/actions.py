"""Writes of the roster (花名册): import (now, or queued from the page) and export.

- ``roster_import``: the import itself, all or nothing (in ``importing``, which
  the background task also calls through ``roster_import_run``);
- ``roster_import_start``: the page's upload, stored and queued as a task;
- ``roster_export``: the community's roster as a workbook, audited.

Import chain, with no cycle: ``actions`` → ``tasks`` → ``importing``.
"""

from __future__ import annotations

from typing import IO

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.effects import enqueue_on_commit, save_file_on_commit
from gongzhi.core.errors import ApplicationError

from ..models import RosterImport
from .importing import roster_import, roster_import_run
from .permissions import access_roster_community
from .reader import check_upload
from .tasks import run_roster_import
from .writer import write_export

__all__ = ["roster_export", "roster_import", "roster_import_run", "roster_import_start"]


# Import from the page: upload, then a background task ------------------------------------
def roster_import_start(*, actor, community_id: int, upload: UploadedFile) -> RosterImport:
    """Store an upload and queue its import. Cheap checks (size, not a workbook) fail here."""
    community = access_roster_community(actor, community_id)
    if upload is None:
        raise ApplicationError("required", _("请选择要上传的 .xlsx 文件。"), field="file")
    check_upload(upload, upload.size)
    with transaction.atomic():
        record = RosterImport(
            community=community,
            uploaded_by=actor,
            filename=(upload.name or "roster.xlsx")[:200],
            size=upload.size,
            phase="",
        )
        upload.seek(0)
        # The file is written, then the task queued, only once the row is committed (core.effects):
        # a rollback leaves neither an orphan file nor a task about a row that does not exist.
        save_file_on_commit(record.file, "roster.xlsx", upload.read())
        record.save()
        enqueue_on_commit(run_roster_import, record.pk)
    return record


# Export ------------------------------------------------------------------------------
def roster_export(*, actor, community_id: int, out: IO[bytes] | str, as_system: bool = False) -> dict[str, int]:
    """Write the community's roster to ``out`` (full phone and ID numbers) and audit it."""
    community = access_roster_community(actor, community_id, as_system=as_system)
    counts = write_export(out, community=community)
    audit_record(
        actor=actor,
        action="roster.export",
        target=community,
        community_id=community.pk,
        details={**counts, **({"via": "command"} if actor is None else {})},
    )
    return counts
