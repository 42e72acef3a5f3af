"""Pages of service orders (URL names ``field:*``): the catalogue, ordering, the pool, one order, the board.

Views parse input, call one action (writes) or selectors (reads) and render.
Refusals (403) and misses (404) become the error page; bad input re-renders the
page with the message (status 400/409) and changes nothing. Residents and takers use
these pages on a phone (375 px); the board is a desk view that still works on a phone.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.pagination import paginate
from gongzhi.core.pickers import pick
from gongzhi.core.validators import mask_phone
from gongzhi.org.models import Region

from .. import error_codes as codes
from ..fieldwork.pages import int_or_none, next_url, raise_refusals, with_query
from ..models import ServiceOffering, ServiceOrder
from . import actions as service_actions
from . import permissions, selectors


# Services: residents ---------------------------------------------------------------------------
@login_required
def services(request: HttpRequest) -> HttpResponse:
    """The catalogue (群众点单) of the resident's community, with their open orders on top."""
    ids = permissions.member_communities(request.user) | {c.pk for c in permissions.board_communities(request.user)}
    communities = list(Region.objects.filter(pk__in=ids).order_by("code"))
    community = pick(communities, request.GET.get("community"))
    is_resident = permissions.resident_households(request.user).filter(community=community).exists()
    open_orders = list(selectors.my_orders(request.user).filter(status__in=selectors.OPEN_ORDER_STATUSES + (
        ServiceOrder.Status.COMPLETED,))[:5])
    return render(request, "casework/field/services.html", {
        "community": community, "communities": communities, "offerings": selectors.catalogue(community.pk),
        "is_resident": is_resident, "open_orders": open_orders,
        "can_manage": permissions.can_manage_services(request.user, community.pk),
    })


