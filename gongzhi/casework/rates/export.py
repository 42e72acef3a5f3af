"""The table of a 四率 report: its columns and cells (the page and the sheet), and the Excel workbook."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gongzhi.core import excel

from .selectors import Figures, Rate, Report, Row

# Table and Excel export -----------------------------------------------------------------------------------
BREAKDOWN_LABELS = {"grid": gettext_noop("网格"), "building": gettext_noop("楼栋"), "category": gettext_noop("类别"),
                    "community": gettext_noop("社区")}


def table_columns() -> list[tuple[str, str]]:
    """(column label, how to read it from Figures) for the page table and the Excel sheet."""
    return [
        (_("受理量"), "received"),
        (_("已响应"), "responded"),
        (_("响应率"), "response_rate"),
        (_("及时响应率"), "response_on_time_rate"),
        (_("已解决"), "resolved"),
        (_("解决率"), "resolution_rate"),
        (_("按期办结率"), "on_time_rate"),
        (_("已评价"), "rated"),
        (_("满意率"), "satisfaction_rate"),
        (_("办理中"), "open"),
        (_("其中超期"), "open_overdue"),
        (_("不予受理"), "rejected"),
        (_("楼栋办结"), "tier:building"),
        (_("网格办结"), "tier:grid"),
        (_("社区办结"), "tier:community"),
        (_("部门办结"), "tier:department"),
        (_("平均响应（小时）"), "avg_respond_hours"),
        (_("平均办结（小时）"), "avg_resolve_hours"),
    ]


def cell(figures: Figures, how: str):
    """A table cell: an int, a Rate, or hours (float or None)."""
    if how.startswith("tier:"):
        return figures.tier_share(how.split(":", 1)[1])
    return getattr(figures, how)


def report_xlsx(report: Report) -> bytes:
    """The report's table as an Excel workbook (rates as percentages, numerators in the counts)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = _("四率统计")
    bold = Font(bold=True)
    ws.append([_("有求必应 · 四率统计")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("统计范围"), report.scope.label])
    ws.append([_("统计期间"), f"{report.period.start.isoformat()} — {report.period.last_day.isoformat()}",
               _("（按提交时间）")])
    ws.append([_("统计时间"), timezone.localtime(report.as_of).strftime("%Y-%m-%d %H:%M")])
    ws.append([_("口径"), _("合并的重复诉求不计入；不予受理计入已响应、不计入解决率分母；满意＝4、5 星；"
                           "按期办结率分母含统计时仍超期未办结的诉求。详见 docs/rates.md。")])
    ws.append([])
    columns = table_columns()
    group = _(BREAKDOWN_LABELS[report.breakdown]) if report.breakdown else _("范围")
    ws.append([group, *[label for label, _how in columns]])
    header_row = ws.max_row
    for c in ws[header_row]:
        c.font = bold
        c.alignment = Alignment(wrap_text=True, vertical="center")
    rows = report.rows if report.breakdown else []
    for row in [*rows, Row("total", _("合计"), report.total)]:
        values = [row.label]
        for _label, how in columns:
            value = cell(row.figures, how)
            if isinstance(value, Rate):
                value = value.value
            elif isinstance(value, float):
                value = round(value, 1)
            values.append(value)
        ws.append(values)
        r = ws.max_row
        for i, (_label, how) in enumerate(columns, start=2):
            if isinstance(cell(row.figures, how), Rate):
                ws.cell(row=r, column=i).number_format = "0.0%"
        if row.key == "total":
            for c in ws[r]:
                c.font = bold
    ws.column_dimensions["A"].width = 22
    for i in range(2, len(columns) + 2):
        ws.column_dimensions[get_column_letter(i)].width = 11
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)

    cat = wb.create_sheet(_("按类别"))
    cat.append([_("类别"), _("受理量"), _("已解决"), _("解决率"), _("满意率")])
    for c in cat[1]:
        c.font = bold
    for row in report.by_category:
        f = row.figures
        cat.append([row.label, f.received, f.resolved, f.resolution_rate.value, f.satisfaction_rate.value])
        cat.cell(row=cat.max_row, column=4).number_format = "0.0%"
        cat.cell(row=cat.max_row, column=5).number_format = "0.0%"
    cat.column_dimensions["A"].width = 22
    return excel.workbook_bytes(wb)  # category and place names are staff text: escaped
