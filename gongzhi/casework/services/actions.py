"""Service orders: 组织列单 → 群众点单 → 平台派单 / 接单 → 完成 → 群众评单.

    ordered ──post──▶ posted ──take (first come, first served)──▶ taken ──complete──▶ completed ──rate──▶ rated
       │  └──────────dispatch (named person)──────────────────────▲  │
       └─cancel (requester, before anyone took it)      release ◀────┘ (back to the pool)

Who does what (see ``permissions`` for the access rules):
- community secretary and staff list offerings, dispatch and post orders, release a stuck one;
- a resident orders for their own household, cancels before it is taken and rates it when done;
- an eligible taker (``offering.provider``: party member / volunteer / either / community staff)
  takes a posted order, completes it with a note, or releases it back to the pool.

Every status change is a conditional UPDATE (``WHERE status IN (...)``): of two takers
pressing 接单 at the same moment exactly one row update succeeds, on SQLite and PostgreSQL
alike, and the other gets ``order_already_taken``. Every step audits and notifies the
people concerned; every refusal changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDeniedError
from gongzhi.org.models import Household, Region
from gongzhi.org.permissions import own_resident

from .. import error_codes as codes
from ..fieldwork.actions import clean_text, notify, role_holders
from ..models import ServiceOffering, ServiceOrder
from .permissions import (
    SERVICE_MANAGERS,
    access_offering,
    access_order,
    can_manage_services,
    can_read_board,
    can_take,
    order_role,
    resident_households,
)

S = ServiceOrder.Status

MAX_NOTE = 500
MAX_COMPLETION = 2000


# Helpers -------------------------------------------------------------------------------------
def order_url(order: ServiceOrder) -> str:
    return reverse("field:order", args=[order.pk])


def _title(order: ServiceOrder, step: str) -> str:
    return _("服务订单 #%(id)s %(service)s：%(step)s") % {"id": order.pk, "service": order.offering.title, "step": step}


def _audit(actor, action: str, order: ServiceOrder, changes: dict, details: dict | None = None) -> None:
    audit_record(
        actor=actor, action=f"service_order.{action}", target=order,
        target_label=f"#{order.pk} {order.offering.title}", community_id=order.community_id,
        changes=changes, details=details or {},
    )


def _transition_error(order: ServiceOrder, action_label: str) -> ApplicationError:
    return ApplicationError(
        codes.ORDER_TRANSITION,
        _("订单当前状态为“%(status)s”，不能%(action)s。") % {"status": order.get_status_display(), "action": action_label},
        status=409,
        details={"status": order.status},
    )


def _update_if(order: ServiceOrder, from_statuses, **changes) -> bool:
    """The race-safe step: change the row only if it is still in one of ``from_statuses``."""
    extra = changes.pop("_where", {})
    updated = ServiceOrder.objects.filter(pk=order.pk, status__in=list(from_statuses), **extra).update(**changes)
    if updated:
        for name, value in changes.items():
            setattr(order, name, value)
    return bool(updated)


def _fresh(order: ServiceOrder) -> ServiceOrder:
    order.refresh_from_db(fields=["status", "assignee", "taken_at", "completed_at", "rating"])
    return order


def _managers(community_id: int) -> list[int]:
    return role_holders(SERVICE_MANAGERS, region_id=community_id)


def _require_manager(actor, community_id: int) -> None:
    if not can_manage_services(actor, community_id):
        raise PermissionDeniedError()


def _managed_community(actor, community_id) -> Region:
    community = Region.objects.filter(pk=community_id if str(community_id).isdigit() else -1,
                                      kind=Region.Kind.COMMUNITY).first()
    if community is None or not can_read_board(actor, community.pk):
        raise NotFound()
    _require_manager(actor, community.pk)
    return community


def _clean_provider(value) -> str:
    provider = str(value or "").strip()
    if provider not in ServiceOffering.Provider.values:
        raise ApplicationError(
            codes.INVALID_PROVIDER,
            _("承接人取值无效：%(value)s（可选：%(options)s）")
            % {"value": provider, "options": "、".join(str(label) for label in ServiceOffering.Provider.labels)},
            field="provider",
        )
    return provider


def _check_title_free(community_id: int, title: str, *, exclude_pk: int | None = None) -> None:
    qs = ServiceOffering.objects.filter(community_id=community_id, is_active=True, title__iexact=title)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ApplicationError(
            codes.OFFERING_TITLE_TAKEN, _("本社区已有上架的服务“%(title)s”。") % {"title": title}, field="title"
        )


# 组织列单: offerings -----------------------------------------------------------------------------
@transaction.atomic
def offering_create(
    *, actor, community_id: int, title: str, description: str = "", provider: str = ServiceOffering.Provider.ANY
) -> ServiceOffering:
    community = _managed_community(actor, community_id)
    title = clean_text(title, field="title", label=_("服务名称"), max_length=100)
    description = clean_text(description, field="description", label=_("服务说明"), max_length=2000, required=False)
    provider = _clean_provider(provider)
    Region.objects.select_for_update().filter(pk=community.pk).first()  # serialise the title check
    _check_title_free(community.pk, title)
    offering = ServiceOffering.objects.create(
        community=community, title=title, description=description, provider=provider, is_active=True
    )
    audit_record(actor=actor, action="service_offering.create", target=offering, community_id=community.pk,
                 changes={"title": title, "provider": provider})
    return offering


@transaction.atomic
def offering_update(
    *, actor, offering_id: int, title: str, description: str = "", provider: str = ServiceOffering.Provider.ANY
) -> ServiceOffering:
    offering = access_offering(actor, offering_id)
    _require_manager(actor, offering.community_id)
    title = clean_text(title, field="title", label=_("服务名称"), max_length=100)
    description = clean_text(description, field="description", label=_("服务说明"), max_length=2000, required=False)
    provider = _clean_provider(provider)
    offering = ServiceOffering.objects.select_for_update().get(pk=offering.pk)
    if offering.is_active:
        _check_title_free(offering.community_id, title, exclude_pk=offering.pk)
    changes = {
        name: [getattr(offering, name), value]
        for name, value in (("title", title), ("description", description), ("provider", provider))
        if getattr(offering, name) != value
    }
    if changes:
        offering.title, offering.description, offering.provider = title, description, provider
        offering.save(update_fields=["title", "description", "provider"])
        audit_record(actor=actor, action="service_offering.update", target=offering,
                     community_id=offering.community_id, changes=changes)
    return offering


def _set_active(actor, offering_id: int, active: bool) -> ServiceOffering:
    offering = access_offering(actor, offering_id)
    _require_manager(actor, offering.community_id)
    offering = ServiceOffering.objects.select_for_update().get(pk=offering.pk)
    if offering.is_active == active:
        raise ApplicationError(
            codes.OFFERING_STATE,
            _("该服务已上架。") if active else _("该服务已下架。"),
            status=409,
        )
    if active:
        _check_title_free(offering.community_id, offering.title, exclude_pk=offering.pk)
    offering.is_active = active
    offering.save(update_fields=["is_active"])
    audit_record(actor=actor, action="service_offering." + ("relist" if active else "withdraw"), target=offering,
                 community_id=offering.community_id, changes={"is_active": [not active, active]})
    return offering


@transaction.atomic
def offering_withdraw(*, actor, offering_id: int) -> ServiceOffering:
    """下架: no new orders; orders already placed go on to the end."""
    return _set_active(actor, offering_id, False)


@transaction.atomic
def offering_relist(*, actor, offering_id: int) -> ServiceOffering:
    return _set_active(actor, offering_id, True)


# 群众点单 ---------------------------------------------------------------------------------------
@transaction.atomic
def order_place(
    *, actor, offering_id: int, household_id: int | None = None, note: str = "", preferred_time: str = ""
) -> ServiceOrder:
    """A resident orders a service for one of their households in the offering's community."""
    offering = access_offering(actor, offering_id)
    if own_resident(actor) is None:
        raise ApplicationError(
            codes.NOT_A_RESIDENT, _("您的账号尚未关联住户，不能点单，请联系社区工作人员。"), status=403
        )
    if not offering.is_active:
        raise ApplicationError(codes.OFFERING_INACTIVE, _("该服务已下架，暂不能点单。"), status=409)
    homes = resident_households(actor).filter(community_id=offering.community_id)
    if household_id in (None, ""):
        choices = list(homes[:2])
        if len(choices) != 1:
            if not choices:
                raise ApplicationError(
                    codes.HOUSEHOLD_NOT_YOURS, _("您在该社区没有登记住户，不能点单。"), field="household", status=403
                )
            raise ApplicationError(codes.HOUSEHOLD_REQUIRED, _("请选择为哪一户点单。"), field="household")
        household = choices[0]
    else:
        household = homes.filter(pk=household_id if str(household_id).isdigit() else -1).first()
        if household is None:
            raise ApplicationError(
                codes.HOUSEHOLD_NOT_YOURS, _("只能为自己在本社区的住户点单。"), field="household", status=403
            )
    note = clean_text(note, field="note", label=_("需求说明"), max_length=MAX_NOTE, required=False)
    preferred_time = clean_text(preferred_time, field="preferred_time", label=_("期望时间"), max_length=100,
                                required=False)
    Household.objects.select_for_update().filter(pk=household.pk).first()  # one open order per service and home
    existing = ServiceOrder.objects.filter(
        offering=offering, household=household, status__in=(S.ORDERED, S.POSTED, S.TAKEN)
    ).values_list("pk", flat=True).first()
    if existing:
        raise ApplicationError(
            codes.DUPLICATE_ORDER,
            _("您家已点过“%(service)s”（订单 #%(id)s），还未完成，请勿重复点单。")
            % {"service": offering.title, "id": existing},
            status=409,
            details={"order_id": existing},
        )
    order = ServiceOrder.objects.create(
        offering=offering, community_id=offering.community_id, household=household, requested_by=actor,
        note=note, preferred_time=preferred_time, status=S.ORDERED,
    )
    _audit(actor, "place", order, {"status": [None, S.ORDERED]}, {"household": household.pk})
    notify(_managers(order.community_id), actor=actor, title=_title(order, _("新点单，待派单")),
           body=note, url=order_url(order))
    return order


