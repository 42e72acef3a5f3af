"""Step 3: logins and role holders — mostly residents of their community — and the demo logins."""

from __future__ import annotations

import random
from collections import defaultdict

from gongzhi.accounts.models import User

from ..models import (
    Household,
    Occupancy,
    Resident,
    Role,
    RoleAssignment,
    StewardHousehold,
    Tag,
)
from .context import CommunityData, DemoContext, Person
from .logins import DEMO_LOGINS, LOGIN_BY_KEY

BATCH = 1000
UNIT_HEAD_RATE = 0.35  # share of units with a neighbour head
VOLUNTEER_RATE = 0.02  # of adults living in the community
STEWARD_PER_HOUSEHOLDS = 100  # one red steward per ~100 occupied households, ~10 households each
VULNERABLE_TAGS = (Tag.ELDERLY_ALONE, Tag.SUBSISTENCE, Tag.HARDSHIP, Tag.DISABILITY)


def seed_roles(ctx: DemoContext) -> None:
    grants: list[_Grant] = []
    users: list[User] = []
    for cd in ctx.communities:
        _Roles(ctx, cd, ctx.rng("roles", cd.plan.code), grants, users).build()
    extra_rng = ctx.rng("roles", "subdistrict")
    sub_staff = []
    for _ in range(2):
        gender = extra_rng.choice("MF")
        user = _new_user(ctx, ctx.identities.phone(extra_rng), ctx.identities.name(extra_rng, gender))
        users.append(user)
        sub_staff.append(user)
        grants.append(_Grant(None, user, Role.SUBDISTRICT_STAFF, {"region": ctx.subdistrict}, None, []))
    admin = User(phone=LOGIN_BY_KEY["admin"].phone, name="平台管理员", password=ctx.password_hash, is_staff=True,
                 is_superuser=True)
    users.append(admin)
    _apply_demo_logins(ctx, sub_staff, admin, users)

    User.objects.bulk_create(users, batch_size=BATCH)
    linked = []
    for cd in ctx.communities:
        for person in cd.people:
            if person.user is not None:
                person.resident.user = person.user
                person.resident.phone = person.phone
                linked.append(person.resident)
    Resident.objects.bulk_update(linked, ["user", "phone"], batch_size=200)
    assignments = [
        RoleAssignment(user=g.user, role=g.role, community=g.community, **g.scope) for g in grants
    ]
    RoleAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    StewardHousehold.objects.bulk_create(
        [
            StewardHousehold(assignment=a, household=g.cd.households[hh])
            for g, a in zip(grants, assignments)
            for hh in g.steward_households
        ],
        batch_size=BATCH,
    )
    ctx.log(f"  {len(users)} 个登录账号、{len(assignments)} 项角色任命（其中 {len(linked)} 人是本社区居民）")


class _Grant:
    __slots__ = ("cd", "person", "role", "scope", "steward_households", "user")

    def __init__(self, person, user, role, scope, cd, steward_households):
        self.person, self.user, self.role, self.scope = person, user, role, scope
        self.cd, self.steward_households = cd, steward_households

    @property
    def community(self):
        return self.cd.region if self.cd is not None else None


def _new_user(ctx: DemoContext, phone: str, name: str) -> User:
    return User(phone=phone, name=name, password=ctx.password_hash)


