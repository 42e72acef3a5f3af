"""A simulated request: the case row kept in memory, its events in time order, and the plan of
what happens to it. ``step`` appends one event the way ``actions.common.record`` writes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..models import Case, CategoryCorrection, Mediation, Whistle

S = Case.Status


@dataclass
class Ev:
    kind: str
    at: datetime
    actor_id: int | None
    from_status: str
    to_status: str
    tier: str
    note: str = ""
    data: dict = field(default_factory=dict)
    public: bool = True
    notify: list = field(default_factory=list)  # user ids the event's notification goes to


@dataclass
class Sim:
    case: Case
    true_code: str
    reporter_ids: set = field(default_factory=set)
    events: list = field(default_factory=list)
    whistle: dict | None = None
    correction: CategoryCorrection | None = None
    mediation: dict | None = None
    merged_into: Sim | None = None
    initial_category: object | None = None  # the classifier's suggestion, corrected by staff
    whistle_row: Whistle | None = None
    mediation_row: Mediation | None = None

    def last_at(self) -> datetime:
        return self.events[-1].at if self.events else self.case.created_at

    def status_at(self, moment: datetime) -> str:
        status = S.SUBMITTED
        for e in self.events:
            if e.at > moment:
                break
            status = e.to_status
        return status


@dataclass
class Plan:
    """What happens to a request, in hours after submission (None: it doesn't happen)."""

    reject: bool = False
    respond: float | str | None = 2  # hours, "on_time" or "late" (drawn against the deadline)
    dispatch: bool = False
    escalate: bool = False
    whistle: str | None = None  # department key
    whistle_after: float = 6
    ack_after: float | str | None = 1  # share of the department's time to report, "late", or None
    start: bool = False
    progress: bool = False
    mediation: str | None = None  # outcome: agreed / not_agreed / withdrawn / open
    resolve: float | str | None = 24
    reopen: bool = False
    verify: str | None = None  # "reporter" | "grid"
    rate: int | None = None
    rate_after: float = 24


def step(sim: Sim, kind: str, at: datetime, actor_id, change=None, *, note: str = "", data: dict | None = None,
         public: bool = True, notify=(), **fields):
    """Record one step at ``at``: ``change(case)`` (a transition of ``actions.lifecycle``) and the
    sweep's bookkeeping ``fields`` are applied, and the event says from which status to which, at
    which tier. Returns what ``change`` returned."""
    case = sim.case
    from_status = case.status
    result = change(case) if change is not None else None
    for name, value in fields.items():
        setattr(case, name, value)
    case.updated_at = at
    sim.events.append(Ev(kind, at, actor_id, from_status, case.status, case.tier, note, data or {}, public,
                         [u for u in notify if u]))
    return result
