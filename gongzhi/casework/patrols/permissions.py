"""Who walks and who reads patrols (网格巡查).

- Grid heads and workers walk their own grid (``patrol_grids``).
- The patrol log of a grid is visible to its grid heads and workers, the community
  secretary and staff, and sub-district staff; a walker always sees their own patrols.
- Objects reach views only through ``access_patrol`` and ``access_stop``; a miss and a
  refusal both raise NotFound.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gongzhi.core.errors import NotFound
from gongzhi.org.models import Region
from gongzhi.org.permissions import active_assignments
from gongzhi.org.scopes import scope_for

from ..fieldwork.permissions import (
    MANAGE_FIELDWORK,
    PATROL_WALKERS,
    as_int,
    reader_communities,
    signed_in,
)
from ..models import Patrol, PatrolStop


def walks(user) -> bool:
    """Holds a grid head or grid worker role somewhere (no query beyond the cached roles)."""
    return any(a.role in PATROL_WALKERS for a in active_assignments(user))


def patrol_grids(user) -> list[Region]:
    """The grids the user walks (grid head or worker there)."""
    if not signed_in(user):
        return []
    ids = {a.region_id for a in active_assignments(user) if a.role in PATROL_WALKERS and a.region_id}
    return list(Region.objects.filter(pk__in=ids, kind=Region.Kind.GRID).order_by("code"))


def office_and_reader_communities(user) -> set[int]:
    """Communities whose every patrol the user reads: the community office, sub-district staff."""
    return set(scope_for(user, MANAGE_FIELDWORK).communities) | reader_communities(user)


def reads_patrols(user) -> bool:
    """Reads some patrol log (for the navigation link; the page checks again)."""
    if walks(user) or getattr(user, "is_superuser", False):
        return True
    return signed_in(user) and bool(office_and_reader_communities(user))


def patrol_view_grids(user) -> QuerySet[Region]:
    """Every grid whose patrol log the user may read."""
    grids = Region.objects.filter(kind=Region.Kind.GRID)
    if not signed_in(user):
        return grids.none()
    if user.is_superuser:
        return grids.order_by("code")
    communities = office_and_reader_communities(user)
    own = {g.pk for g in patrol_grids(user)}
    return grids.filter(Q(parent_community_id__in=sorted(communities)) | Q(pk__in=sorted(own))).order_by("code")


def can_read_patrol(user, patrol: Patrol) -> bool:
    if not signed_in(user):
        return False
    if patrol.worker_id == user.pk:
        return True
    return patrol_view_grids(user).filter(pk=patrol.grid_id).exists()


def access_patrol(user, patrol_id) -> Patrol:
    patrol = Patrol.objects.select_related("grid", "community", "worker").filter(pk=as_int(patrol_id)).first()
    if patrol is None or not can_read_patrol(user, patrol):
        raise NotFound()
    return patrol


def access_stop(user, stop_id) -> PatrolStop:
    stop = PatrolStop.objects.select_related("patrol", "building__compound").filter(pk=as_int(stop_id)).first()
    if stop is None:
        raise NotFound()
    access_patrol(user, stop.patrol_id)
    return stop
