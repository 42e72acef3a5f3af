"""Reads of service offerings and orders: the catalogue, the pool, the staff board and its counts.

Access decisions are in ``permissions``; these take the community or user they were given.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from gongzhi.org.models import PartyMember, Role, RoleAssignment

from ..fieldwork.permissions import signed_in
from ..mediation.selectors import disputes_resolved_by_community
from ..models import Mediation, ServiceOffering, ServiceOrder
from .permissions import PARTY_MEMBER, PROVIDER_KINDS, STAFF, STAFF_PROVIDERS, VOLUNTEER, pool_q

OPEN_ORDER_STATUSES = (ServiceOrder.Status.ORDERED, ServiceOrder.Status.POSTED, ServiceOrder.Status.TAKEN)

BOARD_FILTERS = {
    "waiting": (ServiceOrder.Status.ORDERED,),
    "posted": (ServiceOrder.Status.POSTED,),
    "taken": (ServiceOrder.Status.TAKEN,),
    "done": (ServiceOrder.Status.COMPLETED, ServiceOrder.Status.RATED),
    "cancelled": (ServiceOrder.Status.CANCELLED,),
}


# Offerings -----------------------------------------------------------------------------------------
def catalogue(community_id: int) -> QuerySet[ServiceOffering]:
    return ServiceOffering.objects.filter(community_id=community_id, is_active=True).order_by("title", "pk")


def offerings_for_staff(community_id: int, *, show: str = "active") -> QuerySet[ServiceOffering]:
    qs = ServiceOffering.objects.filter(community_id=community_id)
    if show == "active":
        qs = qs.filter(is_active=True)
    elif show == "withdrawn":
        qs = qs.filter(is_active=False)
    open_filter = Q(orders__status__in=OPEN_ORDER_STATUSES)
    return qs.annotate(open_orders=Count("orders", filter=open_filter), all_orders=Count("orders")).order_by(
        "-is_active", "title", "pk"
    )


# Orders --------------------------------------------------------------------------------------------
def orders() -> QuerySet[ServiceOrder]:
    """Orders with what every list shows of them loaded."""
    return ServiceOrder.objects.select_related(
        "offering", "household__building", "household__unit", "household__compound", "requested_by", "assignee"
    )


def my_orders(user) -> QuerySet[ServiceOrder]:
    if not signed_in(user):
        return ServiceOrder.objects.none()
    return orders().filter(requested_by=user).order_by("-created_at", "-pk")


def pool(user) -> QuerySet[ServiceOrder]:
    """Posted orders the user may take, oldest first (first come, first served)."""
    if not signed_in(user):
        return ServiceOrder.objects.none()
    return (
        orders()
        .filter(pool_q(user), status=ServiceOrder.Status.POSTED)
        .exclude(requested_by=user)
        .order_by("posted_at", "pk")
    )


def my_taken(user, *, done: bool = False) -> QuerySet[ServiceOrder]:
    if not signed_in(user):
        return ServiceOrder.objects.none()
    statuses = (
        (ServiceOrder.Status.COMPLETED, ServiceOrder.Status.RATED) if done else (ServiceOrder.Status.TAKEN,)
    )
    return orders().filter(assignee=user, status__in=statuses).order_by("-taken_at", "-pk")


def dispatch_candidates(order: ServiceOrder, *, q: str = "", limit: int = 50) -> list[dict]:
    """People the order may be dispatched to (派单): eligible takers of the offering's community.

    Party members and volunteers need a login (they complete the order on their phone).
    The requester never serves their own order.
    """
    offering = order.offering
    kinds = PROVIDER_KINDS[offering.provider]
    q = str(q or "").strip()
    people: dict[int, dict] = {}

    def add(user_id: int, name: str, kind_label: str) -> None:
        if user_id == order.requested_by_id:
            return
        entry = people.setdefault(user_id, {"id": user_id, "name": name, "kinds": []})
        if kind_label not in entry["kinds"]:
            entry["kinds"].append(kind_label)

    if PARTY_MEMBER in kinds:
        members = PartyMember.objects.filter(
            community_id=order.community_id, resident__user__isnull=False, resident__user__is_active=True
        ).select_related("resident")
        if q:
            members = members.filter(Q(resident__name__contains=q) | Q(resident__user__phone__endswith=q))
        for m in members.order_by("resident__name", "pk")[:limit]:
            add(m.resident.user_id, m.resident.name, gettext("党员"))
    roles = []
    if VOLUNTEER in kinds:
        roles.append(Role.VOLUNTEER)
    if STAFF in kinds:
        roles.extend(STAFF_PROVIDERS)
    if roles:
        assignments = RoleAssignment.objects.filter(
            role__in=roles, community_id=order.community_id, revoked_at__isnull=True, user__is_active=True
        ).select_related("user")
        if q:
            assignments = assignments.filter(Q(user__name__contains=q) | Q(user__phone__endswith=q))
        for a in assignments.order_by("user__name", "pk")[: limit * 2]:
            add(a.user_id, a.user.name, str(Role(a.role).label))
    return sorted(people.values(), key=lambda p: (p["name"], p["id"]))[:limit]


def household_label(order: ServiceOrder, *, full: bool) -> str:
    """Where the service is needed: the room only for those who go there (or ordered it)."""
    h = order.household
    if h is None:
        return ""
    place = f"{h.compound.name} {h.building.name}"
    return f"{place} {h.unit.number}-{h.room}" if full else place


# The board -----------------------------------------------------------------------------------------
def board(community_id: int, *, status: str = "waiting", offering_id: int | None = None) -> QuerySet[ServiceOrder]:
    qs = orders().filter(community_id=community_id)
    if status in BOARD_FILTERS:
        qs = qs.filter(status__in=BOARD_FILTERS[status])
    if offering_id:
        qs = qs.filter(offering_id=offering_id)
    return qs.order_by("created_at", "pk") if status in ("waiting", "posted") else qs.order_by("-created_at", "-pk")


def board_counts(community_id: int) -> dict[str, int]:
    rows = dict(
        ServiceOrder.objects.filter(community_id=community_id).values_list("status").annotate(n=Count("pk"))
    )
    counts = {key: sum(rows.get(s, 0) for s in statuses) for key, statuses in BOARD_FILTERS.items()}
    rated = ServiceOrder.objects.filter(community_id=community_id, rating__isnull=False)
    total = rated.count()
    counts["rated"] = total
    counts["satisfied"] = rated.filter(rating__gte=4).count()
    return counts


def community_summary(community_ids, year: int) -> dict[int, dict[str, int]]:
    """Per community: orders waiting for dispatch, in the pool, open mediations, disputes resolved in ``year``.

    Three grouped queries whatever the number of communities (the sub-district's home card).
    """
    ids = sorted(set(community_ids))
    order_counts: dict[tuple[int, str], int] = {
        (cid, status): n
        for cid, status, n in ServiceOrder.objects.filter(
            community_id__in=ids, status__in=(ServiceOrder.Status.ORDERED, ServiceOrder.Status.POSTED)
        ).values_list("community_id", "status").annotate(n=Count("pk"))
    }
    open_mediations = dict(
        Mediation.objects.filter(community_id__in=ids, status=Mediation.Status.OPEN)
        .values_list("community_id")
        .annotate(n=Count("pk"))
    )
    resolved = disputes_resolved_by_community(ids, year)
    return {
        cid: {
            "waiting": order_counts.get((cid, ServiceOrder.Status.ORDERED), 0),
            "posted": order_counts.get((cid, ServiceOrder.Status.POSTED), 0),
            "open_mediations": open_mediations.get(cid, 0),
            "resolved": resolved.get(cid, 0),
        }
        for cid in ids
    }
