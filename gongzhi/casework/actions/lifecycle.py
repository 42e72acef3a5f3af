"""Every step of a request after intake. One function per step; each checks state and permission first.

    submitted → accepted → dispatched → in_progress → resolved → verified → rated → closed
        ↘ rejected   ↘ merged (duplicate)        reopened ↩ (resident: not fixed)
    escalate: building → grid → community;  whistle: community → department (must acknowledge)
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core.errors import ApplicationError, NotFound

from .. import error_codes as codes
from ..models import TIER_ORDER, Case, CaseEvent, CasePhoto, Category, CategoryCorrection, Department, Tier, Whistle
from ..permissions import access_case, can_handle, can_view, handles_place, require_handle, require_supervise
from ..search import search_text_for
from .common import record, require_status, tier_handlers
from .intake import clean_photos, deadlines, save_photos

MAX_RATING_COMMENT = 500  # Case.rating_comment

S = Case.Status
K = CaseEvent.Kind


def _load(actor, case_id) -> Case:
    """Visible case, locked for the rest of the transaction."""
    case = access_case(actor, case_id)
    # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins below.
    return Case.objects.select_for_update(of=("self",)).select_related(
        "household", "category", "department").get(pk=case.pk)


def _reason(text, *, field: str = "reason", label: str | None = None) -> str:
    reason = str(text or "").strip()
    if not reason:
        raise ApplicationError(codes.REASON_REQUIRED, label or _("请填写理由。"), field=field)
    if len(reason) > 2000:
        raise ApplicationError(codes.DESCRIPTION_TOO_LONG, _("说明不能超过 2000 个字。"), field=field)
    return reason


# Transitions ---------------------------------------------------------------------------------
# What each step changes on the case, in memory, with no checks and no writes. The actions below
# call them once they have loaded, checked and validated; the demo (casework/demo/) replays a year
# of requests with the same functions, so each rule about a case's fields is written once.
REJECTABLE = MERGEABLE = (S.SUBMITTED, S.ACCEPTED)
DISPATCHABLE = (S.SUBMITTED, S.ACCEPTED, S.DISPATCHED)
STARTABLE = (S.ACCEPTED, S.DISPATCHED)
RESOLVABLE = (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS)
VERIFIABLE = (S.RESOLVED,)
RATEABLE = (S.RESOLVED, S.VERIFIED)
REOPENABLE = CLOSABLE = (S.RESOLVED, S.VERIFIED, S.RATED)
ACKNOWLEDGE_TAKES_OVER = (S.SUBMITTED, S.ACCEPTED, S.DISPATCHED)  # a department's 报到 starts the work


def mark_responded(case: Case, now) -> None:
    """The first answer of any kind counts for the response rate (响应率)."""
    if case.responded_at is None:
        case.responded_at = now


def mark_accepted(case: Case, *, handler, now) -> None:
    case.status, case.handler = S.ACCEPTED, handler
    mark_responded(case, now)


def mark_rejected(case: Case, *, now) -> None:
    case.status, case.closed_at = S.REJECTED, now
    mark_responded(case, now)


def mark_merged(case: Case, *, into: Case, now) -> None:
    case.status, case.merged_into, case.closed_at = S.MERGED, into, now
    mark_responded(case, now)


def mark_recategorised(case: Case, *, category: Category) -> None:
    """A corrected category brings its own deadlines, counted from submission."""
    case.category = category
    case.response_due_at, case.resolution_due_at = deadlines(category, case.urgency, case.created_at)


def mark_dispatched(case: Case, *, handler, now) -> None:
    case.status, case.handler = S.DISPATCHED, handler
    mark_responded(case, now)


def next_tier(case: Case) -> str:
    """Where an escalation sends a building or grid case: one tier up; a place without a grid
    goes from the building straight to the community."""
    new_tier = TIER_ORDER[TIER_ORDER.index(case.tier) + 1]
    if new_tier == Tier.GRID and not case.grid_id:
        new_tier = Tier.COMMUNITY
    return new_tier


def mark_escalated(case: Case, *, tier: str, now) -> None:
    """Escalated by a handler: the new tier answers it afresh."""
    case.tier, case.handler, case.status = tier, None, S.SUBMITTED
    mark_responded(case, now)


def mark_whistled(case: Case, *, department: Department, now):
    """The case goes to the department; returns when its 报到 is due."""
    case.tier, case.department, case.handler, case.status = Tier.DEPARTMENT, department, None, S.DISPATCHED
    mark_responded(case, now)
    return now + timedelta(hours=float(department.ack_hours))


def mark_acknowledged(case: Case, *, handler) -> None:
    """The department's member who reported takes the case, unless work is already under way."""
    if case.status in ACKNOWLEDGE_TAKES_OVER:
        case.status, case.handler = S.IN_PROGRESS, handler


