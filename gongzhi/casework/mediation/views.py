"""Pages of dispute mediation (URL names ``field:mediation*``): the list, opening, one mediation and its steps.

Views parse input, call one action (writes) or selectors (reads) and render.
Refusals (403) and misses (404) become the error page; bad input re-renders the
page with the message (status 400/409) and changes nothing. Desk views that still
work on a phone.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.pagination import paginate
from gongzhi.core.validators import mask_phone
from gongzhi.org.models import Region

from ..fieldwork.pages import int_or_none, raise_refusals
from ..models import Mediation, MediationParty
from ..permissions import access_case
from . import actions as mediation_actions
from . import permissions, selectors


# Mediation ---------------------------------------------------------------------------------------
@login_required
def mediations(request: HttpRequest) -> HttpResponse:
    if not permissions.mediates_anything(request.user) and not selectors.mediation_list(request.user).exists():
        raise NotFound()
    status = request.GET.get("status", "open")
    page, prefix = paginate(request, selectors.mediation_list(request.user, status=status), per_page=30)
    year = int_or_none(request.GET.get("year"))
    if year is None or not 1900 <= year <= 9998:  # the year's statistics build dates: keep them in range
        year = timezone.localdate().year
    communities = list(Region.objects.filter(pk__in=permissions.mediation_communities(request.user)).order_by("code"))
    stats = [(c, selectors.mediation_stats(c.pk, year)) for c in communities]
    return render(request, "casework/field/mediations.html", {
        "page": page, "query_prefix": prefix, "status": status, "year": year, "stats": stats,
        "can_open": permissions.opens_mediations(request.user),
        "filters": [("open", _("调解中")), ("closed", _("已结案")), ("agreed", _("达成协议")), ("all", _("全部"))],
    })


@login_required
def mediation_open(request: HttpRequest) -> HttpResponse:
    """立案: pick a request (disputes first), name the mediator, open."""
    if not permissions.opens_mediations(request.user):
        raise NotFound()
    case_id = int_or_none(request.GET.get("case") or request.POST.get("case"))
    case = access_case(request.user, case_id) if case_id else None
    if case is not None and not permissions.can_mediate(request.user, case):
        raise NotFound()
    error, status = None, 200
    form = {"mediator": str(request.user.pk), "note": ""}
    if request.method == "POST":
        form = {"mediator": request.POST.get("mediator", ""), "note": request.POST.get("note", "")}
        try:
            mediation = mediation_actions.mediation_open(
                actor=request.user, case_id=case_id or 0, mediator_id=int_or_none(form["mediator"]), note=form["note"]
            )
        except ApplicationError as exc:
            raise_refusals(exc)
            error, status = exc, exc.status
        else:
            messages.success(request, _("已立案调解，请登记当事人。"))
            return redirect("field:mediation", mediation.pk)
    q = request.GET.get("q", "").strip()
    return render(request, "casework/field/mediation_open.html", {
        "case": case, "q": q, "error": error, "form": form,
        "cases": [] if case else selectors.mediable_cases(request.user, q=q),
        "mediators": selectors.mediator_candidates(case) if case else [],
    }, status=status)


def _render_mediation(request, mediation: Mediation, *, error=None, form=None, status=200) -> HttpResponse:
    mediation = permissions.access_mediation(request.user, mediation.pk)
    detail = selectors.mediation_detail(mediation)
    can_edit = mediation.status == Mediation.Status.OPEN and permissions.can_mediate(request.user, mediation.case)
    for party in detail["parties"]:
        party.masked_phone = mask_phone(party.phone)
    now = timezone.localtime()
    return render(request, "casework/field/mediation.html", {
        "mediation": mediation, "case": mediation.case, **detail, "can_edit": can_edit,
        "can_reveal": permissions.can_mediate(request.user, mediation.case),
        "can_resolve": permissions.can_resolve_case(request.user, mediation.case),
        "sides": MediationParty.Side.choices, "error": error, "form": form or {},
        "now": now.strftime("%Y-%m-%dT%H:%M"),
    }, status=status)


@login_required
def mediation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_mediation(request, permissions.access_mediation(request.user, pk))


def _mediation_post(request, pk: int, call, done: str, form_name: str) -> HttpResponse:
    mediation = permissions.access_mediation(request.user, pk)
    try:
        call()
    except ApplicationError as exc:
        raise_refusals(exc)
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
        resident_id=int_or_none(p.get("resident")), phone=p.get("phone", ""),
    ), _("已登记当事人。"), "party")


@login_required
@require_POST
def mediation_party_remove(request: HttpRequest, pk: int) -> HttpResponse:
    party = permissions.access_party(request.user, pk)
    return _mediation_post(request, party.mediation_id, lambda: mediation_actions.mediation_remove_party(
        actor=request.user, party_id=pk), _("已删除当事人。"), "party")


@login_required
def mediation_party_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the full number in place of the masked one (the action audits the read)."""
    phone = mediation_actions.mediation_party_phone_reveal(actor=request.user, party_id=pk)
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
