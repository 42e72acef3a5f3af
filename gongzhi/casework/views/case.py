"""The request page both audiences share (/cases/<id>/) and every step taken from it.

The reporter sees the public timeline and the verify / reopen / rate forms; anyone else who may
see the request (handlers, supervisors, departments it was whistled to) sees the full internal
timeline, the 五连问 tab and one small form per step they may take now. Each POST calls one
action; a refusal or bad input re-renders the page with the Chinese message next to the form it
came from and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.page_errors import flash_error
from gongzhi.core.printing import print_page, render_pdf

from .. import selectors
from ..actions import lifecycle
from ..actions import contact as contact_actions
from ..actions import place as place_actions
from ..models import Case, CaseEvent, CasePhoto, Department, Tier, Whistle
from ..selectors import buildings_by_compound, community_buildings, handler_candidates, role_labels
from ..permissions import (
    access_case,
    can_handle,
    can_supervise,
    can_view,
    case_in_scope,
    department_ids,
    tier_scope,
)
from .common import int_or_none, overdue, place_label, refuse_misses

S = Case.Status


def _may_verify_as_staff(user, case: Case) -> bool:
    return case_in_scope(case, tier_scope(user, Tier.GRID)) or case_in_scope(case, tier_scope(user, Tier.COMMUNITY))


def available_steps(user, case: Case) -> dict[str, bool]:
    """The steps this user may take on the case in its current state (the actions check again)."""
    handles = can_handle(user, case)
    supervises = can_supervise(user, case)
    reporter = case.reporter_id is not None and case.reporter_id == user.pk
    status = case.status
    open_ = status in Case.OPEN_STATUSES
    return {
        "accept": handles and status == S.SUBMITTED,
        "dispatch": handles and status in (S.SUBMITTED, S.ACCEPTED, S.DISPATCHED),
        "hand_over": handles and status in (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS),
        "start": handles and status in (S.ACCEPTED, S.DISPATCHED),
        "progress": handles and open_,
        "resolve": handles and status in (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS),
        "escalate": handles and open_ and case.tier in (Tier.BUILDING, Tier.GRID),
        "place": (handles or supervises) and open_,
        "whistle": supervises and open_,
        "category": handles and status not in Case.FINAL_STATUSES,
        "merge": (handles or supervises) and status in (S.SUBMITTED, S.ACCEPTED),
        "reject": supervises and status in (S.SUBMITTED, S.ACCEPTED),
        "close": supervises and status in (S.RESOLVED, S.VERIFIED, S.RATED),
        "comment": handles or not reporter,
        "staff_verify": not reporter and status == S.RESOLVED and _may_verify_as_staff(user, case),
        "verify": reporter and status == S.RESOLVED,
        "reopen": reporter and status in (S.VERIFIED, S.RATED),
        "rate": reporter and status == S.VERIFIED,  # 已解决 first, then the stars
    }


def _context(request: HttpRequest, case: Case, *, error: ApplicationError | None = None, error_step: str = "",
             posted=None) -> dict:
    user = request.user
    steps = available_steps(user, case)
    reporter = case.reporter_id is not None and case.reporter_id == user.pk
    handles = can_handle(user, case)
    staff_view = handles or not reporter
    if staff_view:  # the menu marks 诉求办理 (the queue), not the residents' 我的诉求, though the path is /cases/
        request.nav_path = reverse("casework:queue")
    tab = request.GET.get("tab", "")
    events = selectors.timeline(case, public_only=not staff_view)
    report_photos = [p for e in events for p in e.photos.all() if p.kind == CasePhoto.Kind.REPORT]
    resolved = [e for e in events if e.kind == CaseEvent.Kind.RESOLVED]
    result_photos = [p for p in resolved[-1].photos.all() if p.kind == CasePhoto.Kind.RESULT] if resolved else []
    if error_step == "verify":
        error_inline = steps["verify"] or steps["reopen"]
    else:
        error_inline = bool(steps.get(error_step)) and (error is None or error.status != 403)
    ctx = {
        "case": case,
        "place": place_label(case),
        "is_reporter": reporter,
        "staff_view": staff_view,
        "handles": handles,
        "steps": steps,
        "any_step": any(v for k, v in steps.items() if k not in ("verify", "reopen", "rate")),
        "events": events,
        "report_photos": report_photos,
        "result_photos": result_photos,
        "overdue": overdue(case),
        "now": timezone.now(),
        "tab": "five" if staff_view and tab == "five" else "",
        "error": error,
        "error_step": error_step,
        "error_inline": error_inline,
        "my_departments": department_ids(user),
        "posted": posted or {},
        "just_submitted": request.GET.get("submitted") == "1",
        "stars": [5, 4, 3, 2, 1],
        "confidence": round(case.suggestion_confidence * 100) if case.suggestion_confidence is not None else None,
        "show_text": " ".join(case.description.split()) != case.title,
    }
    if ctx["tab"] == "five":
        ctx["five"] = selectors.five_questions(case)
    if staff_view:
        ctx["reporter"] = selectors.reporter_card(user, case)
        ctx["whistles"] = list(case.whistles.select_related("department", "acknowledged_by").order_by("pk"))
        ctx["duplicates"] = list(case.duplicates.order_by("pk").values_list("pk", flat=True))
        if steps["dispatch"] or steps["hand_over"]:
            people = handler_candidates([case])
            labels = role_labels(people, {case.community_id})
            ctx["candidates"] = [(p, labels.get(p.pk, "")) for p in people]
        if steps["place"]:
            ctx["place_groups"] = buildings_by_compound(community_buildings([case.community_id]))
        if steps["whistle"]:
            ctx["departments"] = list(Department.objects.filter(community_id=case.community_id).order_by("name"))
        if steps["category"]:
            ctx["categories"] = selectors.categories(case.community_id)
        if case.is_open and steps["merge"]:
            ctx["similar"] = selectors.similar_to_case(case)
    return ctx


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    return render(request, "casework/case_detail.html", _context(request, case))


PRINT_EVENTS_PER_QUESTION = 4  # what fits one A4 sheet with the facts (one line each); the rest is counted


def _print_context(request: HttpRequest, case: Case) -> dict:
    user = request.user
    reporter = case.reporter_id is not None and case.reporter_id == user.pk
    staff_view = can_handle(user, case) or not reporter
    five = []
    for q in selectors.five_questions(case, public_only=not staff_view):
        events = q["events"]
        five.append({**q, "events": events[-PRINT_EVENTS_PER_QUESTION:],
                     "more": max(0, len(events) - PRINT_EVENTS_PER_QUESTION)})
    if staff_view:
        request.nav_path = reverse("casework:queue")
    return {"case": case, "place": place_label(case), "staff_view": staff_view, "five": five,
            "overdue": overdue(case), "now": timezone.now(), "issuer": case.community.name,
            "title": _("诉求 #%(id)s") % {"id": case.pk},
            "pdf_url": reverse("casework:print_pdf", args=[case.pk]),
            "back_url": reverse("casework:detail", args=[case.pk])}


@login_required
@require_GET
def case_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The request on one A4 sheet, printable from the browser (facts, request, result, 五连问)."""
    case = access_case(request.user, pk)
    return print_page(request, "casework/print/case.html", _print_context(request, case))