@transaction.atomic
def order_cancel(*, actor, order_id: int, reason: str = "") -> ServiceOrder:
    """The requester withdraws the order, as long as nobody has taken it."""
    order = access_order(actor, order_id)
    if order.requested_by_id != actor.pk:
        raise ApplicationError(codes.NOT_YOUR_ORDER, _("只有点单人可以取消订单。"), status=403)
    reason = clean_text(reason, field="reason", label=_("取消原因"), max_length=MAX_NOTE, required=False)
    from_status = order.status
    if not _update_if(order, (S.ORDERED, S.POSTED), status=S.CANCELLED, cancelled_at=timezone.now()):
        _fresh(order)
        if order.status == S.TAKEN:
            raise ApplicationError(
                codes.ORDER_ALREADY_TAKEN, _("已有人接单，不能取消，请联系接单人或社区工作人员。"), status=409,
                details={"status": order.status},
            )
        raise _transition_error(order, _("取消"))
    _audit(actor, "cancel", order, {"status": [from_status, S.CANCELLED]}, {"reason": reason} if reason else None)
    notify([order.dispatched_by_id] if order.dispatched_by_id else _managers(order.community_id), actor=actor,
           title=_title(order, _("居民已取消")), body=reason, url=order_url(order))
    return order


# 平台派单 ---------------------------------------------------------------------------------------
@transaction.atomic
def order_dispatch(*, actor, order_id: int, assignee_id: int, note: str = "") -> ServiceOrder:
    """派单: staff give the order to a named, eligible taker."""
    order = access_order(actor, order_id)
    _require_manager(actor, order.community_id)
    note = clean_text(note, field="note", label=_("派单说明"), max_length=MAX_NOTE, required=False)
    assignee = User.objects.filter(pk=assignee_id if str(assignee_id).isdigit() else -1, is_active=True).first()
    if assignee is None or assignee.pk == order.requested_by_id or not can_take(assignee, order.offering):
        raise ApplicationError(
            codes.INVALID_ASSIGNEE,
            _("所选人员不能承接该服务（需为本社区的%(provider)s）。") % {"provider": order.offering.get_provider_display()},
            field="assignee",
        )
    from_status, now = order.status, timezone.now()
    if not _update_if(order, (S.ORDERED, S.POSTED), status=S.TAKEN, assignee=assignee, dispatched_by=actor,
                      taken_at=now):
        _fresh(order)
        if order.status == S.TAKEN:
            raise ApplicationError(codes.ORDER_ALREADY_TAKEN, _("该订单刚刚已被接单。"), status=409)
        raise _transition_error(order, _("派单"))
    _audit(actor, "dispatch", order, {"status": [from_status, S.TAKEN], "assignee": [None, assignee.pk]},
           {"note": note} if note else None)
    url = order_url(order)
    notify([assignee.pk], actor=actor, title=_title(order, _("派给您的服务订单")), body=note, url=url)
    notify([order.requested_by_id], actor=actor,
           title=_title(order, _("已派单给 %(name)s") % {"name": assignee.name}), url=url)
    return order


