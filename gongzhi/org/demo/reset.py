"""Delete the organisation data (for ``manage.py demo --reset``)."""

from __future__ import annotations

from django.db.models import Q

from gongzhi.accounts.models import User

from ..models import (
    Building,
    Compound,
    Household,
    Institution,
    Occupancy,
    PartyMember,
    PartyOrg,
    PartyRegistration,
    PostClaim,
    Region,
    Resident,
    ResidentTag,
    RoleAssignment,
    RosterImport,
    ServicePost,
    ServiceRecord,
    StewardHousehold,
    Unit,
)
from .logins import DEMO_PHONES

# Leaves first, so no PROTECT reference is ever left dangling.
_ORDER = (
    ServiceRecord,
    PostClaim,
    ServicePost,
    PartyRegistration,
    PartyMember,
    PartyOrg,
    Institution,
    StewardHousehold,
    RoleAssignment,
    ResidentTag,
    Occupancy,
    Resident,
    Household,
    Unit,
    Building,
    Compound,
    RosterImport,
    Region,
)


def delete_org_data() -> dict[str, int]:
    """Delete every org row and the logins that belonged to it; return deleted counts by model.

    Logins deleted: those holding a role or linked to a resident, and the demo
    phone numbers. A platform superuser created by hand (not a demo phone) is kept.
    """
    user_ids = set(RoleAssignment.objects.values_list("user_id", flat=True))
    user_ids |= set(Resident.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    deleted: dict[str, int] = {}
    for model in _ORDER:
        label = str(model._meta.verbose_name)
        if model is PartyOrg:  # children before parents (parent is PROTECT)
            n = 0
            for kind in ("building_group", "compound_branch", "grid_branch", "committee"):
                n += PartyOrg.objects.filter(kind=kind).delete()[0]
            n += PartyOrg.objects.all().delete()[0]
        elif model is Region:  # grids, then communities, then sub-districts
            n = 0
            for kind in (Region.Kind.GRID, Region.Kind.COMMUNITY, Region.Kind.SUBDISTRICT):
                n += Region.objects.filter(kind=kind).count()
                Region.objects.filter(kind=kind).delete()
        else:
            n = model.objects.count()
            if n:
                model.objects.only("pk").delete()
        deleted[label] = n
    users = User.objects.filter(Q(pk__in=sorted(user_ids)) | Q(phone__in=sorted(DEMO_PHONES))).exclude(
        Q(is_superuser=True) & ~Q(phone__in=sorted(DEMO_PHONES))
    )
    deleted[str(User._meta.verbose_name)] = users.count()
    users.delete()
    return deleted
