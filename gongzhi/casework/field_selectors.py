"""Who sees what, and reads, for service orders, dispute mediation and grid patrols.

Access rules (the same for pages and API; objects reach views only through the
``access_*`` functions below, and a miss and a refusal both raise NotFound):

Service orders (列单—点单—派单—接单—评单)
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

Mediation (矛盾纠纷调解)
- Community secretary and staff mediate any request of their community; grid
  heads and workers the requests of their grid (``can_mediate``). Sub-district
  staff read. The resident follows the request's own timeline.

Patrols (网格巡查)
- Grid heads and workers walk their own grid (``patrol_grids``). The patrol
  log of a grid is visible to its grid heads and workers, the community
  secretary and staff, and sub-district staff.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from gongzhi.core.errors import NotFound
from gongzhi.org.models import Household, PartyMember, Region, Role, RoleAssignment
from gongzhi.org.permissions import active_assignments, own_resident

from .models import (
    Case,
    Mediation,
    MediationParty,
    Patrol,
    PatrolStop,
    ServiceOffering,
    ServiceOrder,
    Tier,
)
from .permissions import _scope_from, tier_scope

SERVICE_MANAGERS = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF})
STAFF_PROVIDERS = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.SOCIAL_WORKER})
MEDIATION_STAFF = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF})
PATROL_WALKERS = frozenset({Role.GRID_HEAD, Role.GRID_WORKER})
READERS = frozenset({Role.SUBDISTRICT_STAFF})

# Taker kinds, and which kinds each provider setting admits.
PARTY_MEMBER, VOLUNTEER, STAFF = "party_member", "volunteer", "staff"
PROVIDER_KINDS = {
    ServiceOffering.Provider.ANY: frozenset({PARTY_MEMBER, VOLUNTEER}),
    ServiceOffering.Provider.PARTY_MEMBER: frozenset({PARTY_MEMBER}),
    ServiceOffering.Provider.VOLUNTEER: frozenset({VOLUNTEER}),
    ServiceOffering.Provider.STAFF: frozenset({STAFF}),
}

OPEN_ORDER_STATUSES = (ServiceOrder.Status.ORDERED, ServiceOrder.Status.POSTED, ServiceOrder.Status.TAKEN)


def _cached(user, key, factory):
    cache = user.__dict__.setdefault("_gz_field_cache", {})
    if key not in cache:
        cache[key] = factory()
    return cache[key]


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _as_int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# Communities ----------------------------------------------------------------------------------
def member_communities(user) -> set[int]:
    """Communities whose service catalogue the user may browse: where they live or hold a role."""
    if not _authenticated(user):
        return set()

    def compute() -> set[int]:
        if user.is_superuser:
            return set(Region.objects.filter(kind=Region.Kind.COMMUNITY).values_list("pk", flat=True))
        ids = {a.community_id for a in active_assignments(user) if a.community_id}
        ids |= set(resident_households(user).values_list("community_id", flat=True))
        return ids

    return _cached(user, "member_communities", compute)


def manager_communities(user) -> set[int]:
    """Communities whose services the user lists and dispatches (secretary, staff)."""
    if not _authenticated(user):
        return set()
    return _cached(user, "managers", lambda: set(_scope_from(user, SERVICE_MANAGERS).communities))


def reader_communities(user) -> set[int]:
    """Communities the user oversees read-only (sub-district staff)."""
    if not _authenticated(user):
        return set()
    return _cached(user, "readers", lambda: set(_scope_from(user, READERS).communities))


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


def pick_community(communities: list[Region], requested) -> Region:
    """The community a page works on: the one asked for (if allowed) or the first."""
    if not communities:
        raise NotFound()
    if requested not in (None, ""):
        chosen = next((c for c in communities if str(c.pk) == str(requested)), None)
        if chosen is None:
            raise NotFound()
        return chosen
    return communities[0]


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


# Takers ----------------------------------------------------------------------------------------
def taker_kinds(user, community_id: int) -> frozenset[str]:
    """What the user can take orders as in the community: party member, volunteer, staff."""
    if not _authenticated(user):
        return frozenset()

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

    return _cached(user, "taker_kinds", compute).get(community_id, frozenset())


def taker_communities(user) -> dict[int, frozenset[str]]:
    taker_kinds(user, -1)  # fills the cache
    if not _authenticated(user):
        return {}
    return user.__dict__["_gz_field_cache"]["taker_kinds"]


def can_take(user, offering: ServiceOffering) -> bool:
    return bool(taker_kinds(user, offering.community_id) & PROVIDER_KINDS[offering.provider])


def is_taker(user) -> bool:
    """Takes orders as a party member or volunteer somewhere (staff providers use the board)."""
    return any(kinds & {PARTY_MEMBER, VOLUNTEER} for kinds in taker_communities(user).values())


def _pool_q(user) -> Q:
    q = Q(pk__in=[])
    for community_id, kinds in sorted(taker_communities(user).items()):
        providers = sorted(p for p, admitted in PROVIDER_KINDS.items() if admitted & kinds)
        if providers:
            q |= Q(community_id=community_id, offering__provider__in=providers)
    return q


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


# Service orders: access and lists ----------------------------------------------------------------
def access_offering(user, offering_id) -> ServiceOffering:
    """An offering of a community the user belongs to or manages."""
    offering = ServiceOffering.objects.select_related("community").filter(pk=_as_int(offering_id)).first()
    if offering is None or not (
        offering.community_id in member_communities(user) or can_read_board(user, offering.community_id)
    ):
        raise NotFound()
    return offering


def order_role(user, order: ServiceOrder) -> str | None:
    """How the user relates to the order: requester, taker, manager, reader, pool — or None."""
    if not _authenticated(user):
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
        .filter(pk=_as_int(order_id))
        .first()
    )
    if order is None or order_role(user, order) is None:
        raise NotFound()
    return order


def sees_contact(user, order: ServiceOrder) -> bool:
    """The room and the full phone number: requester, taker and managers only."""
    return order_role(user, order) in ("requester", "taker", "manager")


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


def _orders() -> QuerySet[ServiceOrder]:
    return ServiceOrder.objects.select_related(
        "offering", "household__building", "household__unit", "household__compound", "requested_by", "assignee"
    )


def my_orders(user) -> QuerySet[ServiceOrder]:
    if not _authenticated(user):
        return ServiceOrder.objects.none()
    return _orders().filter(requested_by=user).order_by("-created_at", "-pk")


def pool(user) -> QuerySet[ServiceOrder]:
    """Posted orders the user may take, oldest first (first come, first served)."""
    if not _authenticated(user):
        return ServiceOrder.objects.none()
    return (
        _orders()
        .filter(_pool_q(user), status=ServiceOrder.Status.POSTED)
        .exclude(requested_by=user)
        .order_by("posted_at", "pk")
    )


def my_taken(user, *, done: bool = False) -> QuerySet[ServiceOrder]:
    if not _authenticated(user):
        return ServiceOrder.objects.none()
    statuses = (
        (ServiceOrder.Status.COMPLETED, ServiceOrder.Status.RATED) if done else (ServiceOrder.Status.TAKEN,)
    )
    return _orders().filter(assignee=user, status__in=statuses).order_by("-taken_at", "-pk")


BOARD_FILTERS = {
    "waiting": (ServiceOrder.Status.ORDERED,),
    "posted": (ServiceOrder.Status.POSTED,),
    "taken": (ServiceOrder.Status.TAKEN,),
    "done": (ServiceOrder.Status.COMPLETED, ServiceOrder.Status.RATED),
    "cancelled": (ServiceOrder.Status.CANCELLED,),
}


def board(community_id: int, *, status: str = "waiting", offering_id: int | None = None) -> QuerySet[ServiceOrder]:
    qs = _orders().filter(community_id=community_id)
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
    orders: dict[tuple[int, str], int] = {
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
            "waiting": orders.get((cid, ServiceOrder.Status.ORDERED), 0),
            "posted": orders.get((cid, ServiceOrder.Status.POSTED), 0),
            "open_mediations": open_mediations.get(cid, 0),
            "resolved": resolved.get(cid, 0),
        }
        for cid in ids
    }


# Mediation ---------------------------------------------------------------------------------------
def can_mediate(user, case: Case) -> bool:
    """Community secretary/staff of the case's community, or a grid head/worker of its grid."""
    if not _authenticated(user):
        return False
    if user.is_superuser:
        return True
    staff = _cached(user, "mediation_staff", lambda: _scope_from(user, MEDIATION_STAFF))
    if case.community_id in staff.communities:
        return True
    return case.grid_id is not None and case.grid_id in tier_scope(user, Tier.GRID).grids


