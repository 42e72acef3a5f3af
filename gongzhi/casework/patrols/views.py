"""Pages of grid patrols (URL names ``field:patrol*``): the log, one patrol, stops, reports, the end.

Views parse input, call one action (writes) or selectors (reads) and render.
Refusals (403) and misses (404) become the error page; bad input re-renders the
page with the message (status 400/409) and changes nothing. Grid workers use these
pages on a phone (375 px).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDeniedError
from gongzhi.core.pagination import paginate

from .. import selectors as case_selectors
from gongzhi.core.page_errors import flash_error

from ..fieldwork.pages import int_or_none, raise_refusals
from ..models import Urgency
from . import actions as patrol_actions
from . import permissions, selectors


# Patrols -----------------------------------------------------------------------------------------
@login_required
def patrols(request: HttpRequest) -> HttpResponse:
    """The patrol log by grid and date; walkers start or continue their patrol here."""
    walk_grids = permissions.patrol_grids(request.user)
    grids = list(permissions.patrol_view_grids(request.user))
    if not grids and not walk_grids:
        raise NotFound()
    grid_id = int_or_none(request.GET.get("grid"))
    if grid_id and grid_id not in {g.pk for g in grids}:
        raise NotFound()
    day_text = request.GET.get("day", "").strip()
    try:
        day = datetime.date.fromisoformat(day_text) if day_text else None
    except ValueError:
        day, day_text = None, ""
    page, prefix = paginate(request, selectors.patrol_log(request.user, grid_id=grid_id, day=day), per_page=20)
    return render(request, "casework/field/patrols.html", {
        "page": page, "query_prefix": prefix, "grids": grids, "grid_id": grid_id, "day": day_text,
        "walk_grids": walk_grids, "current": selectors.open_patrol(request.user),
    })


@login_required
@require_POST
def patrol_start(request: HttpRequest) -> HttpResponse:
    try:
        patrol = patrol_actions.patrol_start(actor=request.user, grid_id=int_or_none(request.POST.get("grid")) or 0)
    except ApplicationError as exc:
        flash_error(request, exc, page_statuses=(403, 404))
        current = selectors.open_patrol(request.user)
        return redirect("field:patrol", current.pk) if current else redirect("field:patrols")
    return redirect("field:patrol", patrol.pk)


def _render_patrol(request, patrol, *, error=None, form=None, status=200) -> HttpResponse:
    patrol = selectors.patrol_detail(permissions.access_patrol(request.user, patrol.pk))
    walking = patrol.worker_id == request.user.pk and patrol.ended_at is None
    stops = list(patrol.stops.all())
    return render(request, "casework/field/patrol.html", {
        "patrol": patrol, "walking": walking, "stops": list(reversed(stops)) if walking else stops,
        "buildings": selectors.grid_buildings(patrol) if walking else [], "error": error, "form": form or {},
    }, status=status)


@login_required
def patrol_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_patrol(request, permissions.access_patrol(request.user, pk))


@login_required
@require_POST
def patrol_stop(request: HttpRequest, pk: int) -> HttpResponse:
    patrol = permissions.access_patrol(request.user, pk)
    try:
        stop = patrol_actions.patrol_stop_add(
            actor=request.user, patrol_id=pk, building_id=int_or_none(request.POST.get("building")),
            place=request.POST.get("place", ""), note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        raise_refusals(exc)
        return _render_patrol(request, patrol, error=exc, form=dict(request.POST.items()), status=exc.status)
    where = f"{stop.building.compound.name} {stop.building.name}" if stop.building_id else stop.place
    messages.success(request, _("已记录：%(place)s %(time)s") % {
        "place": where, "time": timezone.localtime(stop.visited_at).strftime("%H:%M")})
    return redirect(f"{reverse('field:patrol', args=[pk])}#stop-{stop.pk}")


@login_required
@require_POST
def patrol_stop_note(request: HttpRequest, pk: int) -> HttpResponse:
    stop = permissions.access_stop(request.user, pk)
    try:
        patrol_actions.patrol_stop_note(actor=request.user, stop_id=pk, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        raise_refusals(exc)
        return _render_patrol(request, stop.patrol, error=exc, form={"stop": pk, "note": request.POST.get("note", "")},
                              status=exc.status)
    messages.success(request, _("已保存记录。"))
    return redirect(f"{reverse('field:patrol', args=[stop.patrol_id])}#stop-{pk}")


@login_required
def patrol_report(request: HttpRequest, pk: int) -> HttpResponse:
    """上报问题 from a stop: the ordinary intake, linked to the patrol."""
    stop = permissions.access_stop(request.user, pk)
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
            raise_refusals(exc)
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
    patrol = permissions.access_patrol(request.user, pk)
    if patrol.worker_id != request.user.pk:
        raise PermissionDeniedError()
    if patrol.ended_at is not None:
        return redirect("field:patrol", patrol.pk)
    error, status = None, 200
    summary = selectors.suggested_summary(patrol)
    if request.method == "POST":
        summary = request.POST.get("summary", "")
        try:
            patrol_actions.patrol_end(actor=request.user, patrol_id=patrol.pk, summary=summary)
        except ApplicationError as exc:
            raise_refusals(exc)
            error, status = exc, exc.status
        else:
            messages.success(request, _("巡查已结束，辛苦了！"))
            return redirect("field:patrol", patrol.pk)
    return render(request, "casework/field/patrol_end.html", {
        "patrol": patrol, "summary": summary, "error": error, "figures": selectors.patrol_summary(patrol),
    }, status=status)
