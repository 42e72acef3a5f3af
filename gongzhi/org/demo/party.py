"""Step 4: party organisations, partner units, members, 双报到, service posts, claims and hours."""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from ..models import (
    Institution,
    PartyMember,
    PartyOrg,
    PartyRegistration,
    PostClaim,
    Role,
    ServicePost,
    ServiceRecord,
)
from . import catalog
from .context import CommunityData, DemoContext, Person

BATCH = 1000
REGISTERED_RATE = 0.85  # members who have reported (报到) to their building group
QR_RATE = 0.6  # of registrations, made by scanning the building's QR code
CLAIMS_PER_MEMBER = 1216 / 3853  # S1: 1,216 claimed posts among 3,853 members
WITHDRAWN_RATE = 0.08
HOURS = tuple(Decimal(h) for h in ("1.0", "1.5", "2.0", "2.0", "2.5", "3.0", "4.0"))


def seed_party(ctx: DemoContext) -> None:
    with _explicit(PartyRegistration, "registered_at"), _explicit(PostClaim, "claimed_at"):
        for cd in ctx.communities:
            stats = _Party(ctx, cd, ctx.rng("party", cd.plan.code)).build()
            ctx.log(
                f"  {cd.plan.name}：{stats['orgs']} 个党组织、{stats['members']} 名党员、{stats['registrations']} 人报到、"
                f"{stats['posts']} 个岗位、{stats['claims']} 次认领、{stats['records']} 条服务记录"
            )


@contextlib.contextmanager
def _explicit(model, field_name: str):
    """Let bulk_create keep the back-dated value of an ``auto_now_add`` field.

    Registrations and claims spread over the past months make the 双报到
    pages and the quarterly report look like a community in use.
    """
    model_field = model._meta.get_field(field_name)
    saved = model_field.auto_now_add
    model_field.auto_now_add = False
    try:
        yield
    finally:
        model_field.auto_now_add = saved


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def previous_quarter_start(day: date) -> date:
    start = quarter_start(day)
    return quarter_start(start - timedelta(days=1))