def mark_started(case: Case, *, handler, now) -> None:
    case.status = S.IN_PROGRESS
    if case.handler_id is None:
        case.handler = handler
    mark_responded(case, now)


def mark_resolved(case: Case, *, result: str, handler, now) -> bool:
    """办结 at the case's current tier (the resolution-level figures count it there); returns
    whether it was on time."""
    case.status, case.resolution, case.resolved_at, case.resolved_tier = S.RESOLVED, result, now, case.tier
    if case.handler_id is None:
        case.handler = handler
    mark_responded(case, now)
    return now <= case.resolution_due_at


def mark_verified(case: Case, *, now) -> None:
    case.status, case.verified_at = S.VERIFIED, now


def mark_reopened(case: Case) -> None:
    """Not fixed after all: back in progress, and the resolution, verification and rating undone."""
    case.status, case.reopen_count = S.IN_PROGRESS, case.reopen_count + 1
    case.resolved_at = case.verified_at = case.rated_at = None
    case.rating, case.rating_comment, case.resolved_tier = None, "", ""


def mark_rated(case: Case, *, rating: int, comment: str, now) -> None:
    case.status, case.rating, case.rating_comment, case.rated_at = S.RATED, rating, comment, now


def mark_closed(case: Case, *, now) -> None:
    case.status, case.closed_at = S.CLOSED, now


# Actions ---------------------------------------------------------------------------------------


@transaction.atomic
def case_accept(*, actor, case_id: int, note: str = "") -> Case:
    """A handler at the case's tier takes it on (受理)."""
    case = _load(actor, case_id)
    require_handle(actor, case)
    require_status(case, (S.SUBMITTED,), _("受理"))
    from_status = case.status
    mark_accepted(case, handler=actor, now=timezone.now())
    case.save()
    record(case, actor=actor, kind=K.ACCEPTED, from_status=from_status, note=str(note or "")[:500])
    return case


@transaction.atomic
def case_reject(*, actor, case_id: int, reason: str) -> Case:
    """Not for this platform (不予受理), with the reason the resident will read."""
    case = _load(actor, case_id)
    require_supervise(actor, case)
    require_status(case, REJECTABLE, _("不予受理"))
    reason = _reason(reason, label=_("请填写不予受理的理由，居民会看到。"))
    from_status = case.status
    mark_rejected(case, now=timezone.now())
    case.save()
    record(case, actor=actor, kind=K.REJECTED, from_status=from_status, note=reason)
    return case


@transaction.atomic
def case_merge(*, actor, case_id: int, into_case_id: int, note: str = "") -> Case:
    """A duplicate of an open request (类案): its reporter follows the other one from now on."""
    case = _load(actor, case_id)
    if not can_handle(actor, case):
        require_supervise(actor, case)
    require_status(case, MERGEABLE, _("合并"))
    try:
        target = access_case(actor, into_case_id)
    except NotFound:
        raise ApplicationError(codes.MERGE_INVALID, _("要合并到的诉求不存在。"), field="into") from None
    if target.pk == case.pk or target.community_id != case.community_id or target.status in Case.FINAL_STATUSES:
        raise ApplicationError(
            codes.MERGE_INVALID, _("只能合并到本社区仍在办理中的另一条诉求。"), field="into"
        )
    from_status = case.status
    mark_merged(case, into=target, now=timezone.now())
    case.save()
    record(case, actor=actor, kind=K.MERGED, from_status=from_status, note=str(note or "")[:500],
           data={"into": target.pk})
    record(target, actor=actor, kind=K.DUPLICATE_ADDED, from_status=target.status, data={"duplicate": case.pk},
           note=_("合并了重复诉求 #%(id)s，办理进展将同步告知该反映人。") % {"id": case.pk})
    return case