@login_required
@require_GET
def case_print_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    return render_pdf(request, "casework/print/case.html", _print_context(request, case),
                      _("诉求-%(id)s.pdf") % {"id": case.pk})


def _photos(request: HttpRequest):
    return request.FILES.getlist("photos")


def _bool(value) -> bool:
    return str(value or "").lower() in ("1", "true", "on", "yes")


STEPS = {
    "accept": (lambda r, pk: lifecycle.case_accept(actor=r.user, case_id=pk, note=r.POST.get("note", "")),
               _("已受理。")),
    "dispatch": (lambda r, pk: lifecycle.case_dispatch(actor=r.user, case_id=pk,
                                                       handler_id=int_or_none(r.POST.get("handler")) or 0,
                                                       note=r.POST.get("note", "")), _("已派单。")),
    "hand_over": (lambda r, pk: lifecycle.case_hand_over(actor=r.user, case_id=pk,
                                                         handler_id=int_or_none(r.POST.get("handler")) or 0,
                                                         reason=r.POST.get("reason", "")), _("已转交。")),
    "escalate": (lambda r, pk: lifecycle.case_escalate(actor=r.user, case_id=pk, reason=r.POST.get("reason", "")),
                 _("已上报上一级。")),
    "place": (lambda r, pk: place_actions.case_relocate(actor=r.user, case_id=pk,
                                                       building_id=int_or_none(r.POST.get("building")),
                                                       address=r.POST.get("address", "")),
              _("已调整地点，诉求已转给该地点的负责人。")),
    "whistle": (lambda r, pk: lifecycle.case_whistle(actor=r.user, case_id=pk,
                                                     department_id=int_or_none(r.POST.get("department")) or 0,
                                                     reason=r.POST.get("reason", "")), _("已吹哨，等待部门报到。")),
    "start": (lambda r, pk: lifecycle.case_start(actor=r.user, case_id=pk, note=r.POST.get("note", "")),
              _("已开始办理。")),
    "progress": (lambda r, pk: lifecycle.case_progress(actor=r.user, case_id=pk, note=r.POST.get("note", ""),
                                                       public=_bool(r.POST.get("public"))), _("已记录进展。")),
    "resolve": (lambda r, pk: lifecycle.case_resolve(actor=r.user, case_id=pk, result=r.POST.get("result", ""),
                                                     photos=_photos(r)), _("已办结，等待核查。")),
    "category": (lambda r, pk: lifecycle.case_change_category(actor=r.user, case_id=pk,
                                                              category_code=r.POST.get("category", "")),
                 _("已调整类别。")),
    "merge": (lambda r, pk: lifecycle.case_merge(actor=r.user, case_id=pk,
                                                 into_case_id=int_or_none(str(r.POST.get("into", "")).lstrip("#"))
                                                 or 0, note=r.POST.get("note", "")), _("已合并。")),
    "reject": (lambda r, pk: lifecycle.case_reject(actor=r.user, case_id=pk, reason=r.POST.get("reason", "")),
               _("已不予受理，理由已告知居民。")),
    "close": (lambda r, pk: lifecycle.case_close(actor=r.user, case_id=pk, note=r.POST.get("note", "")),
              _("已关闭。")),
    "comment": (lambda r, pk: lifecycle.case_comment(actor=r.user, case_id=pk, note=r.POST.get("note", "")),
                _("已添加备注。")),
    "staff_verify": (lambda r, pk: lifecycle.case_verify(actor=r.user, case_id=pk, fixed=_bool(r.POST.get("fixed")),
                                                         note=r.POST.get("note", "")), _("已核查。")),
    "rate": (lambda r, pk: lifecycle.case_rate(actor=r.user, case_id=pk, rating=r.POST.get("rating"),
                                               comment=r.POST.get("comment", "")), _("感谢您的评价！")),
}