class _Roles:
    def __init__(self, ctx: DemoContext, cd: CommunityData, rng: random.Random, grants: list, users: list) -> None:
        self.ctx, self.cd, self.rng, self.grants, self.users = ctx, cd, rng, grants, users
        # Adults who could take a role, grouped by where they live (in seeding order).
        self.everyone: list[Person] = []
        self.by_grid: dict[int, list[Person]] = defaultdict(list)
        self.by_compound: dict[int, list[Person]] = defaultdict(list)
        self.owners_by_compound: dict[int, list[Person]] = defaultdict(list)
        self.by_building: dict[int, list[Person]] = defaultdict(list)
        self.by_unit: dict[int, list[Person]] = defaultdict(list)
        own_home = {id(p) for p, hh, relation, _ in cd.occupancies if relation in Occupancy.OWNING and p.home == hh}
        for p in cd.people:
            if p.home is None or not p.phone or not 22 <= p.age <= 72:
                continue
            b = cd.hh_building[p.home]
            self.everyone.append(p)
            self.by_grid[cd.building_grid[b]].append(p)
            self.by_compound[cd.building_compound[b]].append(p)
            self.by_building[b].append(p)
            self.by_unit[cd.hh_unit[p.home]].append(p)
            if id(p) in own_home:
                self.owners_by_compound[cd.building_compound[b]].append(p)

    # Picking people ------------------------------------------------------------
    def pick(self, *pools: list[Person], prefer=None, prefer_rate: float = 0.6) -> Person | None:
        """A random free person from the first pool that has one, preferring ``prefer``."""
        rng = self.rng
        want = prefer if prefer is not None and rng.random() < prefer_rate else None
        for pool in pools:
            if not pool:
                continue
            for condition in ((want, None) if want else (None,)):
                for _ in range(40):
                    p = rng.choice(pool)
                    if not p.busy and (condition is None or condition(p)):
                        p.busy = True
                        return p
                for p in pool:
                    if not p.busy and (condition is None or condition(p)):
                        p.busy = True
                        return p
        return None

    def grant(self, role: str, person: Person | None, scope: dict, steward_households=()) -> None:
        """Appoint ``person`` (a resident; None: someone who works here but lives elsewhere)."""
        if person is None:
            gender = self.rng.choice("MF")
            user = _new_user(self.ctx, self.ctx.identities.phone(self.rng), self.ctx.identities.name(self.rng, gender))
            self.users.append(user)
        elif person.user is None:
            user = person.user = _new_user(self.ctx, person.phone, person.name)
            self.users.append(user)
        else:
            user = person.user
        self.grants.append(_Grant(person, user, role, scope, self.cd, list(steward_households)))
        self.cd.holders.setdefault(role, []).append((person, user))

    def resident_or_outsider(self, rate: float, *pools, prefer=None) -> Person | None:
        return self.pick(*pools, prefer=prefer) if self.rng.random() < rate else None

    # Roles -----------------------------------------------------------------
    def build(self) -> None:
        cd, rng = self.cd, self.rng
        plan = cd.plan
        party = _is_party
        community = {"region": cd.region}

        secretary = self.resident_or_outsider(0.5, self.everyone, prefer=party)
        self.grant(Role.COMMUNITY_SECRETARY, secretary, community)
        cd.secretary = cd.holders[Role.COMMUNITY_SECRETARY][0][1]
        for _ in range(max(3, 2 * plan.grids)):
            self.grant(Role.COMMUNITY_STAFF, self.resident_or_outsider(0.5, self.everyone), community)
        cd.staff_users = [u for _p, u in cd.holders[Role.COMMUNITY_SECRETARY] + cd.holders[Role.COMMUNITY_STAFF]]

        for g, grid in enumerate(cd.grids):
            head = self.pick(self.by_grid[g], self.everyone, prefer=party, prefer_rate=0.8)
            self.grant(Role.GRID_HEAD, head, {"region": grid})
            for _ in range(rng.choice((2, 2, 3))):
                self.grant(Role.GRID_WORKER, self.resident_or_outsider(0.6, self.by_grid[g]), {"region": grid})

        for b, building in enumerate(cd.buildings):
            head = self.pick(self.by_building[b], self.by_compound[cd.building_compound[b]], self.everyone,
                             prefer=party, prefer_rate=0.5)
            self.grant(Role.BUILDING_HEAD, head, {"building": building})
        for u, unit in enumerate(cd.units):
            if rng.random() < UNIT_HEAD_RATE:
                head = self.pick(self.by_unit[u])
                if head is not None:
                    self.grant(Role.UNIT_HEAD, head, {"unit": unit})

        self.red_stewards()

        for _ in range(max(2, plan.grids // 2 + 1)):
            self.grant(Role.SOCIAL_WORKER, self.resident_or_outsider(0.3, self.everyone), community)
        for c, compound in enumerate(cd.compounds):
            for _ in range(2):
                self.grant(Role.PROPERTY_STAFF, None, {"compound": compound})
            buildings_here = cd.building_compound.count(c)
            for _ in range(5 if buildings_here >= 10 else 3):
                member = self.pick(self.owners_by_compound[c], prefer=party, prefer_rate=0.4)
                if member is not None:
                    self.grant(Role.OWNERS_COMMITTEE, member, {"compound": compound})
        for _ in range(max(1, plan.grids // 4)):
            self.grant(Role.NPC_DEPUTY, self.pick(self.everyone, prefer=party, prefer_rate=0.7), community)
        for _ in range(max(1, plan.grids // 4)):
            self.grant(Role.POLICE_LIAISON, None, community)
        for _ in range(round(VOLUNTEER_RATE * len(self.everyone))):
            volunteer = self.pick(self.everyone, prefer=lambda p: p.age >= 55)
            if volunteer is None:
                break
            self.grant(Role.VOLUNTEER, volunteer, community)

    def red_stewards(self) -> None:
        """Party members or veterans, each looking after ~10 households of their own compound
        (the vulnerable first); a household has at most one steward."""
        cd, rng = self.cd, self.rng
        vulnerable: dict[int, list[int]] = defaultdict(list)
        occupied: dict[int, list[int]] = defaultdict(list)
        for hh, household in enumerate(cd.households):
            if household.use != Household.Use.DWELLING or household.occupancy != Household.Occupancy.OCCUPIED:
                continue
            c = cd.compound_of(hh)
            occupied[c].append(hh)
            if any(t in VULNERABLE_TAGS for p in cd.living.get(hh, ()) for t in p.tags):
                vulnerable[c].append(hh)
        taken: set[int] = set()
        total_occupied = sum(len(v) for v in occupied.values())
        for _ in range(max(2, round(total_occupied / STEWARD_PER_HOUSEHOLDS))):
            steward = self.pick(self.everyone, prefer=lambda p: p.is_party or Tag.VETERAN in p.tags, prefer_rate=0.95)
            if steward is None:
                return
            c = cd.compound_of(steward.home)
            want = rng.randint(9, 11)
            chosen: list[int] = []
            for source, limit in ((vulnerable[c], rng.randint(3, 5)), (occupied[c], want)):
                free = [hh for hh in source if hh not in taken]
                for hh in rng.sample(free, min(len(free), limit, want - len(chosen))):
                    chosen.append(hh)
                    taken.add(hh)
            if len(chosen) < want:  # a small compound: fill from the rest of the community
                free = [hh for c2 in sorted(occupied) for hh in occupied[c2] if hh not in taken]
                for hh in rng.sample(free, min(len(free), want - len(chosen))):
                    chosen.append(hh)
                    taken.add(hh)
            self.grant(Role.RED_STEWARD, steward, {"region": cd.region}, sorted(chosen))


def _is_party(person: Person) -> bool:
    return person.is_party


def _apply_demo_logins(ctx: DemoContext, sub_staff: list[User], admin: User, users: list[User]) -> None:
    """Give the memorable phone numbers to the first holder of each role in 和谐社区
    (the staff login of 幸福社区 goes to its first community worker)."""
    big, small = ctx.big, ctx.communities[1]
    for login in DEMO_LOGINS:
        if login.key == "admin":
            user, person = admin, None
        elif login.key == Role.SUBDISTRICT_STAFF:
            user, person = sub_staff[0], None
        elif login.key in ("resident", "party_member"):
            person = big.reserved[login.key]
            person.user = user = _new_user(ctx, person.phone, person.name)
            users.append(user)
        elif login.key == "outsider":
            person, user = small.holders[Role.COMMUNITY_STAFF][0]
        else:
            person, user = big.holders[login.key][0]
        user.phone = login.phone
        if person is not None:
            person.phone = login.phone
        ctx.logins[login.key] = user
