"""四率: response, resolution, satisfaction and on-time closure rates of resident requests.

Read-only selectors. The definitions are in docs/rates.md and nowhere else;
this module implements exactly those, with SQL aggregation only (conditional
COUNT … FILTER and SUM of durations, grouped by category and, when a breakdown
asks for it, by grid / building / community). No request row is loaded.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import excel
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.org.models import Building, Region

from .models import Case, CaseEvent, Category, Tier
from .permissions import view_scope

S = Case.Status

# Error codes of the rates API (stable strings).
INVALID_PERIOD = "invalid_period"
INVALID_SCOPE = "invalid_scope"
INVALID_BREAKDOWN = "invalid_breakdown"

SCOPE_KINDS = ("subdistrict", "community", "grid", "building")
BREAKDOWNS = ("grid", "building", "category", "community")
MAX_PERIOD_DAYS = 3 * 366 + 1
TIERS = [Tier.BUILDING, Tier.GRID, Tier.COMMUNITY, Tier.DEPARTMENT]


# Scope ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RateScope:
    """The place a report is about."""

    kind: str  # one of SCOPE_KINDS
    pk: int
    name: str
    community_ids: tuple[int, ...]

    @property
    def label(self) -> str:
        kinds = {"subdistrict": _("街道"), "community": _("社区"), "grid": _("网格"), "building": _("楼栋")}
        return f"{kinds[self.kind]} · {self.name}"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}"

    def q(self) -> Q:
        if self.kind == "building":
            return Q(building_id=self.pk)
        if self.kind == "grid":
            return Q(grid_id=self.pk)
        if self.kind == "community":
            return Q(community_id=self.pk)
        return Q(community_id__in=list(self.community_ids))


def _building_label(b: Building) -> str:
    return f"{b.compound.name} {b.name}"


def _subdistrict_communities(region: Region) -> list[int]:
    return list(region.child_communities().order_by("code").values_list("pk", flat=True))


def rate_scope(user, *, kind: str, pk) -> RateScope:
    """The scope, if the user sees every request in it (docs/rates.md, "Who may see a report").

    A place that does not exist and a place the user may not report on both raise NotFound.
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    scope = view_scope(user)
    if scope.is_empty or kind not in SCOPE_KINDS:
        raise NotFound()
    if kind == "building":
        b = Building.objects.select_related("compound").filter(pk=pk).first()
        if b is None or not scope.contains_building(b):
            raise NotFound()
        return RateScope("building", b.pk, _building_label(b), (b.community_id,))
    region = Region.objects.filter(pk=pk, kind=kind).first()
    if region is None:
        raise NotFound()
    if kind == "grid":
        if not (scope.everything or region.pk in scope.grids or region.parent_community_id in scope.communities):
            raise NotFound()
        return RateScope("grid", region.pk, region.name, (region.parent_community_id,))
    if kind == "community":
        if not scope.covers_community(region.pk):
            raise NotFound()
        return RateScope("community", region.pk, region.name, (region.pk,))
    communities = _subdistrict_communities(region)
    if not communities or not all(scope.covers_community(c) for c in communities):
        raise NotFound()
    return RateScope("subdistrict", region.pk, region.name, tuple(communities))