@transaction.atomic
def order_post(*, actor, order_id: int) -> ServiceOrder:
    """Put the order in the pool, where eligible party members or volunteers take it."""
    order = access_order(actor, order_id)
    _require_manager(actor, order.community_id)
    if not _update_if(order, (S.ORDERED,), status=S.POSTED, posted_at=timezone.now()):
        raise _transition_error(_fresh(order), _("发布到接单池"))
    _audit(actor, "post", order, {"status": [S.ORDERED, S.POSTED]})
    notify([order.requested_by_id], actor=actor, title=_title(order, _("已发布，等待接单")), url=order_url(order))
    return order


# 接单 -----------------------------------------------------------------------------------------
def _load_for_taking(actor, order_id) -> ServiceOrder:
    """The order as an eligible taker sees it, even if someone else just took it (to say so)."""
    try:
        return access_order(actor, order_id)
    except NotFound:
        order = ServiceOrder.objects.select_related("offering").filter(
            pk=order_id if str(order_id).isdigit() else -1
        ).first()
        # Only an order that was in the pool, for someone who could have taken it from there.
        if order is None or order.posted_at is None or not can_take(actor, order.offering):
            raise
        return order


def claim(order: ServiceOrder, actor, now) -> bool:
    """First come, first served: one conditional UPDATE; True for exactly one of concurrent takers."""
    return _update_if(order, (S.POSTED,), status=S.TAKEN, assignee=actor, taken_at=now, _where={"assignee": None})


