"""A small, fully known world for tests: two communities and one login per role.

    测试街道 (subdistrict)
    ├── 和谐社区 c1: grids g1, g2; compounds A, B
    │     b1 (g1, A): units 1, 2     b2 (g2, A): unit 1     b3 (g1, B): unit 1
    └── 幸福社区 c2: grid g3; compound C
          b4 (g3, C): unit 1

Every unit has rooms 101, 102, 201, 202 (area 80.5 / 95.0 m²). Each household
has an owner; b1 1-101 also has a family member tagged 低保 (sensitive) and
the owner is a party member. ``users[role]`` holds a login for every role,
plus "resident" (owner of b1 1-101), "outsider" (staff of c2), "department" (no
role here; casework makes it a member of 房管所) and "nobody".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from gongzhi.accounts.models import User
from gongzhi.core.validators import id_number_check_char
from gongzhi.org.models import (
    Building,
    Compound,
    Household,
    Occupancy,
    Region,
    Resident,
    ResidentTag,
    Role,
    RoleAssignment,
    StewardHousehold,
    Tag,
    Unit,
)

PASSWORD = "Gongzhi-test-2026"

ROLE_KEYS = [r.value for r in Role] + ["resident", "outsider", "department", "nobody"]


@dataclass
class World:
    sub: Region
    c1: Region
    c2: Region
    g1: Region
    g2: Region
    g3: Region
    compound_a: Compound
    compound_b: Compound
    compound_c: Compound
    b1: Building
    b2: Building
    b3: Building
    b4: Building
    households: dict[str, Household] = field(default_factory=dict)  # "b1 1-101" -> Household
    residents: dict[str, Resident] = field(default_factory=dict)  # "b1 1-101 owner" -> Resident
    users: dict[str, User] = field(default_factory=dict)

    def h(self, key: str) -> Household:
        return self.households[key]


_phone_seq = iter(range(10_000_000))


def next_phone() -> str:
    return f"139{next(_phone_seq):08d}"


def make_id_number(seq: int, birth: str = "19800101") -> str:
    first17 = f"340104{birth}{seq % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_user(name: str, phone: str | None = None, **extra) -> User:
    return User.objects.create_user(phone or next_phone(), PASSWORD, name=name, **extra)


def build_world() -> World:
    sub = Region.create_subdistrict(name="测试街道", code="T")
    c1 = sub.create_community(name="和谐社区", code="T01")
    c2 = sub.create_community(name="幸福社区", code="T02")
    g1 = c1.create_grid(name="第一网格", code="T01-G1")
    g2 = c1.create_grid(name="第二网格", code="T01-G2")
    g3 = c2.create_grid(name="幸福一网格", code="T02-G1")
    ca = Compound.objects.create(community=c1, name="阳光小区", property_company="安居物业")
    cb = Compound.objects.create(community=c1, name="翠竹苑")
    cc = Compound.objects.create(community=c2, name="幸福家园")
    b1 = Building.objects.create(community=c1, grid=g1, compound=ca, name="1栋", floors=6)
    b2 = Building.objects.create(community=c1, grid=g2, compound=ca, name="2栋", floors=6)
    b3 = Building.objects.create(community=c1, grid=g1, compound=cb, name="1栋", floors=6)
    b4 = Building.objects.create(community=c2, grid=g3, compound=cc, name="1栋", floors=6)
    world = World(sub, c1, c2, g1, g2, g3, ca, cb, cc, b1, b2, b3, b4)
    seq = 0
    for bkey, building, unit_numbers in (("b1", b1, ["1", "2"]), ("b2", b2, ["1"]), ("b3", b3, ["1"]),
                                         ("b4", b4, ["1"])):
        for number in unit_numbers:
            unit = Unit.objects.create(building=building, number=number)
            for room in ("101", "102", "201", "202"):
                seq += 1
                h = Household.objects.create(
                    community_id=building.community_id, grid_id=building.grid_id,
                    compound_id=building.compound_id, building=building, unit=unit, room=room,
                    floor=int(room[0]), area=Decimal("80.50") if room.endswith("1") else Decimal("95.00"),
                )
                key = f"{bkey} {number}-{room}"
                world.households[key] = h
                owner = Resident.objects.create(
                    community_id=building.community_id, name=f"业主{seq:02d}", gender="M",
                    phone=next_phone(), id_number=make_id_number(seq),
                )
                Occupancy.objects.create(household=h, resident=owner, relation="owner", share=Decimal("100"))
                world.residents[f"{key} owner"] = owner
    # A family with a sensitive tag and a party member in b1 1-101.
    h = world.h("b1 1-101")
    family = Resident.objects.create(community=c1, name="张奶奶", gender="F", phone=next_phone())
    Occupancy.objects.create(household=h, resident=family, relation="family")
    ResidentTag.objects.create(resident=family, tag=Tag.SUBSISTENCE)
    ResidentTag.objects.create(resident=family, tag=Tag.ELDERLY_ALONE)
    ResidentTag.objects.create(resident=world.residents["b1 1-101 owner"], tag=Tag.PARTY_MEMBER)
    world.residents["b1 1-101 family"] = family
    # A sensitive resident in c2 too.
    ResidentTag.objects.create(resident=world.residents["b4 1-101 owner"], tag=Tag.DISABILITY)

    unit1 = Unit.objects.get(building=b1, number="1")
    scope_of = {
        Role.SUBDISTRICT_STAFF: {"region": sub},
        Role.COMMUNITY_SECRETARY: {"region": c1},
        Role.COMMUNITY_STAFF: {"region": c1},
        Role.GRID_HEAD: {"region": g1},
        Role.GRID_WORKER: {"region": g1},
        Role.BUILDING_HEAD: {"building": b1},
        Role.UNIT_HEAD: {"unit": unit1},
        Role.RED_STEWARD: {"region": c1},
        Role.SOCIAL_WORKER: {"region": c1},
        Role.PROPERTY_STAFF: {"compound": ca},
        Role.OWNERS_COMMITTEE: {"compound": ca},
        Role.NPC_DEPUTY: {"region": c1},
        Role.POLICE_LIAISON: {"region": c1},
        Role.VOLUNTEER: {"region": c1},
    }
    for role, target in scope_of.items():
        user = make_user(f"{Role(role).label}")
        community_id = None if role == Role.SUBDISTRICT_STAFF else c1.pk
        a = RoleAssignment.objects.create(user=user, role=role, community_id=community_id, **target)
        if role == Role.RED_STEWARD:
            for key in ("b2 1-101", "b3 1-101"):
                StewardHousehold.objects.create(assignment=a, household=world.h(key))
        world.users[role] = user
    resident_user = make_user("业主01")
    Resident.objects.filter(pk=world.residents["b1 1-101 owner"].pk).update(user=resident_user)
    world.residents["b1 1-101 owner"].refresh_from_db()
    world.users["resident"] = resident_user
    outsider = make_user("幸福社区工作者")
    RoleAssignment.objects.create(user=outsider, role=Role.COMMUNITY_STAFF, region=c2, community=c2)
    world.users["outsider"] = outsider
    world.users["nobody"] = make_user("无角色用户")
    # A login with no role: the casework tests make it a member of a department (房管所).
    world.users["department"] = make_user("房管所工作人员")
    return world