def can_read_mediation(user, mediation: Mediation) -> bool:
    return (
        can_mediate(user, mediation.case)
        or mediation.mediator_id == getattr(user, "pk", None)
        or mediation.community_id in reader_communities(user)
    )


def mediation_communities(user) -> set[int]:
    """Communities where the user mediates anything (whole community) — for the list page."""
    if not _authenticated(user):
        return set()
    return set(_scope_from(user, MEDIATION_STAFF).communities) | reader_communities(user)


def mediation_grids(user) -> set[int]:
    if not _authenticated(user):
        return set()
    return set(tier_scope(user, Tier.GRID).grids)


def opens_mediations(user) -> bool:
    """May open mediations somewhere (not read-only sub-district staff)."""
    if not _authenticated(user):
        return False
    return bool(user.is_superuser or _scope_from(user, MEDIATION_STAFF).communities or mediation_grids(user))


def mediates_anything(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or mediation_communities(user) or mediation_grids(user))


def access_mediation(user, mediation_id) -> Mediation:
    mediation = (
        Mediation.objects.select_related("case__category", "case__grid", "case__building", "community", "mediator",
                                         "opened_by")
        .filter(pk=_as_int(mediation_id))
        .first()
    )
    if mediation is None or not can_read_mediation(user, mediation):
        raise NotFound()
    return mediation


