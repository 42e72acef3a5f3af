"""Writing the simulated year: bulk inserts in dependency order with the historical timestamps,
and the in-app messages of the last two weeks."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from gongzhi.core.notifications.models import Notification

from ..models import (
    Case,
    CaseEvent,
    CategoryCorrection,
    Channel,
    Mediation,
    MediationParty,
    MediationSession,
    Whistle,
)
from .catalog import NOTIFY_DAYS
from .history import Sim

BATCH = 500
K = CaseEvent.Kind


@contextmanager
def explicit_timestamps():
    """Let bulk inserts keep the historical times given (auto_now/auto_now_add would write now)."""
    fields = [
        Case._meta.get_field("created_at"), Case._meta.get_field("updated_at"),
        CaseEvent._meta.get_field("created_at"), Whistle._meta.get_field("whistled_at"),
        Notification._meta.get_field("created_at"), Mediation._meta.get_field("opened_at"),
        CategoryCorrection._meta.get_field("created_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def insert(sims: list[Sim], now: datetime) -> None:
    with explicit_timestamps():
        # Cases: duplicates after their targets so merged_into points at a saved row.
        first = [s for s in sims if s.merged_into is None]
        Case.objects.bulk_create([s.case for s in first], batch_size=BATCH)
        for s in sims:
            if s.merged_into is not None:
                s.case.merged_into = s.merged_into.case
        Case.objects.bulk_create([s.case for s in sims if s.merged_into is not None], batch_size=BATCH)
        whistles = []
        for s in sims:
            if s.whistle:
                w = s.whistle
                s.whistle_row = Whistle(case=s.case, department=w["department"], reason=w["reason"],
                                        whistled_by_id=w["whistled_by"], whistled_at=w["whistled_at"],
                                        ack_due_at=w["ack_due_at"], status=w["status"],
                                        acknowledged_at=w.get("acknowledged_at"),
                                        acknowledged_by_id=w.get("acknowledged_by"), response=w.get("response", ""))
                whistles.append(s.whistle_row)
        Whistle.objects.bulk_create(whistles, batch_size=BATCH)
        mediations = []
        for s in sims:
            if s.mediation:
                m = s.mediation
                s.mediation_row = Mediation(case=s.case, community_id=s.case.community_id, mediator_id=m["mediator"],
                                            opened_by_id=m["opened_by"], opened_at=m["opened_at"],
                                            status=m["status"], agreement_terms=m.get("terms", ""),
                                            outcome_note=m.get("note", ""), closed_at=m.get("closed_at"))
                mediations.append(s.mediation_row)
        Mediation.objects.bulk_create(mediations, batch_size=BATCH)
        parties, sessions = [], []
        for s in sims:
            if s.mediation:
                for side, name, resident, phone in s.mediation["parties"]:
                    parties.append(MediationParty(mediation=s.mediation_row, side=side, name=name[:50],
                                                  resident=resident, phone=phone or ""))
                for item in s.mediation["sessions"]:
                    sessions.append(MediationSession(mediation=s.mediation_row, held_at=item["held_at"],
                                                     place=item["place"], attendees=item["attendees"],
                                                     notes=item["notes"], recorded_by_id=item["recorded_by"]))
        MediationParty.objects.bulk_create(parties, batch_size=BATCH)
        MediationSession.objects.bulk_create(sessions, batch_size=BATCH)

        def resolve(value):
            if isinstance(value, tuple) and value[0] == "case":
                return value[1].case.pk
            return value

        events, owners = [], []
        for s in sims:
            for e in s.events:
                data = {}
                for k, v in e.data.items():
                    if v == ("whistle",):
                        v = s.whistle_row.pk
                    elif v == ("mediation",):
                        v = s.mediation_row.pk
                    data[k] = resolve(v)
                note = e.note.replace("#{dup}", f"#{data.get('duplicate')}") if "#{dup}" in e.note else e.note
                events.append(CaseEvent(case=s.case, kind=e.kind, created_at=e.at, actor_id=e.actor_id,
                                        from_status=e.from_status, to_status=e.to_status, tier=e.tier, note=note,
                                        data=data, public=e.public))
                owners.append((s, e))
        CaseEvent.objects.bulk_create(events, batch_size=BATCH)
        CategoryCorrection.objects.bulk_create(
            [_with_case(s.correction, s.case) for s in sims if s.correction is not None], batch_size=BATCH)
        _notifications(events, owners, now)


def _with_case(correction: CategoryCorrection, case: Case) -> CategoryCorrection:
    correction.case = case
    return correction


def _notifications(events: list[CaseEvent], owners: list, now: datetime) -> None:
    """The in-app messages record() would have sent for the last two weeks' events."""
    since = now - timedelta(days=NOTIFY_DAYS)
    rows = []
    for event, (sim, ev) in zip(events, owners):
        if ev.at < since:
            continue
        recipients = set(ev.notify)
        if ev.public and ev.kind != K.SUBMITTED or ev.kind == K.SUBMITTED and sim.case.channel != Channel.RESIDENT:
            recipients |= {r for r in sim.reporter_ids if r}
        recipients.discard(ev.actor_id)
        recipients.discard(None)
        label = K(ev.kind).label
        for uid in sorted(recipients):
            rows.append(Notification(
                user_id=uid, source="casework", kind=f"case.{ev.kind}", subject=sim.case.title[:200],
                dedupe_key=f"casework.event:{event.pk}", title=f"诉求 #{sim.case.pk}：{label}",
                body=event.note[:500], url=f"/cases/{sim.case.pk}/", created_at=ev.at,
                read_at=ev.at + timedelta(hours=2) if ev.at < now - timedelta(days=2) else None,
            ))
    Notification.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
