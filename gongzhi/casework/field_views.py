"""Pages of service orders, mediation and patrols (URL names ``field:*``).

Views parse input, call one action (writes) or selectors (reads) and render.
Refusals (403) and misses (404) become the error page; bad input re-renders the
page with the message (status 400/409) and changes nothing. Residents, takers and
grid workers use these pages on a phone (375 px); the board and mediation pages are
desk views that still work on a phone.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDeniedError
from gongzhi.core.pagination import paginate
from gongzhi.core.validators import mask_phone
from gongzhi.org.models import Region

from . import field_selectors as fs
from . import selectors as case_selectors
from .actions import mediation as mediation_actions
from .actions import patrols as patrol_actions
from .actions import services as service_actions
from .models import Mediation, MediationParty, ServiceOffering, ServiceOrder, Urgency
from .permissions import access_case


# Helpers -------------------------------------------------------------------------------------
def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _raise_refusals(exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _with_query(name: str, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    url = reverse(name)
    return f"{url}?{urlencode(params)}" if params else url


# Services: residents ---------------------------------------------------------------------------
@login_required
def services(request: HttpRequest) -> HttpResponse:
    """The catalogue (群众点单) of the resident's community, with their open orders on top."""
    ids = fs.member_communities(request.user) | {c.pk for c in fs.board_communities(request.user)}
    communities = list(Region.objects.filter(pk__in=ids).order_by("code"))
    community = fs.pick_community(communities, request.GET.get("community"))
    is_resident = fs.resident_households(request.user).filter(community=community).exists()
    open_orders = list(fs.my_orders(request.user).filter(status__in=fs.OPEN_ORDER_STATUSES + (
        ServiceOrder.Status.COMPLETED,))[:5])
    return render(request, "casework/field/services.html", {
        "community": community, "communities": communities, "offerings": fs.catalogue(community.pk),
        "is_resident": is_resident, "open_orders": open_orders,
        "can_manage": fs.can_manage_services(request.user, community.pk),
    })


