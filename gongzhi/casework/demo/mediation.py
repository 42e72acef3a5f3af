"""矛盾纠纷调解 of a neighbour dispute: parties, sessions and the outcome on the request's timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

from gongzhi.accounts.models import User

from ..models import CaseEvent
from .catalog import MEDIATION_TERMS
from .history import Sim, step
from .sweep import sweep_until

K = CaseEvent.Kind


def mediate(world, sim: Sim, t: datetime, outcome: str) -> datetime | None:
    """矛盾纠纷调解 as mediation_open / add_party / add_session / close would record it."""
    case, rng, cd = sim.case, world.rng, world.cd
    opened = t + timedelta(hours=rng.uniform(2, 48))
    if not sweep_until(world, sim, opened):
        return None
    mediator = rng.choice((world.grid_people.get(case.grid_id) or []) + world.staff)
    names = {uid: name for uid, name in User.objects.filter(pk=mediator).values_list("pk", "name")}
    sim.mediation = {"mediator": mediator, "opened_by": mediator, "opened_at": opened, "status": "open",
                     "parties": [], "sessions": []}
    step(sim, K.PROGRESS, opened, mediator, note=f"已启动矛盾纠纷调解，调解员：{names.get(mediator, '')}。",
              data={"mediation": ("mediation",), "step": "opened"}, notify=[mediator])
    applicant = case.reporter_resident
    sim.mediation["parties"].append(("applicant", case.reporter_name or "申请人", applicant,
                                     case.reporter_phone))
    neighbours = []
    if case.building_id:
        b = world.building_index[case.building_id]
        neighbours = [p for hh in range(len(cd.households)) if cd.hh_building[hh] == b
                      for p in cd.living.get(hh, []) if p.age >= 18 and p.resident is not applicant][:40]
    other = rng.choice(neighbours) if neighbours else None
    sim.mediation["parties"].append(("respondent", other.name if other else "楼上住户",
                                     other.resident if other else None, other.phone if other else ""))
    sessions = rng.randint(1, 3)
    moment = opened
    for i in range(sessions):
        moment = moment + timedelta(hours=rng.uniform(20, 96))
        if moment > world.now:
            return None
        sim.mediation["sessions"].append({
            "held_at": moment, "place": rng.choice(("社区调解室", "楼栋议事点", "网格服务站")),
            "attendees": "双方当事人、网格员、楼栋长", "recorded_by": mediator,
            "notes": ("双方陈述了各自诉求，调解员释法说理。", "双方各退一步，初步达成意向。", "现场查看后再次沟通。")[i % 3],
        })
    if outcome == "open":
        return None
    closed = moment + timedelta(hours=rng.uniform(1, 24))
    if closed > world.now:
        return None
    terms = rng.choice(MEDIATION_TERMS) if outcome == "agreed" else ""
    note = "" if outcome == "agreed" else ("双方分歧较大，已告知可申请人民调解委员会调解或诉讼。" if outcome == "not_agreed"
                                           else "申请人撤回调解申请。")
    sim.mediation.update(status=outcome, closed_at=closed, terms=terms, note=note)
    label = {"agreed": "达成协议", "not_agreed": "未达成协议", "withdrawn": "撤回"}[outcome]
    if not sweep_until(world, sim, closed):
        return None
    step(sim, K.PROGRESS, closed, mediator, note=f"矛盾纠纷调解结案：{label}。" + (f"\n{note}" if note else ""),
              data={"mediation": ("mediation",), "step": "closed", "outcome": outcome}, notify=[mediator])
    if outcome == "agreed":
        sim.case.resolution_override = f"经调解达成协议：{terms}"
        sim.case.handler_override = mediator
    return closed
