"""Pages for handlers and community staff: the queue with bulk assignment, the 督办 board, intake on
behalf of a resident, category settings, departments and the department member's 报到 page.

Everything here is a 404 for people who neither handle, supervise nor register requests.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from gongzhi.core import excel
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.pickers import community_choice
from gongzhi.core.pagination import paginate
from gongzhi.org.models import Household, Resident
from gongzhi.org.permissions import MANAGE_TREE, communities_with, scope_for

from .. import selectors
from ..actions import categories as category_actions
from ..actions import departments as department_actions
from ..actions import exports as export_actions
from ..actions import messages as message_actions
from ..actions import lifecycle
from ..actions.intake import MAX_DESCRIPTION, MAX_PHOTOS, STAFF_CHANNELS, case_submit
from ..models import Case, Category, Channel, Department, Tier, Urgency, Whistle
from ..selectors import (
    department_whistles,
    editable_departments,
    handler_candidates,
    intake_households,
    intake_places,
    pending_whistles,
    queue_filter_options,
    role_labels,
    visible_departments,
)
from ..permissions import (
    department_ids,
    handles_anything,
    intake_scope,
    supervise_scope,
)
from .common import (
    int_or_none,
    new_idempotency_key,
    overdue,
    refuse_misses,
)
from .resident import error_field

QUEUE_PAGE_SIZE = 30
FILTER_KEYS = ("q", "status", "tier", "category", "community", "grid", "building", "handler", "overdue")


def _require_queue(request: HttpRequest) -> None:
    if not handles_anything(request.user):
        raise NotFound()


def _filters(request: HttpRequest) -> dict:
    return selectors.queue_filters(request.GET)


def _queue_qs(user, f: dict):
    return selectors.queue_for(user, f).select_related("compound", "department")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The queue for the user's scope, with filters, search, pagination and bulk assignment (POST)."""
    _require_queue(request)
    user = request.user
    f = _filters(request)
    bulk_error = None
    selected: list[int] = []
    status = 200
    if request.method == "POST":
        selected = [i for i in (int_or_none(v) for v in request.POST.getlist("cases")) if i]
        try:
            done = lifecycle.cases_bulk_dispatch(actor=user, case_ids=selected,
                                                 handler_id=int_or_none(request.POST.get("handler")) or 0)
        except ApplicationError as exc:
            refuse_misses(exc)
            bulk_error, status = exc, exc.status
        else:
            messages.success(request, ngettext("已派单 %(n)d 条诉求。", "已派单 %(n)d 条诉求。", len(done))
                             % {"n": len(done)})
            return redirect(request.get_full_path())
    page, prefix = paginate(request, _queue_qs(user, f), per_page=QUEUE_PAGE_SIZE)
    rows = list(page.object_list)
    now = timezone.now()
    people = handler_candidates(rows, require_all=False)
    labels = role_labels(people, {c.community_id for c in rows})
    options = queue_filter_options(user)
    return render(
        request,
        "casework/staff/queue.html",
        {
            "page": page,
            "query_prefix": prefix,
            "rows": [(c, overdue(c, now)) for c in rows],
            "f": f,
            "options": options,
            "statuses": Case.Status.choices,
            "tiers": Tier.choices,
            "candidates": [(p, labels.get(p.pk, "")) for p in people],
            "bulk_error": bulk_error,
            "selected": selected,
            "filtered": any(f[k] for k in FILTER_KEYS if k != "status") or f["status"] != "open",
            "nav": _staff_nav(request, "queue"),
            "can_message": any(message_actions.may_message_building(user, b) for b in options["buildings"]),
        },
        status=status,
    )


