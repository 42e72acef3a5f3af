"""Who sees and does what with service offerings and orders (列单—点单—派单—接单—评单).

The same for pages and API; objects reach views only through ``access_offering`` and
``access_order``, and a miss and a refusal both raise NotFound.

- The catalogue of a community is open to everyone *of* it: a resident living
  there, anyone holding a role there.
- Residents order for one of their own households and see their own orders.
- Community secretary and staff (``SERVICE_MANAGERS``) list services, see the
  orders board and dispatch; sub-district staff see the board read-only.
- Takers: a party member (``PartyMember`` of the community, linked through
  their resident record to the login), a volunteer (role ``volunteer`` in the
  community) or, for services provided by the community itself, its secretary,
  staff and social workers. ``offering.provider`` says which kinds may take
  an order; an order in the pool is visible to exactly those.
- The taker of an order sees it; the requester's room and full phone number
  are shown only to the requester, the taker and the managers.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gongzhi.core.errors import NotFound
from gongzhi.org.models import Household, PartyMember, Region, Role
from gongzhi.org.permissions import active_assignments, own_resident
from gongzhi.org.scopes import scope_for

from ..fieldwork.permissions import (
    COMMUNITY_OFFICE,
    MANAGE_FIELDWORK,
    as_int,
    cached,
    reader_communities,
    signed_in,
)
from ..models import ServiceOffering, ServiceOrder

SERVICE_MANAGERS = COMMUNITY_OFFICE
STAFF_PROVIDERS = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.SOCIAL_WORKER})

# Taker kinds, and which kinds each provider setting admits.
PARTY_MEMBER, VOLUNTEER, STAFF = "party_member", "volunteer", "staff"
PROVIDER_KINDS = {
    ServiceOffering.Provider.ANY: frozenset({PARTY_MEMBER, VOLUNTEER}),
    ServiceOffering.Provider.PARTY_MEMBER: frozenset({PARTY_MEMBER}),
    ServiceOffering.Provider.VOLUNTEER: frozenset({VOLUNTEER}),
    ServiceOffering.Provider.STAFF: frozenset({STAFF}),
}


# Communities ----------------------------------------------------------------------------------
def resident_households(user) -> QuerySet[Household]:
    """The households the login's resident lives in (what they may order for)."""
    resident = own_resident(user)
    if resident is None:
        return Household.objects.none()
    return (
        Household.objects.filter(occupancies__resident=resident)
        .select_related("building", "unit", "compound")
        .distinct()
        .order_by("pk")
    )


def member_communities(user) -> set[int]:
    """Communities whose service catalogue the user may browse: where they live or hold a role."""
    if not signed_in(user):
        return set()

    def compute() -> set[int]:
        if user.is_superuser:
            return set(Region.objects.filter(kind=Region.Kind.COMMUNITY).values_list("pk", flat=True))
        ids = {a.community_id for a in active_assignments(user) if a.community_id}
        ids |= set(resident_households(user).values_list("community_id", flat=True))
        return ids

    return cached(user, "member_communities", compute)


def manager_communities(user) -> set[int]:
    """Communities whose services the user lists and dispatches (secretary, staff)."""
    if not signed_in(user):
        return set()
    return set(scope_for(user, MANAGE_FIELDWORK).communities)


def board_communities(user) -> list[Region]:
    """Communities whose orders board the user may open, managers' first."""
    ids = manager_communities(user) | reader_communities(user)
    if getattr(user, "is_superuser", False):
        return list(Region.objects.filter(kind=Region.Kind.COMMUNITY).order_by("code"))
    return list(Region.objects.filter(pk__in=ids).order_by("code"))


def can_manage_services(user, community_id: int) -> bool:
    return bool(getattr(user, "is_superuser", False)) or community_id in manager_communities(user)


def can_read_board(user, community_id: int) -> bool:
    return can_manage_services(user, community_id) or community_id in reader_communities(user)


# Takers ----------------------------------------------------------------------------------------
def taker_kinds(user, community_id: int) -> frozenset[str]:
    """What the user can take orders as in the community: party member, volunteer, staff."""
    return taker_communities(user).get(community_id, frozenset())


