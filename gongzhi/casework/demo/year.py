"""A year of requests in one community: when they come in, what happens to each, the duplicates
staff merge, and the demo logins' own requests in predictable states."""

from __future__ import annotations

import bisect
from datetime import timedelta

from ..actions import lifecycle as lc
from ..models import Case, CaseEvent, Channel
from .catalog import REQUESTS_PER_HOUSEHOLD
from .cases import new_case
from .handling import simulate
from .history import Ev, Plan, step
from .sweep import sweep_until

S = Case.Status
K = CaseEvent.Kind


def build(world) -> None:
    cd, rng, now = world.cd, world.rng, world.now
    total = round(REQUESTS_PER_HOUSEHOLD.get(world.index, 0.3) * len(cd.households))
    start = now - timedelta(days=365)
    # More requests in recent months (the platform catching on) and in the rainy summer.
    weights = []
    for day in range(365):
        d = start + timedelta(days=day)
        weights.append((0.7 + 0.6 * day / 365) * (1.25 if d.month in (6, 7, 8) else 1.0)
                       * (0.8 if d.weekday() >= 5 else 1.0))
    cumulative, acc = [], 0.0
    for w in weights:
        acc += w
        cumulative.append(acc)
    moments = []
    for _ in range(total):
        day = bisect.bisect(cumulative, rng.random() * acc)
        hour = rng.choices(range(24), weights=[1, 0, 0, 0, 0, 1, 3, 6, 9, 9, 8, 7, 5, 6, 7, 7, 7, 8, 9, 10, 8,
                                               5, 3, 2])[0]
        moment = start + timedelta(days=day, hours=hour - 7, minutes=rng.randrange(60), seconds=rng.randrange(60))
        if moment < now - timedelta(minutes=30):
            moments.append(moment)
    moments.sort()
    for moment in moments:
        simulate(world, new_case(world, moment), draw_plan(world.rng))
    if world.index == 0:
        showcase(world)
    duplicates(world)
    world.sims.sort(key=lambda s: (s.case.created_at, id(s)))


def draw_plan(rng) -> Plan:
    p = Plan()
    p.reject = rng.random() < 0.025
    window_share = rng.random()
    p.respond = ("on_time", "late")[rng.random() < 0.12]  # converted to hours in simulate
    p.dispatch = rng.random() < 0.4
    p.escalate = rng.random() < 0.04
    p.start = rng.random() < 0.45
    p.progress = rng.random() < 0.3
    p.resolve = "late" if rng.random() < 0.13 else "on_time"
    p.reopen = rng.random() < 0.04
    p.verify = rng.choices([None, "reporter", "grid"], weights=[45, 30, 25])[0]
    p.rate = -1 if rng.random() < 0.78 else None  # -1: drawn at resolution (depends on lateness)
    p.rate_after = rng.uniform(1, 60)
    p.whistle_after = rng.uniform(1, 30)
    p.ack_after = None if rng.random() < 0.03 else ("late" if rng.random() < 0.12 else window_share)
    return p


