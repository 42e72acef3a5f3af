from .imports import RosterImport
from .party import (
    Institution,
    PartyMember,
    PartyOrg,
    PartyRegistration,
    PostClaim,
    ServicePost,
    ServiceRecord,
)
from .people import SENSITIVE_TAGS, Occupancy, Resident, ResidentTag, Tag
from .roles import ROLE_SCOPE, Role, RoleAssignment, ScopeLevel, StewardHousehold
from .tree import Building, Compound, Household, Region, Unit

__all__ = [
    "Building",
    "Compound",
    "Household",
    "Institution",
    "Occupancy",
    "PartyMember",
    "PartyOrg",
    "PartyRegistration",
    "PostClaim",
    "ROLE_SCOPE",
    "Region",
    "Resident",
    "ResidentTag",
    "Role",
    "RoleAssignment",
    "RosterImport",
    "SENSITIVE_TAGS",
    "ScopeLevel",
    "ServicePost",
    "ServiceRecord",
    "StewardHousehold",
    "Tag",
    "Unit",
]
