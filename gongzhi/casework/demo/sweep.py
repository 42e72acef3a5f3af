"""The deadline sweep (actions/supervision.py), replayed on one simulated request."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from ..actions import lifecycle as lc
from ..actions.intake import deadlines
from ..actions.supervision import CLOSE_RATED_AFTER, CLOSE_UNRATED_AFTER, REMIND_EVERY
from ..models import Case, CaseEvent, Tier, Whistle
from .catalog import SWEEP_LAG
from .history import Sim, step

S = Case.Status
K = CaseEvent.Kind


def sweep_until(world, sim: Sim, until: datetime) -> bool:
    """Apply what the sweep would have done up to ``until``; False when ``until`` is past now."""
    case, rng = sim.case, world.rng
    limit = min(until, world.now)
    while True:
        candidates = []
        lag = timedelta(minutes=rng.uniform(*SWEEP_LAG))
        if case.status == S.SUBMITTED and case.tier in (Tier.BUILDING, Tier.GRID) and case.responded_at is None:
            candidates.append((case.response_due_at + lag, "escalate"))
        if case.status in Case.OPEN_STATUSES:
            if case.overdue_flagged_at is None:
                candidates.append((case.resolution_due_at + lag, "overdue"))
            total = case.resolution_due_at - case.created_at
            remind_at = case.resolution_due_at - min(total / 4, timedelta(days=1))
            if case.last_reminded_at is not None:
                remind_at = max(remind_at, case.last_reminded_at + REMIND_EVERY)
            remind_at += lag
            if remind_at < case.resolution_due_at:
                candidates.append((remind_at, "remind"))
        w = sim.whistle
        if w and w["status"] == Whistle.Status.PENDING:
            candidates.append((w["ack_due_at"] + lag, "whistle"))
        if case.status == S.RATED and case.rated_at:
            candidates.append((case.rated_at + CLOSE_RATED_AFTER + lag, "close_rated"))
        if case.status in (S.RESOLVED, S.VERIFIED) and case.resolved_at:
            candidates.append((case.resolved_at + CLOSE_UNRATED_AFTER + lag, "close_unrated"))
        # A deadline that passed before the last step is noticed by the next run after it.
        candidates = [(max(at, sim.last_at()), what) for at, what in candidates]
        candidates = [c for c in candidates if c[0] <= limit]
        if not candidates:
            break
        at, what = min(candidates)
        if what == "escalate":
            # Not a handler's escalation: the status stays and the new tier gets a fresh response window.
            old, new = case.tier, lc.next_tier(case)
            step(sim, K.ESCALATED, at, None, note=f"超过响应时限未受理，系统自动上报至{Tier(new).label}。",
                 data={"from_tier": old, "to_tier": new, "automatic": True}, notify=world.handlers_at(case, new),
                 tier=new, handler_id=None, escalation_level=case.escalation_level + 1,
                 response_due_at=deadlines(case.category, case.urgency, at)[0])
        elif what == "overdue":
            due = timezone.localtime(case.resolution_due_at).strftime("%Y-%m-%d %H:%M")
            users = set(world.handlers_at(case, Tier.COMMUNITY))
            users |= {case.handler_id} if case.handler_id else set(world.handlers_at(case))
            step(sim, K.OVERDUE, at, None, public=False, note=f"已超过办结时限（{due}），请尽快办理。",
                      notify=sorted(users), escalation_level=case.escalation_level + 1, overdue_flagged_at=at)
        elif what == "remind":
            left = max(0, int((case.resolution_due_at - at).total_seconds() // 3600))
            users = [case.handler_id] if case.handler_id else world.handlers_at(case)
            step(sim, K.REMINDED, at, None, public=False, note=f"距办结时限还有约 {left} 小时。",
                      notify=users, last_reminded_at=at)
        elif what == "whistle":
            w["status"] = Whistle.Status.OVERDUE
            step(sim, K.OVERDUE, at, None, public=False, note=f"{w['department'].name} 未在时限内报到。",
                      data={"whistle": ("whistle",)}, notify=world.handlers_at(case, Tier.COMMUNITY))
        else:
            note = "评价后自动关闭。" if what == "close_rated" else "办结 7 天未评价，自动关闭。"
            step(sim, K.CLOSED, at, None, lambda c: lc.mark_closed(c, now=at), note=note)
    return until <= world.now
