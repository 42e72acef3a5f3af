"""Pages for 双报到: the QR landing page, members' own pages, the posts list, staff desk pages.

Views parse input, call one action (writes) or selectors (reads) and render.
Staff pages need VIEW_PARTY over a whole community and show their forms only
with MANAGE_PARTY; the action refuses anyway.
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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import excel, printing
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDeniedError
from gongzhi.core.page_errors import flash_error
from gongzhi.core.pagination import paginate
from gongzhi.core.pickers import community_choice, pick
from gongzhi.core.qr import QR

from ..ids import query_pk
from ..models import Building, Institution, PartyMember, PartyOrg, Region, ServicePost
from ..permissions import MANAGE_PARTY, VIEW_PARTY, can, own_resident
from . import actions
from . import report as pr
from . import permissions as pp
from . import selectors as ps

# Helpers -------------------------------------------------------------------------------------
def _staff_community(request: HttpRequest, cap: str = VIEW_PARTY) -> tuple[Region, list[Region]]:
    communities = ps.staff_communities(request.user, cap)
    return community_choice(request, communities), communities


def _back(name: str, community: Region, **params) -> HttpResponse:
    query = urlencode({"community": community.pk, **params})
    return redirect(f"{reverse(name)}?{query}")


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    """Refusals (403) and misses (404) become the error page; bad input a message on the page."""
    flash_error(request, exc, page_statuses=(403, 404))


_int = query_pk  # an id beyond a BIGINT matches nothing instead of overflowing the query


def _staff_ctx(request, community: Region, communities: list[Region], tab: str) -> dict:
    return {
        "community": community,
        "communities": communities,
        "tab": tab,
        "can_manage": can(request.user, MANAGE_PARTY, "community", community.pk),
    }


def registration_url(request: HttpRequest, building: Building) -> str:
    return request.build_absolute_uri(reverse("org:party_register", args=[building.qr_token]))


# QR landing page and registration ------------------------------------------------------------
@login_required
def register(request: HttpRequest, token: str) -> HttpResponse:
    building = pp.building_by_token(token)
    group = ps.party_group_of(building)
    resident = own_resident(request.user)
    is_resident = resident is not None and resident.community_id == building.community_id
    member = ps.member_of(request.user) if is_resident else None
    current = ps.active_registration(member)
    error = None
    status = 200 if is_resident else 403
    form = {
        "kind": member.kind if member else "",
        "employer_id": member.employer_id if member and member.employer_id else "",
        "employer_name": "",
        "home_org_name": member.home_org_name if member else "",
    }
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in ("kind", "employer_id", "employer_name", "home_org_name")}
        try:
            actions.party_register_by_qr(
                actor=request.user, qr_token=token, kind=form["kind"], employer_id=_int(form["employer_id"]),
                employer_name=form["employer_name"], home_org_name=form["home_org_name"],
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            error = exc
            status = exc.status
        else:
            return redirect("org:party_register_done", token)
    return render(
        request,
        "org/party/register.html",
        {
            "building": building,
            "group": group,
            "is_resident": is_resident,
            "already_here": current is not None and group is not None and current.party_group_id == group.pk,
            "current": current,
            "error": error,
            "form": form,
            "kinds": PartyMember.Kind.choices,
            "employers": ps.employer_options(building.community_id) if is_resident else [],
        },
        status=status,
    )


@login_required
def register_done(request: HttpRequest, token: str) -> HttpResponse:
    building = pp.building_by_token(token)
    member = ps.member_of(request.user)
    current = ps.active_registration(member)
    if current is None or current.building_id != building.pk:
        return redirect("org:party_register", token)
    return render(request, "org/party/register_done.html", {"building": building, "registration": current,
                                                            "member": member})


@login_required
def my_service(request: HttpRequest) -> HttpResponse:
    member = ps.member_of(request.user)
    ctx = {"member": member, "registration": ps.active_registration(member)}
    if member is not None:
        ctx.update(ps.my_service(member))
    return render(request, "org/party/me.html", ctx)


# Service posts for residents and role holders -------------------------------------------------
def _post_community(request) -> tuple[Region, list[Region]]:
    ids = pp.post_communities(request.user)
    communities = list(Region.objects.filter(pk__in=ids).order_by("code"))
    return pick(communities, request.GET.get("community")), communities


def _post_card_ctx(request, post: ServicePost, member, registered: bool, error: str | None = None) -> dict:
    return {"post": post, "member": member, "registered": registered, "error": error}


def _member_context(request, community: Region) -> tuple[PartyMember | None, bool]:
    member = ps.member_of(request.user)
    registration = ps.active_registration(member)
    return member, registration is not None and registration.community_id == community.pk


@login_required
def posts(request: HttpRequest) -> HttpResponse:
    community, communities = _post_community(request)
    member, registered = _member_context(request, community)
    category = request.GET.get("category", "")
    if category not in ServicePost.Category.values:
        category = ""
    q = request.GET.get("q", "").strip()
    qs = ps.post_list(community.pk, q=q, category=category, status="open", member=member)
    page, prefix = paginate(request, qs, per_page=20)
    return render(
        request,
        "org/party/posts.html",
        {
            "community": community,
            "communities": communities,
            "page": page,
            "query_prefix": prefix,
            "q": q,
            "category": category,
            "categories": ServicePost.Category.choices,
            "member": member,
            "registered": registered,
        },
    )


def _claim_or_withdraw(request: HttpRequest, pk: int, action) -> HttpResponse:
    post = pp.access_post(request.user, pk)
    error = None
    try:
        action(actor=request.user, post_id=post.pk)
    except ApplicationError as exc:
        if exc.status == 404 or not request.htmx:
            _fail(request, exc)
        error = exc.message
    else:
        if not request.htmx:
            messages.success(request, _("已认领岗位。") if action is actions.post_claim else _("已退出岗位。"))
    if not request.htmx:
        return redirect(f"{reverse('org:party_posts')}?community={post.community_id}")
    community = post.community
    member, registered = _member_context(request, community)
    post = ps.post_with_counts(post, member)
    return render(request, "org/party/_post_card.html", _post_card_ctx(request, post, member, registered, error))


@login_required
@require_POST
def post_claim(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_or_withdraw(request, pk, actions.post_claim)


@login_required
@require_POST
def post_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_or_withdraw(request, pk, actions.post_withdraw)


# Staff: overview and organisations ---------------------------------------------------------------
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    community, communities = _staff_community(request)
    roots, stats = ps.org_tree(community)
    ctx = _staff_ctx(request, community, communities, "overview")
    ctx.update(
        {
            "roots": roots,
            "stats": stats,
            "kinds": PartyOrg.Kind.choices,
            "grids": Region.objects.filter(parent_community=community).order_by("code"),
            "compounds": community.compounds.order_by("name"),
            "buildings_without_group": ps.buildings_with_groups(community, grouped=False),
            "branches": ps.branches(community),
        }
    )
    return render(request, "org/party/overview.html", ctx)


@login_required
@require_POST
def org_create(request: HttpRequest) -> HttpResponse:
    community, _c = _staff_community(request)
    try:
        org = actions.party_org_create(
            actor=request.user, community_id=community.pk, kind=request.POST.get("kind", ""),
            name=request.POST.get("name", ""), parent_id=_int(request.POST.get("parent")),
            grid_id=_int(request.POST.get("grid")), compound_id=_int(request.POST.get("compound")),
            building_id=_int(request.POST.get("building")), secretary_name=request.POST.get("secretary_name", ""),
        )
        messages.success(request, _("已建立 %(name)s。") % {"name": org.name})
    except ApplicationError as exc:
        _fail(request, exc)
    return _back("org:party_overview", community)


@login_required
@require_POST
def groups_fill(request: HttpRequest) -> HttpResponse:
    community, _c = _staff_community(request)
    try:
        created = actions.party_groups_create_missing(actor=request.user, community_id=community.pk)
        groups = sum(1 for o in created if o.kind == PartyOrg.Kind.BUILDING_GROUP)
        messages.success(request, _("已为 %(n)d 栋楼建立党小组。") % {"n": groups})
    except ApplicationError as exc:
        _fail(request, exc)
    return _back("org:party_overview", community)


# Staff: registrations ------------------------------------------------------------------------------
@login_required
def registrations(request: HttpRequest) -> HttpResponse:
    community, communities = _staff_community(request)
    ctx = _staff_ctx(request, community, communities, "registrations")
    if request.method == "POST":
        try:
            reg = actions.party_register_by_staff(
                actor=request.user, resident_id=_int(request.POST.get("resident")) or 0,
                building_id=_int(request.POST.get("building")) or 0, kind=request.POST.get("kind", ""),
                employer_id=_int(request.POST.get("employer_id")), employer_name=request.POST.get("employer_name", ""),
                home_org_name=request.POST.get("home_org_name", ""),
            )
            messages.success(
                request, _("已为 %(name)s 登记报到：%(group)s。") % {"name": reg.member.resident.name,
                                                                 "group": reg.party_group.name}
            )
        except ApplicationError as exc:
            _fail(request, exc)
        return _back("org:party_registrations", community)
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    active = request.GET.get("active", "1")
    qs = ps.registration_list(community, q=q, kind=kind, active=active)
    page, prefix = paginate(request, qs, per_page=30)
    ctx.update(
        {
            "page": page,
            "query_prefix": prefix,
            "q": q,
            "kind": kind,
            "active": active,
            "kinds": PartyMember.Kind.choices,
            "buildings": ps.buildings_with_groups(community, grouped=True),
            "employers": ps.employer_options(community.pk),
        }
    )
    return render(request, "org/party/registrations.html", ctx)


@login_required
def resident_search(request: HttpRequest) -> HttpResponse:
    """htmx: residents matching a name or phone tail, for the staff-entry form."""
    community, _c = _staff_community(request, MANAGE_PARTY)
    residents = ps.resident_candidates(community, request.GET.get("resident_q", ""))
    return render(request, "org/party/_resident_options.html", {"residents": residents,
                                                                 "q": request.GET.get("resident_q", "")})


@login_required
@require_POST
def registration_end(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        reg = actions.registration_end(actor=request.user, registration_id=pk)
        messages.success(request, _("已结束 %(name)s 的报到。") % {"name": reg.member.resident.name})
        community_id = reg.community_id
    except ApplicationError as exc:
        _fail(request, exc)
        community_id = request.POST.get("community", "")
    if request.POST.get("next") == "me":
        return redirect("org:party_me")
    return redirect(f"{reverse('org:party_registrations')}?community={community_id}")


# Staff: posts management ---------------------------------------------------------------------------
@login_required
def manage_posts(request: HttpRequest) -> HttpResponse:
    community, communities = _staff_community(request)
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in ("title", "description", "category", "location", "slots")}
        try:
            post = actions.post_create(actor=request.user, community_id=community.pk, data=data)
            messages.success(request, _("已发布岗位：%(title)s。") % {"title": post.title})
        except ApplicationError as exc:
            _fail(request, exc)
        return _back("org:party_manage_posts", community)
    status = request.GET.get("status", "open")
    q = request.GET.get("q", "").strip()
    qs = ps.post_list(community.pk, q=q, status=status)
    page, prefix = paginate(request, qs, per_page=30)
    ctx = _staff_ctx(request, community, communities, "posts")
    ctx.update({"page": page, "query_prefix": prefix, "status": status, "q": q,
                "categories": ServicePost.Category.choices})
    return render(request, "org/party/manage_posts.html", ctx)


@login_required
def manage_post(request: HttpRequest, pk: int) -> HttpResponse:
    post = pp.access_post(request.user, pk)
    if not can(request.user, VIEW_PARTY, "community", post.community_id):
        raise NotFound()
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "close":
                actions.post_close(actor=request.user, post_id=post.pk)
                messages.success(request, _("岗位已关闭。"))
            elif op == "update":
                data = {k: request.POST.get(k, "") for k in ("title", "description", "category", "location", "slots")}
                actions.post_update(actor=request.user, post_id=post.pk, data=data)
                messages.success(request, _("已保存。"))
            elif op == "record":
                record = actions.service_record_add(
                    actor=request.user, claim_id=_int(request.POST.get("claim")) or 0,
                    served_on=request.POST.get("served_on", ""), hours=request.POST.get("hours", ""),
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("已记录 %(h)s 小时。") % {"h": record.hours})
            else:
                raise ApplicationError("invalid_choice", _("未知操作。"))
        except ApplicationError as exc:
            _fail(request, exc)
        return redirect("org:party_manage_post", post.pk)
    community = post.community
    ctx = _staff_ctx(request, community, [community], "posts")
    ctx.update(
        {
            "post": ps.post_with_counts(post),
            "claims": ps.post_claims(post),
            "categories": ServicePost.Category.choices,
            "today": timezone.localdate().isoformat(),
        }
    )
    return render(request, "org/party/manage_post.html", ctx)


# Staff: institutions --------------------------------------------------------------------------------
_INSTITUTION_FIELDS = ("name", "kind", "contact_name", "contact_phone", "address", "services_offered",
                       "partner_since")


def _institution_data(request) -> dict:
    data = {k: request.POST.get(k, "") for k in _INSTITUTION_FIELDS}
    data["is_partner"] = request.POST.get("is_partner") == "on"
    return data


@login_required
def institutions(request: HttpRequest) -> HttpResponse:
    community, communities = _staff_community(request)
    if request.method == "POST":
        try:
            inst = actions.institution_create(actor=request.user, community_id=community.pk,
                                              data=_institution_data(request))
            messages.success(request, _("已登记单位：%(name)s。") % {"name": inst.name})
        except ApplicationError as exc:
            _fail(request, exc)
        return _back("org:party_institutions", community)
    kind = request.GET.get("kind", "")
    qs = Institution.objects.filter(community=community)
    if kind in Institution.Kind.values:
        qs = qs.filter(kind=kind)
    if request.GET.get("partner") == "1":
        qs = qs.filter(is_partner=True)
    from django.db.models import Count

    qs = qs.annotate(member_count=Count("members")).order_by("-is_partner", "kind", "name")
    page, prefix = paginate(request, qs, per_page=50)
    ctx = _staff_ctx(request, community, communities, "institutions")
    ctx.update({"page": page, "query_prefix": prefix, "kinds": Institution.Kind.choices, "kind": kind,
                "partner": request.GET.get("partner", ""), "today": timezone.localdate().isoformat()})
    return render(request, "org/party/institutions.html", ctx)


@login_required
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inst = pp.access_institution(request.user, pk)
    if request.method == "POST":
        try:
            actions.institution_update(actor=request.user, institution_id=inst.pk, data=_institution_data(request))
            messages.success(request, _("已保存。"))
        except ApplicationError as exc:
            _fail(request, exc)
        return redirect("org:party_institution", inst.pk)
    community = Region.objects.get(pk=inst.community_id)
    ctx = _staff_ctx(request, community, [community], "institutions")
    members = inst.members.select_related("resident").order_by("resident__name")
    ctx.update({"inst": inst, "kinds": Institution.Kind.choices, "members": members})
    return render(request, "org/party/institution.html", ctx)


# Staff: quarterly report per employer unit ------------------------------------------------------------
def _year_quarter(request) -> tuple[int, int]:
    today = timezone.localdate()
    year = _int(request.GET.get("year")) or today.year
    quarter = _int(request.GET.get("quarter")) or (today.month - 1) // 3 + 1
    if not (2000 <= year <= today.year + 1) or quarter not in (1, 2, 3, 4):
        raise ApplicationError("invalid_choice", _("请选择有效的年份和季度。"), field="quarter")
    return year, quarter


@login_required
def report(request: HttpRequest) -> HttpResponse:
    community, communities = _staff_community(request)
    year, quarter = _year_quarter(request)
    reports = pr.quarterly_report(community, year, quarter)
    start, end = ps.quarter_dates(year, quarter)
    ctx = _staff_ctx(request, community, communities, "report")
    today = timezone.localdate()
    ctx.update(
        {
            "reports": reports,
            "year": year,
            "quarter": quarter,
            "start": start,
            "end": end - datetime.timedelta(days=1),
            "years": list(range(today.year, today.year - 5, -1)),
            "total_hours": sum((r.total_hours for r in reports), 0),
            "total_members": sum(len(r.members) for r in reports),
            "total_records": sum(len(r.records) for r in reports),
        }
    )
    return render(request, "org/party/report.html", ctx)


@login_required
def report_xlsx(request: HttpRequest) -> HttpResponse:
    community, _c = _staff_community(request)
    year, quarter = _year_quarter(request)
    institution_id = _int(request.GET.get("institution"))
    institution = None
    if institution_id is not None:
        institution = Institution.objects.filter(pk=institution_id, community=community).first()
        if institution is None:
            raise NotFound()
    reports = pr.quarterly_report(community, year, quarter, institution_id=institution_id)
    content = pr.quarterly_report_xlsx(community, year, quarter, reports, single=institution)
    label = institution.name if institution else community.name
    filename = f"{label}-{year}年第{quarter}季度双报到服务情况.xlsx"
    return excel.xlsx_response(content, filename)


# Staff: printable QR sheets ---------------------------------------------------------------------------
def _sheet(request, building: Building, *, pdf: bool = False) -> dict:
    url = registration_url(request, building)
    group = getattr(building, "party_group", None) if "party_group" in building._state.fields_cache else (
        ps.party_group_of(building)
    )
    qr = QR(url)
    sheet = {"building": building, "group": group, "url": url, "qr": qr}
    if pdf:
        sheet["png"] = qr.png_data_uri
    else:
        sheet["svg"] = qr.svg
    return sheet


def _sheets_ctx(sheets: list[dict]) -> dict:
    first = sheets[0]["building"]
    return {
        "sheets": sheets,
        "pdf_url": reverse("org:party_qr_sheet_pdf", args=[first.pk]) if len(sheets) == 1 else "",
        "back_url": f"{reverse('org:party_overview')}?community={first.community_id}",
    }


@login_required
def qr_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    building = pp.access_qr_building(request.user, pk)
    return printing.print_page(request, "org/party/qr_sheet.html", _sheets_ctx([_sheet(request, building)]))


@login_required
def qr_sheet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    building = pp.access_qr_building(request.user, pk)
    return printing.render_pdf(
        request, "org/party/qr_sheet.html", _sheets_ctx([_sheet(request, building, pdf=True)]),
        f"{building.compound.name}{building.name}-报到二维码.pdf",
    )


@login_required
def qr_sheets_pdf(request: HttpRequest) -> HttpResponse:
    """One A4 page per building of the community, to print and post in every stairwell."""
    community, _c = _staff_community(request)
    if not can(request.user, MANAGE_PARTY, "community", community.pk):
        raise PermissionDeniedError()
    sheets = [_sheet(request, b, pdf=True) for b in ps.buildings_with_groups(community)]
    if not sheets:
        raise ApplicationError("no_buildings", _("本社区还没有登记楼栋。"))
    return printing.render_pdf(request, "org/party/qr_sheet.html", _sheets_ctx(sheets),
                               f"{community.name}-楼栋报到二维码.pdf")
