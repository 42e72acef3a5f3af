"""Step 1: the territory — sub-district, communities, grids, compounds, buildings, units, households."""

from __future__ import annotations

import random
from decimal import Decimal

from ..models import Building, Compound, Household, Region, Unit
from .. import setup
from . import catalog
from .context import (
    SUBDISTRICT_CODE,
    SUBDISTRICT_NAME,
    CommunityData,
    CommunityPlan,
    DemoContext,
)

BATCH = 1000
VACANT_RATE = 0.08
SHOP_VACANT_RATE = 0.15

# (floors, units, rooms per floor) of the walk-ups that make up most of an
# older community (S1/S6: ~29 households a building), and how often each is drawn.
WALKUPS = (
    ((6, 2, 2), 40),
    ((7, 2, 2), 15),
    ((6, 3, 2), 25),
    ((7, 3, 2), 8),
    ((6, 2, 3), 5),
)
TALL_SHARE = 0.05  # mid-rise and tower blocks: 11–18 floors, two units, two flats a landing
MIN_FLOORS, MAX_FLOORS = 6, 18

_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 14 → 十四, 48 → 四十八 (up to 999)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + _CN_DIGITS[rest] if rest < 10 else chinese_number(rest))
    return _CN_DIGITS[n // 100] + "百" + tail


def seed_tree(ctx: DemoContext) -> None:
    from .context import plan_for

    ctx.subdistrict = Region.create_subdistrict(name=SUBDISTRICT_NAME, code=SUBDISTRICT_CODE)
    names = _compound_names(ctx.rng("tree", "compound-names"))
    for plan in plan_for(ctx.households):
        cd = CommunityData(plan=plan)
        _build_community(ctx, ctx.rng("tree", plan.code), cd, names)
        ctx.communities.append(cd)
        ctx.log(
            f"  {plan.name}：{len(cd.grids)} 个网格、{len(cd.compounds)} 个小区、{len(cd.buildings)} 栋楼、"
            f"{len(cd.units)} 个单元、{len(cd.households)} 户"
        )


def _compound_names(rng: random.Random):
    """Unique compound names across the sub-district: 清风苑, 翠柳家园, …"""
    combos = [p + s for p in catalog.COMPOUND_PREFIXES for s in catalog.COMPOUND_SUFFIXES]
    rng.shuffle(combos)
    phase = 1
    while True:
        for name in combos:
            yield name if phase == 1 else f"{name}{chinese_number(phase)}期"
        phase += 1


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` uneven positive counts (largest remainder)."""
    weights = [rng.uniform(0.5, 2.0) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    raw = [w * scale for w in weights]
    counts = [1 + int(r) for r in raw]
    order = sorted(range(parts), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _shapes(rng: random.Random, buildings: int, target: int) -> list[list[int]]:
    """A (floors, units, rooms per floor) per building, adding up to about ``target`` households.

    A few tall blocks are drawn first, the rest are walk-ups; then walk-ups
    (and only when they cannot give any more, the tall blocks) gain or lose a
    storey, a unit or a flat per landing until the total is within half a
    step of the target.
    """
    n_tall = round(buildings * TALL_SHARE) if buildings >= 20 else 0
    tall_at = set(rng.sample(range(buildings), n_tall))
    shapes = [
        _Shape(rng.randint(11, MAX_FLOORS), 2, 2, tall=True) if b in tall_at
        else _Shape(*rng.choices([s for s, _ in WALKUPS], weights=[w for _, w in WALKUPS])[0])
        for b in range(buildings)
    ]
    total = sum(s.size for s in shapes)
    for _ in range(100 * buildings + 1000):
        diff = total - target
        if diff == 0:
            break
        delta = -1 if diff > 0 else 1
        movable = [s for s in shapes if not s.tall and s.change(delta)] or [s for s in shapes if s.change(delta)]
        if not movable:
            break
        s = rng.choice(movable)
        change = s.change(delta)
        if abs(diff) < abs(change) / 2:
            break
        s.apply(delta)
        total += change
    return [[s.floors, s.units, s.rooms] for s in shapes]


class _Shape:
    __slots__ = ("floors", "rooms", "tall", "units")

    def __init__(self, floors: int, units: int, rooms: int, tall: bool = False) -> None:
        self.floors, self.units, self.rooms, self.tall = floors, units, rooms, tall

    @property
    def size(self) -> int:
        return self.floors * self.units * self.rooms

    def _next(self, delta: int) -> tuple[int, int, int] | None:
        f, u, r = self.floors, self.units, self.rooms
        if delta < 0:
            if f > (11 if self.tall else MIN_FLOORS):
                return f - 1, u, r
            if r > 2:
                return f, u, r - 1
            if u > 2:
                return f, u - 1, r
            return None
        if f < (MAX_FLOORS if self.tall else 7):
            return f + 1, u, r
        if u < 3:
            return f, u + 1, r
        return None

    def change(self, delta: int) -> int:
        """How many households one step up (+1) or down (-1) adds; 0 when it cannot move."""
        nxt = self._next(delta)
        return 0 if nxt is None else nxt[0] * nxt[1] * nxt[2] - self.size

    def apply(self, delta: int) -> None:
        self.floors, self.units, self.rooms = self._next(delta)


def _area(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.2f}")


def _build_community(ctx: DemoContext, rng: random.Random, cd: CommunityData, names) -> None:
    plan: CommunityPlan = cd.plan
    sub = Region.objects.get(pk=ctx.subdistrict.pk)
    cd.region = sub.create_community(name=plan.name, code=plan.code)
    setup.community_prepare(community_id=cd.region.pk)  # every app's defaults (request categories …)
    for g in range(plan.grids):
        cd.grids.append(cd.region.create_grid(name=f"第{chinese_number(g + 1)}网格", code=f"{plan.code}-G{g + 1:02d}"))

    compounds = []
    for _ in range(plan.compounds):
        compounds.append(
            Compound(
                community=cd.region,
                name=next(names),
                address=f"{rng.choice(catalog.ROADS)}{rng.randrange(1, 300)}号",
                property_company=rng.choice(catalog.PROPERTY_COMPANIES),
            )
        )
    cd.compounds = Compound.objects.bulk_create(compounds, batch_size=BATCH)

    per_compound = _split(rng, plan.buildings, plan.compounds)
    shapes = _shapes(rng, plan.buildings, plan.households)
    for c, n in enumerate(per_compound):
        cd.building_compound.extend([c] * n)
    # Grids are governance partitions cut across the compounds in building order,
    # so a compound may straddle two grids (they need not nest).
    sizes = [f * u * r for f, u, r in shapes]
    total = sum(sizes)
    done = 0
    for size in sizes:
        grid = min(plan.grids - 1, int((done + size / 2) * plan.grids / total))
        cd.building_grid.append(grid)
        done += size
    if len(set(cd.building_grid)) < plan.grids:  # tiny runs: spread buildings evenly instead
        cd.building_grid = [b * plan.grids // plan.buildings for b in range(plan.buildings)]

    buildings = []
    number_in_compound = [0] * plan.compounds
    for b in range(plan.buildings):
        c = cd.building_compound[b]
        number_in_compound[c] += 1
        compound = cd.compounds[c]
        buildings.append(
            Building(
                community=cd.region,
                grid=cd.grids[cd.building_grid[b]],
                compound=compound,
                name=f"{number_in_compound[c]}栋",
                floors=shapes[b][0],
                address=f"{compound.address}{compound.name}{number_in_compound[c]}栋",
            )
        )
    cd.buildings = Building.objects.bulk_create(buildings, batch_size=BATCH)

    units = []
    for b, (_floors, n_units, _rooms) in enumerate(shapes):
        cd.building_units.append([])
        for u in range(n_units):
            cd.building_units[b].append(len(units))
            cd.unit_building.append(b)
            units.append(Unit(building=cd.buildings[b], number=str(u + 1)))
    cd.units = Unit.objects.bulk_create(units, batch_size=BATCH)

    shop_buildings = set(rng.sample(range(plan.buildings), min(plan.shop_buildings, plan.buildings)))
    households = []
    for b, (floors, _n_units, rooms) in enumerate(shapes):
        building = cd.buildings[b]
        # Flats in the same stack share a floor plan: end flats are larger.
        if rooms == 2:
            plans = [_area(rng, 75, 140), _area(rng, 60, 125)]
        else:
            plans = [_area(rng, 80, 140)] + [_area(rng, 45, 95) for _ in range(rooms - 2)] + [_area(rng, 70, 130)]
        for u in cd.building_units[b]:
            for floor in range(1, floors + 1):
                for pos in range(1, rooms + 1):
                    shop = b in shop_buildings and floor == 1
                    if shop:
                        area, use = _area(rng, 45, 160), Household.Use.SHOP
                        vacant = rng.random() < SHOP_VACANT_RATE
                    else:
                        area, use = plans[pos - 1], Household.Use.DWELLING
                        vacant = rng.random() < VACANT_RATE
                    cd.hh_building.append(b)
                    cd.hh_unit.append(u)
                    households.append(
                        Household(
                            community=cd.region,
                            grid=building.grid,
                            compound=building.compound,
                            building=building,
                            unit=cd.units[u],
                            room=f"{floor}{pos:02d}",
                            floor=floor,
                            area=area,
                            use=use,
                            occupancy=Household.Occupancy.VACANT if vacant else Household.Occupancy.OCCUPIED,
                        )
                    )
    cd.households = Household.objects.bulk_create(households, batch_size=BATCH)