def duplicates(world) -> None:
    """Some requests are reported twice; staff merge the second into the first while it is open."""
    rng = world.rng
    primaries = [s for s in world.sims if s.case.building_id and s.case.status != S.REJECTED
                 and s.true_code in ("property_repair", "environment", "public_facility", "safety_hazard")]
    for primary in rng.sample(primaries, k=min(len(primaries), round(len(world.sims) * 0.03))):
        start = primary.case.created_at + timedelta(hours=rng.uniform(0.5, 20))
        merge_at = start + timedelta(hours=rng.uniform(0.3, 6))
        if merge_at >= world.now or primary.status_at(merge_at) not in Case.OPEN_STATUSES:
            continue
        cd = world.cd
        b = world.building_index[primary.case.building_id]
        homes = [hh for hh in world.homes if cd.hh_building[hh] == b]
        app = [(hh, p) for hh, p in world.app_users if cd.hh_building[hh] == b]
        if app and rng.random() < 0.6:
            hh, person = rng.choice(app)
            channel = Channel.RESIDENT
        elif homes:
            hh, person, channel = rng.choice(homes), None, rng.choice([Channel.PHONE, Channel.WALK_IN])
        else:
            continue
        dup = new_case(world, start, code=primary.true_code, hh=hh, person=person, where="building",
                            channel=channel)
        if not sweep_until(world, dup, merge_at) or dup.case.status not in lc.MERGEABLE:
            world.sims.remove(dup)
            continue
        who = rng.choice(world.staff)
        step(dup, K.MERGED, merge_at, who, lambda c: lc.mark_merged(c, into=primary.case, now=merge_at),
             note="同一问题已有诉求在办理。", data={"into": ("case", primary)})
        dup.merged_into = primary
        status = primary.status_at(merge_at)
        ev = Ev(K.DUPLICATE_ADDED, merge_at, who, status, status, primary.events[0].tier,
                 "合并了重复诉求 #{dup}，办理进展将同步告知该反映人。", {"duplicate": ("case", dup)})
        ev.notify = []
        tier = primary.events[0].tier
        for e in primary.events:
            if e.at <= merge_at:
                tier = e.tier
        ev.tier = tier
        bisect.insort(primary.events, ev, key=lambda e: e.at)
        if dup.case.reporter_id:
            primary.reporter_ids.add(dup.case.reporter_id)


def showcase(world) -> None:
    """Requests of the memorable logins, in states worth showing (docs/demo.md)."""
    ctx, cd, now = world.ctx, world.cd, world.now
    resident = ctx.logins.get("resident")
    person = cd.reserved.get("resident")
    if resident is not None and person is not None and person.home is not None:
        hh = person.home
        mine = [
            # (days ago, category, plan)
            (150, "property_repair", Plan(respond=3, resolve=30, verify="reporter", rate=5, rate_after=10)),
            (40, "environment", Plan(respond=5, dispatch=False, resolve=60, rate=4, rate_after=30)),
            (5, "public_facility", Plan(respond=2, resolve=48, rate=4, rate_after=20)),
            (3, "property_repair", Plan(respond=2, start=True, progress=True, resolve=50, rate=None)),
            # verified by the grid worker 1–36 h after the fix: 2.5 days leave room for it whatever the draws
            (2.5, "environment", Plan(respond=1, resolve=20, verify="grid", rate=None)),
            (0.8, "property_repair", Plan(respond=1.5, start=True, resolve=70)),
            (0.1, "neighbour_dispute", Plan(respond=30, resolve=100)),
        ]
        for days, code, plan in mine:
            sim = new_case(world, now - timedelta(days=days), code=code, hh=hh, person=person,
                                channel=Channel.RESIDENT, where="household")
            simulate(world, sim, plan)
    # Waiting at the demo building head's building: one not yet answered, one accepted.
    head = ctx.logins.get("building_head")
    if head is not None:
        building = next((b for b, users in world.building_heads.items() if head.pk in users), None)
        b = world.building_index.get(building)
        homes = [hh for hh in world.homes if b is not None and cd.hh_building[hh] == b]
        for hours, plan in ((3, Plan(respond=None)), (20, Plan(respond=2, resolve=60))):
            if homes:
                sim = new_case(world, now - timedelta(hours=hours), code="property_repair", hh=homes[0],
                                    channel=Channel.PHONE, where="household")
                simulate(world, sim, plan)
    # A whistle waiting for the demo property staff's company and one for the community police.
    for key, code, login in (("property", "environment", "property_staff"), ("police", "safety_hazard",
                                                                               "police_liaison")):
        user = ctx.logins.get(login)
        compound = next((c for c, users in world.property_staff.items() if user and user.pk in users), None)
        homes = [hh for hh in world.homes
                 if key != "property" or cd.buildings[cd.hh_building[hh]].compound_id == compound]
        if homes:
            sim = new_case(world, now - timedelta(hours=1.2), code=code, hh=homes[0], channel=Channel.WALK_IN,
                                where="building")
            simulate(world, sim, Plan(respond=0.2, whistle=key, whistle_after=0.3, ack_after=None))
