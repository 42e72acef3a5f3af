"""Who mediates and who reads mediations (矛盾纠纷调解).

- Community secretary and staff mediate any request of their community; grid
  heads and workers the requests of their grid (``can_mediate``). Sub-district
  staff read. The resident follows the request's own timeline.
- Objects reach views only through ``access_mediation`` and ``access_party``; a miss
  and a refusal both raise NotFound (writes by a reader are refused by the actions, 403).
"""

from __future__ import annotations

from gongzhi.core.errors import NotFound
from gongzhi.org.scopes import scope_for

from ..fieldwork.permissions import (
    COMMUNITY_OFFICE,
    MANAGE_FIELDWORK,
    as_int,
    reader_communities,
    signed_in,
)
from ..models import Case, Mediation, MediationParty, Tier
from ..permissions import can_handle, tier_scope

MEDIATION_STAFF = COMMUNITY_OFFICE
# Closing with an agreement may also resolve (办结) a request in one of these states.
RESOLVABLE = (Case.Status.ACCEPTED, Case.Status.DISPATCHED, Case.Status.IN_PROGRESS)


def can_mediate(user, case: Case) -> bool:
    """Community secretary/staff of the case's community, or a grid head/worker of its grid."""
    if not signed_in(user):
        return False
    if user.is_superuser:
        return True
    if case.community_id in scope_for(user, MANAGE_FIELDWORK).communities:
        return True
    return case.grid_id is not None and case.grid_id in tier_scope(user, Tier.GRID).grids


def can_read_mediation(user, mediation: Mediation) -> bool:
    return (
        can_mediate(user, mediation.case)
        or mediation.mediator_id == getattr(user, "pk", None)
        or mediation.community_id in reader_communities(user)
    )


def can_resolve_case(user, case: Case) -> bool:
    """Whether closing with an agreement may also resolve the request for this user."""
    return case.status in RESOLVABLE and can_handle(user, case)


def mediation_communities(user) -> set[int]:
    """Communities where the user mediates anything (whole community) — for the list page."""
    if not signed_in(user):
        return set()
    return set(scope_for(user, MANAGE_FIELDWORK).communities) | reader_communities(user)


def mediation_grids(user) -> set[int]:
    if not signed_in(user):
        return set()
    return set(tier_scope(user, Tier.GRID).grids)


def opens_mediations(user) -> bool:
    """May open mediations somewhere (not read-only sub-district staff)."""
    if not signed_in(user):
        return False
    return bool(user.is_superuser or scope_for(user, MANAGE_FIELDWORK).communities or mediation_grids(user))


def mediates_anything(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or mediation_communities(user) or mediation_grids(user))


def access_mediation(user, mediation_id) -> Mediation:
    mediation = (
        Mediation.objects.select_related("case__category", "case__grid", "case__building", "community", "mediator",
                                         "opened_by")
        .filter(pk=as_int(mediation_id))
        .first()
    )
    if mediation is None or not can_read_mediation(user, mediation):
        raise NotFound()
    return mediation


def access_party(user, party_id) -> MediationParty:
    party = MediationParty.objects.select_related("mediation").filter(pk=as_int(party_id)).first()
    if party is None:
        raise NotFound()
    access_mediation(user, party.mediation_id)
    return party