def _resident_verify(request: HttpRequest, pk: int):
    """已解决 confirms; 没解决 (with the reason) sends the request back to its handler."""
    fixed = _bool(request.POST.get("fixed"))
    case = access_case(request.user, pk)
    if not fixed and case.status != S.RESOLVED:
        return lifecycle.case_reopen(actor=request.user, case_id=pk, reason=request.POST.get("note", ""))
    return lifecycle.case_verify(actor=request.user, case_id=pk, fixed=fixed, note=request.POST.get("note", ""))


@login_required
@require_POST
def case_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step == "verify":
        call, done = _resident_verify, None
    elif step in STEPS:
        call, done = STEPS[step]
    else:
        raise NotFound()
    try:
        call(request, pk)
    except ApplicationError as exc:
        refuse_misses(exc)
        case = access_case(request.user, pk)
        ctx = _context(request, case, error=exc, error_step=step, posted=request.POST)
        return render(request, "casework/case_detail.html", ctx, status=exc.status)
    if done is None:
        done = _("已确认解决，欢迎评价。") if _bool(request.POST.get("fixed")) else _("已告知承办人重新办理。")
    messages.success(request, done)
    if not can_view(request.user, Case.objects.get(pk=pk)):  # moved to a place outside the user's scope
        return redirect("casework:queue")
    return redirect("casework:detail", pk)


@login_required
@require_POST
def reporter_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the reporter's full number as a call button (an audited reveal, like the household page's)."""
    try:
        phone = contact_actions.case_reporter_phone(actor=request.user, case_id=pk)
    except ApplicationError as exc:
        refuse_misses(exc)
        return HttpResponse(exc.message, status=exc.status)
    return render(request, "casework/_call.html", {"phone": phone})


@login_required
@require_POST
def whistle_ack(request: HttpRequest, pk: int) -> HttpResponse:
    """部门报到 from the department member's page or the case page."""
    whistle = Whistle.objects.filter(pk=pk).only("case_id").first()
    try:
        lifecycle.whistle_acknowledge(actor=request.user, whistle_id=pk, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已报到，诉求已转为办理中。"))
    if request.POST.get("next") == "case" and whistle is not None:
        return redirect("casework:detail", whistle.case_id)
    return redirect("casework:whistles")
