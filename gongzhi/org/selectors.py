"""Reads of the org app. Every list starts from the user's scope."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from gongzhi.core.sorting import natural_sorted

from .models import (
    SENSITIVE_TAGS,
    Building,
    Compound,
    Household,
    Occupancy,
    Region,
    Resident,
    ResidentTag,
    RoleAssignment,
    Unit,
)
from .permissions import VIEW_HOUSEHOLDS, VIEW_SENSITIVE, VIEW_TREE, active_assignments, own_resident, scope_for

# "1-502", "1－502", "1单元502", "3栋1-502"
_ROOM_RE = re.compile(r"^(?:(?P<building>.+?)(?:栋|幢|号楼)\s*)?(?P<unit>\w+?)\s*(?:-|－|—|单元)\s*(?P<room>\w+)$")


def households_in_scope(user, *, cap: str = VIEW_HOUSEHOLDS) -> QuerySet[Household]:
    return Household.objects.filter(scope_for(user, cap).household_q())


def household_list(
    user,
    *,
    q: str = "",
    community_id: int | None = None,
    grid_id: int | None = None,
    compound_id: int | None = None,
    building_id: int | None = None,
    unit_id: int | None = None,
    use: str | None = None,
    occupancy: str | None = None,
) -> QuerySet[Household]:
    qs = households_in_scope(user).select_related("unit", "building", "compound", "grid")
    for name, value in (
        ("community_id", community_id),
        ("grid_id", grid_id),
        ("compound_id", compound_id),
        ("building_id", building_id),
        ("unit_id", unit_id),
        ("use", use),
        ("occupancy", occupancy),
    ):
        if value:
            qs = qs.filter(**{name: value})
    q = (q or "").strip()
    if q:
        qs = qs.filter(household_search_q(q))
    return qs.order_by("building_id", "unit_id", "room")


def household_search_q(q: str) -> Q:
    """Room "1-502" / "502", a building "3栋", or a resident's name or phone tail."""
    match = _ROOM_RE.match(q)
    if match:
        cond = Q(unit__number=match["unit"], room=match["room"])
        if match["building"]:
            cond &= Q(building__name__startswith=match["building"])
        return cond
    if q.isdigit() and len(q) <= 5:
        return Q(room=q) | Q(residents__phone__endswith=q) if len(q) == 4 else Q(room=q)
    if q.isdigit():
        return Q(residents__phone__endswith=q)
    return Q(building__name=q) | Q(residents__name__contains=q)


def resident_list(user, *, q: str = "", tag: str | None = None, community_id: int | None = None) -> QuerySet[Resident]:
    """Active residents in the user's scope. Filtering by a sensitive tag (低保, 残疾 …) needs the right
    to see that tag: the list is narrowed to the user's VIEW_SENSITIVE scope, so it is empty for a
    role without it. Whoever shows such a list records the read with ``sensitive.record_list_read``."""
    scope = scope_for(user, VIEW_HOUSEHOLDS)
    qs = Resident.objects.filter(scope.resident_q(), is_active=True)
    if community_id:
        qs = qs.filter(community_id=community_id)
    if tag:
        qs = qs.filter(tags__tag=tag)
        if tag in SENSITIVE_TAGS:
            qs = qs.filter(scope_for(user, VIEW_SENSITIVE).resident_q())
    q = (q or "").strip()
    if q:
        if q.isdigit():
            qs = qs.filter(phone__endswith=q)
        else:
            qs = qs.filter(name__contains=q)
    return qs.order_by("name", "pk")


def household_detail(household: Household) -> list[Occupancy]:
    """The household's residents with their tags, owners first."""
    order = {Occupancy.Relation.OWNER: 0, Occupancy.Relation.CO_OWNER: 1, Occupancy.Relation.FAMILY: 2,
             Occupancy.Relation.TENANT: 3}
    occupancies = list(
        Occupancy.objects.filter(household=household)
        .select_related("resident")
        .prefetch_related(Prefetch("resident__tags", queryset=ResidentTag.objects.order_by("tag")))
    )
    occupancies.sort(key=lambda o: (order.get(o.relation, 9), o.resident.name))
    return occupancies


def resident_households(resident: Resident, user) -> list[Occupancy]:
    """The resident's households that the user may see."""
    scope = scope_for(user, VIEW_HOUSEHOLDS)
    return list(
        Occupancy.objects.filter(resident=resident)
        .filter(scope.household_q("household__"))
        .select_related("household__unit", "household__building", "household__compound")
        .order_by("household__building_id", "household__unit_id", "household__room")
    )


# Tree ---------------------------------------------------------------------------
@dataclass
class ScopeRoot:
    """A starting point of the tree browser for one of the user's roles."""

    kind: str  # community | grid | compound | building | unit | households
    label: str
    url_name: str
    pk: int
    role_label: str


