"""One community as the simulation sees it: who handles requests at each tier, its departments,
the residents who report, and the requests simulated there (``World.sims``)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime

from gongzhi.accounts.models import User
from gongzhi.org.models import Household, Role, RoleAssignment

from ..actions.common import tier_handlers
from ..models import Case, Category, Tier
from .people import seed_departments, seed_reporters


class World:
    def __init__(self, ctx, cd, index: int, now: datetime, rng: random.Random, classifier, corpus) -> None:
        self.ctx, self.cd, self.index, self.now, self.rng = ctx, cd, index, now, rng
        self.classifier, self.corpus = classifier, corpus
        self.community = cd.region
        self.categories = {c.code: c for c in Category.objects.filter(community=cd.region)}
        self.building_index = {b.pk: i for i, b in enumerate(cd.buildings)}
        self.sims: list = []
        self._at: dict = {}
        self._users: dict = {}
        self._handlers()

    def _handlers(self) -> None:
        cd, rng = self.cd, self.rng
        by_role: dict[str, dict] = defaultdict(lambda: defaultdict(list))
        for a in RoleAssignment.objects.filter(community=cd.region, revoked_at__isnull=True).order_by("pk"):
            where = a.building_id or a.unit_id or a.region_id or a.compound_id
            by_role[a.role][where].append(a.user_id)
        self.building_heads = by_role[Role.BUILDING_HEAD]
        self.grid_people = defaultdict(list)
        self.grid_heads = by_role[Role.GRID_HEAD]
        for role in (Role.GRID_HEAD, Role.GRID_WORKER):
            for grid_id, users in by_role[role].items():
                self.grid_people[grid_id].extend(users)
        self.grid_workers = {g: by_role[Role.GRID_WORKER].get(g) or self.grid_heads[g] for g in self.grid_people}
        region = cd.region.pk
        self.secretary = by_role[Role.COMMUNITY_SECRETARY][region]
        self.staff = self.secretary + by_role[Role.COMMUNITY_STAFF][region]
        self.social = by_role[Role.SOCIAL_WORKER][region] or self.staff
        self.npc = by_role[Role.NPC_DEPUTY][region] or self.staff
        self.police = by_role[Role.POLICE_LIAISON][region]
        self.property_staff = by_role[Role.PROPERTY_STAFF]
        seed_departments(self)
        seed_reporters(self)
        # Households people live in, for places; adults with a phone, for reporters.
        self.homes = [hh for hh, h in enumerate(cd.households) if cd.living.get(hh)
                      and h.use == Household.Use.DWELLING]
        self.adults = {hh: [p for p in cd.living[hh] if p.age >= 18 and p.phone] for hh in self.homes}
        self.homes = [hh for hh in self.homes if self.adults[hh]]
        rng.shuffle(self.homes)

    # Who acts -------------------------------------------------------------------------------
    def handlers_at(self, case: Case, tier: str | None = None) -> list[int]:
        """Who the routing notifies at ``tier`` (``actions.common.tier_handlers`` itself), asked
        once per place: the roles don't change while the year is simulated."""
        tier = tier or case.tier
        key = (tier, case.community_id, case.grid_id, case.building_id, case.household_id, case.department_id)
        found = self._at.get(key)
        if found is None:
            found = self._at[key] = sorted(tier_handlers(case, tier))
        return list(found)

    def tier_people(self, case: Case, tier: str | None = None) -> list[int]:
        """Someone who may act at the tier: its handlers, or the tier above when it has none."""
        tier = tier or case.tier
        people = self.handlers_at(case, tier)
        if people:
            return people
        if tier == Tier.BUILDING:
            return self.tier_people(case, Tier.GRID)
        return list(self.staff)

    def user(self, user_id: int | None) -> User | None:
        """An unsaved stand-in for a login, so the lifecycle's transitions can assign it."""
        if user_id is None:
            return None
        found = self._users.get(user_id)
        if found is None:
            found = self._users[user_id] = User(pk=user_id)
        return found

    def handler_for(self, case: Case) -> int:
        if case.tier == Tier.COMMUNITY and case.category.code == "elderly_disability":
            return self.rng.choice(self.social)
        if case.tier == Tier.GRID:
            return self.rng.choice(self.grid_workers.get(case.grid_id) or self.staff)
        return self.rng.choice(self.tier_people(case))
