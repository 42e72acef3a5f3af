"""Access helpers shared by services, mediation and patrols: role sets, per-request caches, read-only staff.

The rules themselves live in each package's ``permissions.py``; these are the pieces several of
them use. Nothing here queries more than the user's role assignments (cached per request).
"""

from __future__ import annotations

from gongzhi.org.models import Role
from gongzhi.org.permissions import Scope

# TODO(merge): the role → scope fold becomes public in the permission kernel (org/scopes.py,
# ``scope_of_roles``); this is the one place the three packages reach it from.
from ..permissions import _scope_from

# The community office: secretary and staff list services, dispatch, mediate and read every patrol.
COMMUNITY_OFFICE = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF})
# Grid heads and workers walk their grid (and mediate its requests).
PATROL_WALKERS = frozenset({Role.GRID_HEAD, Role.GRID_WORKER})
# Sub-district staff oversee the communities' boards, mediations and patrols read-only.
READERS = frozenset({Role.SUBDISTRICT_STAFF})


def scope_of_roles(user, roles) -> Scope:
    """The places the user covers through any of ``roles`` (superusers: everything)."""
    return _scope_from(user, roles)


def cached(user, key, factory):
    """``factory()`` computed once per user object (that is, once per request)."""
    cache = user.__dict__.setdefault("_gz_field_cache", {})
    if key not in cache:
        cache[key] = factory()
    return cache[key]


def signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def as_int(value) -> int:
    """An id from a URL or a form; anything that is not a number matches nothing (-1)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def reader_communities(user) -> set[int]:
    """Communities the user oversees read-only (sub-district staff)."""
    if not signed_in(user):
        return set()
    return cached(user, "readers", lambda: set(scope_of_roles(user, READERS).communities))
