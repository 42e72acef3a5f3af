"""The demo sub-district: its shape, its logins, determinism, --if-empty and --reset."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models, transaction
from django.db.models import Count, Q, Sum

from gongzhi.accounts.models import User
from gongzhi.core.models import AuditEvent
from gongzhi.core.validators import normalize_id_number, normalize_phone
from gongzhi.org import demo
from gongzhi.org.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, LOGIN_BY_KEY
from gongzhi.org.models import (
    Building,
    Compound,
    Household,
    Institution,
    Occupancy,
    PartyMember,
    PartyOrg,
    PartyRegistration,
    PostClaim,
    Region,
    Resident,
    ResidentTag,
    Role,
    RoleAssignment,
    ServicePost,
    ServiceRecord,
    StewardHousehold,
    Tag,
    Unit,
)

# The demo seeds an empty database only: the base test world is left out of these tests.
pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.usefixtures("empty_database")]

SMALL = 300
AS_OF = "2026-06-15"


def run_demo(*extra: str, seed: int = 2026, households: int = SMALL) -> str:
    out = StringIO()
    call_command("demo", "--seed", str(seed), "--households", str(households), "--as-of", AS_OF, *extra, stdout=out)
    return out.getvalue()


@pytest.fixture
def small_demo():
    return run_demo()


def community(name: str) -> Region:
    return Region.objects.get(kind=Region.Kind.COMMUNITY, name=name)


# Shape -----------------------------------------------------------------------
def test_small_run_builds_the_shape_in_proportion(small_demo):
    sub = Region.objects.get(kind=Region.Kind.SUBDISTRICT)
    assert sub.name == "清风街道"
    big, small = community("和谐社区"), community("幸福社区")
    assert Region.objects.filter(parent_community=big).count() == 4
    assert Region.objects.filter(parent_community=small).count() == 2
    assert Compound.objects.filter(community=big).count() == 7
    assert Compound.objects.filter(community=small).count() == 2
    # 113 buildings for 3,300 households, scaled to 300; 幸福社区 scales with it (25 per 800).
    assert Building.objects.filter(community=big).count() == round(113 * SMALL / 3300)
    assert Building.objects.filter(community=small).count() == 2
    big_households = Household.objects.filter(community=big).count()
    assert abs(big_households - SMALL) <= 12
    assert abs(Household.objects.filter(community=small).count() - round(800 * SMALL / 3300)) <= 12
    # Every grid and every compound has buildings; households agree with their building.
    assert not Region.objects.filter(kind=Region.Kind.GRID, buildings__isnull=True).exists()
    assert not Compound.objects.filter(buildings__isnull=True).exists()
    assert not Building.objects.filter(units__isnull=True).exists()
    assert not Unit.objects.filter(households__isnull=True).exists()
    for field in ("community_id", "grid_id", "compound_id"):
        assert not Household.objects.exclude(**{field: models.F(f"building__{field}")}).exists()
    assert not Household.objects.exclude(building_id=models.F("unit__building_id")).exists()
    for b in Building.objects.all():
        assert 6 <= b.floors <= 18
        assert b.households.aggregate(m=models.Max("floor"))["m"] == b.floors
        assert 2 <= b.units.count() <= 3
    assert Household.objects.filter(area__lt=45).count() == 0
    assert Household.objects.filter(area__gt=160).count() == 0
    assert Household.objects.filter(use=Household.Use.SHOP, floor=1).exists()
    assert not Household.objects.filter(use=Household.Use.SHOP).exclude(floor=1).exists()
    vacant = Household.objects.filter(occupancy=Household.Occupancy.VACANT).count()
    assert 0.02 < vacant / Household.objects.count() < 0.16


def test_every_household_has_an_owner_and_shares_add_up(small_demo):
    assert not Household.objects.exclude(occupancies__relation=Occupancy.Relation.OWNER).exists()
    totals = Household.objects.annotate(total=Sum("occupancies__share"))
    assert not totals.filter(total__gt=100).exists()
    assert not totals.filter(total__lt=100).exists()  # every flat is fully owned
    assert not Occupancy.objects.filter(relation__in=Occupancy.OWNING, share__isnull=True).exists()
    assert not Occupancy.objects.exclude(relation__in=Occupancy.OWNING).filter(share__isnull=False).exists()
    assert Occupancy.objects.filter(relation=Occupancy.Relation.CO_OWNER, share=Decimal(50)).exists()
    assert Occupancy.objects.filter(relation=Occupancy.Relation.TENANT).exists()
    assert Occupancy.objects.filter(relation=Occupancy.Relation.FAMILY).exists()
    # A few people own two flats.
    two_flats = (
        Occupancy.objects.filter(relation__in=Occupancy.OWNING).values("resident").annotate(n=Count("id"))
        .filter(n=2)
    )
    assert two_flats.exists()
    # About 2.5 people live in an occupied flat (owners who live elsewhere are not counted).
    occupied = Household.objects.filter(use=Household.Use.DWELLING, occupancy=Household.Occupancy.OCCUPIED)
    let = occupied.filter(occupancies__relation=Occupancy.Relation.TENANT)
    living = Occupancy.objects.filter(household__in=occupied).exclude(
        relation=Occupancy.Relation.OWNER, household__in=let
    )
    assert 2.0 < living.count() / occupied.count() < 3.0


def test_people_are_fictional_but_well_formed(small_demo):
    residents = list(Resident.objects.values_list("phone", "id_number", "name", "gender", "birth_date"))
    phones = [r[0] for r in residents if r[0]]
    assert len(phones) == len(set(phones))
    assert all(normalize_phone(p) == p for p in phones)
    ids = [r[1] for r in residents]
    assert all(ids) and len(ids) == len(set(ids))
    for _phone, id_number, name, gender, birth in residents:
        assert normalize_id_number(id_number) == id_number
        assert id_number[6:14] == birth.strftime("%Y%m%d")
        assert int(id_number[16]) % 2 == (1 if gender == "M" else 0)
        assert 2 <= len(name) <= 4
    assert all(normalize_phone(u.phone) == u.phone for u in User.objects.all())


def test_tags_party_and_registrations(small_demo):
    tagged = set(ResidentTag.objects.filter(tag=Tag.PARTY_MEMBER).values_list("resident_id", flat=True))
    members = set(PartyMember.objects.values_list("resident_id", flat=True))
    assert tagged == members and members
    for tag in Tag:
        assert ResidentTag.objects.filter(tag=tag).exists(), tag
    assert not PartyMember.objects.filter(kind=PartyMember.Kind.EMPLOYED, employer__isnull=True).exists()
    assert set(PartyMember.objects.values_list("kind", flat=True)) == set(PartyMember.Kind.values)
    assert Institution.objects.filter(kind=Institution.Kind.RESIDENT_UNIT, is_partner=True).count() >= 30
    assert Institution.objects.filter(kind=Institution.Kind.SOCIAL_ORG).exists()
    registered = PartyRegistration.objects.count()
    assert 0.7 < registered / len(members) <= 1
    assert set(PartyRegistration.objects.values_list("method", flat=True)) == {"qr", "staff"}
    assert not PartyRegistration.objects.filter(method="staff", registered_by__isnull=True).exists()
    # Each registration is with the building group of the building the member lives in.
    for reg in PartyRegistration.objects.select_related("member__resident", "party_group"):
        assert reg.party_group.building_id == reg.building_id
        homes = reg.member.resident.occupancies.exclude(
            relation=Occupancy.Relation.OWNER, household__occupancy=Household.Occupancy.VACANT
        ).values_list("household__building_id", flat=True)
        assert reg.building_id in set(homes)
    # Claims fit the posts' slots; hours fall in the last two quarters.
    over = ServicePost.objects.annotate(
        n=Count("claims", filter=Q(claims__status=PostClaim.Status.ACTIVE))
    ).filter(n__gt=models.F("slots"))
    assert not over.exists()
    assert PostClaim.objects.exists() and ServiceRecord.objects.exists()
    dates = ServiceRecord.objects.aggregate(lo=models.Min("served_on"), hi=models.Max("served_on"))
    assert str(dates["lo"]) >= "2026-01-01" and str(dates["hi"]) <= AS_OF


def test_party_organisations_and_role_holders(small_demo):
    for c in Region.objects.filter(kind=Region.Kind.COMMUNITY):
        committee = PartyOrg.objects.get(community=c, kind=PartyOrg.Kind.COMMITTEE)
        grids = Region.objects.filter(parent_community=c)
        assert PartyOrg.objects.filter(kind=PartyOrg.Kind.GRID_BRANCH, parent=committee).count() == grids.count()
        compounds = Compound.objects.filter(community=c)
        assert (
            PartyOrg.objects.filter(kind=PartyOrg.Kind.COMPOUND_BRANCH, parent=committee).count() == compounds.count()
        )
        assert RoleAssignment.objects.filter(role=Role.COMMUNITY_SECRETARY, region=c).count() == 1
        assert RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, region=c).exists()
        for grid in grids:
            assert RoleAssignment.objects.filter(role=Role.GRID_HEAD, region=grid).exists()
            assert RoleAssignment.objects.filter(role=Role.GRID_WORKER, region=grid).exists()
        for compound in compounds:
            assert RoleAssignment.objects.filter(role=Role.PROPERTY_STAFF, compound=compound).exists()
            assert RoleAssignment.objects.filter(role=Role.OWNERS_COMMITTEE, compound=compound).exists()
    for b in Building.objects.all():
        group = PartyOrg.objects.get(building=b)
        assert group.kind == PartyOrg.Kind.BUILDING_GROUP
        assert group.parent.kind == PartyOrg.Kind.COMPOUND_BRANCH and group.parent.compound_id == b.compound_id
        head = RoleAssignment.objects.get(role=Role.BUILDING_HEAD, building=b)
        # Building heads live in their building (or at least their compound).
        lives = Occupancy.objects.filter(resident__user=head.user, household__compound_id=b.compound_id)
        assert lives.exists()
    assert RoleAssignment.objects.filter(role=Role.UNIT_HEAD).exists()
    assert RoleAssignment.objects.filter(role=Role.SUBDISTRICT_STAFF, community__isnull=True).exists()
    for a in RoleAssignment.objects.filter(role=Role.RED_STEWARD):
        assert 9 <= StewardHousehold.objects.filter(assignment=a).count() <= 11
    holders = User.objects.filter(role_assignments__isnull=False).distinct()
    residents = holders.filter(resident__isnull=False).count()
    assert residents / holders.count() > 0.7  # mostly residents of the community
    # The role holder's login phone is the resident's own phone.
    assert not Resident.objects.filter(user__isnull=False).exclude(phone=models.F("user__phone")).exists()
    assert AuditEvent.objects.filter(action="demo.seed").count() == 1


# Logins ----------------------------------------------------------------------
def test_every_demo_login_logs_in_through_the_login_page(small_demo, client):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    printed = out.getvalue()
    assert "http://127.0.0.1:8000/" in printed and "未生成" not in printed
    for login in DEMO_LOGINS:
        assert login.phone in printed and login.label in printed
        assert DEMO_PASSWORD in printed
        client.logout()
        response = client.post("/accounts/login/", {"phone": login.phone, "password": DEMO_PASSWORD})
        assert response.status_code == 302, (login.key, response.content.decode()[:500])
        home = client.get("/")
        assert home.status_code == 200, login.key
        user = User.objects.get(phone=login.phone)
        assert user.name in home.content.decode()


def test_demo_logins_hold_the_role_they_show():
    run_demo()
    big = community("和谐社区")
    for login in DEMO_LOGINS:
        user = User.objects.get(phone=login.phone)
        roles = list(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        if login.key in Role.values:
            assert roles == [login.key], login.key
        elif login.key == "outsider":
            assert roles == [Role.COMMUNITY_STAFF]
            assert RoleAssignment.objects.get(user=user).region.name == "幸福社区"
        elif login.key == "admin":
            assert user.is_superuser and user.is_staff and roles == []
        else:  # resident, party member: an owner-occupier, party member, registered
            assert roles == []
            resident = user.resident
            assert resident.community_id == big.pk
            assert resident.occupancies.filter(relation__in=Occupancy.OWNING).exists()
            member = resident.party_member
            assert member.registrations.filter(ended_at__isnull=True).exists()
    bh = User.objects.get(phone=LOGIN_BY_KEY["building_head"].phone)
    building = RoleAssignment.objects.get(user=bh).building
    assert building.name == "1栋" and building.community_id == big.pk
    member = User.objects.get(phone=LOGIN_BY_KEY["party_member"].phone).resident.party_member
    assert member.kind == PartyMember.Kind.EMPLOYED
    active = member.claims.filter(status=PostClaim.Status.ACTIVE)
    assert active.count() >= 3
    assert ServiceRecord.objects.filter(claim__in=active).count() >= 6


def test_building_head_and_outsider_see_what_they_should(small_demo, client):
    big = community("和谐社区")
    client.post("/accounts/login/", {"phone": LOGIN_BY_KEY["building_head"].phone, "password": DEMO_PASSWORD})
    building = RoleAssignment.objects.get(user__phone=LOGIN_BY_KEY["building_head"].phone).building
    home = client.get("/").content.decode()
    assert f"/org/buildings/{building.pk}/" in home
    household = Household.objects.filter(building=building).first()
    assert client.get(f"/org/households/{household.pk}/").status_code == 200
    client.logout()
    client.post("/accounts/login/", {"phone": LOGIN_BY_KEY["outsider"].phone, "password": DEMO_PASSWORD})
    assert client.get(f"/org/households/{household.pk}/").status_code == 404
    assert household.community_id == big.pk


# Determinism ---------------------------------------------------------------------
_SKIP_FIELDS = {"id", "created_at", "updated_at", "date_joined", "last_login", "qr_token"}
DIGEST_MODELS = (
    User, Region, Compound, Building, Unit, Household, Resident, Occupancy, ResidentTag, RoleAssignment,
    StewardHousehold, Institution, PartyOrg, PartyMember, PartyRegistration, ServicePost, PostClaim, ServiceRecord,
)


def data_digest() -> str:
    """A digest of every seeded row's own fields, in insertion order.

    Foreign keys become the target's position in its table, so the digest does
    not depend on primary-key values (which differ between databases and runs);
    timestamps of insertion and secret tokens are left out.
    """
    rank: dict[type, dict[int, int]] = {
        m: {pk: i for i, pk in enumerate(m.objects.order_by("pk").values_list("pk", flat=True))} for m in DIGEST_MODELS
    }
    h = hashlib.sha256()
    for model in DIGEST_MODELS:
        fields = [f for f in model._meta.concrete_fields if f.name not in _SKIP_FIELDS]
        h.update(model._meta.label.encode())
        for row in model.objects.order_by("pk").values_list(*[f.attname for f in fields]):
            values = []
            for f, value in zip(fields, row):
                if f.is_relation and value is not None:
                    value = rank[f.related_model][value]
                values.append(value)
            h.update(repr(tuple(values)).encode())
    return h.hexdigest()


def digest_of_fresh_run(seed: int) -> str:
    """Run the demo in a savepoint that is rolled back: every run starts from an empty database."""
    with transaction.atomic():
        run_demo(seed=seed)
        digest = data_digest()
        transaction.set_rollback(True)
    assert not Region.objects.exists()
    return digest


def test_same_seed_gives_identical_data():
    first = digest_of_fresh_run(2026)
    assert digest_of_fresh_run(2026) == first
    assert digest_of_fresh_run(7) != first


def test_reset_rebuilds_identical_data_and_keeps_a_hand_made_superuser():
    run_demo()
    first = data_digest()
    keeper = User.objects.create_superuser("13912345678", "Another-pass-2026", name="运维")
    with pytest.raises(CommandError, match="--reset"):
        run_demo()
    out = run_demo("--reset")
    assert "删除现有组织数据" in out
    assert User.objects.filter(pk=keeper.pk).exists()
    keeper.delete()  # not part of the demo's data
    assert data_digest() == first


def test_if_empty_does_nothing_the_second_time():
    run_demo("--if-empty")
    households = Household.objects.count()
    residents = Resident.objects.count()
    out = run_demo("--if-empty", seed=99)
    assert out.strip().count("\n") == 0 and "跳过" in out
    assert Household.objects.count() == households and Resident.objects.count() == residents
    assert AuditEvent.objects.filter(action="demo.seed").count() == 1


def test_rejects_too_small_and_bad_dates():
    with pytest.raises(CommandError, match="至少"):
        run_demo(households=50)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("demo", "--as-of", "15/06/2026", stdout=StringIO())
    assert not Region.objects.exists()


# Extension point -------------------------------------------------------------------
def test_an_app_can_add_a_step_and_its_reset():
    seen: dict[str, object] = defaultdict(list)

    def run(ctx):
        seen["run"].append((ctx.big.plan.name, len(ctx.big.households), sorted(ctx.logins)))
        seen["draw"].append(ctx.rng("test-step").random())

    def reset():
        seen["reset"].append(Region.objects.count())

    step = demo.Step("test.step", "测试步骤", run, reset=reset, counts=lambda: [("测试条目", 42)])
    demo.register_step(step)
    try:
        out = run_demo()
        assert "测试步骤" in out and "测试条目" in out
        assert [s.name for s in demo.STEPS][-1] == "test.step"
        name, n_households, logins = seen["run"][0]
        assert name == "和谐社区" and n_households == Household.objects.filter(community__name=name).count()
        assert set(logins) == {login.key for login in DEMO_LOGINS}
        run_demo("--reset")
        assert seen["reset"] and seen["reset"][0] > 0  # ran before the org data went
        assert seen["draw"][0] == seen["draw"][1]  # its own generator, reproducible
        demo.register_step(step)  # registering again replaces, never duplicates
        assert [s.name for s in demo.STEPS].count("test.step") == 1
    finally:
        demo.STEPS[:] = [s for s in demo.STEPS if s.name != "test.step"]


def test_default_plan_matches_the_scenarios():
    big, small = demo.context.plan_for(3300)
    assert (big.grids, big.compounds, big.buildings, big.households) == (4, 7, 113, 3300)
    assert (small.grids, small.compounds, small.buildings, small.households) == (2, 2, 25, 800)
    big40 = demo.context.plan_for(40_000)[0]
    assert (big40.grids, big40.compounds) == (48, 85) and 1300 < big40.buildings < 1400
