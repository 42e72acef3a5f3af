"""Excel workbooks of case lists: the staff queue (its current filter) and the 督办 board.

For people who live in Excel: one row per request, every text cell through ``gongzhi.core.excel``
(a resident's ``=HYPERLINK(...)`` description stays inert), phone numbers masked as on the page.
The download is audited by ``actions.exports.cases_export`` (how many requests and residents it holds).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from gongzhi.core import excel
from gongzhi.core.validators import mask_phone

from .models import Case
from .selectors import case_text

MAX_ROWS = 10000  # a sheet people still open; the queue page says when the filter holds more


def columns() -> list[str]:
    return [_("编号"), _("诉求内容"), _("状态"), _("紧急程度"), _("类别"), _("当前层级"), _("社区"), _("地点"),
            _("反映人"), _("反映人电话"), _("承办"), _("提交时间"), _("响应时限"), _("办结时限"), _("超时")]


def place(case: Case) -> str:
    parts = [case.compound.name if case.compound_id else "", case.building.name if case.building_id else ""]
    if case.household_id:
        parts.append(f"{case.household.unit.number}-{case.household.room}" if case.household.unit_id
                     else case.household.room)
    text = " ".join(p for p in parts if p)
    return text or case.address


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def late_words(case: Case, now) -> str:
    if not case.is_open:
        return ""
    if case.resolution_due_at < now:
        return _("办结超时")
    if case.responded_at is None and case.response_due_at < now:
        return _("响应超时")
    return ""


def row(case: Case, now, viewer=None) -> list:
    """One request as a row; its text as ``viewer`` may read it (``selectors.case_text``: typed phone and ID
    numbers masked for roles without the full right, as on the page)."""
    reporter = case.reporter_name or (case.reporter_resident.name if case.reporter_resident_id else "")
    handler = case.handler.name if case.handler_id else (case.department.name if case.department_id else "")
    return [case.pk, case_text(viewer, case, case.description), case.get_status_display(), case.get_urgency_display(), case.category.name,
            case.get_tier_display(), case.community.name, place(case), reporter,
            mask_phone(case.reporter_phone) if case.reporter_phone else "", handler, _local(case.created_at),
            _local(case.response_due_at), _local(case.resolution_due_at), late_words(case, now)]


def with_related(cases):
    return cases.select_related("community", "compound", "building", "household__unit", "category", "handler",
                                "department", "reporter_resident")


def cases_xlsx(sheets: Iterable[tuple[str, Iterable[Case]]], *, title: str, note: str = "",
               viewer=None) -> tuple[bytes, set]:
    """``sheets`` of (name, cases) as one workbook; also the people it names (residents, or a name and phone)."""
    now = timezone.now()
    wb = Workbook()
    wb.remove(wb.active)
    people: set = set()
    bold = Font(bold=True)
    for name, cases in sheets:
        ws = wb.create_sheet(name[:31])
        excel.append(ws, [title])
        ws["A1"].font = Font(bold=True, size=14)
        excel.append(ws, [_("导出时间"), timezone.localtime(now).strftime("%Y-%m-%d %H:%M"), note])
        excel.append(ws, [])
        excel.append(ws, columns())
        for cell in ws[ws.max_row]:
            cell.font = bold
        for case in cases:
            excel.append(ws, row(case, now, viewer))
            if case.reporter_resident_id:
                people.add(("resident", case.reporter_resident_id))
            elif case.reporter_name or case.reporter_phone:
                people.add(("named", case.reporter_name, case.reporter_phone))
        ws.column_dimensions["B"].width = 50
        for letter in "HLMN":
            ws.column_dimensions[letter].width = 17
    return excel.workbook_bytes(wb), people
