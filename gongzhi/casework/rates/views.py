"""The rates page (四率统计, a desk view) and its Excel export. Definitions: docs/rates.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gongzhi.core.errors import ApplicationError

from .. import error_codes as codes
from . import export, permissions, selectors

# Marked for extraction (gettext_noop) and translated where shown: the English page said 按月 before.
PERIOD_KINDS = [("month", gettext_noop("按月")), ("quarter", gettext_noop("按季度")), ("year", gettext_noop("按年")),
                ("custom", gettext_noop("自定义"))]
DEFAULT_BREAKDOWN = {"subdistrict": "community", "community": "grid", "grid": "building", "building": "category"}
BREAKDOWN_CHOICES = {
    "subdistrict": ["community", "grid", "category"],
    "community": ["grid", "building", "category"],
    "grid": ["building", "category"],
    "building": ["category"],
}


@dataclass
class Params:
    scope: permissions.RateScope
    period: selectors.Period
    breakdown: str
    kind: str
    year: int
    month: int
    quarter: int
    start: str
    end: str  # inclusive, as typed on the page

    def query(self, **override) -> str:
        values = {"scope": self.scope.key, "period": self.kind, "breakdown": self.breakdown}
        if self.kind == "custom":
            values.update(start=self.start, end=self.end)
        else:
            values["year"] = self.year
            if self.kind == "month":
                values["month"] = self.month
            if self.kind == "quarter":
                values["quarter"] = self.quarter
        values.update(override)
        return urlencode(values)


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _scope(request: HttpRequest) -> permissions.RateScope:
    raw = request.GET.get("scope", "")
    if not raw:
        return permissions.default_scope(request.user)
    kind, _sep, pk = raw.partition(":")
    return permissions.rate_scope(request.user, kind=kind, pk=pk)


def _params(request: HttpRequest) -> tuple[Params, ApplicationError | None]:
    """The page's choices; a bad period falls back to this month with the error shown."""
    scope = _scope(request)
    today = timezone.localdate()
    get = request.GET
    kind = get.get("period", "month")
    if kind not in dict(PERIOD_KINDS):
        kind = "month"
    year = _int(get.get("year"), today.year)
    month = _int(get.get("month"), today.month)
    quarter = _int(get.get("quarter"), (today.month - 1) // 3 + 1)
    first = today.replace(day=1)
    start = get.get("start") or first.isoformat()
    end = get.get("end") or today.isoformat()
    breakdown = get.get("breakdown") or DEFAULT_BREAKDOWN[scope.kind]
    if breakdown not in BREAKDOWN_CHOICES[scope.kind]:
        breakdown = DEFAULT_BREAKDOWN[scope.kind]
    error = None
    try:
        if not 2000 <= year <= 2100:
            raise ApplicationError(codes.INVALID_PERIOD, _("年份无效。"), field="year")
        if kind == "month":
            p = selectors.month_period(year, month)
        elif kind == "quarter":
            p = selectors.quarter_period(year, quarter)
        elif kind == "year":
            p = selectors.year_period(year)
        else:
            # On the page the end date is the last day included.
            end_day = selectors.parse_date(end, "end") + timedelta(days=1)
            p = selectors.period(start, end_day, "custom")
    except ApplicationError as exc:
        error = exc
        p = selectors.month_period(today.year, today.month)
        kind, year, month = "month", today.year, today.month
    return Params(scope, p, breakdown, kind, year, month, quarter, start, end), error


def _display(value) -> tuple[str, str]:
    """(text, tooltip) of a table cell: a count, a rate with its fraction, or hours."""
    if isinstance(value, selectors.Rate):
        return value.percent, f"{value.numerator}/{value.denominator}"
    if value is None:
        return "—", ""
    if isinstance(value, float):
        return f"{value:.1f}", ""
    return str(value), ""


@login_required
def rates_page(request: HttpRequest) -> HttpResponse:
    params, error = _params(request)
    report = selectors.rates_report(params.scope, params.period, breakdown=params.breakdown)
    scopes = permissions.rate_scopes(request.user)
    if params.scope.key not in {s.key for s in scopes}:
        scopes.append(params.scope)
    today = timezone.localdate()
    columns = export.table_columns()
    rows = [(row, [_display(export.cell(row.figures, how)) for _label, how in columns]) for row in report.rows]
    total_cells = [_display(export.cell(report.total, how)) for _label, how in columns]
    return render(request, "casework/rates/page.html", {
        "report": report,
        "params": params,
        "error": error,
        "scopes": scopes,
        "period_kinds": [(k, _(label)) for k, label in PERIOD_KINDS],
        "breakdowns": [(b, _(export.BREAKDOWN_LABELS[b])) for b in BREAKDOWN_CHOICES[params.scope.kind]],
        "years": list(range(today.year, today.year - 6, -1)),
        "months": list(range(1, 13)),
        "quarters": [1, 2, 3, 4],
        "columns": [label for label, _how in columns],
        "rows": rows,
        "total_cells": total_cells,
        "max_category": max([r.figures.received for r in report.by_category] or [0]),
        "export_query": params.query(),
    })


@login_required
def rates_export(request: HttpRequest) -> HttpResponse:
    params, error = _params(request)
    if error is not None:
        raise error
    report = selectors.rates_report(params.scope, params.period, breakdown=params.breakdown)
    response = HttpResponse(
        export.report_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = _("四率统计-%(scope)s-%(period)s.xlsx") % {"scope": params.scope.name, "period": params.period.label}
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