def mediation_list(user, *, status: str = "", community_id: int | None = None) -> QuerySet[Mediation]:
    if not _authenticated(user):
        return Mediation.objects.none()
    qs = Mediation.objects.select_related("case__category", "case__grid", "mediator", "community")
    if not user.is_superuser:
        q = Q(mediator=user)
        communities = mediation_communities(user)
        if communities:
            q |= Q(community_id__in=sorted(communities))
        grids = mediation_grids(user)
        if grids:
            q |= Q(case__grid_id__in=sorted(grids))
        qs = qs.filter(q)
    if status == "closed":
        qs = qs.exclude(status=Mediation.Status.OPEN)
    elif status in Mediation.Status.values:
        qs = qs.filter(status=status)
    if community_id:
        qs = qs.filter(community_id=community_id)
    return qs.annotate(session_count=Count("sessions")).order_by("-opened_at", "-pk")


def mediation_detail(mediation: Mediation) -> dict:
    return {
        "parties": list(mediation.parties.select_related("resident").order_by("side", "pk")),
        "sessions": list(mediation.sessions.select_related("recorded_by")),
    }


def mediator_candidates(case: Case) -> list:
    """Who may be named mediator: the people who may mediate the case."""
    from gongzhi.accounts.models import User

    q = Q(role__in=sorted(MEDIATION_STAFF), region_id=case.community_id)
    if case.grid_id:
        q |= Q(role__in=sorted(PATROL_WALKERS), region_id=case.grid_id)
    ids = RoleAssignment.objects.filter(q, revoked_at__isnull=True).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("name", "pk"))