def tree_roots(user) -> list[ScopeRoot]:
    roots: list[ScopeRoot] = []
    seen: set[tuple[str, int]] = set()
    if user.is_superuser:
        for region in Region.objects.filter(kind=Region.Kind.COMMUNITY).order_by("code"):
            roots.append(ScopeRoot("community", region.name, "org:region", region.pk, ""))
        return roots
    for a in active_assignments(user):
        if a.region_id:
            key = ("region", a.region_id)
            if a.region.kind == Region.Kind.SUBDISTRICT:
                children = a.region.child_communities()
                for c in children:
                    if ("region", c.pk) not in seen:
                        seen.add(("region", c.pk))
                        roots.append(ScopeRoot("community", c.name, "org:region", c.pk, a.get_role_display()))
                continue
            if a.role == "red_steward":
                key = ("steward", a.pk)
                roots.append(ScopeRoot("households", a.region.name, "org:steward", a.pk, a.get_role_display()))
                seen.add(key)
                continue
            if key not in seen:
                seen.add(key)
                roots.append(ScopeRoot(a.region.kind, a.region.name, "org:region", a.region_id, a.get_role_display()))
        elif a.compound_id and ("compound", a.compound_id) not in seen:
            seen.add(("compound", a.compound_id))
            roots.append(ScopeRoot("compound", a.compound.name, "org:compound", a.compound_id, a.get_role_display()))
        elif a.building_id and ("building", a.building_id) not in seen:
            seen.add(("building", a.building_id))
            roots.append(ScopeRoot("building", a.building.name, "org:building", a.building_id, a.get_role_display()))
        elif a.unit_id and ("unit", a.unit_id) not in seen:
            seen.add(("unit", a.unit_id))
            roots.append(
                ScopeRoot("unit", f"{a.unit.building.name} {a.unit}", "org:building", a.unit.building_id,
                          a.get_role_display())
            )
    return roots


def community_children(community: Region, user) -> dict:
    """Grids and compounds of a community, with building and household counts."""
    grids = (
        Region.objects.filter(parent_community=community, kind=Region.Kind.GRID)
        .annotate(building_count=Count("buildings", distinct=True))
        .order_by("code")
    )
    compounds = (
        Compound.objects.filter(community=community)
        .annotate(building_count=Count("buildings", distinct=True))
        .order_by("name")
    )
    household_counts = dict(
        Household.objects.filter(community=community).values_list("grid_id").annotate(n=Count("id"))
    )
    compound_counts = dict(
        Household.objects.filter(community=community).values_list("compound_id").annotate(n=Count("id"))
    )
    grid_rows = [(g, household_counts.get(g.pk, 0)) for g in natural_sorted(grids, key=lambda g: g.name)]
    compound_rows = [(c, compound_counts.get(c.pk, 0)) for c in natural_sorted(compounds, key=lambda c: c.name)]
    return {"grids": grid_rows, "compounds": compound_rows}


def buildings_with_counts(qs: QuerySet[Building]) -> list[Building]:
    return natural_sorted(qs.select_related("compound", "grid").annotate(household_count=Count("households")),
                          key=lambda b: (b.compound.name, b.name))


def visible_buildings(user, *, cap: str = VIEW_TREE) -> QuerySet[Building]:
    return Building.objects.filter(scope_for(user, cap).building_q()).distinct()


def building_units(building: Building, user) -> list[Unit]:
    """The building's units the user sees: all of them, or only their own unit (a unit head)."""
    scope = scope_for(user, VIEW_TREE)
    units = natural_sorted(Unit.objects.filter(building=building), key=lambda u: u.number)
    if scope.units and not scope.contains_building(building):
        units = [u for u in units if u.pk in scope.units]
    return units


def building_rooms(building: Building, user, *, unit: Unit | None = None) -> tuple[list[Unit], Unit | None, list]:
    """Units of a building and, for the selected unit, its rooms by floor (top floor first)."""
    scope = scope_for(user, VIEW_HOUSEHOLDS)
    units = building_units(building, user)
    if unit is None and units:
        unit = units[0]
    floors: dict[int, list[Household]] = {}
    if unit is not None:
        rooms = Household.objects.filter(unit=unit).filter(scope.household_q())
        for h in natural_sorted(rooms, key=lambda h: (-h.floor, h.room)):
            floors.setdefault(h.floor, []).append(h)
    return units, unit, sorted(floors.items(), key=lambda item: -item[0])


def roles_in_community(community_id: int) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(community_id=community_id, revoked_at__isnull=True)
        .select_related("user", "region", "compound", "building", "unit__building")
        .order_by("role", "user__name")
    )


def my_households(user) -> list[Occupancy]:
    resident = own_resident(user)
    if resident is None:
        return []
    return list(
        resident.occupancies.select_related("household__unit", "household__building", "household__compound")
    )


def audit_events(community_ids: list[int], *, action: str = "", person: str = "", q: str = "",
                 date_from=None, date_to=None) -> QuerySet:
    """The audit page's events: ``action`` in words (a label in either language) or a code's start,
    ``person`` a part of the actor's name or phone, dates inclusive (local days)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from gongzhi.core import audit_labels
    from gongzhi.core.models import AuditEvent

    qs = AuditEvent.objects.filter(community_id__in=community_ids).select_related("actor")
    if action:
        qs = qs.filter(Q(action__in=audit_labels.codes_matching(action)) | Q(action__startswith=action.strip()))
    if person:
        people = get_user_model().objects.filter(Q(name__contains=person) | Q(phone__contains=person))
        qs = qs.filter(actor__in=people)
    if q:
        qs = qs.filter(target_label__contains=q)
    if date_from:
        qs = qs.filter(created_at__gte=timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min)))
    if date_to:
        end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min)
        qs = qs.filter(created_at__lt=timezone.make_aware(end))
    return qs.order_by("-created_at", "-id")