@transaction.atomic
def case_change_category(*, actor, case_id: int, category_code: str) -> Case:
    """Staff correct the category; the correction teaches the next classifier model."""
    case = _load(actor, case_id)
    require_handle(actor, case)
    if case.status in Case.FINAL_STATUSES:
        raise ApplicationError(codes.TRANSITION_NOT_ALLOWED, _("已结束的诉求不能调整类别。"), status=409)
    category = Category.objects.filter(community_id=case.community_id, code=category_code, is_active=True).first()
    if category is None:
        raise ApplicationError(codes.UNKNOWN_CATEGORY, _("未知的诉求类别：%(code)s") % {"code": category_code},
                               field="category")
    if category.pk == case.category_id:
        return case
    old = case.category
    mark_recategorised(case, category=category)
    case.search_text = search_text_for(case.description, case.address, category.name)
    case.save()
    CategoryCorrection.objects.create(
        case=case, text=case.description,
        suggested_code=case.suggested_category.code if case.suggested_category_id else "",
        corrected_code=category.code, corrected_by=actor,
    )
    record(case, actor=actor, kind=K.CATEGORY_CHANGED, from_status=case.status, public=False,
           note=_("类别由“%(old)s”调整为“%(new)s”") % {"old": old.name, "new": category.name},
           audit_changes={"category": [old.code, category.code]})
    return case


