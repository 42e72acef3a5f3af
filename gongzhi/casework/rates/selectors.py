"""四率 figures: the period, the counts and rates of docs/rates.md, and the report of one place.

Read-only. The definitions are in docs/rates.md and nowhere else; this module
implements exactly those, with SQL aggregation only (conditional COUNT … FILTER
and SUM of durations, grouped by category and, when a breakdown asks for it, by
grid / building / community). No request row is loaded. Which places a user may
report on is decided in ``permissions``.
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

from gongzhi.core.errors import ApplicationError
from gongzhi.core.sorting import natural_sorted
from gongzhi.org.models import Building, Region

from ..models import Case, CaseEvent, Category, Tier
from .. import error_codes as codes
from .permissions import RateScope, building_label

S = Case.Status

BREAKDOWNS = ("grid", "building", "category", "community")
MAX_PERIOD_DAYS = 3 * 366 + 1
MIN_DATE = date(1900, 1, 1)  # earlier days overflow once moved to UTC (0001-01-01 in Beijing is year 0)
TIERS = [Tier.BUILDING, Tier.GRID, Tier.COMMUNITY, Tier.DEPARTMENT]


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


def parse_date(value, field_name: str) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ApplicationError(
            codes.INVALID_PERIOD, _("日期格式应为 YYYY-MM-DD（例如 2026-03-01）。"), field=field_name
        ) from None


def period(start, end, kind: str = "custom") -> Period:
    """A period from start (included) to end (excluded)."""
    start_d, end_d = parse_date(start, "start"), parse_date(end, "end")
    if start_d < MIN_DATE:
        raise ApplicationError(codes.INVALID_PERIOD, _("开始日期不能早于 1900-01-01。"), field="start")
    if end_d <= start_d:
        raise ApplicationError(codes.INVALID_PERIOD, _("结束日期必须晚于开始日期。"), field="end")
    if (end_d - start_d).days > MAX_PERIOD_DAYS:
        raise ApplicationError(codes.INVALID_PERIOD, _("统计期间最长 3 年。"), field="end")
    return Period(start_d, end_d, kind)


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise ApplicationError(codes.INVALID_PERIOD, _("月份应在 1 到 12 之间。"), field="month")
    last = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last) + timedelta(days=1), "month")


def quarter_period(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise ApplicationError(codes.INVALID_PERIOD, _("季度应在 1 到 4 之间。"), field="quarter")
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
        labels = [(g.pk, g.name) for g in natural_sorted(grids, key=lambda g: g.name)]
        unplaced = _("未定位到网格")
    elif breakdown == "building":
        buildings = Building.objects.select_related("compound")
        if scope.kind == "building":
            buildings = buildings.filter(pk=scope.pk)
        elif scope.kind == "grid":
            buildings = buildings.filter(grid_id=scope.pk)
        else:
            buildings = buildings.filter(community_id__in=scope.community_ids)
        labels = [(b.pk, building_label(b)) for b in natural_sorted(buildings, key=lambda b: (b.compound.name, b.name, b.pk))]
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
        raise ApplicationError(codes.INVALID_BREAKDOWN, _("分组方式只能是网格、楼栋、类别或社区。"), field="breakdown")
    if breakdown == "community" and scope.kind != "subdistrict":
        raise ApplicationError(codes.INVALID_BREAKDOWN, _("按社区分组只适用于街道范围。"), field="breakdown")
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
