"""Reads for 双报到: party organisations, members, registrations, service posts, the quarterly report.

Access rules (the same for pages, API and exports):

- Staff lists (organisations, registrations, members, institutions, reports) need
  ``VIEW_PARTY`` over the whole community (``communities_with``); changing them
  needs ``MANAGE_PARTY`` (community secretary and staff).
- The service-post list is open to everyone "of the community": a resident
  linked to the login, and anyone holding a role there (``post_communities``).
- Objects reach views only through the ``access_*`` functions below; a miss
  and a refusal both raise ``NotFound``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from gongzhi.core.errors import NotFound

from .models import (
    Building,
    Institution,
    PartyMember,
    PartyOrg,
    PartyRegistration,
    PostClaim,
    Region,
    Resident,
    ServicePost,
    ServiceRecord,
)
from .permissions import (
    VIEW_PARTY,
    _as_int,
    active_assignments,
    can,
    communities_with,
    own_resident,
    scope_for,
)


# Who sees which community ----------------------------------------------------------
def post_communities(user) -> set[int]:
    """Communities whose service-post list the user may see.

    A resident sees their own community; a role holder the community of each
    assignment; party viewers (e.g. sub-district staff) every community they cover.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return set(Region.objects.filter(kind=Region.Kind.COMMUNITY).values_list("pk", flat=True))
    ids: set[int] = set()
    resident = own_resident(user)
    if resident is not None:
        ids.add(resident.community_id)
    for a in active_assignments(user):
        if a.community_id:
            ids.add(a.community_id)
    ids |= set(scope_for(user, VIEW_PARTY).communities)
    return ids


def staff_communities(user, cap: str = VIEW_PARTY) -> list[Region]:
    return communities_with(user, cap)


def pick_community(communities: list[Region], requested) -> Region:
    """The community a page works on: the one asked for (if allowed) or the first."""
    if not communities:
        raise NotFound()
    if requested:
        chosen = next((c for c in communities if str(c.pk) == str(requested)), None)
        if chosen is None:
            raise NotFound()
        return chosen
    return communities[0]


# access_* ---------------------------------------------------------------------------
def access_post(user, post_id) -> ServicePost:
    post = ServicePost.objects.select_related("community").filter(pk=_as_int(post_id)).first()
    if post is None or post.community_id not in post_communities(user):
        raise NotFound()
    return post


def access_party_org(user, org_id, cap: str = VIEW_PARTY) -> PartyOrg:
    org = PartyOrg.objects.select_related("community").filter(pk=_as_int(org_id)).first()
    if org is None or not can(user, cap, "community", org.community_id):
        raise NotFound()
    return org


def access_registration(user, registration_id, cap: str = VIEW_PARTY) -> PartyRegistration:
    reg = (
        PartyRegistration.objects.select_related("member__resident", "party_group", "building__compound")
        .filter(pk=_as_int(registration_id))
        .first()
    )
    if reg is None or not can(user, cap, "community", reg.community_id):
        raise NotFound()
    return reg


def access_institution(user, institution_id, cap: str = VIEW_PARTY) -> Institution:
    inst = Institution.objects.filter(pk=_as_int(institution_id)).first()
    if inst is None or not can(user, cap, "community", inst.community_id):
        raise NotFound()
    return inst


def access_claim(user, claim_id, cap: str = VIEW_PARTY) -> PostClaim:
    claim = (
        PostClaim.objects.select_related("post", "member__resident").filter(pk=_as_int(claim_id)).first()
    )
    if claim is None or not can(user, cap, "community", claim.post.community_id):
        raise NotFound()
    return claim


def building_by_token(token: str) -> Building:
    """The building of a printed QR code. Holding the code is the access: it hangs in the stairwell."""
    building = (
        Building.objects.select_related("compound", "community", "grid")
        .filter(qr_token=str(token or "")[:32])
        .first()
    )
    if building is None or not token:
        raise NotFound()
    return building


# Members -----------------------------------------------------------------------------
def member_of(user) -> PartyMember | None:
    """The party member record of the resident linked to this login, if any."""
    resident = own_resident(user)
    if resident is None:
        return None
    return PartyMember.objects.select_related("employer", "resident").filter(resident=resident).first()


