"""Which places a user may see the 四率 of (docs/rates.md, "Who may see a report").

A report is about one place (``RateScope``): a sub-district, community, grid or building
whose every request the user sees (``casework.permissions.view_scope``). ``rate_scope`` is
the access function: a place that does not exist and a place the user may not report on
both raise NotFound. The navigation link goes to roles whose case view covers whole places.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.sorting import natural_sorted
from gongzhi.org.models import Building, Region, Role
from gongzhi.org.permissions import active_assignments

from .. import error_codes as codes
from ..permissions import view_scope

SCOPE_KINDS = ("subdistrict", "community", "grid", "building")
# Roles whose case view covers whole places (unit heads and red stewards see only some households).
REPORT_ROLES = {Role.SUBDISTRICT_STAFF, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.SOCIAL_WORKER,
                Role.NPC_DEPUTY, Role.GRID_HEAD, Role.GRID_WORKER, Role.BUILDING_HEAD, Role.PROPERTY_STAFF}


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


def building_label(b: Building) -> str:
    return f"{b.compound.name} {b.name}"


def subdistrict_communities(region: Region) -> list[int]:
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
        return RateScope("building", b.pk, building_label(b), (b.community_id,))
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
    communities = subdistrict_communities(region)
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
        communities = subdistrict_communities(sub)
        if communities and set(communities) <= community_ids:
            result.append(RateScope("subdistrict", sub.pk, sub.name, tuple(communities)))
    for c in Region.objects.filter(pk__in=community_ids).order_by("code"):
        result.append(RateScope("community", c.pk, c.name, (c.pk,)))
    grids = Region.objects.filter(kind=Region.Kind.GRID).filter(
        Q(parent_community_id__in=community_ids) | Q(pk__in=scope.grids)
    )
    for g in natural_sorted(grids, key=lambda g: (g.parent_community_id or 0, g.name)):
        result.append(RateScope("grid", g.pk, g.name, (g.parent_community_id,)))
    if scope.buildings or scope.compounds:
        buildings = Building.objects.filter(Q(pk__in=scope.buildings) | Q(compound_id__in=scope.compounds))
        buildings = buildings.exclude(community_id__in=community_ids).exclude(grid_id__in=scope.grids)
        for b in natural_sorted(buildings.select_related("compound"), key=lambda b: (b.compound.name, b.name)):
            result.append(RateScope("building", b.pk, building_label(b), (b.community_id,)))
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
        raise ApplicationError(codes.INVALID_SCOPE, _("请只选择一个统计范围（街道、社区、网格或楼栋）。"), field="scope")
    if not given:
        return default_scope(user)
    kind, pk = given[0]
    return rate_scope(user, kind=kind, pk=pk)


def sees_rates(user) -> bool:
    """Holds a role that reports on whole places (no query beyond the cached roles); the page checks again."""
    return bool(getattr(user, "is_superuser", False) or any(a.role in REPORT_ROLES for a in active_assignments(user)))
