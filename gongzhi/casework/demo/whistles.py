"""社区吹哨、部门报到 on a simulated request."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..models import Case, CaseEvent, Tier, Whistle
from .history import Plan, Sim, step
from .sweep import sweep_until

S = Case.Status
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
    ack_due = t + timedelta(hours=float(dept.ack_hours))
    old_tier = case.tier
    sim.whistle = {"department": dept, "whistled_by": who, "whistled_at": t, "ack_due_at": ack_due,
                   "reason": f"需要{dept.name}到场协调处理：{case.title}", "status": Whistle.Status.PENDING}
    step(sim, K.WHISTLED, t, who, note=sim.whistle["reason"],
              data={"department": dept.pk, "whistle": ("whistle",), "ack_due_at": ack_due.isoformat(),
                    "from_tier": old_tier}, notify=members,
              tier=Tier.DEPARTMENT, department_id=dept.pk, handler_id=None, status=S.DISPATCHED,
              responded_at=case.responded_at or t)
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
    status = S.IN_PROGRESS if case.status in (S.SUBMITTED, S.ACCEPTED, S.DISPATCHED) else case.status
    step(sim, K.DEPARTMENT_ACK, t_ack, member, note=note,
              data={"whistle": ("whistle",), "on_time": t_ack <= ack_due}, notify=world.staff,
              status=status, handler_id=member)
    return True