@transaction.atomic
def order_take(*, actor, order_id: int) -> ServiceOrder:
    """接单 from the pool."""
    order = _load_for_taking(actor, order_id)
    if order.requested_by_id == actor.pk:
        raise ApplicationError(codes.OWN_ORDER, _("不能承接自己点的单。"), status=403)
    if not can_take(actor, order.offering):
        raise ApplicationError(
            codes.NOT_ELIGIBLE,
            _("该服务由%(provider)s承接，您不能接单。") % {"provider": order.offering.get_provider_display()},
            status=403,
        )
    if not claim(order, actor, timezone.now()):
        _fresh(order)
        if order.status in (S.TAKEN, S.COMPLETED, S.RATED):
            raise ApplicationError(
                codes.ORDER_ALREADY_TAKEN,
                _("手慢了，该订单已被他人接单。") if order.assignee_id != actor.pk else _("您已接过该订单。"),
                status=409,
            )
        raise _transition_error(order, _("接单"))
    _audit(actor, "take", order, {"status": [S.POSTED, S.TAKEN], "assignee": [None, actor.pk]})
    notify([order.requested_by_id], actor=actor,
           title=_title(order, _("%(name)s 已接单") % {"name": actor.name}), url=order_url(order))
    return order


@transaction.atomic
def order_release(*, actor, order_id: int, reason: str) -> ServiceOrder:
    """The taker cannot go after all (or staff free a stuck order): back to the pool."""
    order = access_order(actor, order_id)
    role = order_role(actor, order)
    if role not in ("taker", "manager"):
        raise ApplicationError(codes.NOT_YOUR_ORDER, _("只有接单人或社区工作人员可以退回订单。"), status=403)
    reason = clean_text(reason, field="reason", label=_("退回原因"), max_length=MAX_NOTE)
    previous = order.assignee_id
    if not _update_if(order, (S.TAKEN,), status=S.POSTED, assignee=None, dispatched_by=None, taken_at=None,
                      posted_at=timezone.now()):
        raise _transition_error(_fresh(order), _("退回接单池"))
    _audit(actor, "release", order, {"status": [S.TAKEN, S.POSTED], "assignee": [previous, None]},
           {"reason": reason})
    url = order_url(order)
    notify([order.requested_by_id], actor=actor, title=_title(order, _("接单人有事，已重新等待接单")), body=reason,
           url=url)
    others = [previous] + (_managers(order.community_id) if role == "taker" else [])
    notify([u for u in others if u != order.requested_by_id], actor=actor, title=_title(order, _("订单已退回接单池")),
           body=reason, url=url)
    return order


