"""Step 2: residents — owners (with shares), family members, tenants — and their tags."""

from __future__ import annotations

import random
from decimal import Decimal

from ..models import Household, Occupancy, Resident, ResidentTag, Tag
from .context import CommunityData, DemoContext, Person
from .identity import birth_date_for

BATCH = 1000
HUNDRED = Decimal(100)
HALF = Decimal(50)

# Household sizes of owner-occupied flats (mean ≈ 2.6; with tenants ≈ 2.5 per occupied flat).
FAMILY_SIZES = ((1, 15), (2, 38), (3, 28), (4, 13), (5, 6))
RENTED_RATE = 0.14  # occupied flats let to tenants
CO_OWNED_RATE = 0.30  # couples holding the flat 50/50
SECOND_FLAT_RATE = 0.06  # a let or vacant flat owned by someone who lives in another flat here
ELDERLY_SINGLE_RATE = 0.65  # one-person households that are an elderly person living alone

# Per-resident rates among people who live here (elderly living alone comes from the
# household make-up, ≈ 3 %).
TAG_RATES = {
    Tag.SUBSISTENCE: 0.015,
    Tag.HARDSHIP: 0.010,
    Tag.DISABILITY: 0.020,
    Tag.VETERAN: 0.020,
    Tag.PARTY_MEMBER: 0.060,
}
ADULT_SHARE = 0.80  # rates of adult-only tags are divided by this to hold over everyone


def seed_people(ctx: DemoContext) -> None:
    for cd in ctx.communities:
        _People(ctx, cd, ctx.rng("people", cd.plan.code)).build()
    _reserve_demo_residents(ctx.big)
    for cd in ctx.communities:
        _insert(cd)
        ctx.log(f"  {cd.plan.name}：{len(cd.people)} 位居民、{len(cd.occupancies)} 条居住/产权关系")


class _People:
    def __init__(self, ctx: DemoContext, cd: CommunityData, rng: random.Random) -> None:
        self.ctx, self.cd, self.rng = ctx, cd, rng
        self.ids = ctx.identities
        self.owner_occupiers: list[Person] = []
        self.second_flat_owners: set[int] = set()  # id() of people already owning a second flat

    # People ------------------------------------------------------------------
    def person(self, *, age: int, gender: str | None = None, surname: str | None = None,
               home: int | None = None) -> Person:
        rng = self.rng
        gender = gender or rng.choice("MF")
        birth = birth_date_for(rng, self.ctx.as_of, age)
        has_phone = age >= 18 and rng.random() < (0.6 if age >= 75 else 0.97)
        person = Person(
            name=self.ids.name(rng, gender, surname),
            gender=gender,
            birth=birth,
            age=age,
            phone=self.ids.phone(rng) if has_phone else "",
            id_number=self.ids.id_number(rng, birth, gender),
            home=home,
        )
        self.cd.people.append(person)
        if home is not None:
            self.cd.living.setdefault(home, []).append(person)
        return person

    def tie(self, person: Person, hh: int, relation: str, share: Decimal | None = None) -> None:
        self.cd.occupancies.append((person, hh, relation, share))

    # Households ----------------------------------------------------------------
    def build(self) -> None:
        for hh, household in enumerate(self.cd.households):
            if household.use == Household.Use.SHOP:
                self.shop(hh, household)
            elif household.occupancy == Household.Occupancy.VACANT:
                self.tie(self.absent_owner(), hh, Occupancy.Relation.OWNER, HUNDRED)
            elif self.rng.random() < RENTED_RATE:
                self.tie(self.absent_owner(), hh, Occupancy.Relation.OWNER, HUNDRED)
                self.tenants(hh)
            else:
                self.family(hh)
        for person in self.cd.people:
            if person.home is not None:
                self.tag(person)

    def absent_owner(self) -> Person:
        """The owner of a let or vacant flat: someone who lives in another flat here, or elsewhere."""
        rng = self.rng
        if self.owner_occupiers and rng.random() < SECOND_FLAT_RATE:
            candidate = rng.choice(self.owner_occupiers)
            if id(candidate) not in self.second_flat_owners:
                self.second_flat_owners.add(id(candidate))
                return candidate
        return self.person(age=rng.randint(32, 72))

    def shop(self, hh: int, household: Household) -> None:
        self.tie(self.person(age=self.rng.randint(30, 65)), hh, Occupancy.Relation.OWNER, HUNDRED)
        if household.occupancy == Household.Occupancy.OCCUPIED:
            # The shopkeeper renting it lives elsewhere.
            self.tie(self.person(age=self.rng.randint(22, 55)), hh, Occupancy.Relation.TENANT)

    def tenants(self, hh: int) -> None:
        rng = self.rng
        size = rng.choices((1, 2, 3), weights=(35, 40, 25))[0]
        first = self.person(age=rng.randint(20, 42), home=hh)
        self.tie(first, hh, Occupancy.Relation.TENANT)
        if size >= 2:
            partner = self.person(age=max(20, first.age + rng.randint(-4, 4)),
                                  gender="F" if first.gender == "M" else "M", home=hh)
            self.tie(partner, hh, Occupancy.Relation.TENANT)
            if size == 3:
                father = first if first.gender == "M" else partner
                child = self.person(age=rng.randint(0, max(0, min(first.age, partner.age) - 22)),
                                    surname=father.name[0], home=hh)
                self.tie(child, hh, Occupancy.Relation.FAMILY)

    def family(self, hh: int) -> None:
        rng = self.rng
        size = rng.choices([s for s, _ in FAMILY_SIZES], weights=[w for _, w in FAMILY_SIZES])[0]
        if size == 1:
            elderly = rng.random() < ELDERLY_SINGLE_RATE
            owner = self.person(age=rng.randint(65, 92) if elderly else rng.randint(24, 64), home=hh)
            if elderly:
                owner.tags.append(Tag.ELDERLY_ALONE)
            self.tie(owner, hh, Occupancy.Relation.OWNER, HUNDRED)
            self.owner_occupiers.append(owner)
            return
        head_age = rng.randint(28, 78)
        owner = self.person(age=head_age, gender="M" if rng.random() < 0.55 else "F", home=hh)
        spouse = self.person(age=max(22, head_age + rng.randint(-5, 5)),
                             gender="F" if owner.gender == "M" else "M", home=hh)
        if rng.random() < CO_OWNED_RATE:
            self.tie(owner, hh, Occupancy.Relation.OWNER, HALF)
            self.tie(spouse, hh, Occupancy.Relation.CO_OWNER, HALF)
        else:
            self.tie(owner, hh, Occupancy.Relation.OWNER, HUNDRED)
            self.tie(spouse, hh, Occupancy.Relation.FAMILY)
        self.owner_occupiers.append(owner)
        father = owner if owner.gender == "M" else spouse
        for _ in range(size - 2):
            if head_age <= 60 and rng.random() < 0.2:
                parent_age = min(96, head_age + rng.randint(24, 32))
                member = self.person(age=parent_age, surname=father.name[0] if rng.random() < 0.5 else None, home=hh)
            else:
                member = self.person(age=rng.randint(0, max(0, min(head_age - 22, 38))), surname=father.name[0],
                                     home=hh)
            self.tie(member, hh, Occupancy.Relation.FAMILY)

    # Tags ------------------------------------------------------------------
    def tag(self, person: Person) -> None:
        rng = self.rng
        for tag, rate in TAG_RATES.items():
            if tag == Tag.DISABILITY:
                if rng.random() < rate:
                    person.tags.append(tag)
                continue
            if person.age < (22 if tag in (Tag.VETERAN, Tag.PARTY_MEMBER) else 18):
                continue
            if tag == Tag.VETERAN and person.gender == "F" and rng.random() < 0.85:
                continue
            if rng.random() < rate / ADULT_SHARE * (2 if tag == Tag.VETERAN else 1):
                person.tags.append(tag)