def mediable_cases(user, *, q: str = "", limit: int = 30) -> list[Case]:
    """Open requests without a mediation the user may open one on, disputes first."""
    if not _authenticated(user):
        return []
    scope_q = Q(pk__in=[])
    communities = set(_scope_from(user, MEDIATION_STAFF).communities)
    if communities:
        scope_q |= Q(community_id__in=sorted(communities))
    grids = mediation_grids(user)
    if grids:
        scope_q |= Q(grid_id__in=sorted(grids))
    if user.is_superuser:
        scope_q = Q()
    qs = Case.objects.filter(scope_q, status__in=Case.OPEN_STATUSES, mediation__isnull=True).select_related(
        "category", "building", "grid"
    )
    if q:
        qs = qs.filter(Q(description__contains=q) | Q(address__contains=q) | Q(pk=_as_int(q)))
    cases = list(qs.order_by("-created_at", "-pk")[: limit * 3])
    cases.sort(key=lambda c: (c.category.code != "neighbour_dispute", -c.created_at.timestamp(), -c.pk))
    return cases[:limit]


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """1 January to 1 January in the platform's time zone (Asia/Shanghai), as aware datetimes."""
    tz = timezone.get_default_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    return start, end


def disputes_resolved(community_id: int, year: int) -> int:
    """Disputes resolved (调解成功) in the community in the calendar year: mediations closed with an agreement."""
    return disputes_resolved_by_community([community_id], year).get(community_id, 0)


def disputes_resolved_by_community(community_ids, year: int) -> dict[int, int]:
    """{community_id: mediations closed with an agreement in ``year``} (0 for communities with none)."""
    start, end = _year_bounds(year)
    ids = sorted(set(community_ids))
    rows = dict(
        Mediation.objects.filter(
            community_id__in=ids, status=Mediation.Status.AGREED, closed_at__gte=start, closed_at__lt=end
        )
        .values_list("community_id")
        .annotate(n=Count("pk"))
    )
    return {cid: rows.get(cid, 0) for cid in ids}


def mediation_stats(community_id: int, year: int) -> dict[str, int]:
    start, end = _year_bounds(year)
    closed = Mediation.objects.filter(community_id=community_id, closed_at__gte=start, closed_at__lt=end)
    by_status = dict(closed.values_list("status").annotate(n=Count("pk")))
    return {
        "agreed": by_status.get(Mediation.Status.AGREED, 0),
        "not_agreed": by_status.get(Mediation.Status.NOT_AGREED, 0),
        "withdrawn": by_status.get(Mediation.Status.WITHDRAWN, 0),
        "open": Mediation.objects.filter(community_id=community_id, status=Mediation.Status.OPEN).count(),
    }


def access_party(user, party_id) -> MediationParty:
    party = MediationParty.objects.select_related("mediation").filter(pk=_as_int(party_id)).first()
    if party is None:
        raise NotFound()
    access_mediation(user, party.mediation_id)
    return party


# Patrols -----------------------------------------------------------------------------------------
def patrol_grids(user) -> list[Region]:
    """The grids the user walks (grid head or worker there)."""
    if not _authenticated(user):
        return []
    ids = {a.region_id for a in active_assignments(user) if a.role in PATROL_WALKERS and a.region_id}
    return list(Region.objects.filter(pk__in=ids, kind=Region.Kind.GRID).order_by("code"))


def patrol_view_grids(user) -> QuerySet[Region]:
    """Every grid whose patrol log the user may read."""
    grids = Region.objects.filter(kind=Region.Kind.GRID)
    if not _authenticated(user):
        return grids.none()
    if user.is_superuser:
        return grids.order_by("code")
    communities = set(_scope_from(user, MEDIATION_STAFF).communities) | reader_communities(user)
    own = {g.pk for g in patrol_grids(user)}
    return grids.filter(Q(parent_community_id__in=sorted(communities)) | Q(pk__in=sorted(own))).order_by("code")


def can_read_patrol(user, patrol: Patrol) -> bool:
    if not _authenticated(user):
        return False
    if patrol.worker_id == user.pk:
        return True
    return patrol_view_grids(user).filter(pk=patrol.grid_id).exists()


def access_patrol(user, patrol_id) -> Patrol:
    patrol = Patrol.objects.select_related("grid", "community", "worker").filter(pk=_as_int(patrol_id)).first()
    if patrol is None or not can_read_patrol(user, patrol):
        raise NotFound()
    return patrol