class _Party:
    def __init__(self, ctx: DemoContext, cd: CommunityData, rng: random.Random) -> None:
        self.ctx, self.cd, self.rng = ctx, cd, rng
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.is_big = cd is ctx.big

    def moment(self, day: date) -> datetime:
        return datetime.combine(day, time(self.rng.randint(8, 20), self.rng.randrange(60)), tzinfo=self.tz)

    def build(self) -> dict[str, int]:
        institutions = self.institutions()
        orgs = self.orgs()
        members = self.members(institutions)
        registrations = self.registrations(members)
        posts = self.posts()
        claims, records = self.claims(members, registrations, posts)
        return {"orgs": orgs, "members": len(members), "registrations": len(registrations), "posts": len(posts),
                "claims": claims, "records": records}

    # Partner units, employers, social organisations ------------------------------
    def institutions(self) -> list[Institution]:
        rng, cd, ids = self.rng, self.cd, self.ctx.identities
        as_of = self.ctx.as_of
        n_units, n_employers, n_social = (30, 10, 4) if self.is_big else (8, 4, 2)
        rows = []
        for name, services in rng.sample(catalog.RESIDENT_UNITS, n_units):
            partner = rng.random() < 0.93
            rows.append(Institution(
                community=cd.region, kind=Institution.Kind.RESIDENT_UNIT, name=name,
                contact_name=ids.name(rng, rng.choice("MF")), contact_phone=ids.phone(rng),
                address=f"{rng.choice(catalog.ROADS)}{rng.randrange(1, 400)}号", is_partner=partner,
                partner_since=as_of - timedelta(days=rng.randint(60, 1100)) if partner else None,
                services_offered=services,
            ))
        for name in rng.sample(catalog.EMPLOYERS, n_employers):
            rows.append(Institution(
                community=cd.region, kind=Institution.Kind.EMPLOYER, name=name,
                contact_name=ids.name(rng, rng.choice("MF")), contact_phone=ids.phone(rng),
            ))
        for name, services in rng.sample(catalog.SOCIAL_ORGS, n_social):
            rows.append(Institution(
                community=cd.region, kind=Institution.Kind.SOCIAL_ORG, name=name,
                contact_name=ids.name(rng, rng.choice("MF")), contact_phone=ids.phone(rng),
                services_offered=services,
            ))
        return Institution.objects.bulk_create(rows, batch_size=BATCH)

    # 社区党委 → 网格/小区党支部 → 楼栋党小组 ------------------------------------------
    def orgs(self) -> int:
        cd, rng = self.cd, self.rng
        living_party: dict[int, list[Person]] = defaultdict(list)  # building idx -> members living there
        for p in cd.people:
            if p.home is not None and p.is_party:
                living_party[cd.hh_building[p.home]].append(p)
        grid_heads = [u for _p, u in cd.holders.get(Role.GRID_HEAD, [])]
        committee = PartyOrg.objects.create(
            community=cd.region, kind=PartyOrg.Kind.COMMITTEE, name=f"{cd.plan.name}党委",
            secretary_name=cd.secretary.name,
        )
        branches = [
            PartyOrg(community=cd.region, parent=committee, kind=PartyOrg.Kind.GRID_BRANCH, grid=grid,
                     name=f"{cd.plan.name}{grid.name}党支部",
                     secretary_name=grid_heads[g].name if g < len(grid_heads) else "")
            for g, grid in enumerate(cd.grids)
        ]
        compound_branches = []
        for c, compound in enumerate(cd.compounds):
            here = [p for b in range(len(cd.buildings)) if cd.building_compound[b] == c for p in living_party[b]]
            compound_branches.append(PartyOrg(
                community=cd.region, parent=committee, kind=PartyOrg.Kind.COMPOUND_BRANCH, compound=compound,
                name=f"{compound.name}党支部", secretary_name=rng.choice(here).name if here else "",
            ))
        PartyOrg.objects.bulk_create(branches + compound_branches, batch_size=BATCH)
        groups = []
        for b, building in enumerate(cd.buildings):
            here = living_party[b]
            groups.append(PartyOrg(
                community=cd.region, parent=compound_branches[cd.building_compound[b]],
                kind=PartyOrg.Kind.BUILDING_GROUP, grid=cd.grids[cd.building_grid[b]],
                compound=building.compound, building=building,
                name=f"{building.compound.name}{building.name}党小组",
                secretary_name=rng.choice(here).name if here else "",
            ))
        PartyOrg.objects.bulk_create(groups, batch_size=BATCH)
        cd.party_groups = dict(enumerate(groups))
        return 1 + len(branches) + len(compound_branches) + len(groups)

    # Members -----------------------------------------------------------------
    def members(self, institutions: list[Institution]) -> list[tuple[Person, PartyMember]]:
        cd, rng = self.cd, self.rng
        workplaces = [i for i in institutions if i.kind != Institution.Kind.SOCIAL_ORG]
        retiree_branches = [f"{name}离退休党支部" for name in catalog.EMPLOYERS[:6]]
        demo_employed = self.cd.reserved.get("party_member")
        rows: list[tuple[Person, PartyMember]] = []
        for p in cd.people:
            if p.home is None or not p.is_party:
                continue
            if p is demo_employed or (p.age < 60 and rng.random() < 0.75):
                kind = PartyMember.Kind.EMPLOYED
            else:
                kind = PartyMember.Kind.RESIDENT if rng.random() < 0.6 else PartyMember.Kind.ON_ROLLS
            employer = rng.choice(workplaces) if kind == PartyMember.Kind.EMPLOYED else None
            if employer is not None:
                home_org = f"{employer.name}党支部"
            elif kind == PartyMember.Kind.RESIDENT:
                home_org = rng.choice(retiree_branches)
            else:
                home_org = f"{cd.plan.name}{cd.grids[cd.grid_of(p.home)].name}党支部"
            rows.append((p, PartyMember(community=cd.region, resident=p.resident, kind=kind, employer=employer,
                                        home_org_name=home_org)))
        PartyMember.objects.bulk_create([m for _p, m in rows], batch_size=BATCH)
        return rows

    def registrations(self, members) -> dict[int, PartyRegistration]:
        """双报到 with the building group where each member lives; returns id(person) -> registration."""
        cd, rng, as_of = self.cd, self.rng, self.ctx.as_of
        forced = {id(p) for p in cd.reserved.values()}
        result: dict[int, PartyRegistration] = {}
        for p, member in members:
            if id(p) not in forced and rng.random() >= REGISTERED_RATE:
                continue
            b = cd.hh_building[p.home]
            qr = rng.random() < QR_RATE
            result[id(p)] = PartyRegistration(
                member=member, party_group=cd.party_groups[b], building=cd.buildings[b], community=cd.region,
                method=PartyRegistration.Method.QR if qr else PartyRegistration.Method.STAFF,
                registered_by=None if qr else rng.choice(cd.staff_users),
                registered_at=self.moment(as_of - timedelta(days=rng.randint(30, 600))),
            )
        PartyRegistration.objects.bulk_create(list(result.values()), batch_size=BATCH)
        return result

    # Service posts, claims, hours -------------------------------------------------
    def posts(self) -> list[ServicePost]:
        cd, rng = self.cd, self.rng
        count = max(10, round(40 * len(cd.households) / 3300))
        catalogue = [(cat, title, note) for cat, entries in catalog.SERVICE_POSTS.items() for title, note in entries]
        rows = []
        for i in range(count):
            category, title, _note = catalogue[i % len(catalogue)]
            compound = cd.compounds[rng.randrange(len(cd.compounds))]
            place = rng.choice((compound.name, f"{cd.plan.name}党群服务中心"))
            if i >= len(catalogue):
                title = f"{title}（{compound.name}）"
                place = compound.name
            rows.append(ServicePost(
                community=cd.region, title=title, category=category, location=place,
                description=f"{title}：每月至少服务一次，服务后由社区登记时长。",
                slots=rng.randint(3, 12),
                status=ServicePost.Status.CLOSED if rng.random() < 0.05 else ServicePost.Status.OPEN,
                created_by=rng.choice(cd.staff_users),
            ))
        return ServicePost.objects.bulk_create(rows, batch_size=BATCH)

    def claims(self, members, registrations, posts) -> tuple[int, int]:
        cd, rng, as_of = self.cd, self.rng, self.ctx.as_of
        notes = {title: note for entries in catalog.SERVICE_POSTS.values() for title, note in entries}
        open_posts = [p for p in posts if p.status == ServicePost.Status.OPEN]
        free = {i: post.slots for i, post in enumerate(open_posts)}
        target = round(len(members) * CLAIMS_PER_MEMBER)
        registered = [(p, m) for p, m in members if id(p) in registrations]
        demo = cd.reserved.get("party_member")
        # The party-member login claims three posts; the rest are drawn (employed members twice as often).
        order = [(p, m) for p, m in registered if p is demo]
        weights = [2 if m.kind == PartyMember.Kind.EMPLOYED else 1 for _p, m in registered]
        if registered:
            order += rng.choices(registered, weights=weights, k=max(0, target) * 2)
        claims: list[tuple[PostClaim, int]] = []
        taken: set[tuple[int, int]] = set()
        window_start = previous_quarter_start(as_of)
        for p, member in order:
            if len(claims) >= target and p is not demo:
                break
            for _ in range(3 if p is demo else rng.choice((1, 1, 2))):
                choices = [i for i, n in free.items() if n > 0 and (id(p), i) not in taken]
                if not choices:
                    break
                i = rng.choice(choices)
                free[i] -= 1
                taken.add((id(p), i))
                registered_on = registrations[id(p)].registered_at.date()
                claimed_on = min(as_of - timedelta(days=1), registered_on + timedelta(days=rng.randint(1, 60)))
                withdrawn = p is not demo and rng.random() < WITHDRAWN_RATE
                claim = PostClaim(post=open_posts[i], member=member, claimed_at=self.moment(claimed_on))
                if withdrawn:
                    claim.status = PostClaim.Status.WITHDRAWN
                    claim.withdrawn_at = self.moment(claimed_on + (as_of - claimed_on) * rng.random())
                claims.append((claim, i))
        PostClaim.objects.bulk_create([c for c, _i in claims], batch_size=BATCH)

        records = []
        for claim, i in claims:
            start = max(window_start, claim.claimed_at.date() + timedelta(days=1))
            end = claim.withdrawn_at.date() if claim.withdrawn_at else as_of
            if end < start:
                continue
            span = (end - start).days
            demo_claim = demo is not None and claim.member.resident_id == demo.resident.pk
            n = rng.randint(2, 4) if demo_claim else rng.choice((0, 1, 2, 3, 4, 6))
            post = open_posts[i]
            base_title = post.title.split("（")[0]
            for _ in range(n):
                records.append(ServiceRecord(
                    claim=claim, served_on=start + timedelta(days=rng.randint(0, span)), hours=rng.choice(HOURS),
                    note=notes.get(base_title, base_title), recorded_by=rng.choice(cd.staff_users),
                ))
        ServiceRecord.objects.bulk_create(records, batch_size=BATCH)
        return len(claims), len(records)
