"""Actions of 双报到: the happy path of each, and every error changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDeniedError
from gongzhi.core.models import AuditEvent
from gongzhi.org import error_codes as codes
from gongzhi.org.party import actions
from gongzhi.org.models import (
    Building,
    Institution,
    PartyMember,
    PartyOrg,
    PartyRegistration,
    PostClaim,
    ResidentTag,
    ServicePost,
    ServiceRecord,
    Tag,
)
from gongzhi.org.testing.party_world import build_party_world
from gongzhi.testing import kit


APP_WORLD = build_party_world  # built once for the module (gongzhi/testing/plugin.py)


@pytest.fixture
def pw(app_world):
    return app_world


# Every row an action of this module may touch.
snapshot = kit.snapshot_of(PartyOrg, Institution, PartyMember, PartyRegistration, ServicePost, PostClaim,
                           ServiceRecord, ResidentTag, AuditEvent)


def raises_unchanged(code: str | None, fn, *, exc=ApplicationError, **kwargs) -> ApplicationError:
    before = snapshot()
    with pytest.raises(exc) as info:
        fn(**kwargs)
    if code is not None:
        assert info.value.code == code, info.value.message
    assert snapshot() == before
    return info.value


def last_audit(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


# Party organisations -------------------------------------------------------------------------
def test_org_tree_created_top_down(world):
    staff = world.users["community_staff"]
    committee = actions.party_org_create(actor=staff, community_id=world.c1.pk, kind="committee")
    assert committee.name == "和谐社区党委" and committee.parent is None
    branch = actions.party_org_create(actor=staff, community_id=world.c1.pk, kind="grid_branch", grid_id=world.g1.pk,
                                      secretary_name="李书记")
    assert branch.parent == committee and branch.name == "第一网格党支部"
    group = actions.party_org_create(actor=staff, community_id=world.c1.pk, kind="building_group",
                                     building_id=world.b1.pk)
    assert group.parent == branch and group.name == "阳光小区1栋党小组"
    event = last_audit("party_org.create")
    assert event.target_id == str(group.pk) and event.community_id == world.c1.pk and event.actor == staff


def test_org_errors_change_nothing(world, pw):
    staff = world.users["community_secretary"]
    c1 = world.c1.pk
    raises_unchanged(codes.PARTY_ORG_EXISTS, actions.party_org_create, actor=staff, community_id=c1, kind="committee")
    raises_unchanged(codes.PARTY_ORG_EXISTS, actions.party_org_create, actor=staff, community_id=c1,
                     kind="grid_branch", grid_id=world.g1.pk)
    raises_unchanged(codes.PARTY_ORG_EXISTS, actions.party_org_create, actor=staff, community_id=c1,
                     kind="building_group", building_id=world.b1.pk)
    # A grid of another community, a building of another community.
    raises_unchanged(codes.WRONG_COMMUNITY, actions.party_org_create, actor=staff, community_id=c1,
                     kind="grid_branch", grid_id=world.g3.pk)
    raises_unchanged(codes.WRONG_COMMUNITY, actions.party_org_create, actor=staff, community_id=c1,
                     kind="building_group", building_id=world.b4.pk)
    # b3 is in grid g1 / compound B: the compound-A branch does not cover it.
    raises_unchanged(codes.INVALID_PARENT, actions.party_org_create, actor=staff, community_id=c1,
                     kind="building_group", building_id=world.b3.pk, parent_id=pw.branch_a.pk)
    raises_unchanged(codes.INVALID_CHOICE, actions.party_org_create, actor=staff, community_id=c1, kind="cell")
    # View-only (sub-district) is refused; no party view at all is a miss.
    raises_unchanged(None, actions.party_org_create, exc=PermissionDeniedError, actor=world.users["subdistrict_staff"],
                     community_id=c1, kind="compound_branch", compound_id=world.compound_b.pk)
    raises_unchanged(None, actions.party_org_create, exc=NotFound, actor=world.users["grid_head"],
                     community_id=c1, kind="compound_branch", compound_id=world.compound_b.pk)
    raises_unchanged(None, actions.party_org_create, exc=NotFound, actor=world.users["outsider"],
                     community_id=c1, kind="compound_branch", compound_id=world.compound_b.pk)


def test_branch_needs_committee(world):
    raises_unchanged(codes.INVALID_PARENT, actions.party_org_create, actor=world.users["community_staff"],
                     community_id=world.c1.pk, kind="grid_branch", grid_id=world.g1.pk)
    raises_unchanged(codes.INVALID_PARENT, actions.party_groups_create_missing, actor=world.users["community_staff"],
                     community_id=world.c1.pk)


def test_create_missing_groups(world, pw):
    # b3 (grid g1, compound B) lacks a group; the g1 branch takes it.
    created = actions.party_groups_create_missing(actor=world.users["community_staff"], community_id=world.c1.pk)
    assert [(o.kind, o.building_id, o.parent_id) for o in created] == [
        ("building_group", world.b3.pk, pw.branch_g1.pk)
    ]
    assert not Building.objects.filter(community=world.c1, party_group__isnull=True).exists()
    assert actions.party_groups_create_missing(actor=world.users["community_staff"], community_id=world.c1.pk) == []


def test_create_missing_groups_makes_grid_branches(world):
    staff = world.users["community_staff"]
    actions.party_org_create(actor=staff, community_id=world.c1.pk, kind="committee")
    created = actions.party_groups_create_missing(actor=staff, community_id=world.c1.pk)
    kinds = sorted(o.kind for o in created)
    assert kinds == ["building_group"] * 3 + ["grid_branch"] * 2
    g1_branch = PartyOrg.objects.get(kind="grid_branch", grid=world.g1)
    assert set(PartyOrg.objects.filter(parent=g1_branch).values_list("building_id", flat=True)) == {
        world.b1.pk, world.b3.pk
    }
    assert AuditEvent.objects.filter(action="party_org.create").count() == 6  # committee + 5


# Institutions ----------------------------------------------------------------------------------
def test_institution_create_and_update(world):
    staff = world.users["community_staff"]
    inst = actions.institution_create(actor=staff, community_id=world.c1.pk, data={
        "name": "区税务局", "kind": "resident_unit", "is_partner": True, "contact_phone": "139 0000 2222",
        "services_offered": "税务咨询",
    })
    assert inst.partner_since == timezone.localdate() and inst.contact_phone == "13900002222"
    assert last_audit("institution.create").target_id == str(inst.pk)
    inst = actions.institution_update(actor=staff, institution_id=inst.pk, data={"is_partner": False})
    assert inst.partner_since is None and not inst.is_partner
    assert last_audit("institution.update").changes["is_partner"] == [True, False]


def test_institution_errors_change_nothing(world, pw):
    staff = world.users["community_staff"]
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    raises_unchanged(codes.DUPLICATE_NAME, actions.institution_create, actor=staff, community_id=world.c1.pk,
                     data={"name": "和谐小学", "kind": "employer"})
    raises_unchanged(codes.REQUIRED, actions.institution_create, actor=staff, community_id=world.c1.pk,
                     data={"name": " ", "kind": "employer"})
    raises_unchanged(codes.INVALID_PHONE, actions.institution_create, actor=staff, community_id=world.c1.pk,
                     data={"name": "新单位", "kind": "employer", "contact_phone": "12345"})
    raises_unchanged(codes.INVALID_DATE, actions.institution_create, actor=staff, community_id=world.c1.pk,
                     data={"name": "新单位", "kind": "employer", "is_partner": True, "partner_since": future})
    raises_unchanged(codes.DUPLICATE_NAME, actions.institution_update, actor=staff, institution_id=pw.school.pk,
                     data={"name": "市第一人民医院"})
    raises_unchanged(None, actions.institution_update, exc=PermissionDeniedError,
                     actor=world.users["subdistrict_staff"], institution_id=pw.school.pk, data={"name": "x"})
    raises_unchanged(None, actions.institution_update, exc=NotFound, actor=world.users["outsider"],
                     institution_id=pw.school.pk, data={"name": "x"})


# Registration by QR --------------------------------------------------------------------------------
def test_qr_registration_creates_member(world, pw):
    user = world.users["resident"]
    resident = world.residents["b1 1-101 owner"]
    ResidentTag.objects.filter(resident=resident, tag=Tag.PARTY_MEMBER).delete()
    reg = actions.party_register_by_qr(actor=user, qr_token=world.b1.qr_token, kind="employed",
                                       employer_name="区实验中学", home_org_name="区教育局机关党委")
    member = PartyMember.objects.get(resident=resident)
    assert (member.kind, member.employer.name, member.home_org_name) == ("employed", "区实验中学", "区教育局机关党委")
    assert member.employer.kind == "employer" and member.employer.community_id == world.c1.pk
    assert (reg.party_group, reg.building, reg.method, reg.registered_by) == (pw.group_b1, world.b1, "qr", user)
    assert ResidentTag.objects.filter(resident=resident, tag=Tag.PARTY_MEMBER).exists()
    event = last_audit("party.register")
    assert event.target_id == str(reg.pk) and event.actor == user and event.details["party_member_tag_added"]
    assert last_audit("institution.create").details == {"via": "registration"}


def test_qr_registration_moves_member_and_updates_kind(world, pw):
    user = world.users["member"]
    old = PartyRegistration.objects.get(member=pw.member, ended_at__isnull=True)
    reg = actions.party_register_by_qr(actor=user, qr_token=world.b2.qr_token, kind="resident")
    old.refresh_from_db()
    pw.member.refresh_from_db()
    assert old.ended_at is not None and reg.party_group == pw.group_b2
    assert pw.member.kind == "resident" and pw.member.employer is None
    assert PartyRegistration.objects.filter(member=pw.member, ended_at__isnull=True).count() == 1
    assert last_audit("party.register").details["ended_registration"] == old.pk


def test_employer_only_for_employed_members(world, pw):
    institutions = Institution.objects.count()
    actions.party_register_by_qr(actor=world.users["resident"], qr_token=world.b1.qr_token, kind="on_rolls",
                                 employer_name="顺手填的单位", employer_id=pw.school.pk)
    assert PartyMember.objects.get(resident__user=world.users["resident"]).employer is None
    assert Institution.objects.count() == institutions


def test_qr_registration_picks_employer_from_list(world, pw):
    actions.party_register_by_qr(actor=world.users["resident"], qr_token=world.b1.qr_token, kind="employed",
                                 employer_id=pw.school.pk)
    assert PartyMember.objects.get(resident__user=world.users["resident"]).employer == pw.school


def test_qr_registration_errors_change_nothing(world, pw):
    resident = world.users["resident"]
    # Not a resident of the building's community (c2 building) / no resident at all.
    err = raises_unchanged(codes.NOT_RESIDENT, actions.party_register_by_qr, actor=resident,
                           qr_token=world.b4.qr_token, kind="resident")
    assert err.status == 403 and "幸福社区" in err.message
    raises_unchanged(codes.NOT_RESIDENT, actions.party_register_by_qr, actor=world.users["community_staff"],
                     qr_token=world.b1.qr_token, kind="resident")
    # No party group for b3 yet.
    err = raises_unchanged(codes.NO_PARTY_GROUP, actions.party_register_by_qr, actor=resident,
                           qr_token=world.b3.qr_token, kind="resident")
    assert "翠竹苑1栋" in err.message
    # Already registered here.
    err = raises_unchanged(codes.ALREADY_REGISTERED, actions.party_register_by_qr, actor=world.users["member"],
                           qr_token=world.b1.qr_token, kind="employed", employer_id=pw.hospital.pk)
    assert "阳光小区1栋党小组" in err.message
    # 在职 without employer; an employer of another community; a bad kind; unknown token.
    raises_unchanged(codes.EMPLOYER_REQUIRED, actions.party_register_by_qr, actor=resident,
                     qr_token=world.b1.qr_token, kind="employed")
    other = Institution.objects.create(community=world.c2, kind="employer", name="外社区单位")
    raises_unchanged(codes.INVALID_CHOICE, actions.party_register_by_qr, actor=resident,
                     qr_token=world.b1.qr_token, kind="employed", employer_id=other.pk)
    raises_unchanged(codes.INVALID_CHOICE, actions.party_register_by_qr, actor=resident,
                     qr_token=world.b1.qr_token, kind="retired")
    raises_unchanged(None, actions.party_register_by_qr, exc=NotFound, actor=resident, qr_token="nope",
                     kind="resident")
    raises_unchanged(None, actions.party_register_by_qr, exc=NotFound, actor=resident, qr_token="",
                     kind="resident")


# Registration by staff ----------------------------------------------------------------------------
def test_staff_registration(world, pw):
    staff = world.users["community_staff"]
    resident = world.residents["b3 1-101 owner"]
    pw_group = actions.party_org_create(actor=staff, community_id=world.c1.pk, kind="building_group",
                                        building_id=world.b3.pk)
    reg = actions.party_register_by_staff(actor=staff, resident_id=resident.pk, building_id=world.b3.pk,
                                          kind="on_rolls")
    assert (reg.member.resident, reg.party_group, reg.method, reg.registered_by) == (resident, pw_group, "staff",
                                                                                     staff)
    assert last_audit("party.register").target_id == str(reg.pk)


def test_staff_registration_errors_change_nothing(world, pw):
    staff = world.users["community_staff"]
    resident = world.residents["b3 1-101 owner"]
    raises_unchanged(codes.WRONG_COMMUNITY, actions.party_register_by_staff, actor=staff, resident_id=resident.pk,
                     building_id=world.b4.pk, kind="resident")
    raises_unchanged(codes.NO_PARTY_GROUP, actions.party_register_by_staff, actor=staff, resident_id=resident.pk,
                     building_id=world.b3.pk, kind="resident")
    raises_unchanged(codes.ALREADY_REGISTERED, actions.party_register_by_staff, actor=staff,
                     resident_id=pw.member.resident_id, building_id=world.b1.pk, kind="employed",
                     employer_id=pw.hospital.pk)
    # Grid head sees the resident (g1) but may not manage party work; outsider sees nothing.
    raises_unchanged(None, actions.party_register_by_staff, exc=PermissionDeniedError, actor=world.users["grid_head"],
                     resident_id=resident.pk, building_id=world.b1.pk, kind="resident")
    raises_unchanged(None, actions.party_register_by_staff, exc=NotFound, actor=world.users["outsider"],
                     resident_id=resident.pk, building_id=world.b1.pk, kind="resident")
    resident.is_active = False
    resident.save()
    raises_unchanged(codes.NOT_RESIDENT, actions.party_register_by_staff, actor=staff, resident_id=resident.pk,
                     building_id=world.b1.pk, kind="resident")


def test_registration_end(world, pw):
    claim = PostClaim.objects.get(post=pw.post_full, member=pw.member2)
    reg = PartyRegistration.objects.get(member=pw.member2, ended_at__isnull=True)
    raises_unchanged(None, actions.registration_end, exc=PermissionDeniedError, actor=world.users["subdistrict_staff"],
                     registration_id=reg.pk)
    raises_unchanged(None, actions.registration_end, exc=NotFound, actor=world.users["member"],
                     registration_id=reg.pk)
    actions.registration_end(actor=world.users["community_secretary"], registration_id=reg.pk)
    reg.refresh_from_db()
    claim.refresh_from_db()
    assert reg.ended_at is not None and claim.status == "withdrawn" and claim.withdrawn_at is not None
    assert last_audit("party.registration_end").details["withdrawn_claims"] == [claim.pk]
    raises_unchanged(codes.REGISTRATION_ENDED, actions.registration_end, actor=world.users["community_secretary"],
                     registration_id=reg.pk)


def test_member_ends_own_registration(world, pw):
    reg = PartyRegistration.objects.get(member=pw.member, ended_at__isnull=True)
    actions.registration_end(actor=world.users["member"], registration_id=reg.pk)
    assert last_audit("party.registration_end").details["by_member"] is True


# Posts ------------------------------------------------------------------------------------------------
def test_post_create_update_close(world, pw):
    staff = world.users["community_staff"]
    post = actions.post_create(actor=staff, community_id=world.c1.pk, data={
        "title": "周末护学岗", "category": "youth", "slots": "3", "location": "和谐小学门口", "description": "7:30-8:00",
    })
    assert (post.slots, post.status, post.created_by) == (3, "open", staff)
    post = actions.post_update(actor=staff, post_id=post.pk, data={"slots": 5, "title": "护学岗"})
    assert last_audit("post.update").changes == {"slots": [3, 5], "title": ["周末护学岗", "护学岗"]}
    actions.post_close(actor=staff, post_id=post.pk)
    post.refresh_from_db()
    assert post.status == "closed" and last_audit("post.close").target_id == str(post.pk)


def test_post_errors_change_nothing(world, pw):
    staff = world.users["community_staff"]
    raises_unchanged(codes.REQUIRED, actions.post_create, actor=staff, community_id=world.c1.pk, data={"title": ""})
    raises_unchanged(codes.OUT_OF_RANGE, actions.post_create, actor=staff, community_id=world.c1.pk,
                     data={"title": "x", "slots": 0})
    raises_unchanged(codes.INVALID_CHOICE, actions.post_create, actor=staff, community_id=world.c1.pk,
                     data={"title": "x", "category": "party"})
    raises_unchanged(codes.POST_CLOSED, actions.post_close, actor=staff, post_id=pw.post_closed.pk)
    raises_unchanged(None, actions.post_create, exc=PermissionDeniedError, actor=world.users["subdistrict_staff"],
                     community_id=world.c1.pk, data={"title": "x"})
    # A resident sees the post but may not manage it; c2 staff does not see c1's post.
    raises_unchanged(None, actions.post_close, exc=PermissionDeniedError, actor=world.users["resident"],
                     post_id=pw.post_open.pk)
    raises_unchanged(None, actions.post_close, exc=NotFound, actor=world.users["outsider"], post_id=pw.post_open.pk)


def test_slots_cannot_drop_below_active_claims(world, pw):
    actions.post_claim(actor=world.users["member"], post_id=pw.post_open.pk)
    actions.post_claim(actor=world.users["member2"], post_id=pw.post_open.pk)
    err = raises_unchanged(codes.SLOTS_TOO_FEW, actions.post_update, actor=world.users["community_staff"],
                           post_id=pw.post_open.pk, data={"slots": 1})
    assert "2 人" in err.message


def test_claim_and_withdraw(world, pw):
    user = world.users["member"]
    claim = actions.post_claim(actor=user, post_id=pw.post_open.pk)
    assert (claim.member, claim.status) == (pw.member, "active")
    assert last_audit("post.claim").target_id == str(claim.pk)
    withdrawn = actions.post_withdraw(actor=user, post_id=pw.post_open.pk)
    assert withdrawn.pk == claim.pk and withdrawn.status == "withdrawn" and withdrawn.withdrawn_at
    again = actions.post_claim(actor=user, post_id=pw.post_open.pk)  # a new claim after withdrawing
    assert again.pk != claim.pk


def test_claim_errors_change_nothing(world, pw):
    member = world.users["member"]
    raises_unchanged(codes.POST_FULL, actions.post_claim, actor=member, post_id=pw.post_full.pk)
    raises_unchanged(codes.POST_CLOSED, actions.post_claim, actor=member, post_id=pw.post_closed.pk)
    actions.post_claim(actor=member, post_id=pw.post_open.pk)
    raises_unchanged(codes.ALREADY_CLAIMED, actions.post_claim, actor=member, post_id=pw.post_open.pk)
    # Not a party member; staff without a resident; another community's post.
    err = raises_unchanged(codes.NOT_PARTY_MEMBER, actions.post_claim, actor=world.users["resident"],
                           post_id=pw.post_open.pk)
    assert err.status == 403
    raises_unchanged(codes.NOT_PARTY_MEMBER, actions.post_claim, actor=world.users["community_staff"],
                     post_id=pw.post_open.pk)
    raises_unchanged(None, actions.post_claim, exc=NotFound, actor=member, post_id=pw.post_c2.pk)
    raises_unchanged(None, actions.post_claim, exc=NotFound, actor=world.users["nobody"], post_id=pw.post_open.pk)
    # A member whose registration ended.
    PartyRegistration.objects.filter(member=pw.member2).update(ended_at=timezone.now())
    raises_unchanged(codes.NOT_REGISTERED, actions.post_claim, actor=world.users["member2"], post_id=pw.post_open.pk)
    # Withdraw without a claim.
    raises_unchanged(codes.NOT_CLAIMED, actions.post_withdraw, actor=world.users["member"], post_id=pw.post_full.pk)
    raises_unchanged(codes.NOT_CLAIMED, actions.post_withdraw, actor=world.users["resident"],
                     post_id=pw.post_open.pk)


# Service records -------------------------------------------------------------------------------------
def _claim(pw, days_ago: int = 30) -> PostClaim:
    claim = PostClaim.objects.get(post=pw.post_full, member=pw.member2)
    PostClaim.objects.filter(pk=claim.pk).update(claimed_at=timezone.now() - datetime.timedelta(days=days_ago))
    claim.refresh_from_db()
    return claim


def test_record_hours(world, pw):
    claim = _claim(pw)
    day = timezone.localdate() - datetime.timedelta(days=2)
    rec = actions.service_record_add(actor=world.users["community_staff"], claim_id=claim.pk, served_on=day.isoformat(),
                                     hours="1.5", note="陪同就医")
    assert (rec.hours, rec.served_on, rec.recorded_by) == (Decimal("1.5"), day, world.users["community_staff"])
    event = last_audit("service_record.add")
    assert event.target_id == str(rec.pk) and event.changes["hours"] == "1.5"
    assert actions.service_record_add(actor=world.users["community_secretary"], claim_id=claim.pk,
                                      served_on=timezone.localdate(), hours=24).hours == 24


def test_record_errors_change_nothing(world, pw):
    staff = world.users["community_staff"]
    claim = _claim(pw, days_ago=10)
    today = timezone.localdate()
    for hours in ("0", "-1", "24.5", "abc", "1.25", "NaN"):
        raises_unchanged(codes.INVALID_HOURS, actions.service_record_add, actor=staff, claim_id=claim.pk,
                         served_on=today, hours=hours)
    raises_unchanged(codes.INVALID_DATE, actions.service_record_add, actor=staff, claim_id=claim.pk,
                     served_on=today + datetime.timedelta(days=1), hours=1)
    raises_unchanged(codes.INVALID_DATE, actions.service_record_add, actor=staff, claim_id=claim.pk,
                     served_on=today - datetime.timedelta(days=30), hours=1)
    raises_unchanged(codes.INVALID_DATE, actions.service_record_add, actor=staff, claim_id=claim.pk,
                     served_on="2026-13-40", hours=1)
    raises_unchanged(codes.INVALID_DATE, actions.service_record_add, actor=staff, claim_id=claim.pk,
                     served_on="", hours=1)
    PostClaim.objects.filter(pk=claim.pk).update(status="withdrawn",
                                                 withdrawn_at=timezone.now() - datetime.timedelta(days=5))
    raises_unchanged(codes.INVALID_DATE, actions.service_record_add, actor=staff, claim_id=claim.pk,
                     served_on=today, hours=1)
    raises_unchanged(None, actions.service_record_add, exc=PermissionDeniedError,
                     actor=world.users["subdistrict_staff"], claim_id=claim.pk, served_on=today, hours=1)
    for role in ("member2", "grid_head", "outsider", "resident"):
        raises_unchanged(None, actions.service_record_add, exc=NotFound, actor=world.users[role], claim_id=claim.pk,
                         served_on=today, hours=1)