def active_registration(member: PartyMember | None) -> PartyRegistration | None:
    if member is None:
        return None
    return (
        PartyRegistration.objects.select_related("party_group", "building__compound", "community")
        .filter(member=member, ended_at__isnull=True)
        .first()
    )


def party_group_of(building: Building) -> PartyOrg | None:
    return PartyOrg.objects.filter(building=building, kind=PartyOrg.Kind.BUILDING_GROUP).first()


def employer_options(community_id: int) -> list[Institution]:
    return list(Institution.objects.filter(community_id=community_id).order_by("kind", "name"))


# Organisation tree --------------------------------------------------------------------
@dataclass
class OrgNode:
    org: PartyOrg
    members: int = 0
    children: list[OrgNode] = field(default_factory=list)


def org_tree(community: Region) -> tuple[list[OrgNode], dict]:
    """Committee → branches → building groups, each with its count of registered members.

    Returns (roots, stats). A branch's count is the sum of its groups'.
    """
    orgs = list(
        PartyOrg.objects.filter(community=community)
        .select_related("building__compound", "grid", "compound")
        .order_by("kind", "name", "pk")
    )
    counts = dict(
        PartyRegistration.objects.filter(community=community, ended_at__isnull=True)
        .values_list("party_group_id")
        .annotate(n=Count("id"))
    )
    nodes = {o.pk: OrgNode(o, counts.get(o.pk, 0)) for o in orgs}
    roots: list[OrgNode] = []
    for o in orgs:
        node = nodes[o.pk]
        if o.parent_id and o.parent_id in nodes:
            nodes[o.parent_id].children.append(node)
        else:
            roots.append(node)

    def total(node: OrgNode) -> int:
        node.members += sum(total(c) for c in node.children)
        return node.members

    kind_order = {k: i for i, k in enumerate(PartyOrg.Kind.values)}
    for r in roots:
        total(r)
    roots.sort(key=lambda n: (kind_order.get(n.org.kind, 9), n.org.name))
    for n in nodes.values():
        n.children.sort(key=lambda c: (kind_order.get(c.org.kind, 9), c.org.name))
    buildings = Building.objects.filter(community=community)
    stats = {
        "buildings": buildings.count(),
        "groups": sum(1 for o in orgs if o.kind == PartyOrg.Kind.BUILDING_GROUP),
        "buildings_without_group": buildings.filter(party_group__isnull=True).count(),
        "registered": sum(counts.values()),
        "posts_open": ServicePost.objects.filter(community=community, status=ServicePost.Status.OPEN).count(),
        "claims_active": PostClaim.objects.filter(
            post__community=community, status=PostClaim.Status.ACTIVE
        ).count(),
    }
    return roots, stats


def branches(community: Region) -> list[PartyOrg]:
    return list(
        PartyOrg.objects.filter(
            community=community, kind__in=[PartyOrg.Kind.GRID_BRANCH, PartyOrg.Kind.COMPOUND_BRANCH]
        ).order_by("kind", "name")
    )


def buildings_with_groups(community: Region) -> QuerySet[Building]:
    """Buildings of the community with their party group (for pickers and QR sheets)."""
    return (
        Building.objects.filter(community=community)
        .select_related("compound", "grid", "party_group")
        .order_by("compound__name", "name")
    )


# Registrations and members ---------------------------------------------------------------
def registration_list(
    community: Region, *, q: str = "", kind: str = "", active: str = "1"
) -> QuerySet[PartyRegistration]:
    qs = PartyRegistration.objects.filter(community=community).select_related(
        "member__resident", "member__employer", "party_group", "building__compound", "registered_by"
    )
    if active == "1":
        qs = qs.filter(ended_at__isnull=True)
    elif active == "0":
        qs = qs.filter(ended_at__isnull=False)
    if kind:
        qs = qs.filter(member__kind=kind)
    q = (q or "").strip()
    if q:
        if q.isdigit():
            qs = qs.filter(member__resident__phone__endswith=q)
        else:
            qs = qs.filter(
                Q(member__resident__name__contains=q)
                | Q(member__employer__name__contains=q)
                | Q(party_group__name__contains=q)
            )
    return qs.order_by("-registered_at", "-pk")


