"""The residents of a place as an audience: one inbox notification each (``core.notifications``).

"Tell everyone in 3栋" (the staff queue's message to a building) and the alert cascade both need the
same thing: the residents living in a part of the tree who have a login, told once each, and an
honest count of the households that no notification reaches (no resident with a login: a phone call
or a knock on the door). The caller checks who may speak to the place; this module only resolves the
audience and sends, inside the caller's transaction.

    reach = notify_residents(actor=actor, audience=Audience("building", building.pk), source="casework",
                             kind="building.message", title=..., body=..., dedupe_key=f"...:{key}")
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from gongzhi.core.notifications.actions import notify

from .models import Household, Occupancy

KINDS = ("community", "grid", "compound", "building", "unit")


@dataclass(frozen=True)
class Audience:
    """Everyone living in one node of the tree: ``kind`` is one of ``KINDS``, ``pk`` the node's id."""

    kind: str
    pk: int

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown audience kind {self.kind!r}")

    def household_q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}{self.kind}_id": self.pk})


@dataclass(frozen=True)
class Reach:
    households: int  # households in the place
    residents: int  # residents living there (active)
    notified: list[int]  # the users sent a notification (never the actor)
    households_unreached: int  # occupied households where nobody has a login (vacant ones are not counted)

    @property
    def notified_count(self) -> int:
        return len(self.notified)


def audience_occupancies(audience: Audience):
    return Occupancy.objects.filter(audience.household_q("household__"), resident__is_active=True)


def audience_reach(audience: Audience) -> tuple[int, int, dict[int, set[int]]]:
    """(households, residents, {household id: user ids of its residents with a login})."""
    households = Household.objects.filter(audience.household_q()).count()
    users: dict[int, set[int]] = {}
    residents = set()
    for household_id, resident_id, user_id in audience_occupancies(audience).values_list(
            "household_id", "resident_id", "resident__user_id"):
        residents.add(resident_id)
        entry = users.setdefault(household_id, set())
        if user_id:
            entry.add(user_id)
    return households, len(residents), users


def notify_residents(*, actor, audience: Audience, source: str, kind: str, title: str, body: str = "",
                     url: str = "", subject: str = "", dedupe_key: str) -> Reach:
    """One notification for each resident of ``audience`` with a login (once per ``dedupe_key``)."""
    households, residents, users = audience_reach(audience)
    recipients = {uid for ids in users.values() for uid in ids}
    sent = notify(users=recipients, actor=actor, source=source, kind=kind, title=title, body=body, url=url,
                  subject=subject, dedupe_key=dedupe_key)
    unreached = sum(1 for ids in users.values() if not ids)
    return Reach(households=households, residents=residents, notified=sent, households_unreached=unreached)
