"""督办: the periodic sweep over deadlines. Safe to run often and from several workers.

Each rule moves a case forward exactly once (guarded by ``escalation_level``,
``last_reminded_at`` or the whistle status, re-checked under a row lock), so a
second run in the same minute changes nothing.

1. Not responded by the response deadline, still waiting at building or grid
   tier → escalated one tier up (system event), new tier notified and given a
   fresh response window.
2. Open past the resolution deadline → flagged overdue once (escalation level
   raised), the handler and the community staff notified (督办).
3. Open with less than a quarter of the resolution time left (or a day,
   whichever is shorter), not reminded in the last 12 hours → reminder.
4. A whistle not acknowledged in time → marked overdue, community staff notified.
5. Rated cases are closed after 3 days; resolved/verified cases the resident
   never rated are closed after 7 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Case, CaseEvent, Tier, Whistle
from .common import record, tier_handlers
from .lifecycle import close_case

S = Case.Status
K = CaseEvent.Kind
CLOSE_RATED_AFTER = timedelta(days=3)
CLOSE_UNRATED_AFTER = timedelta(days=7)
REMIND_EVERY = timedelta(hours=12)
BATCH = 500


@dataclass
class SweepReport:
    escalated: int = 0
    overdue: int = 0
    reminded: int = 0
    whistles_overdue: int = 0
    closed: int = 0


def _locked(qs):
    """Lock rows for this transaction; skip rows another worker holds (PostgreSQL)."""
    from django.db import connection

    # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins the callers add.
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs.select_for_update(of=("self",))


def sweep_deadlines(*, now=None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    report.escalated = _escalate_unanswered(now)
    report.overdue = _flag_overdue(now)
    report.reminded = _remind(now)
    report.whistles_overdue = _whistles(now)
    report.closed = _auto_close(now)
    return report


def _ids(qs) -> list[int]:
    return list(qs.order_by("pk").values_list("pk", flat=True)[:BATCH])


def _escalate_unanswered(now) -> int:
    done = 0
    for pk in _ids(Case.objects.filter(status=S.SUBMITTED, tier__in=[Tier.BUILDING, Tier.GRID],
                                       response_due_at__lt=now, responded_at__isnull=True)):
        with transaction.atomic():
            case = _locked(Case.objects.filter(pk=pk)).select_related("household", "department", "category").first()
            if case is None or case.status != S.SUBMITTED or case.responded_at or case.response_due_at >= now:
                continue
            old = case.tier
            new = Tier.GRID if old == Tier.BUILDING and case.grid_id else Tier.COMMUNITY
            case.tier, case.handler = new, None
            case.escalation_level += 1
            # The new tier gets a fresh response window of its own.
            hours = case.category.urgent_response_hours if case.urgency == "urgent" else case.category.response_hours
            case.response_due_at = now + timedelta(hours=float(hours))
            case.save()
            record(case, actor=None, kind=K.ESCALATED, from_status=case.status,
                   note=_("超过响应时限未受理，系统自动上报至%(tier)s。") % {"tier": Tier(new).label},
                   data={"from_tier": old, "to_tier": new, "automatic": True},
                   notify_users=tier_handlers(case), audit_changes={"tier": [old, new]})
            done += 1
    return done


def _flag_overdue(now) -> int:
    done = 0
    for pk in _ids(Case.objects.filter(status__in=Case.OPEN_STATUSES, resolution_due_at__lt=now,
                                       overdue_flagged_at__isnull=True)):
        with transaction.atomic():
            case = _locked(Case.objects.filter(pk=pk)).select_related("household", "department").first()
            if case is None or case.status not in Case.OPEN_STATUSES or case.overdue_flagged_at:
                continue
            case.escalation_level += 1
            case.overdue_flagged_at = now
            case.save(update_fields=["escalation_level", "overdue_flagged_at", "updated_at"])
            users = set(tier_handlers(case, Tier.COMMUNITY))
            if case.handler_id:
                users.add(case.handler_id)
            else:
                users |= set(tier_handlers(case))
            record(case, actor=None, kind=K.OVERDUE, from_status=case.status, public=False,
                   note=_("已超过办结时限（%(due)s），请尽快办理。") % {"due": timezone.localtime(case.resolution_due_at)
                                                              .strftime("%Y-%m-%d %H:%M")},
                   notify_users=users, notify_reporters=False)
            done += 1
    return done


def _remind(now) -> int:
    done = 0
    candidates = Case.objects.filter(status__in=Case.OPEN_STATUSES, resolution_due_at__gte=now,
                                     resolution_due_at__lte=now + timedelta(days=1))
    for pk in _ids(candidates.exclude(last_reminded_at__gte=now - REMIND_EVERY)):
        with transaction.atomic():
            case = _locked(Case.objects.filter(pk=pk)).select_related("household", "department").first()
            if case is None or case.status not in Case.OPEN_STATUSES:
                continue
            if case.last_reminded_at and case.last_reminded_at >= now - REMIND_EVERY:
                continue
            total = case.resolution_due_at - case.created_at
            left = case.resolution_due_at - now
            if left > min(total / 4, timedelta(days=1)):
                continue
            case.last_reminded_at = now
            case.save(update_fields=["last_reminded_at", "updated_at"])
            users = [case.handler_id] if case.handler_id else tier_handlers(case)
            hours = max(0, int(left.total_seconds() // 3600))
            record(case, actor=None, kind=K.REMINDED, from_status=case.status, public=False,
                   note=_("距办结时限还有约 %(h)d 小时。") % {"h": hours}, notify_users=users, notify_reporters=False)
            done += 1
    return done


def _whistles(now) -> int:
    done = 0
    for pk in list(Whistle.objects.filter(status=Whistle.Status.PENDING, ack_due_at__lt=now)
                   .order_by("pk").values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            whistle = _locked(Whistle.objects.filter(pk=pk)).select_related("department").first()
            if whistle is None or whistle.status != Whistle.Status.PENDING:
                continue
            whistle.status = Whistle.Status.OVERDUE
            whistle.save(update_fields=["status"])
            case = Case.objects.select_related("household", "department").get(pk=whistle.case_id)
            record(case, actor=None, kind=K.OVERDUE, from_status=case.status, public=False,
                   note=_("%(dept)s 未在时限内报到。") % {"dept": whistle.department.name},
                   data={"whistle": whistle.pk}, notify_users=tier_handlers(case, Tier.COMMUNITY),
                   notify_reporters=False)
            done += 1
    return done


def _auto_close(now) -> int:
    done = 0
    rated = Case.objects.filter(status=S.RATED, rated_at__lt=now - CLOSE_RATED_AFTER)
    unrated = Case.objects.filter(status__in=[S.RESOLVED, S.VERIFIED], resolved_at__lt=now - CLOSE_UNRATED_AFTER)
    for pk in _ids(rated) + _ids(unrated):
        with transaction.atomic():
            case = _locked(Case.objects.filter(pk=pk)).first()
            if case is None or case.status not in (S.RATED, S.RESOLVED, S.VERIFIED):
                continue
            note = _("评价后自动关闭。") if case.status == S.RATED else _("办结 7 天未评价，自动关闭。")
            close_case(case, actor=None, note=note)
            done += 1
    return done