def taker_communities(user) -> dict[int, frozenset[str]]:
    """{community id: the kinds the user takes orders as there}."""
    if not signed_in(user):
        return {}

    def compute() -> dict[int, frozenset[str]]:
        kinds: dict[int, set[str]] = {}
        for a in active_assignments(user):
            if a.role == Role.VOLUNTEER and a.community_id:
                kinds.setdefault(a.community_id, set()).add(VOLUNTEER)
            if a.role in STAFF_PROVIDERS and a.community_id:
                kinds.setdefault(a.community_id, set()).add(STAFF)
        resident = own_resident(user)
        if resident is not None:
            for cid in PartyMember.objects.filter(resident=resident).values_list("community_id", flat=True):
                kinds.setdefault(cid, set()).add(PARTY_MEMBER)
        return {cid: frozenset(k) for cid, k in kinds.items()}

    return cached(user, "taker_kinds", compute)


def can_take(user, offering: ServiceOffering) -> bool:
    return bool(taker_kinds(user, offering.community_id) & PROVIDER_KINDS[offering.provider])


def is_taker(user) -> bool:
    """Takes orders as a party member or volunteer somewhere (staff providers use the board)."""
    return any(kinds & {PARTY_MEMBER, VOLUNTEER} for kinds in taker_communities(user).values())


def pool_q(user) -> Q:
    """The orders whose offering admits the kinds the user takes orders as, community by community."""
    q = Q(pk__in=[])
    for community_id, kinds in sorted(taker_communities(user).items()):
        providers = sorted(p for p, admitted in PROVIDER_KINDS.items() if admitted & kinds)
        if providers:
            q |= Q(community_id=community_id, offering__provider__in=providers)
    return q


# Offerings and orders ----------------------------------------------------------------------------
def access_offering(user, offering_id) -> ServiceOffering:
    """An offering of a community the user belongs to or manages."""
    offering = ServiceOffering.objects.select_related("community").filter(pk=as_int(offering_id)).first()
    if offering is None or not (
        offering.community_id in member_communities(user) or can_read_board(user, offering.community_id)
    ):
        raise NotFound()
    return offering


def order_role(user, order: ServiceOrder) -> str | None:
    """How the user relates to the order: requester, taker, manager, reader, pool — or None."""
    if not signed_in(user):
        return None
    if order.requested_by_id == user.pk:
        return "requester"
    if order.assignee_id == user.pk:
        return "taker"
    if can_manage_services(user, order.community_id):
        return "manager"
    if order.community_id in reader_communities(user):
        return "reader"
    if order.status == ServiceOrder.Status.POSTED and can_take(user, order.offering):
        return "pool"
    return None


def access_order(user, order_id) -> ServiceOrder:
    order = (
        ServiceOrder.objects.select_related(
            "offering", "community", "household__building", "household__unit", "household__compound",
            "requested_by", "assignee", "dispatched_by",
        )
        .filter(pk=as_int(order_id))
        .first()
    )
    if order is None or order_role(user, order) is None:
        raise NotFound()
    return order


def sees_contact(user, order: ServiceOrder) -> bool:
    """The room and the full phone number: requester, taker and managers only."""
    return order_role(user, order) in ("requester", "taker", "manager")


def order_actions(user, order: ServiceOrder) -> list[str]:
    """The steps the user may take on the order now (the actions check again)."""
    role = order_role(user, order)
    status = order.status
    allowed: list[str] = []
    if role == "requester":
        if status in (ServiceOrder.Status.ORDERED, ServiceOrder.Status.POSTED):
            allowed.append("cancel")
        if status == ServiceOrder.Status.COMPLETED:
            allowed.append("rate")
    elif role == "taker":
        if status == ServiceOrder.Status.TAKEN:
            allowed += ["complete", "release"]
    elif role == "manager":
        if status == ServiceOrder.Status.ORDERED:
            allowed += ["dispatch", "post"]
        elif status == ServiceOrder.Status.POSTED:
            allowed.append("dispatch")
        elif status == ServiceOrder.Status.TAKEN:
            allowed.append("release")
    elif role == "pool":
        allowed.append("take")
    if role == "manager" and status == ServiceOrder.Status.POSTED and can_take(user, order.offering) and (
        order.requested_by_id != user.pk
    ):
        allowed.append("take")
    return allowed