@login_required
def order_new(request: HttpRequest, pk: int) -> HttpResponse:
    offering = permissions.access_offering(request.user, pk)
    homes = list(permissions.resident_households(request.user).filter(community_id=offering.community_id))
    form = {"household": str(homes[0].pk) if len(homes) == 1 else "", "note": "", "preferred_time": ""}
    error, status = None, 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in ("household", "note", "preferred_time")}
        try:
            order = service_actions.order_place(
                actor=request.user, offering_id=offering.pk, household_id=int_or_none(form["household"]),
                note=form["note"], preferred_time=form["preferred_time"],
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            error, status = exc, exc.status
        else:
            messages.success(request, _("点单成功，社区会尽快安排人员上门服务。"))
            return redirect("field:order", order.pk)
    return render(request, "casework/field/order_new.html",
                  {"offering": offering, "homes": homes, "form": form, "error": error}, status=status)


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    page, prefix = paginate(request, selectors.my_orders(request.user), per_page=20)
    return render(request, "casework/field/my_orders.html", {"page": page, "query_prefix": prefix})


# Services: takers -----------------------------------------------------------------------------
@login_required
def pool(request: HttpRequest) -> HttpResponse:
    """接单池 and the orders the user has taken."""
    tab = request.GET.get("tab", "pool")
    if tab not in ("pool", "mine", "done"):
        tab = "pool"
    if not permissions.taker_communities(request.user):
        raise NotFound()
    lists = {"pool": selectors.pool, "mine": selectors.my_taken, "done": lambda u: selectors.my_taken(u, done=True)}
    qs = lists[tab](request.user)
    page, prefix = paginate(request, qs, per_page=20)
    return render(request, "casework/field/pool.html", {
        "page": page, "query_prefix": prefix, "tab": tab,
        "counts": {"pool": selectors.pool(request.user).count(), "mine": selectors.my_taken(request.user).count()},
    })


# Services: one order ---------------------------------------------------------------------------
def _render_order(request, order: ServiceOrder, *, error: ApplicationError | None = None, form: dict | None = None,
                  status: int = 200) -> HttpResponse:
    order = permissions.access_order(request.user, order.pk)
    full = permissions.sees_contact(request.user, order)
    return render(request, "casework/field/order.html", {
        "order": order, "role": permissions.order_role(request.user, order),
        "actions": permissions.order_actions(request.user, order),
        "place": selectors.household_label(order, full=full),
        "phone": order.requested_by.phone if full else mask_phone(order.requested_by.phone),
        "error": error, "form": form or {}, "stars": range(5, 0, -1),
    }, status=status)


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_order(request, permissions.access_order(request.user, pk))


ORDER_STEPS = {
    "cancel": lambda r, pk: service_actions.order_cancel(actor=r.user, order_id=pk, reason=r.POST.get("reason", "")),
    "take": lambda r, pk: service_actions.order_take(actor=r.user, order_id=pk),
    "complete": lambda r, pk: service_actions.order_complete(actor=r.user, order_id=pk, note=r.POST.get("note", "")),
    "release": lambda r, pk: service_actions.order_release(actor=r.user, order_id=pk,
                                                           reason=r.POST.get("reason", "")),
    "rate": lambda r, pk: service_actions.order_rate(actor=r.user, order_id=pk, rating=r.POST.get("rating", ""),
                                                     comment=r.POST.get("comment", "")),
    "post": lambda r, pk: service_actions.order_post(actor=r.user, order_id=pk),
}
STEP_DONE = {
    "cancel": gettext_lazy("订单已取消。"),
    "take": gettext_lazy("接单成功，请按约定时间上门服务。"),
    "complete": gettext_lazy("已完成，感谢您的服务！"),
    "release": gettext_lazy("订单已退回接单池。"),
    "rate": gettext_lazy("感谢您的评价！"),
    "post": gettext_lazy("已发布到接单池。"),
}


@login_required
@require_POST
def order_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in ORDER_STEPS:
        raise NotFound()
    try:
        order = ORDER_STEPS[step](request, pk)
    except ApplicationError as exc:
        raise_refusals(exc)
        order = ServiceOrder.objects.filter(pk=pk).first()
        if exc.code == codes.ORDER_ALREADY_TAKEN and step == "take":
            messages.error(request, exc.message)
            return redirect(next_url(request, reverse("field:pool")))
        return _render_order(request, order, error=exc, form=dict(request.POST.items()) | {"step": step},
                             status=exc.status)
    messages.success(request, STEP_DONE[step])
    if step == "release" and permissions.order_role(request.user, order) is None:
        return redirect("field:pool")
    if step == "post":
        return redirect(with_query("field:board", community=order.community_id))
    return redirect(next_url(request, reverse("field:order", args=[order.pk])))


@login_required
def order_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    """派单: search eligible people and give the order to one of them."""
    order = permissions.access_order(request.user, pk)
    if not permissions.can_read_board(request.user, order.community_id):
        raise NotFound()
    error, status = None, 200
    if request.method == "POST":
        try:
            service_actions.order_dispatch(actor=request.user, order_id=order.pk,
                                           assignee_id=int_or_none(request.POST.get("assignee")) or 0,
                                           note=request.POST.get("note", ""))
        except ApplicationError as exc:
            raise_refusals(exc)
            error, status = exc, exc.status
        else:
            messages.success(request, _("已派单。"))
            return redirect(with_query("field:board", community=order.community_id))
    q = request.GET.get("q", "").strip()
    can_manage = permissions.can_manage_services(request.user, order.community_id)
    return render(request, "casework/field/dispatch.html", {
        "order": order, "q": q, "error": error, "can_manage": can_manage,
        "candidates": selectors.dispatch_candidates(order, q=q) if can_manage else [],
        "place": selectors.household_label(order, full=can_manage),
        "actions": permissions.order_actions(request.user, order),
    }, status=status)


# Services: staff -------------------------------------------------------------------------------
def _board_community(request) -> tuple[Region, list[Region]]:
    communities = permissions.board_communities(request.user)
    requested = request.GET.get("community") or request.POST.get("community")
    return pick(communities, requested), communities


@login_required
def board(request: HttpRequest) -> HttpResponse:
    community, communities = _board_community(request)
    status = request.GET.get("status", "waiting")
    if status not in selectors.BOARD_FILTERS and status != "all":
        status = "waiting"
    offering_id = int_or_none(request.GET.get("offering"))
    page, prefix = paginate(request, selectors.board(community.pk, status=status, offering_id=offering_id), per_page=30)
    year = timezone.localdate().year
    return render(request, "casework/field/board.html", {
        "community": community, "communities": communities, "status": status, "page": page,
        "query_prefix": prefix, "counts": selectors.board_counts(community.pk),
        "offerings": selectors.offerings_for_staff(community.pk, show="all"), "offering_id": offering_id,
        "can_manage": permissions.can_manage_services(request.user, community.pk),
        "filters": [("waiting", _("待派单")), ("posted", _("待接单")), ("taken", _("服务中")),
                    ("done", _("已完成")), ("cancelled", _("已取消")), ("all", _("全部"))],
        "year": year,
    })


def _offering_form(request) -> dict:
    return {k: request.POST.get(k, "").strip() for k in ("title", "description", "provider")}


@login_required
def offerings(request: HttpRequest) -> HttpResponse:
    """组织列单: the community's offerings, and a form to list a new one."""
    community, communities = _board_community(request)
    error, status, form = None, 200, {"provider": ServiceOffering.Provider.ANY}
    if request.method == "POST":
        form = _offering_form(request)
        try:
            offering = service_actions.offering_create(actor=request.user, community_id=community.pk, **form)
        except ApplicationError as exc:
            raise_refusals(exc)
            error, status = exc, exc.status
        else:
            messages.success(request, _("已上架服务：%(title)s。") % {"title": offering.title})
            return redirect(with_query("field:offerings", community=community.pk))
    show = request.GET.get("show", "all")
    return render(request, "casework/field/offerings.html", {
        "community": community, "communities": communities, "show": show,
        "offerings": selectors.offerings_for_staff(community.pk, show=show), "form": form, "error": error,
        "providers": ServiceOffering.Provider.choices,
        "can_manage": permissions.can_manage_services(request.user, community.pk),
    }, status=status)


@login_required
def offering_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offering = permissions.access_offering(request.user, pk)
    if not permissions.can_read_board(request.user, offering.community_id):
        raise NotFound()
    error, status = None, 200
    form = {"title": offering.title, "description": offering.description, "provider": offering.provider}
    if request.method == "POST":
        op = request.POST.get("op", "update")
        try:
            if op == "withdraw":
                service_actions.offering_withdraw(actor=request.user, offering_id=offering.pk)
                messages.success(request, _("已下架。已点的单照常完成。"))
            elif op == "relist":
                service_actions.offering_relist(actor=request.user, offering_id=offering.pk)
                messages.success(request, _("已重新上架。"))
            else:
                form = _offering_form(request)
                service_actions.offering_update(actor=request.user, offering_id=offering.pk, **form)
                messages.success(request, _("已保存。"))
        except ApplicationError as exc:
            raise_refusals(exc)
            error, status = exc, exc.status
        else:
            return redirect("field:offering", offering.pk)
        offering.refresh_from_db()
    return render(request, "casework/field/offering.html", {
        "offering": offering, "form": form, "error": error, "providers": ServiceOffering.Provider.choices,
        "can_manage": permissions.can_manage_services(request.user, offering.community_id),
        "recent": selectors.board(offering.community_id, status="all", offering_id=offering.pk)[:20],
    }, status=status)