@login_required
def order_new(request: HttpRequest, pk: int) -> HttpResponse:
    offering = fs.access_offering(request.user, pk)
    homes = list(fs.resident_households(request.user).filter(community_id=offering.community_id))
    form = {"household": str(homes[0].pk) if len(homes) == 1 else "", "note": "", "preferred_time": ""}
    error, status = None, 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in ("household", "note", "preferred_time")}
        try:
            order = service_actions.order_place(
                actor=request.user, offering_id=offering.pk, household_id=_int(form["household"]),
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
    page, prefix = paginate(request, fs.my_orders(request.user), per_page=20)
    return render(request, "casework/field/my_orders.html", {"page": page, "query_prefix": prefix})


# Services: takers -----------------------------------------------------------------------------
@login_required
def pool(request: HttpRequest) -> HttpResponse:
    """接单池 and the orders the user has taken."""
    tab = request.GET.get("tab", "pool")
    if tab not in ("pool", "mine", "done"):
        tab = "pool"
    if not fs.taker_communities(request.user):
        raise NotFound()
    qs = {"pool": fs.pool, "mine": fs.my_taken, "done": lambda u: fs.my_taken(u, done=True)}[tab](request.user)
    page, prefix = paginate(request, qs, per_page=20)
    return render(request, "casework/field/pool.html", {
        "page": page, "query_prefix": prefix, "tab": tab,
        "counts": {"pool": fs.pool(request.user).count(), "mine": fs.my_taken(request.user).count()},
    })


# Services: one order ---------------------------------------------------------------------------
def _render_order(request, order: ServiceOrder, *, error: ApplicationError | None = None, form: dict | None = None,
                  status: int = 200) -> HttpResponse:
    order = fs.access_order(request.user, order.pk)
    full = fs.sees_contact(request.user, order)
    return render(request, "casework/field/order.html", {
        "order": order, "role": fs.order_role(request.user, order), "actions": fs.order_actions(request.user, order),
        "place": fs.household_label(order, full=full),
        "phone": order.requested_by.phone if full else mask_phone(order.requested_by.phone),
        "error": error, "form": form or {}, "stars": range(5, 0, -1),
    }, status=status)


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_order(request, fs.access_order(request.user, pk))


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
        _raise_refusals(exc)
        order = ServiceOrder.objects.filter(pk=pk).first()
        if exc.code == service_actions.ORDER_ALREADY_TAKEN and step == "take":
            messages.error(request, exc.message)
            return redirect(_next(request, reverse("field:pool")))
        return _render_order(request, order, error=exc, form=dict(request.POST.items()) | {"step": step},
                             status=exc.status)
    messages.success(request, STEP_DONE[step])
    if step == "release" and fs.order_role(request.user, order) is None:
        return redirect("field:pool")
    if step == "post":
        return redirect(_with_query("field:board", community=order.community_id))
    return redirect(_next(request, reverse("field:order", args=[order.pk])))


@login_required
def order_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    """派单: search eligible people and give the order to one of them."""
    order = fs.access_order(request.user, pk)
    if not fs.can_read_board(request.user, order.community_id):
        raise NotFound()
    error, status = None, 200
    if request.method == "POST":
        try:
            service_actions.order_dispatch(actor=request.user, order_id=order.pk,
                                           assignee_id=_int(request.POST.get("assignee")) or 0,
                                           note=request.POST.get("note", ""))
        except ApplicationError as exc:
            _raise_refusals(exc)
            error, status = exc, exc.status
        else:
            messages.success(request, _("已派单。"))
            return redirect(_with_query("field:board", community=order.community_id))
    q = request.GET.get("q", "").strip()
    can_manage = fs.can_manage_services(request.user, order.community_id)
    return render(request, "casework/field/dispatch.html", {
        "order": order, "q": q, "error": error, "can_manage": can_manage,
        "candidates": fs.dispatch_candidates(order, q=q) if can_manage else [],
        "place": fs.household_label(order, full=can_manage), "actions": fs.order_actions(request.user, order),
    }, status=status)


# Services: staff -------------------------------------------------------------------------------
def _board_community(request) -> tuple[Region, list[Region]]:
    communities = fs.board_communities(request.user)
    return fs.pick_community(communities, request.GET.get("community") or request.POST.get("community")), communities


@login_required
def board(request: HttpRequest) -> HttpResponse:
    community, communities = _board_community(request)
    status = request.GET.get("status", "waiting")
    if status not in fs.BOARD_FILTERS and status != "all":
        status = "waiting"
    offering_id = _int(request.GET.get("offering"))
    page, prefix = paginate(request, fs.board(community.pk, status=status, offering_id=offering_id), per_page=30)
    year = timezone.localdate().year
    return render(request, "casework/field/board.html", {
        "community": community, "communities": communities, "status": status, "page": page,
        "query_prefix": prefix, "counts": fs.board_counts(community.pk),
        "offerings": fs.offerings_for_staff(community.pk, show="all"), "offering_id": offering_id,
        "can_manage": fs.can_manage_services(request.user, community.pk),
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
            _raise_refusals(exc)
            error, status = exc, exc.status
        else:
            messages.success(request, _("已上架服务：%(title)s。") % {"title": offering.title})
            return redirect(_with_query("field:offerings", community=community.pk))
    show = request.GET.get("show", "all")
    return render(request, "casework/field/offerings.html", {
        "community": community, "communities": communities, "show": show,
        "offerings": fs.offerings_for_staff(community.pk, show=show), "form": form, "error": error,
        "providers": ServiceOffering.Provider.choices,
        "can_manage": fs.can_manage_services(request.user, community.pk),
    }, status=status)


@login_required
def offering_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offering = fs.access_offering(request.user, pk)
    if not fs.can_read_board(request.user, offering.community_id):
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
            _raise_refusals(exc)
            error, status = exc, exc.status
        else:
            return redirect("field:offering", offering.pk)
        offering.refresh_from_db()
    return render(request, "casework/field/offering.html", {
        "offering": offering, "form": form, "error": error, "providers": ServiceOffering.Provider.choices,
        "can_manage": fs.can_manage_services(request.user, offering.community_id),
        "recent": fs.board(offering.community_id, status="all", offering_id=offering.pk)[:20],
    }, status=status)


# Mediation ---------------------------------------------------------------------------------------
@login_required
def mediations(request: HttpRequest) -> HttpResponse:
    if not fs.mediates_anything(request.user) and not fs.mediation_list(request.user).exists():
        raise NotFound()
    status = request.GET.get("status", "open")
    page, prefix = paginate(request, fs.mediation_list(request.user, status=status), per_page=30)
    year = _int(request.GET.get("year")) or timezone.localdate().year
    communities = list(Region.objects.filter(pk__in=fs.mediation_communities(request.user)).order_by("code"))
    stats = [(c, fs.mediation_stats(c.pk, year)) for c in communities]
    return render(request, "casework/field/mediations.html", {
        "page": page, "query_prefix": prefix, "status": status, "year": year, "stats": stats,
        "can_open": fs.opens_mediations(request.user),
        "filters": [("open", _("调解中")), ("closed", _("已结案")), ("agreed", _("达成协议")), ("all", _("全部"))],
    })


@login_required
def mediation_open(request: HttpRequest) -> HttpResponse:
    """立案: pick a request (disputes first), name the mediator, open."""
    if not fs.opens_mediations(request.user):
        raise NotFound()
    case_id = _int(request.GET.get("case") or request.POST.get("case"))
    case = access_case(request.user, case_id) if case_id else None
    if case is not None and not fs.can_mediate(request.user, case):
        raise NotFound()
    error, status = None, 200
    form = {"mediator": str(request.user.pk), "note": ""}
    if request.method == "POST":
        form = {"mediator": request.POST.get("mediator", ""), "note": request.POST.get("note", "")}
        try:
            mediation = mediation_actions.mediation_open(
                actor=request.user, case_id=case_id or 0, mediator_id=_int(form["mediator"]), note=form["note"]
            )
        except ApplicationError as exc:
            _raise_refusals(exc)
            error, status = exc, exc.status
        else:
            messages.success(request, _("已立案调解，请登记当事人。"))
            return redirect("field:mediation", mediation.pk)
    q = request.GET.get("q", "").strip()
    return render(request, "casework/field/mediation_open.html", {
        "case": case, "q": q, "error": error, "form": form,
        "cases": [] if case else fs.mediable_cases(request.user, q=q),
        "mediators": fs.mediator_candidates(case) if case else [],
    }, status=status)


def _render_mediation(request, mediation: Mediation, *, error=None, form=None, status=200) -> HttpResponse:
    mediation = fs.access_mediation(request.user, mediation.pk)
    detail = fs.mediation_detail(mediation)
    can_edit = mediation.status == Mediation.Status.OPEN and fs.can_mediate(request.user, mediation.case)
    for party in detail["parties"]:
        party.masked_phone = mask_phone(party.phone)
    now = timezone.localtime()
    return render(request, "casework/field/mediation.html", {
        "mediation": mediation, "case": mediation.case, **detail, "can_edit": can_edit,
        "can_reveal": fs.can_mediate(request.user, mediation.case),
        "can_resolve": mediation_actions.can_resolve_case(request.user, mediation.case),
        "sides": MediationParty.Side.choices, "error": error, "form": form or {},
        "now": now.strftime("%Y-%m-%dT%H:%M"),
    }, status=status)


@login_required
def mediation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_mediation(request, fs.access_mediation(request.user, pk))


def _mediation_post(request, pk: int, call, done: str, form_name: str) -> HttpResponse:
    mediation = fs.access_mediation(request.user, pk)
    try:
        call()
    except ApplicationError as exc:
        _raise_refusals(exc)
        return _render_mediation(request, mediation, error=exc,
                                 form=dict(request.POST.items()) | {"form": form_name}, status=exc.status)
    messages.success(request, done)
    return redirect("field:mediation", mediation.pk)


@login_required
@require_POST
def mediation_party_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = request.POST
    return _mediation_post(request, pk, lambda: mediation_actions.mediation_add_party(
        actor=request.user, mediation_id=pk, side=p.get("side", ""), name=p.get("name", ""),
        resident_id=_int(p.get("resident")), phone=p.get("phone", ""),
    ), _("已登记当事人。"), "party")


@login_required
@require_POST
def mediation_party_remove(request: HttpRequest, pk: int) -> HttpResponse:
    party = fs.access_party(request.user, pk)
    return _mediation_post(request, party.mediation_id, lambda: mediation_actions.mediation_remove_party(
        actor=request.user, party_id=pk), _("已删除当事人。"), "party")


@login_required
def mediation_party_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the full number in place of the masked one (audited)."""
    phone = fs.party_phone_reveal(request.user, pk)
    return HttpResponse(format_html('<a href="tel:{0}">{0}</a>', phone) if phone else "—")


@login_required
@require_POST
def mediation_session_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = request.POST
    return _mediation_post(request, pk, lambda: mediation_actions.mediation_add_session(
        actor=request.user, mediation_id=pk, held_at=p.get("held_at", ""), notes=p.get("notes", ""),
        place=p.get("place", ""), attendees=p.get("attendees", ""),
    ), _("已记录调解过程。"), "session")


@login_required
@require_POST
def mediation_close(request: HttpRequest, pk: int) -> HttpResponse:
    p = request.POST
    return _mediation_post(request, pk, lambda: mediation_actions.mediation_close(
        actor=request.user, mediation_id=pk, outcome=p.get("outcome", ""), terms=p.get("terms", ""),
        note=p.get("note", ""),
        resolve_case=p.get("resolve_case") == "on" and p.get("outcome") == Mediation.Status.AGREED,
    ), _("调解已结案。"), "close")


# Patrols -----------------------------------------------------------------------------------------
@login_required
def patrols(request: HttpRequest) -> HttpResponse:
    """The patrol log by grid and date; walkers start or continue their patrol here."""
    walk_grids = fs.patrol_grids(request.user)
    grids = list(fs.patrol_view_grids(request.user))
    if not grids and not walk_grids:
        raise NotFound()
    grid_id = _int(request.GET.get("grid"))
    if grid_id and grid_id not in {g.pk for g in grids}:
        raise NotFound()
    day_text = request.GET.get("day", "").strip()
    try:
        day = datetime.date.fromisoformat(day_text) if day_text else None
    except ValueError:
        day, day_text = None, ""
    page, prefix = paginate(request, fs.patrol_log(request.user, grid_id=grid_id, day=day), per_page=20)
    return render(request, "casework/field/patrols.html", {
        "page": page, "query_prefix": prefix, "grids": grids, "grid_id": grid_id, "day": day_text,
        "walk_grids": walk_grids, "current": fs.open_patrol(request.user),
    })


@login_required
@require_POST
def patrol_start(request: HttpRequest) -> HttpResponse:
    try:
        patrol = patrol_actions.patrol_start(actor=request.user, grid_id=_int(request.POST.get("grid")) or 0)
    except ApplicationError as exc:
        _raise_refusals(exc)
        messages.error(request, exc.message)
        current = fs.open_patrol(request.user)
        return redirect("field:patrol", current.pk) if current else redirect("field:patrols")
    return redirect("field:patrol", patrol.pk)


def _render_patrol(request, patrol, *, error=None, form=None, status=200) -> HttpResponse:
    patrol = fs.patrol_detail(fs.access_patrol(request.user, patrol.pk))
    walking = patrol.worker_id == request.user.pk and patrol.ended_at is None
    stops = list(patrol.stops.all())
    return render(request, "casework/field/patrol.html", {
        "patrol": patrol, "walking": walking, "stops": list(reversed(stops)) if walking else stops,
        "buildings": fs.grid_buildings(patrol) if walking else [], "error": error, "form": form or {},
    }, status=status)


@login_required
def patrol_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_patrol(request, fs.access_patrol(request.user, pk))


@login_required
@require_POST
def patrol_stop(request: HttpRequest, pk: int) -> HttpResponse:
    patrol = fs.access_patrol(request.user, pk)
    try:
        stop = patrol_actions.patrol_stop_add(
            actor=request.user, patrol_id=pk, building_id=_int(request.POST.get("building")),
            place=request.POST.get("place", ""), note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        _raise_refusals(exc)
        return _render_patrol(request, patrol, error=exc, form=dict(request.POST.items()), status=exc.status)
    where = f"{stop.building.compound.name} {stop.building.name}" if stop.building_id else stop.place
    messages.success(request, _("已记录：%(place)s %(time)s") % {
        "place": where, "time": timezone.localtime(stop.visited_at).strftime("%H:%M")})
    return redirect(f"{reverse('field:patrol', args=[pk])}#stop-{stop.pk}")


@login_required
@require_POST
def patrol_stop_note(request: HttpRequest, pk: int) -> HttpResponse:
    stop = fs.access_stop(request.user, pk)
    try:
        patrol_actions.patrol_stop_note(actor=request.user, stop_id=pk, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        _raise_refusals(exc)
        return _render_patrol(request, stop.patrol, error=exc, form={"stop": pk, "note": request.POST.get("note", "")},
                              status=exc.status)
    messages.success(request, _("已保存记录。"))
    return redirect(f"{reverse('field:patrol', args=[stop.patrol_id])}#stop-{pk}")


@login_required
def patrol_report(request: HttpRequest, pk: int) -> HttpResponse:
    """上报问题 from a stop: the ordinary intake, linked to the patrol."""
    stop = fs.access_stop(request.user, pk)
    patrol = stop.patrol
    if patrol.worker_id != request.user.pk:
        raise PermissionDeniedError()
    error, status = None, 200
    form = {"description": stop.note, "category": "", "urgency": Urgency.NORMAL}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in ("description", "category", "urgency")}
        try:
            case = patrol_actions.patrol_report(
                actor=request.user, stop_id=stop.pk, description=form["description"],
                category_code=form["category"] or None, urgency=form["urgency"] or Urgency.NORMAL,
                photos=request.FILES.getlist("photos"),
            )
        except ApplicationError as exc:
            _raise_refusals(exc)
            error, status = exc, exc.status
        else:
            messages.success(request, _("已上报问题 #%(id)s（%(category)s）。") % {
                "id": case.pk, "category": case.category.name})
            return redirect(f"{reverse('field:patrol', args=[patrol.pk])}#stop-{stop.pk}")
    return render(request, "casework/field/patrol_report.html", {
        "stop": stop, "patrol": patrol, "form": form, "error": error,
        "categories": case_selectors.categories(patrol.community_id), "urgencies": Urgency.choices,
    }, status=status)


@login_required
def patrol_end(request: HttpRequest, pk: int) -> HttpResponse:
    patrol = fs.access_patrol(request.user, pk)
    if patrol.worker_id != request.user.pk:
        raise PermissionDeniedError()
    if patrol.ended_at is not None:
        return redirect("field:patrol", patrol.pk)
    error, status = None, 200
    summary = fs.suggested_summary(patrol)
    if request.method == "POST":
        summary = request.POST.get("summary", "")
        try:
            patrol_actions.patrol_end(actor=request.user, patrol_id=patrol.pk, summary=summary)
        except ApplicationError as exc:
            _raise_refusals(exc)
            error, status = exc, exc.status
        else:
            messages.success(request, _("巡查已结束，辛苦了！"))
            return redirect("field:patrol", patrol.pk)
    return render(request, "casework/field/patrol_end.html", {
        "patrol": patrol, "summary": summary, "error": error, "figures": fs.patrol_summary(patrol),
    }, status=status)