def access_stop(user, stop_id) -> PatrolStop:
    stop = PatrolStop.objects.select_related("patrol", "building__compound").filter(pk=_as_int(stop_id)).first()
    if stop is None:
        raise NotFound()
    access_patrol(user, stop.patrol_id)
    return stop


def open_patrol(user) -> Patrol | None:
    if not _authenticated(user):
        return None
    return Patrol.objects.select_related("grid").filter(worker=user, ended_at__isnull=True).first()


def _with_stops(qs: QuerySet[Patrol]) -> QuerySet[Patrol]:
    cases = Case.objects.select_related("category").order_by("pk")
    return qs.select_related("grid", "worker", "community").prefetch_related(
        Prefetch("stops", queryset=PatrolStop.objects.select_related("building__compound").prefetch_related(
            Prefetch("cases", queryset=cases))),
        Prefetch("cases", queryset=cases),
    )


def patrol_log(user, *, grid_id: int | None = None, day: datetime.date | None = None,
               worker_id: int | None = None) -> QuerySet[Patrol]:
    """Patrols of the grids the user may read, newest first, with stops and the requests they raised."""
    grids = patrol_view_grids(user)
    qs = Patrol.objects.filter(Q(grid__in=grids) | Q(worker_id=getattr(user, "pk", None)))
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if worker_id:
        qs = qs.filter(worker_id=worker_id)
    if day:
        tz = timezone.get_default_timezone()
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
        qs = qs.filter(started_at__gte=start, started_at__lt=start + datetime.timedelta(days=1))
    return _with_stops(qs).annotate(stop_count=Count("stops", distinct=True)).order_by("-started_at", "-pk")


def patrol_detail(patrol: Patrol) -> Patrol:
    return _with_stops(Patrol.objects.filter(pk=patrol.pk)).get()


def grid_buildings(patrol: Patrol) -> list:
    """The buildings of the patrol's grid with how often they were visited on this patrol (one tap each)."""
    from gongzhi.org.models import Building

    visited = dict(
        PatrolStop.objects.filter(patrol=patrol, building__isnull=False)
        .values_list("building_id")
        .annotate(n=Count("pk"))
    )
    buildings = list(
        Building.objects.filter(grid_id=patrol.grid_id).select_related("compound").order_by("compound__name", "name")
    )
    for b in buildings:
        b.visits = visited.get(b.pk, 0)
    return buildings


@dataclass
class PatrolSummary:
    stops: int
    buildings: int
    cases: int


def patrol_summary(patrol: Patrol) -> PatrolSummary:
    stops = PatrolStop.objects.filter(patrol=patrol)
    return PatrolSummary(
        stops=stops.count(),
        buildings=stops.filter(building__isnull=False).values("building_id").distinct().count(),
        cases=Case.objects.filter(patrol=patrol).count(),
    )


def suggested_summary(patrol: Patrol) -> str:
    """What the end form starts with: the walk in figures, for the worker to complete."""
    figures = patrol_summary(patrol)
    return gettext("巡查 %(stops)d 处（楼栋 %(buildings)d 栋），发现并上报问题 %(cases)d 件。") % {
        "stops": figures.stops, "buildings": figures.buildings, "cases": figures.cases,
    }


# Presentation helpers shared by pages and API ------------------------------------------------------
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


def household_label(order: ServiceOrder, *, full: bool) -> str:
    """Where the service is needed: the room only for those who go there (or ordered it)."""
    h = order.household
    if h is None:
        return ""
    place = f"{h.compound.name} {h.building.name}"
    return f"{place} {h.unit.number}-{h.room}" if full else place


def party_phone_reveal(user, party_id) -> str:
    """The full phone number of a mediation party, for those who mediate; every read is audited."""
    from gongzhi.core.audit import audit_record
    from gongzhi.core.errors import PermissionDeniedError

    party = access_party(user, party_id)
    mediation = party.mediation
    if not can_mediate(user, mediation.case):
        raise PermissionDeniedError()
    audit_record(actor=user, action="mediation.reveal_phone", target=mediation,
                 target_label=f"#{mediation.pk} {party.name}", community_id=mediation.community_id,
                 details={"party": party.pk})
    return party.phone