def _eligible_handler(case: Case, user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not (can_handle(user, case) or case.tier != Tier.DEPARTMENT and handles_place(user, case)):
        raise ApplicationError(
            codes.INVALID_HANDLER, _("所选人员不负责该诉求所在的楼栋、网格或社区。"), field="handler"
        )
    return user


@transaction.atomic
def case_dispatch(*, actor, case_id: int, handler_id: int, note: str = "") -> Case:
    """派单: assign to a named person who may handle the case at its tier."""
    case = _load(actor, case_id)
    require_handle(actor, case)
    require_status(case, DISPATCHABLE, _("派单"))
    handler = _eligible_handler(case, handler_id)
    from_status = case.status
    mark_dispatched(case, handler=handler, now=timezone.now())
    case.save()
    record(case, actor=actor, kind=K.DISPATCHED, from_status=from_status, note=str(note or "")[:500],
           data={"handler": handler.pk}, notify_users=[handler.pk])
    return case


@transaction.atomic
def case_hand_over(*, actor, case_id: int, handler_id: int, reason: str) -> Case:
    """The current handler passes the case to a colleague at the same tier, with a reason."""
    case = _load(actor, case_id)
    require_handle(actor, case)
    require_status(case, (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS), _("转交"))
    reason = _reason(reason)
    handler = _eligible_handler(case, handler_id)
    previous = case.handler_id
    case.handler = handler
    case.save()
    record(case, actor=actor, kind=K.HANDED_OVER, from_status=case.status, note=reason, public=False,
           data={"from": previous, "to": handler.pk}, notify_users=[handler.pk],
           audit_changes={"handler": [previous, handler.pk]})
    return case


@transaction.atomic
def case_escalate(*, actor, case_id: int, reason: str) -> Case:
    """Send the case up one tier (building → grid → community), with the reason."""
    case = _load(actor, case_id)
    require_handle(actor, case)
    require_status(case, Case.OPEN_STATUSES, _("上报"))
    reason = _reason(reason, label=_("请填写上报理由。"))
    if case.tier in (Tier.COMMUNITY, Tier.DEPARTMENT):
        raise ApplicationError(codes.TOP_TIER, _("社区层级的诉求请使用“吹哨”请职能部门报到。"), status=409)
    new_tier = next_tier(case)
    from_status, old_tier = case.status, case.tier
    mark_escalated(case, tier=new_tier, now=timezone.now())
    case.save()
    record(case, actor=actor, kind=K.ESCALATED, from_status=from_status, note=reason,
           data={"from_tier": old_tier, "to_tier": new_tier}, notify_users=tier_handlers(case),
           audit_changes={"tier": [old_tier, new_tier]})
    return case


@transaction.atomic
def case_whistle(*, actor, case_id: int, department_id: int, reason: str) -> Whistle:
    """社区吹哨: summon a department, which must report (报到) within its acknowledgement time."""
    case = _load(actor, case_id)
    require_supervise(actor, case)
    require_status(case, Case.OPEN_STATUSES, _("吹哨"))
    department = Department.objects.filter(pk=department_id, community_id=case.community_id).first()
    if department is None:
        raise ApplicationError(codes.UNKNOWN_DEPARTMENT, _("请选择本社区登记的职能部门。"), field="department")
    reason = _reason(reason, label=_("请填写吹哨事由。"))
    from_status, old_tier = case.status, case.tier
    ack_due_at = mark_whistled(case, department=department, now=timezone.now())
    whistle = Whistle.objects.create(
        case=case, department=department, reason=reason, whistled_by=actor, ack_due_at=ack_due_at,
    )
    case.save()
    record(case, actor=actor, kind=K.WHISTLED, from_status=from_status, note=reason,
           data={"department": department.pk, "whistle": whistle.pk, "ack_due_at": whistle.ack_due_at.isoformat()},
           notify_users=list(department.members.values_list("pk", flat=True)),
           audit_changes={"tier": [old_tier, Tier.DEPARTMENT], "department": department.pk})
    return whistle


@transaction.atomic
def whistle_acknowledge(*, actor, whistle_id: int, note: str = "") -> Whistle:
    """部门报到: a member of the summoned department acknowledges and takes the case."""
    whistle = Whistle.objects.select_for_update().select_related("department").filter(pk=whistle_id).first()
    if whistle is None or not whistle.department.members.filter(pk=actor.pk).exists():
        raise NotFound()
    if whistle.status == Whistle.Status.ACKNOWLEDGED:
        raise ApplicationError(codes.ALREADY_ACKNOWLEDGED, _("该部门已报到。"), status=409)
    now = timezone.now()
    whistle.status, whistle.acknowledged_at, whistle.acknowledged_by = Whistle.Status.ACKNOWLEDGED, now, actor
    whistle.response = str(note or "")[:2000]
    whistle.save()
    case = Case.objects.select_for_update().get(pk=whistle.case_id)
    from_status = case.status
    if case.status in ACKNOWLEDGE_TAKES_OVER:
        mark_acknowledged(case, handler=actor)
        case.save()
    record(case, actor=actor, kind=K.DEPARTMENT_ACK, from_status=from_status, note=whistle.response,
           data={"whistle": whistle.pk, "on_time": now <= whistle.ack_due_at},
           notify_users=tier_handlers(case, Tier.COMMUNITY))
    return whistle


@transaction.atomic
def case_start(*, actor, case_id: int, note: str = "") -> Case:
    case = _load(actor, case_id)
    require_handle(actor, case)
    require_status(case, STARTABLE, _("开始办理"))
    from_status = case.status
    mark_started(case, handler=actor, now=timezone.now())
    case.save()
    record(case, actor=actor, kind=K.STARTED, from_status=from_status, note=str(note or "")[:500])
    return case


@transaction.atomic
def case_progress(*, actor, case_id: int, note: str, public: bool = True) -> Case:
    """A progress note (问进展) for the resident, or internal."""
    case = _load(actor, case_id)
    require_handle(actor, case)
    require_status(case, Case.OPEN_STATUSES, _("记录进展"))
    note = _reason(note, field="note", label=_("请填写进展情况。"))
    record(case, actor=actor, kind=K.PROGRESS, from_status=case.status, note=note, public=public)
    return case


@transaction.atomic
def case_resolve(*, actor, case_id: int, result: str, photos=()) -> Case:
    """办结: what was done, optionally with a photo of the result."""
    case = _load(actor, case_id)
    require_handle(actor, case)
    require_status(case, RESOLVABLE, _("办结"))
    result = str(result or "").strip()
    if not result:
        raise ApplicationError(codes.RESULT_REQUIRED, _("请填写办理结果。"), field="result")
    if len(result) > 2000:
        raise ApplicationError(codes.DESCRIPTION_TOO_LONG, _("办理结果不能超过 2000 个字。"), field="result")
    cleaned = clean_photos(photos)
    from_status = case.status
    on_time = mark_resolved(case, result=result, handler=actor, now=timezone.now())
    case.save()
    event = record(case, actor=actor, kind=K.RESOLVED, from_status=from_status, note=result,
                   data={"on_time": on_time})
    save_photos(case, cleaned, kind=CasePhoto.Kind.RESULT, actor=actor, event=event)
    return case


def _is_reporter(actor, case: Case) -> bool:
    return case.reporter_id is not None and case.reporter_id == actor.pk


@transaction.atomic
def case_verify(*, actor, case_id: int, fixed: bool, note: str = "") -> Case:
    """核查: the reporter or a grid worker of the place confirms the fix — or reopens the case."""
    case = _load(actor, case_id)
    from ..permissions import case_in_scope, tier_scope

    if not (_is_reporter(actor, case) or case_in_scope(case, tier_scope(actor, Tier.GRID))
            or case_in_scope(case, tier_scope(actor, Tier.COMMUNITY))):
        raise ApplicationError(codes.NOT_YOUR_CASE, _("只有反映人或所在网格员可以核查。"), status=403)
    require_status(case, VERIFIABLE, _("核查"))
    if not fixed:
        return _reopen(case, actor, _reason(note, label=_("请说明还有什么问题没有解决。")))
    from_status = case.status
    mark_verified(case, now=timezone.now())
    case.save()
    record(case, actor=actor, kind=K.VERIFIED, from_status=from_status, note=str(note or "")[:500],
           notify_users=[case.handler_id] if case.handler_id else [])
    return case


@transaction.atomic
def case_reopen(*, actor, case_id: int, reason: str) -> Case:
    """The resident says it isn't fixed: back to the handler."""
    case = _load(actor, case_id)
    if not _is_reporter(actor, case):
        raise ApplicationError(codes.NOT_YOUR_CASE, _("只有反映人可以要求重新办理。"), status=403)
    require_status(case, REOPENABLE, _("重新办理"))
    return _reopen(case, actor, _reason(reason, label=_("请说明还有什么问题没有解决。")))


def _reopen(case: Case, actor, reason: str) -> Case:
    from_status = case.status
    mark_reopened(case)
    case.save()
    record(case, actor=actor, kind=K.REOPENED, from_status=from_status, note=reason,
           notify_users=[case.handler_id] if case.handler_id else tier_handlers(case))
    return case


@transaction.atomic
def case_rate(*, actor, case_id: int, rating: int, comment: str = "") -> Case:
    """评价: only the reporter rates, and only once the case is resolved (a case the actor can't see: 404)."""
    case = _load(actor, case_id)
    if not _is_reporter(actor, case):
        raise ApplicationError(codes.NOT_YOUR_CASE, _("只能评价自己反映的诉求。"), status=403)
    if case.status not in RATEABLE:
        raise ApplicationError(
            codes.NOT_RESOLVED,
            _("诉求办结后才能评价（当前状态：%(status)s）。") % {"status": case.get_status_display()},
            status=409,
        )
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ApplicationError(codes.INVALID_RATING, _("评价须为 1 到 5 星。"), field="rating")
    comment = str(comment or "").strip()
    if len(comment) > MAX_RATING_COMMENT:
        raise ApplicationError(
            codes.COMMENT_TOO_LONG,
            _("评价意见不能超过 %(n)d 个字（当前 %(len)d 字）。") % {"n": MAX_RATING_COMMENT, "len": len(comment)},
            field="comment",
        )
    from_status = case.status
    mark_rated(case, rating=value, comment=comment, now=timezone.now())
    case.save()
    record(case, actor=actor, kind=K.RATED, from_status=from_status, note=case.rating_comment,
           data={"rating": value}, notify_users=[case.handler_id] if case.handler_id else [])
    return case


@transaction.atomic
def case_close(*, actor, case_id: int, note: str = "") -> Case:
    """Close a resolved, verified or rated case (staff; the periodic task closes rated ones)."""
    case = _load(actor, case_id)
    require_supervise(actor, case)
    require_status(case, CLOSABLE, _("关闭"))
    return close_case(case, actor=actor, note=note)


def close_case(case: Case, *, actor, note: str = "") -> Case:
    from_status = case.status
    mark_closed(case, now=timezone.now())
    case.save()
    record(case, actor=actor, kind=K.CLOSED, from_status=from_status, note=str(note or "")[:500])
    return case


@transaction.atomic
def case_comment(*, actor, case_id: int, note: str) -> Case:
    """An internal note by anyone who can see the case as staff."""
    case = _load(actor, case_id)
    if not (can_handle(actor, case) or can_view(actor, case) and not _is_reporter(actor, case)):
        raise ApplicationError(codes.NOT_YOUR_CASE, _("无权添加备注。"), status=403)
    note = _reason(note, field="note", label=_("请填写备注。"))
    record(case, actor=actor, kind=K.COMMENT, from_status=case.status, note=note, public=False,
           notify_reporters=False)
    return case


@transaction.atomic
def cases_bulk_dispatch(*, actor, case_ids: list[int], handler_id: int) -> list[Case]:
    """Bulk assignment from the queue: all or nothing."""
    if not case_ids:
        raise ApplicationError(codes.NOTHING_SELECTED, _("请至少选择一条诉求。"), field="cases")
    if len(case_ids) > 200:
        raise ApplicationError(codes.TOO_MANY, _("一次最多批量派单 200 条。"), field="cases")
    return [case_dispatch(actor=actor, case_id=cid, handler_id=handler_id) for cid in sorted(set(case_ids))]