@login_required
@require_GET
def handler_options(request: HttpRequest) -> HttpResponse:
    """htmx: the people who may handle every selected case (for the bulk assignment picker)."""
    _require_queue(request)
    ids = [i for i in (int_or_none(v) for v in request.GET.getlist("cases")) if i][:200]
    cases = list(selectors.queue(request.user).filter(pk__in=ids)) if ids else []
    people = handler_candidates(cases) if cases else []
    labels = role_labels(people, {c.community_id for c in cases})
    return render(request, "casework/staff/_handler_options.html",
                  {"candidates": [(p, labels.get(p.pk, "")) for p in people], "count": len(cases)})


def _staff_nav(request: HttpRequest, current: str) -> list[dict]:
    """The tabs across the staff pages: only the ones this user may open."""
    user = request.user
    items = []
    if handles_anything(user):
        items.append(("queue", _("诉求队列"), reverse("casework:queue")))
        items.append(("board", _("督办"), reverse("casework:board")))
    if not intake_scope(user).is_empty:
        items.append(("intake", _("代为登记"), reverse("casework:intake")))
    if department_ids(user):
        items.append(("whistles", _("部门报到"), reverse("casework:whistles")))
    managed = communities_with(user, MANAGE_TREE)
    if not supervise_scope(user).is_empty or department_ids(user) or managed:
        items.append(("departments", _("职能部门"), reverse("casework:departments")))
    if managed:
        items.append(("categories", _("类别设置"), reverse("casework:categories")))
    return [{"key": k, "label": label, "url": url, "current": k == current} for k, label, url in items]


@login_required
@require_GET
def queue_export(request: HttpRequest) -> HttpResponse:
    """The queue under its current filter as an Excel workbook (every page, up to export.MAX_ROWS rows)."""
    _require_queue(request)
    qs = _queue_qs(request.user, _filters(request))
    content = export_actions.cases_export(actor=request.user, kind="queue", sheets=[(_("诉求队列"), qs)],
                                          title=_("有求必应 · 诉求队列"), note=_queue_note(request))
    return excel.xlsx_response(content, _("诉求队列-%(date)s.xlsx") % {"date": timezone.localdate().isoformat()})


@login_required
def building_message(request: HttpRequest) -> HttpResponse:
    """给整栋楼发消息: one inbox notification for every resident of a building (org.audience)."""
    _require_queue(request)
    user = request.user
    buildings = [b for b in queue_filter_options(user)["buildings"] if message_actions.may_message_building(user, b)]
    if not buildings:
        raise NotFound()
    source = request.POST if request.method == "POST" else request.GET
    form = {"building": source.get("building", ""), "title": source.get("title", ""), "body": source.get("body", ""),
            "key": request.POST.get("key") or new_idempotency_key()}
    error, status = None, 200
    if request.method == "POST":
        try:
            reach = message_actions.building_message_send(
                actor=user, building_id=int_or_none(form["building"]) or 0, title=form["title"], body=form["body"],
                key=form["key"])
        except ApplicationError as exc:
            refuse_misses(exc)
            error, status = exc, exc.status
        else:
            text = ngettext("已通知 %(n)d 位居民。", "已通知 %(n)d 位居民。", reach.notified_count) % {
                "n": reach.notified_count}
            if reach.households_unreached:
                text += " " + ngettext(
                    "%(n)d 户没有人开通账号，收不到站内消息，请电话或上门告知。",
                    "%(n)d 户没有人开通账号，收不到站内消息，请电话或上门告知。", reach.households_unreached,
                ) % {"n": reach.households_unreached}
            messages.success(request, text)
            return redirect(f"{reverse('casework:queue')}?{urlencode({'building': form['building']})}")
    chosen = next((b for b in buildings if str(b.pk) == form["building"]), None)
    return render(request, "casework/staff/message.html", {
        "buildings": buildings, "form": form, "chosen": chosen, "error": error,
        "error_field": error.field if error else "", "max_title": message_actions.MAX_TITLE,
        "max_body": message_actions.MAX_BODY, "nav": _staff_nav(request, "queue"),
    }, status=status)


