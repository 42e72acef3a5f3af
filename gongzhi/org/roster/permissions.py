"""Access to the roster: MANAGE_ROSTER over the community, for the roster itself and for its imports."""

from __future__ import annotations

from gongzhi.core.errors import NotFound

from ..ids import as_pk
from ..models import Region, RosterImport
from ..permissions import MANAGE_ROSTER, access_community, can


def access_roster_community(user, community_id: int, *, as_system: bool = False) -> Region:
    """The community whose roster the user may import or export; a miss and a refusal are both 404.

    ``user=None`` is allowed only with ``as_system=True``: the management commands
    run without a login when given no ``--user`` (whoever has the shell has the database).
    """
    if user is None:
        if not as_system:
            raise NotFound()
        community = Region.objects.filter(pk=community_id, kind=Region.Kind.COMMUNITY).first()
        if community is None:
            raise NotFound()
        return community
    return access_community(user, community_id, MANAGE_ROSTER)


def access_roster_import(user, import_id) -> RosterImport:
    """An import of a community the user manages the roster of; a miss and a refusal are both 404."""
    record = RosterImport.objects.select_related("community", "uploaded_by").filter(pk=as_pk(import_id)).first()
    if record is None or not can(user, MANAGE_ROSTER, "community", record.community_id):
        raise NotFound()
    return record
