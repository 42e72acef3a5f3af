"""Pages of the roster (花名册): template, export, upload and the import's progress."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.errors import ApplicationError
from gongzhi.core.page_errors import flash_error
from gongzhi.core.pickers import community_choice

from ..models import RosterImport
from ..permissions import MANAGE_ROSTER, access_community, communities_with
from . import actions as roster_actions
from .permissions import access_roster_import
from .progress import (
    PHASE_READ,
    PHASE_VALIDATE,
    PHASE_WRITE,
    live_write_progress,
)
from .writer import write_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def roster_home(request: HttpRequest) -> HttpResponse:
    communities = communities_with(request.user, MANAGE_ROSTER)
    community = community_choice(request, communities)
    imports = RosterImport.objects.filter(community=community).select_related("uploaded_by")[:10]
    return render(
        request,
        "org/roster.html",
        {"community": community, "communities": communities, "imports": imports},
    )


@login_required
@require_GET
def roster_template(request: HttpRequest) -> HttpResponse:
    community = access_community(request.user, request.GET.get("community"), MANAGE_ROSTER)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so removes) it
    write_template(out, community=community)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=_("花名册模板.xlsx"), content_type=XLSX)


@login_required
@require_POST
def roster_export(request: HttpRequest) -> HttpResponse:
    community = access_community(request.user, request.POST.get("community"), MANAGE_ROSTER)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so removes) it
    roster_actions.roster_export(actor=request.user, community_id=community.pk, out=out)
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d")
    filename = _("%(community)s花名册-%(date)s.xlsx") % {"community": community.name, "date": stamp}
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)


@login_required
@require_POST
def roster_upload(request: HttpRequest) -> HttpResponse:
    community_id = request.POST.get("community")
    try:
        record = roster_actions.roster_import_start(
            actor=request.user, community_id=community_id, upload=request.FILES.get("file")
        )
    except ApplicationError as exc:
        flash_error(request, exc)
        return redirect(f"{reverse('org:roster')}?community={int(community_id)}")
    return redirect("org:roster_import", record.pk)


PHASE_LABELS = {
    PHASE_READ: gettext_lazy("打开文件"),
    PHASE_VALIDATE: gettext_lazy("校验数据"),
    PHASE_WRITE: gettext_lazy("写入数据库"),
}

SUMMARY_ROWS = (
    (gettext_lazy("楼栋"), "buildings_created", "buildings_updated"),
    (gettext_lazy("单元"), "units_created", None),
    (gettext_lazy("房屋"), "households_created", "households_updated"),
    (gettext_lazy("居民"), "residents_created", "residents_updated"),
    (gettext_lazy("居住/产权关系"), "occupancies_created", "occupancies_updated"),
    (gettext_lazy("标签"), "tags_added", None),
)


@login_required
@require_GET
def roster_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = access_roster_import(request.user, pk)
    running = record.status in (RosterImport.Status.PENDING, RosterImport.Status.RUNNING)
    summary = record.summary or {}
    context = {
        "record": record,
        "running": running,
        "phase_label": PHASE_LABELS.get(record.phase, ""),
        # On SQLite the write transaction holds the only write lock, so its progress
        # cannot be published: show the phase as under way instead of a stuck bar.
        "indeterminate": record.phase == PHASE_WRITE and not live_write_progress(),
        "summary_rows": [
            (label, summary.get(created, 0), summary.get(updated) if updated else None)
            for label, created, updated in SUMMARY_ROWS
        ],
        "error_count": summary.get("error_count", len(record.errors)),
    }
    template = "org/roster_progress.html" if request.htmx else "org/roster_import.html"
    return render(request, template, context)
