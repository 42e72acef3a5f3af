"""What happens to a request after intake, step by step in time order, as the actions record it:
response (accept, dispatch, correction of the category), escalation, whistle, work, mediation,
resolution, reopening, verification and rating — with the sweep replayed between the steps."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..actions import lifecycle as lc
from ..models import CaseEvent, CategoryCorrection, Tier
from .catalog import (
    BAD_COMMENTS,
    DEPARTMENT_FOR,
    GOOD_COMMENTS,
    PROGRESS_NOTES,
    REJECT_REASONS,
    REOPEN_REASONS,
    RESULTS,
    WHISTLE_RATE,
)
from .history import Plan, Sim, step
from .mediation import mediate
from .sweep import sweep_until
from .texts import search_text
from .whistles import whistle

K = CaseEvent.Kind


def simulate(world, sim: Sim, plan: Plan) -> None:
    rng, case = world.rng, sim.case
    t0 = case.created_at
    resp_window = (case.response_due_at - t0).total_seconds() / 3600
    res_window = (case.resolution_due_at - t0).total_seconds() / 3600
    respond = plan.respond
    if respond == "on_time":
        respond = resp_window * rng.uniform(0.03, 0.85)
    elif respond == "late":
        respond = resp_window * rng.uniform(1.05, 2.2)
    resolve = plan.resolve
    if resolve == "on_time":
        resolve = max(respond or 0, 0) + (res_window - (respond or 0)) * rng.uniform(0.1, 0.95)
    elif resolve == "late":
        resolve = res_window * rng.uniform(1.05, 2.5)
    if respond is None:
        sweep_until(world, sim, world.now)
        return
    t = t0 + timedelta(hours=respond)
    if not sweep_until(world, sim, t):
        return
    # Staff correct a wrong suggestion when they first look at the request.
    initial = sim.initial_category

    if plan.reject:
        who = rng.choice(world.staff)
        step(sim, K.REJECTED, t, who, lambda c: lc.mark_rejected(c, now=t), note=rng.choice(REJECT_REASONS))
        sweep_until(world, sim, world.now)
        return
    if initial is not None:
        who = world.handler_for(case)
        final = world.categories[sim.true_code]
        step(sim, K.CATEGORY_CHANGED, t, who, lambda c: lc.mark_recategorised(c, category=final), public=False,
             note=f"类别由“{initial.name}”调整为“{final.name}”",
             search_text=search_text(case.description, case.address, final.name))
        sim.correction = CategoryCorrection(text=case.description, suggested_code=initial.code,
                                            corrected_code=final.code, corrected_by_id=who,
                                            created_at=sim.events[-1].at)
    respond_to(world, sim, t, plan.dispatch)
    if plan.escalate and case.tier in (Tier.BUILDING, Tier.GRID):
        t = t + timedelta(hours=rng.uniform(0.5, 12))
        if not sweep_until(world, sim, t):
            return
        old, new = case.tier, lc.next_tier(case)
        step(sim, K.ESCALATED, t, case.handler_id, lambda c: lc.mark_escalated(c, tier=new, now=t),
             note="楼栋层面解决不了，需要网格协调。" if old == Tier.BUILDING else "涉及多个小区，需要社区统筹。",
             data={"from_tier": old, "to_tier": new}, notify=world.handlers_at(case, new))
        t = t + timedelta(hours=rng.uniform(0.5, 8))
        if not sweep_until(world, sim, t):
            return
        respond_to(world, sim, t, dispatch=False)
    if plan.whistle is None:
        dept_keys = DEPARTMENT_FOR.get(case.category.code)
        if dept_keys and rng.random() < WHISTLE_RATE.get(case.category.code, 0):
            plan.whistle = rng.choice(dept_keys)
    if plan.whistle:
        t = t + timedelta(hours=plan.whistle_after)
        if not sweep_until(world, sim, t):
            return
        if not whistle(world, sim, t, plan):
            return
        t = sim.last_at()
    if plan.start and case.status in lc.STARTABLE:
        t = t + timedelta(hours=rng.uniform(0.2, 10))
        if not sweep_until(world, sim, t):
            return
        who = case.handler_id
        step(sim, K.STARTED, t, who, lambda c: lc.mark_started(c, handler=world.user(who), now=t))
    if plan.progress:
        t = t + timedelta(hours=rng.uniform(1, 24))
        if not sweep_until(world, sim, t):
            return
        step(sim, K.PROGRESS, t, case.handler_id, note=rng.choice(PROGRESS_NOTES))
    if plan.mediation is None and case.category.code == "neighbour_dispute" and rng.random() < 0.45:
        plan.mediation = rng.choices(["agreed", "not_agreed", "withdrawn"], weights=[75, 20, 5])[0]
    if plan.mediation:
        end = mediate(world, sim, t, plan.mediation)
        if end is None:
            sweep_until(world, sim, world.now)
            return
        t = end
        if resolve is not None:
            resolve = max(resolve, (t - t0).total_seconds() / 3600 + 0.05)
    if resolve is None:
        sweep_until(world, sim, world.now)
        return
    t_res = max(t0 + timedelta(hours=resolve), sim.last_at() + timedelta(minutes=rng.randrange(5, 90)))
    if not sweep_until(world, sim, t_res):
        return
    resolved_late = resolve_at(world, sim, t_res)
    if resolved_late is None:
        sweep_until(world, sim, world.now)
        return
    if plan.reopen and case.reporter_id:
        t = t_res + timedelta(hours=rng.uniform(3, 48))
        if not sweep_until(world, sim, t) or case.status not in lc.REOPENABLE:
            sweep_until(world, sim, world.now)
            return
        step(sim, K.REOPENED, t, case.reporter_id, lc.mark_reopened, note=rng.choice(REOPEN_REASONS),
             notify=[case.handler_id] if case.handler_id else world.handlers_at(case))
        t_res = t + timedelta(hours=rng.uniform(4, 96))
        if not sweep_until(world, sim, t_res):
            return
        resolved_late = resolve_at(world, sim, t_res)
    t = t_res
    if plan.verify and case.status in lc.VERIFIABLE:
        t = t + timedelta(hours=rng.uniform(1, 36))
        if not sweep_until(world, sim, t):
            return
        verifier = case.reporter_id if plan.verify == "reporter" and case.reporter_id else \
            rng.choice(world.grid_people.get(case.grid_id) or world.staff)
        step(sim, K.VERIFIED, t, verifier, lambda c: lc.mark_verified(c, now=t),
             notify=[case.handler_id] if case.handler_id else [])
    if plan.rate is not None and case.reporter_id:
        t = t + timedelta(hours=plan.rate_after)
        if not sweep_until(world, sim, t) or case.status not in lc.RATEABLE:
            sweep_until(world, sim, world.now)
            return
        value = plan.rate if plan.rate > 0 else draw_rating(world.rng, resolved_late)
        comment = rng.choice(GOOD_COMMENTS if value >= 4 else BAD_COMMENTS) if rng.random() < 0.5 else ""
        step(sim, K.RATED, t, case.reporter_id, lambda c: lc.mark_rated(c, rating=value, comment=comment, now=t),
             note=comment, data={"rating": value}, notify=[case.handler_id] if case.handler_id else [])
    sweep_until(world, sim, world.now)


def draw_rating(rng, late: bool) -> int:
    weights = [3, 3, 6, 26, 62] if not late else [10, 10, 15, 30, 35]
    return rng.choices([1, 2, 3, 4, 5], weights=weights)[0]


def respond_to(world, sim: Sim, t: datetime, dispatch: bool) -> None:
    case, rng = sim.case, world.rng
    if dispatch and case.tier == Tier.GRID and world.grid_heads.get(case.grid_id):
        boss = rng.choice(world.grid_heads[case.grid_id])
        worker = rng.choice(world.grid_workers.get(case.grid_id) or [boss])
        step(sim, K.DISPATCHED, t, boss, lambda c: lc.mark_dispatched(c, handler=world.user(worker), now=t),
             data={"handler": worker}, note="请尽快上门查看。", notify=[worker])
    elif dispatch and case.tier == Tier.COMMUNITY:
        boss = rng.choice(world.secretary or world.staff)
        worker = world.handler_for(case)
        step(sim, K.DISPATCHED, t, boss, lambda c: lc.mark_dispatched(c, handler=world.user(worker), now=t),
             data={"handler": worker}, note="请跟进处理。", notify=[worker])
    else:
        who = world.handler_for(case)
        step(sim, K.ACCEPTED, t, who, lambda c: lc.mark_accepted(c, handler=world.user(who), now=t))


def resolve_at(world, sim: Sim, t: datetime) -> bool | None:
    """办结; True when late, None when it cannot happen (a department that never reported)."""
    case, rng = sim.case, world.rng
    if case.status not in lc.RESOLVABLE:
        return None
    if case.tier == Tier.DEPARTMENT and case.handler_id is None:
        return None
    result = getattr(case, "resolution_override", None) or rng.choice(RESULTS[case.category.code])
    who = getattr(case, "handler_override", None) or case.handler_id or world.handler_for(case)
    on_time = step(sim, K.RESOLVED, t, who, lambda c: lc.mark_resolved(c, result=result, handler=world.user(who),
                                                                         now=t), note=result)
    sim.events[-1].data = {"on_time": on_time}
    return not on_time