def member_list(community: Region, *, q: str = "", kind: str = "") -> QuerySet[PartyMember]:
    active = PartyRegistration.objects.filter(member=OuterRef("pk"), ended_at__isnull=True)
    qs = (
        PartyMember.objects.filter(community=community)
        .select_related("resident", "employer")
        .prefetch_related(
            Prefetch(
                "registrations",
                queryset=PartyRegistration.objects.filter(ended_at__isnull=True).select_related("party_group"),
                to_attr="active_registrations",
            )
        )
        .annotate(is_registered=Exists(active))
    )
    if kind:
        qs = qs.filter(kind=kind)
    q = (q or "").strip()
    if q:
        if q.isdigit():
            qs = qs.filter(resident__phone__endswith=q)
        else:
            qs = qs.filter(Q(resident__name__contains=q) | Q(employer__name__contains=q))
    return qs.order_by("resident__name", "pk")


def resident_candidates(community: Region, q: str, *, limit: int = 20) -> list[Resident]:
    """Residents for the staff-entry picker: name or phone tail, active ones only."""
    q = (q or "").strip()
    if not q:
        return []
    qs = Resident.objects.filter(community=community, is_active=True)
    qs = qs.filter(phone__endswith=q) if q.isdigit() else qs.filter(name__contains=q)
    return list(
        qs.select_related("party_member").prefetch_related("occupancies__household__building__compound")
        .order_by("name", "pk")[:limit]
    )


# Service posts ---------------------------------------------------------------------------
def post_list(
    community_id: int, *, q: str = "", category: str = "", status: str = "open", member: PartyMember | None = None
) -> QuerySet[ServicePost]:
    qs = ServicePost.objects.filter(community_id=community_id).annotate(
        active_claims=Count("claims", filter=Q(claims__status=PostClaim.Status.ACTIVE), distinct=True)
    )
    if status in (ServicePost.Status.OPEN, ServicePost.Status.CLOSED):
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(description__contains=q) | Q(location__contains=q))
    if member is not None:
        qs = qs.annotate(
            mine=Exists(PostClaim.objects.filter(post=OuterRef("pk"), member=member, status=PostClaim.Status.ACTIVE))
        )
    # Posts still needing people first, then full ones; newest first within each.
    qs = qs.annotate(is_full=Case(When(active_claims__gte=F("slots"), then=Value(1)), default=Value(0)))
    return qs.order_by("status", "is_full", "-created_at", "-pk")


def post_with_counts(post: ServicePost, member: PartyMember | None = None) -> ServicePost:
    """One post annotated like ``post_list`` rows (for re-rendering a card after claim/withdraw)."""
    return post_list(post.community_id, status="", member=member).get(pk=post.pk)


def post_claims(post: ServicePost) -> list[PostClaim]:
    return list(
        PostClaim.objects.filter(post=post)
        .select_related("member__resident", "member__employer")
        .annotate(total_hours=Sum("records__hours"), record_count=Count("records"))
        .order_by("status", "claimed_at", "pk")
    )


# My service --------------------------------------------------------------------------------
def my_service(member: PartyMember) -> dict:
    claims = list(
        PostClaim.objects.filter(member=member)
        .select_related("post")
        .annotate(total_hours=Sum("records__hours"))
        .order_by("status", "-claimed_at")
    )
    records = list(
        ServiceRecord.objects.filter(claim__member=member).select_related("claim__post").order_by("-served_on", "-pk")
    )
    today = timezone.localdate()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    q_start, q_end = quarter_dates(year, quarter)
    total = sum((r.hours for r in records), Decimal(0))
    quarter_total = sum((r.hours for r in records if q_start <= r.served_on < q_end), Decimal(0))
    return {
        "claims": claims,
        "records": records[:50],
        "total_hours": total,
        "quarter_hours": quarter_total,
        "year": year,
        "quarter": quarter,
    }


# Quarterly report per employer unit ----------------------------------------------------------
def quarter_dates(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """First day of the quarter and first day of the next one (half-open range)."""
    start = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    end = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return start, end


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
    from io import BytesIO

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
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
