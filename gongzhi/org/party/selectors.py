"""Reads for 双报到: party organisations, members, registrations, service posts, my service.

Who may read what is decided in ``permissions.py`` (the same for pages, API and
exports): staff lists need ``VIEW_PARTY`` over the whole community
(``communities_with``); the service-post list is open to the community
(``permissions.post_communities``). The functions here take an already
permitted community or object. The quarterly report lives in ``report.py``.
"""

from __future__ import annotations

import datetime
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

from gongzhi.core.sorting import natural_key, natural_sorted

from ..models import (
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
from ..permissions import VIEW_PARTY, communities_with, own_resident


# Which community a staff page works on ------------------------------------------
def staff_communities(user, cap: str = VIEW_PARTY) -> list[Region]:
    return communities_with(user, cap)


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
    roots.sort(key=lambda n: (kind_order.get(n.org.kind, 9), natural_key(n.org.name)))
    for n in nodes.values():
        n.children.sort(key=lambda c: (kind_order.get(c.org.kind, 9), natural_key(c.org.name)))
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
    return natural_sorted(
        PartyOrg.objects.filter(
            community=community, kind__in=[PartyOrg.Kind.GRID_BRANCH, PartyOrg.Kind.COMPOUND_BRANCH]
        ), key=lambda o: (o.kind, o.name)
    )


def buildings_with_groups(community: Region, *, grouped: bool | None = None) -> list[Building]:
    """Buildings of the community with their party group (for pickers and QR sheets), in natural order;
    ``grouped`` keeps only those with (True) or without (False) a group."""
    qs = Building.objects.filter(community=community).select_related("compound", "grid", "party_group")
    if grouped is not None:
        qs = qs.filter(party_group__isnull=not grouped)
    return natural_sorted(qs, key=lambda b: (b.compound.name, b.name))


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


# Quarters ------------------------------------------------------------------------------------
def quarter_dates(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """First day of the quarter and first day of the next one (half-open range)."""
    start = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    end = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return start, end
