"""Service offerings, takers and a dispute on top of ``case_world``, for the field tests.

    和谐社区 c1 offerings: 理发 (party member or volunteer), 家电维修 (volunteers), 陪诊 (party members),
                          代办证件 (community staff), 旧服务 (withdrawn)
    幸福社区 c2 offering:  理发 (party member or volunteer)

Extra logins (added to ``world.users``):
    "member"     — b1 1-102 owner, a party member of c1 (also a resident: may order too);
    "volunteer2" — a second volunteer of c1 (the race on taking an order);
    "member_c2"  — b4 1-102 owner, a party member of c2.
The world's "volunteer" is a volunteer of c1; "resident" (b1 1-101 owner) orders.
"""

from __future__ import annotations

from dataclasses import dataclass

from gongzhi.casework.models import ServiceOffering
from gongzhi.org.models import PartyMember, Role, RoleAssignment
from gongzhi.org.testing.world import World, make_user

P = ServiceOffering.Provider


@dataclass
class FieldWorld:
    haircut: ServiceOffering
    repair: ServiceOffering
    escort: ServiceOffering
    paperwork: ServiceOffering
    old: ServiceOffering
    haircut_c2: ServiceOffering


def _member(world: World, key: str, household: str) -> PartyMember:
    resident = world.residents[f"{household} owner"]
    user = make_user(resident.name)
    resident.user = user
    resident.save(update_fields=["user"])
    world.users[key] = user
    return PartyMember.objects.create(community=resident.community, resident=resident, kind="resident")


def build_field(world: World) -> FieldWorld:
    c1, c2 = world.c1, world.c2
    _member(world, "member", "b1 1-102")
    _member(world, "member_c2", "b4 1-102")
    volunteer2 = make_user("志愿者二")
    RoleAssignment.objects.create(user=volunteer2, role=Role.VOLUNTEER, region=c1, community=c1)
    world.users["volunteer2"] = volunteer2
    return FieldWorld(
        haircut=ServiceOffering.objects.create(community=c1, title="理发", provider=P.ANY,
                                               description="上门理发，适合行动不便的老人"),
        repair=ServiceOffering.objects.create(community=c1, title="家电维修", provider=P.VOLUNTEER),
        escort=ServiceOffering.objects.create(community=c1, title="陪诊", provider=P.PARTY_MEMBER),
        paperwork=ServiceOffering.objects.create(community=c1, title="代办证件", provider=P.STAFF),
        old=ServiceOffering.objects.create(community=c1, title="旧服务", provider=P.ANY, is_active=False),
        haircut_c2=ServiceOffering.objects.create(community=c2, title="理发", provider=P.ANY),
    )