def _reserve_demo_residents(cd: CommunityData) -> None:
    """Pick the people behind the "resident" and "party member" demo logins.

    Both own the flat they live in (in the first compound when possible) and
    are party members; they hold no role, so their home page shows a resident's view.
    """
    owners = {id(p): hh for p, hh, relation, _share in cd.occupancies if relation in Occupancy.OWNING}
    taken_homes: set[int] = set()
    for key, (low, high) in (("resident", (35, 62)), ("party_member", (28, 50))):
        for first_compound_only in (True, False):
            match = next(
                (
                    p for p in cd.people
                    if not p.busy and p.phone and p.home is not None and low <= p.age <= high
                    and owners.get(id(p)) == p.home and p.home not in taken_homes
                    and (not first_compound_only or cd.compound_of(p.home) == 0)
                ),
                None,
            )
            if match is not None:
                break
        if match is None:
            raise RuntimeError(f"demo: no owner-occupier found for the {key} login")
        match.busy = True
        taken_homes.add(match.home)
        if not match.is_party:
            match.tags.append(Tag.PARTY_MEMBER)
        cd.reserved[key] = match


def _insert(cd: CommunityData) -> None:
    residents = [
        Resident(
            community=cd.region, name=p.name, gender=p.gender, birth_date=p.birth, phone=p.phone,
            id_number=p.id_number,
        )
        for p in cd.people
    ]
    Resident.objects.bulk_create(residents, batch_size=BATCH)
    for person, resident in zip(cd.people, residents):
        person.resident = resident
    Occupancy.objects.bulk_create(
        [
            Occupancy(household=cd.households[hh], resident=p.resident, relation=relation, share=share)
            for p, hh, relation, share in cd.occupancies
        ],
        batch_size=BATCH,
    )
    ResidentTag.objects.bulk_create(
        [ResidentTag(resident=p.resident, tag=tag) for p in cd.people for tag in p.tags], batch_size=BATCH
    )
