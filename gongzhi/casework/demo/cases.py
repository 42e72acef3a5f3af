"""Intake of one simulated request: its place, reporter, text, the classifier's suggestion, the
category, and — from ``actions.intake`` itself — the deadlines and the starting tier with the
people it notifies."""

from __future__ import annotations

import uuid
from datetime import datetime

from ..actions.intake import Place, deadlines, starting_tier
from ..models import Case, CaseEvent, Channel, Urgency
from .catalog import CATEGORY_MIX, CHANNEL_MIX, PLACE_MIX, PUBLIC_PLACES, WRONG_SUGGESTION_RATE
from .history import Ev, Sim
from .texts import localise, means_building, search_text

S = Case.Status
K = CaseEvent.Kind


def new_case(world, moment: datetime, *, code: str | None = None, hh: int | None = None, person=None,
             channel: str | None = None, where: str | None = None) -> Sim:
    cd, rng = world.cd, world.rng
    code = code or rng.choices(list(CATEGORY_MIX), weights=list(CATEGORY_MIX.values()))[0]
    channel = channel or rng.choices(list(CHANNEL_MIX), weights=list(CHANNEL_MIX.values()))[0]
    if where is None:
        where = rng.choices(("household", "building", "community"), weights=PLACE_MIX[code])[0]
    if channel == Channel.PATROL and where == "household":
        where = "building"
    if channel == Channel.RESIDENT and person is None:
        if not world.app_users:
            channel = Channel.PHONE
        else:
            hh, person = rng.choice(world.app_users)
    if hh is None:
        hh = rng.choice(world.homes) if world.homes else None
    if person is None and channel != Channel.PATROL and hh is not None:
        person = rng.choice(world.adults.get(hh) or cd.living.get(hh) or [None])
    building = compound = household = None
    if hh is not None and where != "community":
        building = cd.buildings[cd.hh_building[hh]]
        compound = cd.compounds[cd.building_compound[cd.hh_building[hh]]]
        if where == "household":
            household = cd.households[hh]
    text = rng.choice(world.corpus[code])
    if building is None and hh is not None and means_building(text):
        # "4栋门口的垃圾桶满了" is about a building: residents pick it in the building list, staff set it
        # (issue #8). Only what is truly nowhere near one (a road, the square) stays unlocated.
        building = cd.buildings[cd.hh_building[hh]]
        compound = cd.compounds[cd.building_compound[cd.hh_building[hh]]]
    address = ""
    if household is not None:
        unit = cd.units[cd.hh_unit[hh]]
        address = f"{compound.name}{building.name}{unit.number}单元{household.room}"
        text = localise(text, building.name, unit.number, household.room)
    elif building is not None:
        address = f"{compound.name}{building.name}"
        text = localise(text, building.name, None, None)
    else:
        address = f"{rng.choice(cd.compounds).name}{rng.choice(PUBLIC_PLACES)}"
    urgent = rng.random() < (0.25 if code == "safety_hazard" else 0.05)
    # Intake: the classifier suggests; residents get the suggestion, staff choose the category.
    predictions = world.classifier.predict(text, k=3)
    suggested_code, confidence = (predictions[0] if predictions else (None, None))
    if channel == Channel.RESIDENT and len(predictions) > 1 and rng.random() < WRONG_SUGGESTION_RATE:
        suggested_code, confidence = predictions[1]
    suggested = world.categories.get(suggested_code)
    initial = suggested if channel == Channel.RESIDENT and suggested is not None else world.categories[code]
    final = world.categories[code]
    reporter_user = None
    if person is not None and getattr(person, "user", None) is not None and person.user.pk:
        reporter_user = person.user.pk
    staff_id = None
    if channel in (Channel.WALK_IN, Channel.PHONE):
        staff_id = rng.choice(world.staff)
    elif channel == Channel.NPC_STATION:
        staff_id = rng.choice(world.npc)
    elif channel == Channel.PATROL:
        grid_id = building.grid_id if building is not None else None
        staff_id = rng.choice(world.grid_workers.get(grid_id) or world.staff)
        reporter_user, person = None, None
    created_by = reporter_user if channel == Channel.RESIDENT else staff_id
    urgency = Urgency.URGENT if urgent else Urgency.NORMAL
    # Intake files it under the suggestion (residents) or the staff's choice; the deadlines and the
    # starting tier come from that category, as case_submit computes them.
    response_due, resolution_due = deadlines(initial, urgency, moment)
    place = Place(community=cd.region, grid_id=building.grid_id if building is not None else None,
                  compound_id=building.compound_id if building is not None else None, building=building,
                  household=household)
    tier, handlers = starting_tier(initial, place)
    case = Case(
        community=cd.region,
        grid_id=place.grid_id,
        compound_id=place.compound_id,
        building=building,
        household=household,
        address=address,
        channel=channel,
        reporter_id=reporter_user,
        reporter_resident=person.resident if person is not None else None,
        reporter_name=person.name if person is not None else "",
        reporter_phone=person.phone if person is not None else "",
        created_by_id=created_by,
        category=initial,
        suggested_category=suggested,
        suggestion_confidence=confidence,
        urgency=urgency,
        description=text,
        search_text=search_text(text, address, initial.name),
        status=S.SUBMITTED,
        tier=tier,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        created_at=moment,
        updated_at=moment,
        token=uuid.UUID(int=rng.getrandbits(128), version=4),
    )
    sim = Sim(case=case, true_code=code)
    if reporter_user:
        sim.reporter_ids.add(reporter_user)
    sim.events.append(Ev(K.SUBMITTED, moment, created_by, "", S.SUBMITTED, case.tier, text[:500], {
        "channel": channel, "category": initial.code, "suggested": suggested_code, "confidence": confidence}))
    sim.events[-1].notify = handlers
    if initial.pk != final.pk:
        sim.initial_category = initial
    world.sims.append(sim)
    return sim
