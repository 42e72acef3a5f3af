"""Party data on top of the test world (``build_world``), for 双报到 tests.

    和谐社区 c1                                  幸福社区 c2
    和谐社区党委                                  幸福社区党委
    ├── 阳光小区党支部 (compound A)               └── 幸福一网格党支部 (g3)
    │     ├── 阳光小区1栋党小组 (b1)                    └── 幸福家园1栋党小组 (b4)
    │     └── 阳光小区2栋党小组 (b2)
    └── 第一网格党支部 (g1)
          └── (b3 has no group yet)

Institutions of c1: 市第一人民医院 (employer), 和谐小学 (驻区单位, partner), 红枫社工 (社会组织).
Members (each with a login, password PASSWORD):
    "member"  — b1 1-102 owner, 在职 at the hospital, registered with b1's group;
    "member2" — b2 1-101 owner, 在地, registered with b2's group.
The world's "resident" (b1 1-101 owner) is not yet a party member: they register by QR.
Posts of c1: 楼道卫生监督 (2 slots, open), 独居老人探访 (1 slot, taken by member2),
已结束岗位 (closed); of c2: 幸福家园巡逻 (open).
"""

from __future__ import annotations

from dataclasses import dataclass

from gongzhi.org.models import (
    Institution,
    PartyMember,
    PartyOrg,
    PartyRegistration,
    PostClaim,
    ServicePost,
)

from .world import World, make_user


@dataclass
class PartyWorld:
    committee: PartyOrg
    branch_a: PartyOrg
    branch_g1: PartyOrg
    group_b1: PartyOrg
    group_b2: PartyOrg
    group_b4: PartyOrg
    hospital: Institution
    school: Institution
    social: Institution
    member: PartyMember
    member2: PartyMember
    post_open: ServicePost
    post_full: ServicePost
    post_closed: ServicePost
    post_c2: ServicePost


def build_party_world(world: World) -> PartyWorld:
    c1, c2 = world.c1, world.c2
    committee = PartyOrg.objects.create(community=c1, kind="committee", name="和谐社区党委")
    branch_a = PartyOrg.objects.create(
        community=c1, kind="compound_branch", name="阳光小区党支部", parent=committee, compound=world.compound_a
    )
    branch_g1 = PartyOrg.objects.create(
        community=c1, kind="grid_branch", name="第一网格党支部", parent=committee, grid=world.g1
    )
    group_b1 = PartyOrg.objects.create(
        community=c1, kind="building_group", name="阳光小区1栋党小组", parent=branch_a, building=world.b1
    )
    group_b2 = PartyOrg.objects.create(
        community=c1, kind="building_group", name="阳光小区2栋党小组", parent=branch_a, building=world.b2
    )
    committee2 = PartyOrg.objects.create(community=c2, kind="committee", name="幸福社区党委")
    branch_g3 = PartyOrg.objects.create(
        community=c2, kind="grid_branch", name="幸福一网格党支部", parent=committee2, grid=world.g3
    )
    group_b4 = PartyOrg.objects.create(
        community=c2, kind="building_group", name="幸福家园1栋党小组", parent=branch_g3, building=world.b4
    )
    hospital = Institution.objects.create(community=c1, kind="employer", name="市第一人民医院")
    school = Institution.objects.create(
        community=c1, kind="resident_unit", name="和谐小学", is_partner=True, contact_name="王校长",
        contact_phone="13900001111",
    )
    social = Institution.objects.create(community=c1, kind="social_org", name="红枫社工")

    def member_with_login(key: str, household: str, kind: str, employer, group: PartyOrg, building) -> PartyMember:
        resident = world.residents[f"{household} owner"]
        user = make_user(resident.name)
        resident.user = user
        resident.save(update_fields=["user"])
        world.users[key] = user
        m = PartyMember.objects.create(community=resident.community, resident=resident, kind=kind, employer=employer)
        PartyRegistration.objects.create(
            member=m, party_group=group, building=building, community=resident.community, method="staff"
        )
        return m

    member = member_with_login("member", "b1 1-102", "employed", hospital, group_b1, world.b1)
    member2 = member_with_login("member2", "b2 1-101", "resident", None, group_b2, world.b2)
    post_open = ServicePost.objects.create(
        community=c1, title="楼道卫生监督", category="environment", slots=2, location="阳光小区",
        description="每周六上午检查楼道堆物",
    )
    post_full = ServicePost.objects.create(community=c1, title="独居老人探访", category="elderly", slots=1)
    PostClaim.objects.create(post=post_full, member=member2)
    post_closed = ServicePost.objects.create(
        community=c1, title="已结束岗位", category="other", slots=3, status="closed"
    )
    post_c2 = ServicePost.objects.create(community=c2, title="幸福家园巡逻", category="safety", slots=5)
    return PartyWorld(
        committee, branch_a, branch_g1, group_b1, group_b2, group_b4, hospital, school, social, member, member2,
        post_open, post_full, post_closed, post_c2,
    )
