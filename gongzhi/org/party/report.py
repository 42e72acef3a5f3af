"""The quarterly report of 双报到: each employer unit's members and the hours they served.

Staff with ``VIEW_PARTY`` over the community read it as a page or a workbook
(one sheet per unit, to send back to each unit every quarter).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from gongzhi.core import excel

from ..models import Institution, PartyMember, PartyRegistration, PostClaim, Region, ServiceRecord
from .selectors import quarter_dates


def _aware(d: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time.min))


@dataclass
class MemberRow:
    member: PartyMember
    group_name: str
    posts: list[str]
    record_count: int
    hours: Decimal


@dataclass
class EmployerReport:
    institution: Institution
    members: list[MemberRow]
    records: list[ServiceRecord]

    @property
    def total_hours(self) -> Decimal:
        return sum((m.hours for m in self.members), Decimal(0))

    @property
    def serving_members(self) -> int:
        return sum(1 for m in self.members if m.record_count)


def quarterly_report(
    community: Region, year: int, quarter: int, *, institution_id: int | None = None
) -> list[EmployerReport]:
    """Each employer unit's members with their building group, posts and hours in the quarter.

    A member is listed for the quarter if one of their registrations overlapped
    it or they served in it. Hours count service records dated inside the
    quarter. Five queries whatever the size.
    """
    start, end = quarter_dates(year, quarter)
    start_dt, end_dt = _aware(start), _aware(end)
    members_qs = PartyMember.objects.filter(community=community, employer__isnull=False).select_related(
        "resident", "employer"
    )
    if institution_id is not None:
        members_qs = members_qs.filter(employer_id=institution_id)
    members = {m.pk: m for m in members_qs}
    if not members:
        return []
    registrations: dict[int, PartyRegistration] = {}
    for reg in (
        PartyRegistration.objects.filter(member_id__in=members, registered_at__lt=end_dt)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start_dt))
        .select_related("party_group")
        .order_by("registered_at", "pk")
    ):
        registrations[reg.member_id] = reg  # the latest one overlapping the quarter wins
    posts: dict[int, list[str]] = defaultdict(list)
    for claim in (
        PostClaim.objects.filter(member_id__in=members, claimed_at__lt=end_dt)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=start_dt))
        .select_related("post")
        .order_by("claimed_at", "pk")
    ):
        if claim.post.title not in posts[claim.member_id]:
            posts[claim.member_id].append(claim.post.title)
    records: dict[int, list[ServiceRecord]] = defaultdict(list)
    for rec in (
        ServiceRecord.objects.filter(claim__member_id__in=members, served_on__gte=start, served_on__lt=end)
        .select_related("claim__post")
        .order_by("served_on", "pk")
    ):
        records[rec.claim.member_id].append(rec)
        if rec.claim.post.title not in posts[rec.claim.member_id]:
            posts[rec.claim.member_id].append(rec.claim.post.title)
    by_employer: dict[int, EmployerReport] = {}
    for m in sorted(members.values(), key=lambda m: (m.resident.name, m.pk)):
        if m.pk not in registrations and not records.get(m.pk):
            continue
        report = by_employer.get(m.employer_id)
        if report is None:
            report = by_employer[m.employer_id] = EmployerReport(m.employer, [], [])
        reg = registrations.get(m.pk)
        member_records = records.get(m.pk, [])
        for r in member_records:
            r.member = m
        report.members.append(
            MemberRow(
                member=m,
                group_name=reg.party_group.name if reg else "",
                posts=posts.get(m.pk, []),
                record_count=len(member_records),
                hours=sum((r.hours for r in member_records), Decimal(0)),
            )
        )
        report.records.extend(member_records)
    for report in by_employer.values():
        report.records.sort(key=lambda r: (r.served_on, r.pk))
    return sorted(by_employer.values(), key=lambda r: r.institution.name)


_SHEET_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_title(name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique (case-insensitive)."""
    base = (name.translate(_SHEET_BAD).strip("'") or "单位")[:31]
    title, n = base, 2
    while title.lower() in used:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def quarterly_report_xlsx(
    community: Region, year: int, quarter: int, reports: list[EmployerReport], *, single: Institution | None = None
) -> bytes:
    """The quarterly report as a workbook: a summary sheet (community-wide only) and one sheet per employer unit.

    Each unit's sheet lists its members (building group, posts, number of services,
    hours) and then every service record of the quarter, with the total.
    """
    from django.utils.translation import gettext as _
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    start, end = quarter_dates(year, quarter)
    last = end - datetime.timedelta(days=1)
    period = _("%(y)d年第%(q)d季度（%(a)s 至 %(b)s）") % {"y": year, "q": quarter, "a": start, "b": last}
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="F3E3E3")
    wb = Workbook()
    used: set[str] = set()

    def header(ws, row: int, titles: list[str]) -> None:
        for col, title in enumerate(titles, 1):
            cell = ws.cell(row=row, column=col, value=title)
            cell.font = bold
            cell.fill = head_fill

    def widths(ws, values: list[int]) -> None:
        for i, w in enumerate(values, 1):
            ws.column_dimensions[get_column_letter(i)].width = w

    if single is None:
        ws = wb.active
        ws.title = _sheet_title(_("汇总"), used)
        ws.append([_("%(c)s 在职党员双报到服务情况汇总") % {"c": community.name}])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([period])
        header(ws, 3, [_("工作单位"), _("党员人数"), _("参与服务人数"), _("服务次数"), _("服务时长（小时）")])
        for r in reports:
            ws.append([r.institution.name, len(r.members), r.serving_members, len(r.records), float(r.total_hours)])
        total_row = ws.max_row + 1
        ws.append([_("合计"), sum(len(r.members) for r in reports), sum(r.serving_members for r in reports),
                   sum(len(r.records) for r in reports), float(sum((r.total_hours for r in reports), Decimal(0)))])
        for cell in ws[total_row]:
            cell.font = bold
        widths(ws, [30, 10, 14, 10, 16])
    else:
        wb.remove(wb.active)
        if not reports:  # still hand the unit a workbook saying there was nothing to report
            reports = [EmployerReport(single, [], [])]

    for r in reports:
        ws = wb.create_sheet(_sheet_title(r.institution.name, used))
        ws.append([_("%(unit)s 在职党员到社区报到服务情况") % {"unit": r.institution.name}])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([_("报到社区：%(c)s") % {"c": community.name}, period])
        ws.append([])
        ws.append([_("一、党员报到及服务情况")])
        ws.cell(row=ws.max_row, column=1).font = bold
        header(ws, ws.max_row + 1, [_("姓名"), _("党员类别"), _("报到党小组"), _("认领岗位"), _("服务次数"),
                                    _("服务时长（小时）")])
        for m in r.members:
            ws.append([m.member.resident.name, str(m.member.get_kind_display()), m.group_name or _("（已结束报到）"),
                       "、".join(m.posts) or _("（未认领）"), m.record_count, float(m.hours)])
        ws.append([_("合计"), _("%(n)d 人") % {"n": len(r.members)}, "", "", len(r.records), float(r.total_hours)])
        for cell in ws[ws.max_row]:
            cell.font = bold
        ws.append([])
        ws.append([_("二、服务记录明细")])
        ws.cell(row=ws.max_row, column=1).font = bold
        header(ws, ws.max_row + 1, [_("服务日期"), _("姓名"), _("服务岗位"), _("服务内容"), _("服务时长（小时）")])
        for rec in r.records:
            ws.append([rec.served_on, rec.member.resident.name, rec.claim.post.title, rec.note, float(rec.hours)])
            ws.cell(row=ws.max_row, column=1).number_format = "yyyy-mm-dd"
        if not r.records:
            ws.append([_("本季度无服务记录")])
        widths(ws, [14, 12, 26, 36, 10, 16])
        for row in ws.iter_rows(min_row=5):
            for cell in row:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    return excel.workbook_bytes(wb)  # names, units and notes are residents' text: escaped