def rate_scopes(user) -> list[RateScope]:
    """Every scope the user may report on, broadest first (for the page's picker)."""
    scope = view_scope(user)
    if scope.is_empty:
        return []
    result: list[RateScope] = []
    if scope.everything:
        community_ids = set(Region.objects.filter(kind=Region.Kind.COMMUNITY).values_list("pk", flat=True))
    else:
        community_ids = set(scope.communities)
    for sub in Region.objects.filter(kind=Region.Kind.SUBDISTRICT).order_by("code"):
        communities = _subdistrict_communities(sub)
        if communities and set(communities) <= community_ids:
            result.append(RateScope("subdistrict", sub.pk, sub.name, tuple(communities)))
    for c in Region.objects.filter(pk__in=community_ids).order_by("code"):
        result.append(RateScope("community", c.pk, c.name, (c.pk,)))
    grids = Region.objects.filter(kind=Region.Kind.GRID).filter(
        Q(parent_community_id__in=community_ids) | Q(pk__in=scope.grids)
    )
    for g in grids.order_by("code"):
        result.append(RateScope("grid", g.pk, g.name, (g.parent_community_id,)))
    if scope.buildings or scope.compounds:
        buildings = Building.objects.filter(Q(pk__in=scope.buildings) | Q(compound_id__in=scope.compounds))
        buildings = buildings.exclude(community_id__in=community_ids).exclude(grid_id__in=scope.grids)
        for b in buildings.select_related("compound").order_by("compound__name", "name"):
            result.append(RateScope("building", b.pk, _building_label(b), (b.community_id,)))
    return result


def default_scope(user) -> RateScope:
    scopes = rate_scopes(user)
    if not scopes:
        raise NotFound()
    return scopes[0]


def scope_from_params(user, *, subdistrict=None, community=None, grid=None, building=None) -> RateScope:
    """At most one of the place parameters; none means the user's broadest scope."""
    given = [(k, v) for k, v in (("subdistrict", subdistrict), ("community", community), ("grid", grid),
                                 ("building", building)) if v not in (None, "")]
    if len(given) > 1:
        raise ApplicationError(INVALID_SCOPE, _("请只选择一个统计范围（街道、社区、网格或楼栋）。"), field="scope")
    if not given:
        return default_scope(user)
    kind, pk = given[0]
    return rate_scope(user, kind=kind, pk=pk)


# Period -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """[start, end) of submission time, from local dates."""

    start: date
    end: date  # exclusive
    kind: str = "custom"  # month | quarter | year | custom

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, datetime.min.time()))

    @property
    def end_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end, datetime.min.time()))

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("%(y)d年%(m)d月") % {"y": self.start.year, "m": self.start.month}
        if self.kind == "quarter":
            return _("%(y)d年第%(q)d季度") % {"y": self.start.year, "q": (self.start.month - 1) // 3 + 1}
        if self.kind == "year":
            return _("%(y)d年") % {"y": self.start.year}
        return _("%(a)s 至 %(b)s") % {"a": self.start.isoformat(), "b": self.last_day.isoformat()}


def _parse_date(value, field_name: str) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ApplicationError(
            INVALID_PERIOD, _("日期格式应为 YYYY-MM-DD（例如 2026-03-01）。"), field=field_name
        ) from None


def period(start, end, kind: str = "custom") -> Period:
    """A period from start (included) to end (excluded)."""
    start_d, end_d = _parse_date(start, "start"), _parse_date(end, "end")
    if end_d <= start_d:
        raise ApplicationError(INVALID_PERIOD, _("结束日期必须晚于开始日期。"), field="end")
    if (end_d - start_d).days > MAX_PERIOD_DAYS:
        raise ApplicationError(INVALID_PERIOD, _("统计期间最长 3 年。"), field="end")
    return Period(start_d, end_d, kind)


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise ApplicationError(INVALID_PERIOD, _("月份应在 1 到 12 之间。"), field="month")
    last = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last) + timedelta(days=1), "month")


def quarter_period(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise ApplicationError(INVALID_PERIOD, _("季度应在 1 到 4 之间。"), field="quarter")
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Period(start, end, "quarter")


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year + 1, 1, 1), "year")


# Figures ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> str:
        v = self.value
        return "—" if v is None else f"{v * 100:.1f}%"

    def as_dict(self) -> dict:
        v = self.value
        return {"value": None if v is None else round(v, 6), "numerator": self.numerator,
                "denominator": self.denominator}


COUNT_FIELDS = (
    "received", "merged", "responded", "responded_on_time", "rejected", "resolved", "resolved_on_time",
    "open", "open_overdue", "rated", "satisfied",
    "tier_building", "tier_grid", "tier_community", "tier_department",
)