def _queue_note(request: HttpRequest) -> str:
    """The filter in words, on the sheet (what somebody asked for when they exported it)."""
    shown = [f"{k}={v}" for k, v in request.GET.items() if k in FILTER_KEYS and v]
    return (_("筛选：%(f)s") % {"f": "，".join(shown)}) if shown else ""


def _board_lists(data: dict) -> list[tuple[str, str, object]]:
    """The board's three lists (``selectors.supervision_board``), each ordered by deadline."""
    return [
        (key, title, qs.select_related("compound", "department").order_by("resolution_due_at", "pk"))
        for key, title, qs in (
            ("overdue", _("超时未办结"), data["overdue"]),
            ("unanswered", _("超时未响应"), data["unanswered"]),
            ("due_soon", _("24 小时内到期"), data["due_soon"]),
        )
    ]


@login_required
@require_GET
def board_export(request: HttpRequest) -> HttpResponse:
    """The 督办 board as a workbook: one sheet per list, every request (not only the 20 shown)."""
    _require_queue(request)
    content = export_actions.cases_export(actor=request.user, kind="board",
                                          sheets=[(title, qs) for _key, title, qs in
                                                  _board_lists(selectors.supervision_board(request.user))],
                                          title=_("有求必应 · 督办清单"))
    return excel.xlsx_response(content, _("督办清单-%(date)s.xlsx") % {"date": timezone.localdate().isoformat()})


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """督办: what is overdue, unanswered or due within a day, with counts by tier."""
    _require_queue(request)
    data = selectors.supervision_board(request.user)
    now = timezone.now()
    lists = []
    for key, title, qs in _board_lists(data):
        lists.append({"key": key, "title": title, "count": qs.count(),
                      "rows": [(c, overdue(c, now)) for c in qs[:20]]})
    tiers = [(label, data["overdue_by_tier"].get(value, 0), value) for value, label in Tier.choices]
    return render(request, "casework/staff/board.html",
                  {"lists": lists, "tiers": tiers, "nav": _staff_nav(request, "board")})


