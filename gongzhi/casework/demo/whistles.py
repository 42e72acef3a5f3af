"""社区吹哨、部门报到 on a simulated request."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..actions import lifecycle as lc
from ..models import CaseEvent, Tier, Whistle
from .history import Plan, Sim, step
from .sweep import sweep_until

K = CaseEvent.Kind


def whistle(world, sim: Sim, t: datetime, plan: Plan) -> bool:
    case, rng = sim.case, world.rng
    key = plan.whistle
    if key == "property":
        key = ("property", case.compound_id) if case.compound_id else ("housing", None)
    else:
        key = (key, None)
    dept, members = world.departments[key]
    if not members:
        return True
    who = rng.choice(world.staff)
    old_tier = case.tier
    reason = f"需要{dept.name}到场协调处理：{case.title}"
    ack_due = step(sim, K.WHISTLED, t, who, lambda c: lc.mark_whistled(c, department=dept, now=t), note=reason,
                   notify=members)
    sim.events[-1].data = {"department": dept.pk, "whistle": ("whistle",), "ack_due_at": ack_due.isoformat(),
                           "from_tier": old_tier}
    sim.whistle = {"department": dept, "whistled_by": who, "whistled_at": t, "ack_due_at": ack_due,
                   "reason": reason, "status": Whistle.Status.PENDING}
    ack = plan.ack_after
    if ack is None:
        sweep_until(world, sim, world.now)
        return False
    hours = float(dept.ack_hours)
    ack_h = hours * (rng.uniform(1.1, 4) if ack == "late" else max(0.05, float(ack)) * 0.95)
    t_ack = t + timedelta(hours=ack_h)
    if not sweep_until(world, sim, t_ack):
        return False
    member = rng.choice(members)
    note = rng.choice(("收到，马上安排人员到场。", "已报到，今天下午到现场。", "收到，已派专人跟进。"))
    sim.whistle.update(status=Whistle.Status.ACKNOWLEDGED, acknowledged_at=t_ack, acknowledged_by=member,
                       response=note)
    step(sim, K.DEPARTMENT_ACK, t_ack, member, lambda c: lc.mark_acknowledged(c, handler=world.user(member)),
         note=note, data={"whistle": ("whistle",), "on_time": t_ack <= ack_due},
         notify=world.handlers_at(case, Tier.COMMUNITY))
    return True