@dataclass
class Figures:
    """The counts of one row (or the total) and the rates derived from them (docs/rates.md)."""

    received: int = 0  # N
    merged: int = 0  # duplicates, not in N
    responded: int = 0  # R
    responded_on_time: int = 0  # R_on
    rejected: int = 0  # J
    resolved: int = 0  # V
    resolved_on_time: int = 0  # V_on
    open: int = 0
    open_overdue: int = 0
    rated: int = 0  # S
    satisfied: int = 0  # S_ok
    tier_building: int = 0
    tier_grid: int = 0
    tier_community: int = 0
    tier_department: int = 0
    respond_time: timedelta = field(default_factory=timedelta)  # sum over responded (with a time)
    respond_timed: int = 0
    resolve_time: timedelta = field(default_factory=timedelta)  # sum over resolved
    resolve_timed: int = 0

    def add(self, other: Figures) -> None:
        for name in (*COUNT_FIELDS, "respond_time", "respond_timed", "resolve_time", "resolve_timed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    # The rates --------------------------------------------------------------
    @property
    def response_rate(self) -> Rate:
        return Rate(self.responded, self.received)

    @property
    def response_on_time_rate(self) -> Rate:
        return Rate(self.responded_on_time, self.received)

    @property
    def resolution_rate(self) -> Rate:
        return Rate(self.resolved, self.received - self.rejected)

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.resolved_on_time, self.resolved + self.open_overdue)

    @property
    def satisfaction_rate(self) -> Rate:
        return Rate(self.satisfied, self.rated)

    def tier_share(self, tier: str) -> Rate:
        return Rate(getattr(self, f"tier_{tier}"), self.resolved)

    @property
    def tier_shares(self) -> list[tuple[str, str, Rate]]:
        return [(t.value, str(t.label), self.tier_share(t.value)) for t in TIERS]

    @property
    def avg_respond_hours(self) -> float | None:
        if not self.respond_timed:
            return None
        return self.respond_time.total_seconds() / 3600 / self.respond_timed

    @property
    def avg_resolve_hours(self) -> float | None:
        if not self.resolve_timed:
            return None
        return self.resolve_time.total_seconds() / 3600 / self.resolve_timed

    def as_dict(self) -> dict:
        return {
            **{name: getattr(self, name) for name in COUNT_FIELDS},
            "response_rate": self.response_rate.as_dict(),
            "response_on_time_rate": self.response_on_time_rate.as_dict(),
            "resolution_rate": self.resolution_rate.as_dict(),
            "satisfaction_rate": self.satisfaction_rate.as_dict(),
            "on_time_rate": self.on_time_rate.as_dict(),
            "resolved_tier_share": {t: self.tier_share(t).as_dict() for t in Tier.values},
            "avg_respond_hours": _round(self.avg_respond_hours),
            "avg_resolve_hours": _round(self.avg_resolve_hours),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


class SecondsBetween(Func):
    """``end − start`` in seconds, computed by the database's own date functions.

    (Django's generic datetime subtraction on SQLite calls a Python function per row, which
    dominated the report's time; julianday() and EXTRACT(EPOCH …) are native.)
    """

    output_field = FloatField()

    def __init__(self, end, start):
        super().__init__(F(end), F(start))

    def _parts(self, compiler):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return end, start, (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        end, start, params = self._parts(compiler)
        return f"((julianday({end}) - julianday({start})) * 86400.0)", params

    def as_sql(self, compiler, connection, **extra_context):  # PostgreSQL and the rest
        end, start, params = self._parts(compiler)
        return f"EXTRACT(EPOCH FROM ({end} - {start}))", params


def _aggregates(as_of: datetime) -> dict:
    """One conditional aggregate per count of docs/rates.md, evaluated by the database."""
    merged = Q(status=S.MERGED)
    done = Q(status__in=Case.DONE_STATUSES)
    open_ = Q(status__in=Case.OPEN_STATUSES)
    has_response = Q(responded_at__isnull=False) & ~merged
    # The deadline sweep escalates a request nobody answered in time and gives the next tier a
    # fresh window (response_due_at moves): such a request missed its first deadline.
    auto_escalated = Exists(CaseEvent.objects.filter(case_id=OuterRef("pk"), kind=CaseEvent.Kind.ESCALATED,
                                                     actor__isnull=True))
    aggs = {
        "received": Count("pk", filter=~merged),
        "merged": Count("pk", filter=merged),
        "responded": Count("pk", filter=has_response | Q(status=S.REJECTED)),
        "responded_on_time": Count(
            "pk", filter=has_response & Q(responded_at__lte=F("response_due_at")) & ~Q(auto_escalated)
        ),
        "rejected": Count("pk", filter=Q(status=S.REJECTED)),
        "resolved": Count("pk", filter=done),
        "resolved_on_time": Count("pk", filter=done & Q(resolved_at__lte=F("resolution_due_at"))),
        "open": Count("pk", filter=open_),
        "open_overdue": Count("pk", filter=open_ & Q(resolution_due_at__lt=as_of)),
        "rated": Count("pk", filter=Q(rating__isnull=False) & ~merged),
        "satisfied": Count("pk", filter=Q(rating__gte=4) & ~merged),
        "respond_time": Sum(SecondsBetween("responded_at", "created_at"), filter=has_response),
        "respond_timed": Count("pk", filter=has_response),
        "resolve_time": Sum(SecondsBetween("resolved_at", "created_at"), filter=done & Q(resolved_at__isnull=False)),
        "resolve_timed": Count("pk", filter=done & Q(resolved_at__isnull=False)),
    }
    for t in TIERS:
        aggs[f"tier_{t.value}"] = Count("pk", filter=done & Q(resolved_tier=t.value))
    return aggs


def _figures(row: dict) -> Figures:
    f = Figures()
    for name in (*COUNT_FIELDS, "respond_timed", "resolve_timed"):
        setattr(f, name, row.get(name) or 0)
    for name in ("respond_time", "resolve_time"):
        # Seconds, rounded to the millisecond (julianday() arithmetic is a double).
        setattr(f, name, timedelta(seconds=round(float(row.get(name) or 0), 3)))
    return f


PLACE_KEYS = {"grid": "grid_id", "building": "building_id", "community": "community_id"}


def _grouped(qs: QuerySet, place_key: str | None, as_of: datetime) -> tuple[dict, dict]:
    """One grouped query by category (and by the breakdown's place): ({category id: Figures},
    {place id: Figures}). Both sums are over the same rows, so each adds up to the total."""
    keys = ["category_id"] + ([place_key] if place_key else [])
    by_category: dict = {}
    by_place: dict = {}
    for row in qs.values(*keys).annotate(**_aggregates(as_of)).order_by():
        figures = _figures(row)
        by_category.setdefault(row["category_id"], Figures()).add(figures)
        if place_key:
            by_place.setdefault(row[place_key], Figures()).add(figures)
    return by_category, by_place


# The report -------------------------------------------------------------------------------------
@dataclass
class Row:
    key: str
    label: str
    figures: Figures


@dataclass
class Report:
    scope: RateScope
    period: Period
    as_of: datetime
    total: Figures
    by_category: list[Row]
    breakdown: str | None = None
    rows: list[Row] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "scope": {"kind": self.scope.kind, "id": self.scope.pk, "name": self.scope.name},
            "start": self.period.start,
            "end": self.period.end,
            "as_of": self.as_of,
            "total": self.total.as_dict(),
            "by_category": [{"key": r.key, "label": r.label, "received": r.figures.received}
                            for r in self.by_category],
            "breakdown": self.breakdown,
            "rows": [{"key": r.key, "label": r.label, **r.figures.as_dict()} for r in self.rows],
        }


def cases_in(scope: RateScope, p: Period) -> QuerySet[Case]:
    """The population P of docs/rates.md (merged duplicates included; the aggregates leave them out)."""
    return Case.objects.filter(scope.q(), created_at__gte=p.start_at, created_at__lt=p.end_at)


def _category_rows(scope: RateScope, by_id: dict[int, Figures]) -> list[Row]:
    """One row per category code (a sub-district has one Category row per community and code)."""
    categories = Category.objects.filter(community_id__in=scope.community_ids).filter(
        Q(is_active=True) | Q(pk__in=list(by_id))
    ).order_by("sort_order", "code", "community_id")
    rows: dict[str, Row] = {}
    for c in categories.values("pk", "code", "name"):
        row = rows.setdefault(c["code"], Row(c["code"], c["name"], Figures()))
        if c["pk"] in by_id:
            row.figures.add(by_id[c["pk"]])
    return list(rows.values())


def _place_rows(scope: RateScope, breakdown: str, grouped: dict) -> list[Row]:
    """Every grid / building / community of the scope, in order, plus an "unplaced" row when needed."""
    labels: list[tuple[int, str]] = []
    if breakdown == "grid":
        if scope.kind == "grid":
            grids = Region.objects.filter(pk=scope.pk)
        elif scope.kind == "building":
            grids = Region.objects.filter(buildings__pk=scope.pk)
        else:
            grids = Region.objects.filter(kind=Region.Kind.GRID, parent_community_id__in=scope.community_ids)
        labels = [(g.pk, g.name) for g in grids.order_by("code")]
        unplaced = _("未定位到网格")
    elif breakdown == "building":
        buildings = Building.objects.select_related("compound")
        if scope.kind == "building":
            buildings = buildings.filter(pk=scope.pk)
        elif scope.kind == "grid":
            buildings = buildings.filter(grid_id=scope.pk)
        else:
            buildings = buildings.filter(community_id__in=scope.community_ids)
        labels = [(b.pk, _building_label(b)) for b in buildings.order_by("compound__name", "name", "pk")]
        unplaced = _("未定位到楼栋")
    else:  # community
        labels = [(c.pk, c.name) for c in Region.objects.filter(pk__in=scope.community_ids).order_by("code")]
        unplaced = ""
    rows = [Row(str(pk), name, grouped.get(pk, Figures())) for pk, name in labels]
    known = {pk for pk, _name in labels}
    for pk, figures in grouped.items():
        if pk is None or pk not in known:
            # No place recorded (or a place since moved out of the scope's tree): still counted.
            row = next((r for r in rows if r.key == ""), None)
            if row is None:
                row = Row("", unplaced or _("其他"), Figures())
                rows.append(row)
            row.figures.add(figures)
    return rows


def rates_report(
    scope: RateScope, p: Period, *, breakdown: str | None = None, as_of: datetime | None = None
) -> Report:
    """The report of docs/rates.md: totals, by category and the optional breakdown.

    One query on cases (grouped by category, and by the breakdown's place when there is one),
    plus lookups of the names of categories, grids or buildings.
    """
    if breakdown not in (None, "", *BREAKDOWNS):
        raise ApplicationError(INVALID_BREAKDOWN, _("分组方式只能是网格、楼栋、类别或社区。"), field="breakdown")
    if breakdown == "community" and scope.kind != "subdistrict":
        raise ApplicationError(INVALID_BREAKDOWN, _("按社区分组只适用于街道范围。"), field="breakdown")
    as_of = as_of or timezone.now()
    place_key = PLACE_KEYS.get(breakdown or "")
    category_figures, place_figures = _grouped(cases_in(scope, p), place_key, as_of)
    by_category = _category_rows(scope, category_figures)
    total = Figures()
    for row in by_category:
        total.add(row.figures)
    report = Report(scope=scope, period=p, as_of=as_of, total=total, by_category=by_category,
                    breakdown=breakdown or None)
    if breakdown == "category":
        report.rows = by_category
    elif breakdown:
        report.rows = _place_rows(scope, breakdown, place_figures)
    return report


# Excel export -----------------------------------------------------------------------------------
BREAKDOWN_LABELS = {"grid": "网格", "building": "楼栋", "category": "类别", "community": "社区"}


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
