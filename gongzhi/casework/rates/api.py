"""JSON API of the casework rates (四率), and a trivial authenticated endpoint for benchmarks.

Mounted under /api/casework next to the casework router (config/api.py):
``GET /api/casework/rates`` and ``GET /api/casework/ping``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from gongzhi.core.errors import ApplicationError
from gongzhi.core.schemas import Id, checked, errors

from .. import error_codes as codes
from . import permissions, selectors

router = Router(tags=["casework-rates"])


class RateOut(Schema):
    value: float | None
    numerator: int
    denominator: int


class FiguresOut(Schema):
    received: int
    merged: int
    responded: int
    responded_on_time: int
    rejected: int
    resolved: int
    resolved_on_time: int
    open: int
    open_overdue: int
    rated: int
    satisfied: int
    tier_building: int
    tier_grid: int
    tier_community: int
    tier_department: int
    response_rate: RateOut
    response_on_time_rate: RateOut
    resolution_rate: RateOut
    satisfaction_rate: RateOut
    on_time_rate: RateOut
    resolved_tier_share: dict[str, RateOut]
    avg_respond_hours: float | None
    avg_resolve_hours: float | None


class RowOut(FiguresOut):
    key: str
    label: str


class CategoryCountOut(Schema):
    key: str
    label: str
    received: int


class ScopeOut(Schema):
    kind: str
    id: int
    name: str


class RatesReportOut(Schema):
    scope: ScopeOut
    start: date
    end: date
    as_of: datetime
    total: FiguresOut
    by_category: list[CategoryCountOut]
    breakdown: str | None
    rows: list[RowOut]


class RatesFilter(Schema):
    # At most one place (none: the caller's broadest scope); limits checked by the selectors (400).
    subdistrict: Id | None = None
    community: Id | None = None
    grid: Id | None = None
    building: Id | None = None
    start: str | None = checked(default=None, description="YYYY-MM-DD (from 1900-01-01), with end; at most 3 years.")
    end: str | None = checked(default=None, description="YYYY-MM-DD, excluded.")
    breakdown: str | None = checked(default=None, enum=["", *selectors.BREAKDOWNS, None])


def _period(start: str | None, end: str | None) -> selectors.Period:
    if not start and not end:
        today = timezone.localdate()
        return selectors.month_period(today.year, today.month)
    if not start or not end:
        raise ApplicationError(codes.INVALID_PERIOD, _("请同时提供开始日期（start）和结束日期（end）。"),
                               field="start" if not start else "end")
    return selectors.period(start, end)


@router.get("/rates", response={200: RatesReportOut, **errors(400, 404)})
def rates_get(request: HttpRequest, filters: Query[RatesFilter]):
    """四率 of one place over [start, end) of submission time (default: this month). See docs/rates.md."""
    scope = permissions.scope_from_params(
        request.user, subdistrict=filters.subdistrict, community=filters.community, grid=filters.grid,
        building=filters.building,
    )
    report = selectors.rates_report(scope, _period(filters.start, filters.end), breakdown=filters.breakdown or None)
    return report.as_dict()


@router.get("/ping", response=dict)
def ping(request: HttpRequest):
    """Authenticated no-op: the baseline the benchmarks compare real endpoints with."""
    return {"ok": True}