# Intake on behalf of a resident ---------------------------------------------------------------------
INTAKE_CHANNELS = [c for c in STAFF_CHANNELS if c != Channel.API]


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    """Register a walk-in, a phone call, a liaison-station visit or something seen on patrol."""
    user = request.user
    if intake_scope(user).is_empty:
        raise NotFound()
    places = intake_places(user)
    form = {"channel": Channel.WALK_IN, "place": "", "household": "", "resident": "", "address": "",
            "reporter_name": "", "reporter_phone": "", "description": "", "category": "", "urgency": Urgency.NORMAL,
            "key": new_idempotency_key()}
    error = None
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        form["description"] = request.POST.get("description", "")
        kind, _sep, pk = form["place"].partition(":")
        try:
            case = case_submit(
                actor=user,
                description=form["description"],
                channel=form["channel"] if form["channel"] in INTAKE_CHANNELS else "invalid",
                household_id=int_or_none(form["household"]) if kind == "b" else None,
                building_id=int_or_none(pk) if kind == "b" and not form["household"] else None,
                community_id=int_or_none(pk) if kind == "c" else None,
                address=form["address"],
                category_code=form["category"] or None,
                urgency=form["urgency"] or Urgency.NORMAL,
                photos=request.FILES.getlist("photos"),
                reporter_name=form["reporter_name"],
                reporter_phone=form["reporter_phone"],
                reporter_resident_id=int_or_none(form["resident"]),
                idempotency_key=form["key"],
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            error, status = exc, exc.status
        else:
            messages.success(request, _("已登记诉求 #%(id)s。") % {"id": case.pk})
            return redirect(reverse("casework:detail", args=[case.pk]) + "?submitted=1")
    kind, _sep, pk = form["place"].partition(":")
    building = next((b for b in places["buildings"] if kind == "b" and str(b.pk) == pk), None)
    households = intake_households(user, building) if building else []
    household = next((h for h in households if str(h.pk) == form["household"]), None)
    community_ids = {c.pk for c in places["communities"]}
    categories = list(Category.objects.filter(community_id__in=community_ids, is_active=True)
                      .order_by("community_id", "sort_order"))
    return render(
        request,
        "casework/staff/intake.html",
        {
            "place_options": [
                (_("楼栋"), [(f"b:{b.pk}", f"{b.compound.name} {b.name}") for b in places["buildings"]]),
                (_("社区（其他地点，填写地址）"), [(f"c:{c.pk}", c.name) for c in places["communities"]]),
            ],
            "form": form,
            "households": households,
            "residents": _household_residents(user, household),
            "channels": [(c, Channel(c).label) for c in INTAKE_CHANNELS],
            "categories": categories,
            "many_communities": len(community_ids) > 1,
            "urgencies": Urgency.choices,
            "error": error,
            "error_field": error_field(error) if error else "",
            # a file input comes back empty after an error: say so instead of dropping them silently
            "photos_dropped": len(request.FILES.getlist("photos")) if error else 0,
            "duplicate_id": (error.details or {}).get("case_id") if error and isinstance(error.details, dict) else None,
            "max_description": MAX_DESCRIPTION,
            "max_photos": MAX_PHOTOS,
            "nav": _staff_nav(request, "intake"),
        },
        status=status,
    )


def _household_residents(user, household: Household | None) -> list[Resident]:
    if household is None or not scope_for(user, "view_households").contains_household(household):
        return []
    return list(Resident.objects.filter(occupancies__household=household, is_active=True).order_by("pk").distinct())


@login_required
@require_GET
def intake_rooms(request: HttpRequest) -> HttpResponse:
    """htmx: the rooms of the chosen building (and, for a chosen room, who lives there)."""
    user = request.user
    if intake_scope(user).is_empty:
        raise NotFound()
    kind, _sep, pk = request.GET.get("place", "").partition(":")
    building = next((b for b in intake_places(user)["buildings"] if str(b.pk) == pk), None) if kind == "b" else None
    households = intake_households(user, building) if building else []
    household = next((h for h in households if str(h.pk) == request.GET.get("household", "")), None)
    return render(request, "casework/staff/_intake_rooms.html", {
        "households": households, "building": building, "form": {"household": request.GET.get("household", "")},
        "residents": _household_residents(user, household),
    })


# Category settings ---------------------------------------------------------------------------------------
HOUR_FIELDS = ("response_hours", "resolution_hours", "urgent_response_hours", "urgent_resolution_hours")


@login_required
def category_settings(request: HttpRequest) -> HttpResponse:
    communities = communities_with(request.user, MANAGE_TREE)
    community = community_choice(request, communities)
    error = None
    error_id = ""
    posted = {}
    status = 200
    if request.method == "POST":
        posted = request.POST
        try:
            if request.POST.get("form") == "create":
                error_id = "new"
                category_actions.category_create(
                    actor=request.user, community_id=community.pk, code=request.POST.get("code", ""),
                    name=request.POST.get("name", ""), tier=request.POST.get("tier", ""),
                    response_hours=request.POST.get("response_hours", ""),
                    resolution_hours=request.POST.get("resolution_hours", ""),
                    description=request.POST.get("description", ""),
                )
                messages.success(request, _("已新增类别。"))
            else:
                category_id = int_or_none(request.POST.get("category")) or 0
                error_id = str(category_id)
                if not Category.objects.filter(pk=category_id, community=community).exists():
                    raise NotFound()
                data = {k: request.POST.get(k, "") for k in ("name", "description", "tier", *HOUR_FIELDS)}
                data["is_active"] = request.POST.get("is_active") == "1"
                category_actions.category_update(actor=request.user, category_id=category_id, data=data)
                messages.success(request, _("已保存。"))
        except ApplicationError as exc:
            refuse_misses(exc)
            error, status = exc, exc.status
        else:
            return redirect(f"{reverse('casework:categories')}?{urlencode({'community': community.pk})}")
    items = list(Category.objects.filter(community=community).order_by("sort_order", "code"))
    return render(
        request,
        "casework/staff/categories.html",
        {"community": community, "communities": communities, "items": items, "tiers": Tier.choices,
         "error": error, "error_id": error_id, "posted": posted, "nav": _staff_nav(request, "categories")},
        status=status,
    )


# Departments and whistles ---------------------------------------------------------------------------
DEPARTMENT_FIELDS = ("name", "kind", "ack_hours", "contact_phone")


@login_required
def departments(request: HttpRequest) -> HttpResponse:
    """职能部门 with the whistles still waiting for their 报到; the staff who edit the community's categories
    also add and edit departments and their members here (one small form each, errors next to it)."""
    user = request.user
    managed = communities_with(user, MANAGE_TREE)
    if supervise_scope(user).is_empty and not department_ids(user) and not managed:
        raise NotFound()
    error = None
    error_id = ""
    posted = {}
    status = 200
    if request.method == "POST":
        if not managed:
            raise NotFound()
        posted = request.POST
        form = posted.get("form", "")
        department_id = int_or_none(posted.get("department")) or 0
        try:
            if form == "create":
                error_id = "new"
                department = department_actions.department_create(
                    actor=user, community_id=int_or_none(posted.get("community")) or 0,
                    **{k: posted.get(k, "") for k in DEPARTMENT_FIELDS})
                department_id = department.pk
                messages.success(request, _("已新增职能部门“%(name)s”。") % {"name": department.name})
            elif form == "edit":
                error_id = f"edit-{department_id}"
                department_actions.department_update(
                    actor=user, department_id=department_id, data={k: posted.get(k, "") for k in DEPARTMENT_FIELDS})
                messages.success(request, _("已保存。"))
            elif form == "add_member":
                error_id = f"member-{department_id}"
                member = department_actions.department_member_add(
                    actor=user, department_id=department_id, phone=posted.get("phone", ""))
                messages.success(request, _("已添加部门人员：%(name)s。") % {"name": member.name})
            elif form == "remove_member":
                error_id = f"member-{department_id}"
                department_actions.department_member_remove(
                    actor=user, department_id=department_id, user_id=int_or_none(posted.get("user")) or 0)
                messages.success(request, _("已移除部门人员。"))
            else:
                raise NotFound()
        except ApplicationError as exc:
            refuse_misses(exc)
            error, status = exc, exc.status
        else:
            return redirect(f"{reverse('casework:departments')}?{urlencode({'open': department_id})}"
                            f"#dept-{department_id}")
    items = visible_departments(user)
    waiting = list(pending_whistles([d.pk for d in items])[:100])
    editable = editable_departments(managed)
    return render(request, "casework/staff/departments.html",
                  {"items": items, "waiting": waiting, "now": timezone.now(),
                   "managed": managed, "editable": editable, "kinds": Department.Kind.choices,
                   "open_id": request.GET.get("open", ""), "error": error, "error_id": error_id,
                   "posted": posted, "new_form": posted if error_id == "new" else {"ack_hours": "2"},
                   "nav": _staff_nav(request, "departments")},
                  status=status)


@login_required
def whistles(request: HttpRequest) -> HttpResponse:
    """A department member's page: what was whistled to their department, with the 报到 button."""
    if not department_ids(request.user):
        raise NotFound()
    page, prefix = paginate(request, department_whistles(request.user), per_page=30)
    return render(request, "casework/staff/whistles.html",
                  {"page": page, "query_prefix": prefix, "now": timezone.now(),
                   "pending": Whistle.Status.PENDING, "late": Whistle.Status.OVERDUE,
                   "nav": _staff_nav(request, "whistles")})

