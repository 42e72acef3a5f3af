"""Access helpers shared by services, mediation and patrols: role sets, per-request caches, read-only staff.

The rules themselves live in each package's ``permissions.py``; these are the pieces several of
them use. Nothing here queries more than the user's role assignments (cached per request).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core import capabilities
from gongzhi.org.ids import as_pk
from gongzhi.org.models import Role
from gongzhi.org.scopes import cached_on_user, scope_for

# Capabilities (the registry: gongzhi.core.capabilities) -------------------------------------------
# The community office lists services, dispatches, mediates and reads every patrol of its community.
MANAGE_FIELDWORK = capabilities.register(
    "manage_fieldwork", app="casework", label=_("管理服务、调解与巡查"),
    roles=(Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF))
# Grid heads and workers walk their grid (and mediate its requests).
WALK_PATROLS = capabilities.register(
    "walk_patrols", app="casework", label=_("网格巡查"), roles=(Role.GRID_HEAD, Role.GRID_WORKER))
# Sub-district staff oversee the communities' boards, mediations and patrols read-only.
OVERSEE_FIELDWORK = capabilities.register(
    "oversee_fieldwork", app="casework", label=_("查看服务、调解与巡查"), roles=(Role.SUBDISTRICT_STAFF,))

# The same declarations as role sets, for queries over role assignments.
COMMUNITY_OFFICE = capabilities.roles_with(MANAGE_FIELDWORK)
PATROL_WALKERS = capabilities.roles_with(WALK_PATROLS)
READERS = capabilities.roles_with(OVERSEE_FIELDWORK)


def cached(user, key, factory):
    """``factory()`` computed once per user object (that is, once per request)."""
    return cached_on_user(user, f"fieldwork:{key}", factory)


def signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


as_int = as_pk  # an id from a URL or a form; anything that is not an id matches nothing (-1)


def reader_communities(user) -> set[int]:
    """Communities the user oversees read-only (sub-district staff)."""
    if not signed_in(user):
        return set()
    return set(scope_for(user, OVERSEE_FIELDWORK).communities)
