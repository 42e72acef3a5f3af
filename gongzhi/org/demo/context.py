"""What the seeding steps share: the plan (sizes), the context and the people drawn."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .identity import Identities

SUBDISTRICT_NAME = "清风街道"
SUBDISTRICT_CODE = "QF"
DEFAULT_SEED = 2026
DEFAULT_HOUSEHOLDS = 3300  # 和谐社区, shaped on S1/S6
MIN_HOUSEHOLDS = 200


@dataclass(frozen=True)
class CommunityPlan:
    name: str
    code: str
    grids: int
    compounds: int
    buildings: int
    households: int  # target; the built count lands within a few households of it
    shop_buildings: int  # buildings whose ground floor is shops


def plan_for(households: int) -> list[CommunityPlan]:
    """和谐社区 with ``households`` (default 3,300: 4 grids, 7 compounds, 113 buildings)
    and a smaller 幸福社区 (2 grids, 2 compounds, ~25 buildings, ~800 households).

    Grids, compounds and buildings scale with the household count, so
    ``--households 40000`` gives 48 grids, 85 compounds and ~1,370 buildings;
    幸福社区 shrinks with small runs but never grows past 800 households.
    """
    ratio = households / DEFAULT_HOUSEHOLDS
    big_compounds = max(7, round(7 * ratio))
    small_households = min(800, round(800 * ratio))
    return [
        CommunityPlan(
            name="和谐社区",
            code=f"{SUBDISTRICT_CODE}01",
            grids=max(4, round(4 * ratio)),
            compounds=big_compounds,
            buildings=max(big_compounds, round(113 * ratio)),
            households=households,
            shop_buildings=max(1, round(2 * ratio)),
        ),
        CommunityPlan(
            name="幸福社区",
            code=f"{SUBDISTRICT_CODE}02",
            grids=2,
            compounds=2,
            buildings=max(2, round(25 * small_households / 800)),
            households=small_households,
            shop_buildings=1,
        ),
    ]


@dataclass(eq=False)
class Person:
    """A resident being seeded; ``resident`` is the saved row once inserted."""

    name: str
    gender: str
    birth: date
    age: int
    phone: str
    id_number: str
    home: int | None  # index of the household they live in; None: lives elsewhere
    tags: list[str] = field(default_factory=list)
    resident: object = None  # org.Resident once saved
    user: object = None  # accounts.User when they hold a role or a demo login
    busy: bool = False  # holds a role or is reserved for a demo login

    @property
    def is_party(self) -> bool:
        return "party_member" in self.tags


@dataclass(eq=False)
class CommunityData:
    """One community as built: saved rows in creation order plus index maps."""

    plan: CommunityPlan
    region: object = None
    grids: list = field(default_factory=list)
    compounds: list = field(default_factory=list)
    buildings: list = field(default_factory=list)
    units: list = field(default_factory=list)
    households: list = field(default_factory=list)
    building_grid: list[int] = field(default_factory=list)  # building idx -> grid idx
    building_compound: list[int] = field(default_factory=list)  # building idx -> compound idx
    building_units: list[list[int]] = field(default_factory=list)  # building idx -> unit idxs
    unit_building: list[int] = field(default_factory=list)
    hh_building: list[int] = field(default_factory=list)  # household idx -> building idx
    hh_unit: list[int] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    # (person, household idx, relation, share)
    occupancies: list[tuple[Person, int, str, Decimal | None]] = field(default_factory=list)
    living: dict[int, list[Person]] = field(default_factory=dict)  # household idx -> people living there
    reserved: dict[str, Person] = field(default_factory=dict)  # demo login key -> person
    # Filled by the roles step.
    secretary: object = None
    staff_users: list = field(default_factory=list)
    holders: dict[str, list[tuple[Person | None, object]]] = field(default_factory=dict)  # role -> [(person, user)]
    # Filled by the party step.
    party_groups: dict[int, object] = field(default_factory=dict)  # building idx -> PartyOrg

    def grid_of(self, hh: int) -> int:
        return self.building_grid[self.hh_building[hh]]

    def compound_of(self, hh: int) -> int:
        return self.building_compound[self.hh_building[hh]]


@dataclass(eq=False)
class DemoContext:
    seed: int
    households: int
    as_of: date
    password_hash: str
    log: Callable[[str], None] = print
    identities: Identities = field(default_factory=Identities)
    subdistrict: object = None
    communities: list[CommunityData] = field(default_factory=list)
    logins: dict[str, object] = field(default_factory=dict)  # DemoLogin.key -> User
    extra: dict = field(default_factory=dict)  # free for extension steps

    def rng(self, *parts: object) -> random.Random:
        """A generator of its own for each step (and community), so adding a step
        or resizing one community never changes what the others draw."""
        return random.Random(":".join(["gongzhi-demo", str(self.seed), *map(str, parts)]))

    @property
    def big(self) -> CommunityData:
        """和谐社区, where the memorable logins live."""
        return self.communities[0]