@transaction.atomic
def order_complete(*, actor, order_id: int, note: str) -> ServiceOrder:
    """The taker records what was done."""
    order = access_order(actor, order_id)
    if order.assignee_id != actor.pk:
        raise ApplicationError(codes.NOT_YOUR_ORDER, _("只有接单人可以完成订单。"), status=403)
    note = clean_text(note, field="note", label=_("服务记录"), max_length=MAX_COMPLETION)
    if not _update_if(order, (S.TAKEN,), status=S.COMPLETED, completed_at=timezone.now(), completion_note=note,
                      _where={"assignee": actor}):
        raise _transition_error(_fresh(order), _("完成"))
    _audit(actor, "complete", order, {"status": [S.TAKEN, S.COMPLETED]}, {"note": note[:500]})
    notify([order.requested_by_id], actor=actor, title=_title(order, _("服务已完成，请评价")), body=note,
           url=order_url(order))
    return order


# 群众评单 ---------------------------------------------------------------------------------------
@transaction.atomic
def order_rate(*, actor, order_id: int, rating, comment: str = "") -> ServiceOrder:
    """Only the requester rates, once, after the taker completed the order."""
    order = access_order(actor, order_id)
    if order.requested_by_id != actor.pk:
        raise ApplicationError(codes.NOT_YOUR_ORDER, _("只能评价自己点的单。"), status=403)
    if order.status == S.RATED:
        raise ApplicationError(codes.ALREADY_RATED, _("该订单已评价过。"), status=409)
    if order.status != S.COMPLETED:
        raise ApplicationError(
            codes.NOT_COMPLETED,
            _("服务完成后才能评价（当前状态：%(status)s）。") % {"status": order.get_status_display()},
            status=409,
        )
    try:
        value = int(str(rating).strip())
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ApplicationError(codes.INVALID_RATING, _("评价须为 1 到 5 星。"), field="rating")
    comment = clean_text(comment, field="comment", label=_("评价意见"), max_length=500, required=False)
    if not _update_if(order, (S.COMPLETED,), status=S.RATED, rating=value, rating_comment=comment,
                      rated_at=timezone.now()):
        _fresh(order)
        raise ApplicationError(codes.ALREADY_RATED, _("该订单已评价过。"), status=409)
    _audit(actor, "rate", order, {"status": [S.COMPLETED, S.RATED], "rating": [None, value]},
           {"comment": comment} if comment else None)
    notify([order.assignee_id], actor=actor,
           title=_title(order, _("居民评价 %(n)d 星") % {"n": value}), body=comment, url=order_url(order))
    return order
