"""Recording a step of a case: the event, its notifications and the audit row, in one place."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError
from gongzhi.core.notifications.actions import notify
from gongzhi.org.models import ROLE_SCOPE, Role, RoleAssignment, ScopeLevel

from .. import error_codes as codes
from ..models import Case, CaseEvent, Tier


def transition_error(case: Case, action_label: str) -> ApplicationError:
    return ApplicationError(
        codes.TRANSITION_NOT_ALLOWED,
        _("诉求当前状态为“%(status)s”，不能%(action)s。") % {"status": case.get_status_display(), "action": action_label},
        status=409,
        details={"status": case.status},
    )


def require_status(case: Case, allowed: Iterable[str], action_label: str) -> None:
    if case.status not in allowed:
        raise transition_error(case, action_label)


def tier_handlers(case: Case, tier: str | None = None) -> list[int]:
    """User ids responsible for the case's place at ``tier`` (default: its current tier)."""
    tier = tier or case.tier
    active = RoleAssignment.objects.filter(revoked_at__isnull=True)
    if tier == Tier.BUILDING:
        q = Q(pk__in=[])
        if case.building_id:
            q |= Q(role=Role.BUILDING_HEAD, building_id=case.building_id)
        if case.household_id:
            q |= Q(role=Role.UNIT_HEAD, unit_id=case.household.unit_id)
            q |= Q(role=Role.RED_STEWARD, steward_households__household_id=case.household_id)
        return list(active.filter(q).values_list("user_id", flat=True).distinct())
    if tier == Tier.GRID:
        if not case.grid_id:
            return []
        return list(
            active.filter(role__in=[Role.GRID_HEAD, Role.GRID_WORKER], region_id=case.grid_id)
            .values_list("user_id", flat=True)
            .distinct()
        )
    if tier == Tier.COMMUNITY:
        roles = [r for r, level in ROLE_SCOPE.items() if level == ScopeLevel.COMMUNITY and r in
                 (Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF)]
        return list(
            active.filter(role__in=roles, region_id=case.community_id).values_list("user_id", flat=True).distinct()
        )
    if tier == Tier.DEPARTMENT and case.department_id:
        return list(case.department.members.values_list("pk", flat=True))
    return []


def reporter_ids(case: Case) -> set[int]:
    """The reporter and the reporters of every duplicate merged into the case."""
    ids = {case.reporter_id} if case.reporter_id else set()
    ids |= set(
        Case.objects.filter(merged_into=case, reporter__isnull=False).values_list("reporter_id", flat=True)
    )
    return ids


def case_url(case_id: int) -> str:
    """Where a case's notifications lead (the case page)."""
    return f"/cases/{case_id}/"


def event_key(event_id: int) -> str:
    """The inbox's dedupe key for a case step: one notification per user per event."""
    return f"casework.event:{event_id}"


def record(
    case: Case,
    *,
    actor,
    kind: str,
    from_status: str = "",
    note: str = "",
    data: dict | None = None,
    public: bool = True,
    notify_users: Iterable[int] = (),
    notify_reporters: bool = True,
    audit_changes: dict | None = None,
) -> CaseEvent:
    """Append the event, notify who it concerns (never the actor) and audit it."""
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_status=from_status,
        to_status=case.status,
        tier=case.tier,
        note=note,
        data=data or {},
        public=public,
    )
    recipients = set(notify_users)
    if notify_reporters and public:
        recipients |= reporter_ids(case)
    notify(users=recipients, actor=actor, source="casework", kind=f"case.{kind}", subject=case.title,
           title=_("诉求 #%(id)s：%(step)s") % {"id": case.pk, "step": CaseEvent.Kind(kind).label},
           body=note, url=case_url(case.pk), dedupe_key=event_key(event.pk))
    audit_record(
        actor=actor,
        action=f"case.{kind}",
        target=case,
        target_label=f"#{case.pk} {case.title}",
        community_id=case.community_id,
        changes=_changes(audit_changes, from_status, case.status),
        details={"note": note[:500]} if note else {},
    )
    return event


def _changes(explicit: dict | None, from_status: str, to_status: str) -> dict:
    if explicit is not None:
        return explicit
    if from_status != to_status:
        return {"status": [from_status, to_status]}
    return {}
