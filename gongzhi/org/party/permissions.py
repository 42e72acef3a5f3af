"""Who may see and change 双报到 objects (the same rules for pages, API and exports).

- Staff objects (organisations, registrations, institutions, claims and their
  hours) need ``VIEW_PARTY`` over their community; changing them needs
  ``MANAGE_PARTY`` (community secretary and staff; sub-district staff see but
  may not change, 403).
- The service-post list is open to everyone "of the community": a resident
  linked to the login, and anyone holding a role there (``post_communities``).
- A building's printed QR code is its own access (``building_by_token``).
- Objects reach views only through the ``access_*`` functions below; a miss
  and a refusal both raise ``NotFound``.
"""

from __future__ import annotations

from gongzhi.core.errors import NotFound, PermissionDeniedError

from ..ids import as_pk
from ..models import Building, Institution, PartyOrg, PartyRegistration, PostClaim, Region, ServicePost
from ..permissions import (
    MANAGE_PARTY,
    VIEW_PARTY,
    access_community,
    active_assignments,
    can,
    own_resident,
    require,
    scope_for,
)


# Who sees which community ----------------------------------------------------------
def post_communities(user) -> set[int]:
    """Communities whose service-post list the user may see.

    A resident sees their own community; a role holder the community of each
    assignment; party viewers (e.g. sub-district staff) every community they cover.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return set(Region.objects.filter(kind=Region.Kind.COMMUNITY).values_list("pk", flat=True))
    ids: set[int] = set()
    resident = own_resident(user)
    if resident is not None:
        ids.add(resident.community_id)
    for a in active_assignments(user):
        if a.community_id:
            ids.add(a.community_id)
    ids |= set(scope_for(user, VIEW_PARTY).communities)
    return ids


def managed_community(user, community_id) -> Region:
    """The community, if the user may manage its party work (404 if invisible, 403 if view-only)."""
    community = access_community(user, community_id, VIEW_PARTY)
    require(user, MANAGE_PARTY, "community", community.pk)
    return community


# access_* ---------------------------------------------------------------------------
def access_post(user, post_id) -> ServicePost:
    post = ServicePost.objects.select_related("community").filter(pk=as_pk(post_id)).first()
    if post is None or post.community_id not in post_communities(user):
        raise NotFound()
    return post


def access_party_org(user, org_id, cap: str = VIEW_PARTY) -> PartyOrg:
    org = PartyOrg.objects.select_related("community").filter(pk=as_pk(org_id)).first()
    if org is None or not can(user, cap, "community", org.community_id):
        raise NotFound()
    return org


def access_registration(user, registration_id, cap: str = VIEW_PARTY) -> PartyRegistration:
    reg = (
        PartyRegistration.objects.select_related("member__resident", "party_group", "building__compound")
        .filter(pk=as_pk(registration_id))
        .first()
    )
    if reg is None or not can(user, cap, "community", reg.community_id):
        raise NotFound()
    return reg


def access_institution(user, institution_id, cap: str = VIEW_PARTY) -> Institution:
    inst = Institution.objects.filter(pk=as_pk(institution_id)).first()
    if inst is None or not can(user, cap, "community", inst.community_id):
        raise NotFound()
    return inst


def access_claim(user, claim_id, cap: str = VIEW_PARTY) -> PostClaim:
    claim = (
        PostClaim.objects.select_related("post", "member__resident").filter(pk=as_pk(claim_id)).first()
    )
    if claim is None or not can(user, cap, "community", claim.post.community_id):
        raise NotFound()
    return claim


def access_qr_building(user, building_id) -> Building:
    """A building whose QR sheet the user may print: 404 without VIEW_PARTY, 403 without MANAGE_PARTY."""
    building = (
        Building.objects.select_related("compound", "community", "grid").filter(pk=as_pk(building_id)).first()
    )
    if building is None or not can(user, VIEW_PARTY, "community", building.community_id):
        raise NotFound()
    if not can(user, MANAGE_PARTY, "community", building.community_id):
        raise PermissionDeniedError()
    return building


def building_by_token(token: str) -> Building:
    """The building of a printed QR code. Holding the code is the access: it hangs in the stairwell."""
    building = (
        Building.objects.select_related("compound", "community", "grid")
        .filter(qr_token=str(token or "")[:32])
        .first()
    )
    if building is None or not token:
        raise NotFound()
    return building
