"""Access to roster imports: the same rule as the roster itself (MANAGE_ROSTER over the community)."""

from __future__ import annotations

from gongzhi.core.errors import NotFound

from ..models import RosterImport
from ..permissions import MANAGE_ROSTER, _as_int, can


def access_roster_import(user, import_id) -> RosterImport:
    """An import of a community the user manages the roster of; a miss and a refusal are both 404."""
    record = RosterImport.objects.select_related("community", "uploaded_by").filter(pk=_as_int(import_id)).first()
    if record is None or not can(user, MANAGE_ROSTER, "community", record.community_id):
        raise NotFound()
    return record
