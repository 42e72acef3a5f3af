"""Pages of the org app: tree browser, search, households, residents, roles, audit."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import audit_labels
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.page_errors import flash_error
from gongzhi.core.pickers import pick
from gongzhi.core.sorting import natural_sorted
from gongzhi.core.pagination import paginate

from . import error_codes as codes
from . import selectors
from .actions import people as people_actions
from .ids import query_pk
from .actions import roles as role_actions
from .actions import tree as tree_actions
from .models import ROLE_SCOPE, Household, Occupancy, Region, Role, RoleAssignment, Tag
from .permissions import (
    EDIT_HOUSEHOLDS,
    MANAGE_ROLES,
    MANAGE_TREE,
    REVEAL_CONTACT,
    VIEW_AUDIT,
    VIEW_HOUSEHOLDS,
    access_building,
    access_compound,
    access_household,
    access_region,
    access_resident,
    access_unit,
    can,
    communities_with,
    scope_for,
)
from .sensitive import tags_for_display


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    roots = selectors.tree_roots(request.user)
    if len(roots) == 1:
        return redirect(roots[0].url_name, roots[0].pk)
    return render(request, "org/tree.html", {"roots": roots})


@login_required
def region_detail(request: HttpRequest, pk: int) -> HttpResponse:
    region = access_region(request.user, pk)
    if region.kind == Region.Kind.COMMUNITY:
        can_manage = can(request.user, MANAGE_TREE, "community", region.pk)
        if request.method == "POST" and can_manage:
            _tree_form_post(request, region)
            return redirect("org:region", region.pk)
        return render(
            request,
            "org/community.html",
            {
                "community": region,
                "can_manage": can_manage,
                **selectors.community_children(region, request.user),
            },
        )
    if region.kind == Region.Kind.GRID:
        community = region.parent_community
        buildings = selectors.buildings_with_counts(region.buildings.all())
        crumbs_ok = scope_for(request.user, "view_tree").contains_region(community)
        return render(
            request,
            "org/grid.html",
            {"grid": region, "community": community, "show_community": crumbs_ok, "buildings": buildings},
        )
    raise NotFound()


def _tree_form_post(request: HttpRequest, community: Region) -> None:
    """The community page's three small forms: new grid, compound or building."""
    post = request.POST
    try:
        form = post.get("form")
        if form == "grid":
            obj = tree_actions.grid_create(
                actor=request.user, community_id=community.pk, name=post.get("name", ""), code=post.get("code", "")
            )
        elif form == "compound":
            obj = tree_actions.compound_create(
                actor=request.user, community_id=community.pk, name=post.get("name", ""),
                address=post.get("address", ""), property_company=post.get("property_company", ""),
            )
        elif form == "building":
            obj = tree_actions.building_create(
                actor=request.user, community_id=community.pk, grid_id=_int_or_none(post.get("grid")) or 0,
                compound_id=_int_or_none(post.get("compound")) or 0, name=post.get("name", ""),
                floors=post.get("floors") or None, units=post.get("units") or 1,
            )
        else:
            return
        messages.success(request, _("已新增：%(name)s") % {"name": obj.name})
    except ApplicationError as exc:
        flash_error(request, exc)


@login_required
def compound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    compound = access_compound(request.user, pk)
    buildings = selectors.buildings_with_counts(
        selectors.visible_buildings(request.user).filter(compound=compound)
    )
    return render(request, "org/compound.html", {"compound": compound, "buildings": buildings})


@login_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if request.GET.get("unit"):
        unit = access_unit(user, request.GET["unit"])
        if unit.building_id != int(pk):
            raise NotFound()
        building = unit.building
    else:
        unit = None
        building = access_building(user, pk)
    can_manage = can(user, MANAGE_TREE, "building", building)
    if request.method == "POST" and can_manage:
        _building_form_post(request, building)
        return redirect(request.get_full_path())
    units, selected, floors = selectors.building_rooms(building, user, unit=unit)
    return render(
        request,
        "org/building.html",
        {
            "can_manage": can_manage,
            "uses": Household.Use.choices,
            "building": building,
            "units": units,
            "selected": selected,
            "floors": floors,
            "can_view_households": not scope_for(user, VIEW_HOUSEHOLDS).is_empty,
        },
    )


def _building_form_post(request: HttpRequest, building) -> None:
    post = request.POST
    try:
        if post.get("form") == "unit":
            unit = tree_actions.unit_create(actor=request.user, building_id=building.pk, number=post.get("number", ""))
            messages.success(request, _("已新增：%(name)s") % {"name": unit})
        elif post.get("form") == "household":
            h = tree_actions.household_create(
                actor=request.user, unit_id=_int_or_none(post.get("unit")) or 0, room=post.get("room", ""),
                floor=post.get("floor", ""), area=post.get("area", ""), use=post.get("use", "dwelling"),
            )
            messages.success(request, _("已新增：%(name)s") % {"name": h.room})
    except ApplicationError as exc:
        flash_error(request, exc)


@login_required
def steward_households(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = RoleAssignment.objects.filter(
        pk=pk, user=request.user, role=Role.RED_STEWARD, revoked_at__isnull=True
    ).first()
    if assignment is None:
        raise NotFound()
    households = (
        Household.objects.filter(stewards__assignment=assignment)
        .select_related("unit", "building", "compound")
        .order_by("building_id", "unit_id", "room")
    )
    return render(request, "org/steward.html", {"assignment": assignment, "households": households})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    households = residents = None
    page = None
    prefix = ""
    if q:
        qs = selectors.household_list(request.user, q=q).distinct()
        page, prefix = paginate(request, qs, per_page=30)
        if len(q) >= 2 and not q.isdigit():
            residents = list(selectors.resident_list(request.user, q=q)[:20])
        if page.paginator.count == 1 and not residents and request.GET.get("go") != "0":
            return redirect("org:household", page.object_list[0].pk)
        households = page.object_list
    return render(
        request,
        "org/search.html",
        {"q": q, "households": households, "residents": residents, "page": page, "query_prefix": prefix},
    )


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.household_list(
        request.user,
        q=request.GET.get("q", ""),
        community_id=_int_or_none(request.GET.get("community")),
        grid_id=_int_or_none(request.GET.get("grid")),
        compound_id=_int_or_none(request.GET.get("compound")),
        building_id=_int_or_none(request.GET.get("building")),
        occupancy=request.GET.get("occupancy") or None,
    ).distinct()
    page, prefix = paginate(request, qs, per_page=50)
    return render(request, "org/household_list.html", {"page": page, "query_prefix": prefix,
                                                       "q": request.GET.get("q", "")})


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    household = access_household(user, pk)
    occupancies = selectors.household_detail(household)
    tags = tags_for_display(
        user, [o.resident for o in occupancies], context=f"household:{household.pk} {household.label}"
    )
    rows = [(o, tags.get(o.resident_id, [])) for o in occupancies]
    return render(
        request,
        "org/household.html",
        {
            "household": household,
            "rows": rows,
            "can_edit": can(user, EDIT_HOUSEHOLDS, "household", household),
            "can_reveal": can(user, REVEAL_CONTACT, "household", household),
            "relations": Occupancy.Relation.choices,
            "uses": Household.Use.choices,
            "occupancy_choices": Household.Occupancy.choices,
        },
    )


@login_required
@require_POST
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    data = {k: request.POST[k] for k in ("floor", "area", "use", "occupancy", "note") if k in request.POST}
    try:
        people_actions.household_update(actor=request.user, household_id=pk, data=data)
        messages.success(request, _("已保存。"))
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("org:household", pk)


@login_required
@require_POST
def household_add_resident(request: HttpRequest, pk: int) -> HttpResponse:
    data = {k: request.POST.get(k, "") for k in ("name", "gender", "phone", "id_number")}
    try:
        people_actions.resident_create_in_household(
            actor=request.user, household_id=pk, data=data, relation=request.POST.get("relation", ""),
            share=request.POST.get("share") or None,
        )
        messages.success(request, _("已登记居民 %(name)s。") % {"name": data["name"]})
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("org:household", pk)


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    resident = access_resident(user, pk)
    resident_tags = tags_for_display(user, [resident], context=f"resident:{resident.pk}")
    return render(
        request,
        "org/resident.html",
        {
            "resident": resident,
            "tags": resident_tags.get(resident.pk, []),
            "occupancies": selectors.resident_households(resident, user),
            "can_edit": can(user, EDIT_HOUSEHOLDS, "resident", resident),
            "can_reveal": can(user, REVEAL_CONTACT, "resident", resident),
            "all_tags": Tag.choices,
            "genders": resident.Gender.choices,
        },
    )


@login_required
@require_POST
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    # Contact fields are shown masked, so an empty box means "keep as is".
    data = {
        k: request.POST[k]
        for k in ("name", "gender", "phone", "id_number", "note")
        if k in request.POST and (request.POST[k] or k not in ("phone", "id_number"))
    }
    try:
        tags = request.POST.getlist("tags") if "tags_submitted" in request.POST else None
        people_actions.resident_edit(actor=request.user, resident_id=pk, data=data, tags=tags)
        messages.success(request, _("已保存。"))
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("org:resident", pk)


@login_required
@require_POST
def reveal_contact(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        asked = tuple(request.GET.get("fields", "").split(",")) if request.GET.get("fields") else people_actions.CONTACT_FIELDS
        contact = people_actions.contact_reveal(actor=request.user, resident_id=pk, fields=asked)
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status)
    return render(request, "org/_contact.html", {"contact": contact})


@login_required
def roles(request: HttpRequest) -> HttpResponse:
    communities = communities_with(request.user, MANAGE_ROLES)
    community = pick(communities, request.GET.get("community"))  # the form posts to ?community=…
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                role_actions.role_revoke(actor=request.user, assignment_id=_int_or_none(request.POST["revoke"]) or 0)
                messages.success(request, _("已撤销任命。"))
            else:
                from gongzhi.accounts.models import User
                from gongzhi.core.validators import normalize_phone

                phone = normalize_phone(request.POST.get("phone", "")) or request.POST.get("phone", "")
                target = User.objects.filter(phone=phone).first()
                if target is None:
                    raise ApplicationError("unknown_user", _("没有使用该手机号的账号，请先为居民开通账号。"), field="phone")
                role_actions.role_assign(
                    actor=request.user, user_id=target.pk, role=request.POST.get("role", ""),
                    scope_id=_int_or_none(request.POST.get("scope")) or 0,
                )
                messages.success(request, _("已任命。"))
        except ApplicationError as exc:
            flash_error(request, exc)
        return redirect(f"{request.path}?community={community.pk}")
    assignments = selectors.roles_in_community(community.pk)
    page, prefix = paginate(request, assignments, per_page=50)
    return render(
        request,
        "org/roles.html",
        {
            "community": community,
            "communities": communities,
            "page": page,
            "query_prefix": prefix,
            "roles": [(r.value, r.label, ROLE_SCOPE[r]) for r in Role if ROLE_SCOPE[r] != "subdistrict"],
            "scope_options": _scope_options(community),
        },
    )


def _scope_options(community: Region) -> dict[str, list[tuple[int, str]]]:
    from .models import Building, Compound, Unit

    grids = natural_sorted(Region.objects.filter(parent_community=community), key=lambda g: g.name)
    buildings = natural_sorted(Building.objects.filter(community=community).select_related("compound"),
                               key=lambda b: (b.compound.name, b.name))
    return {
        "community": [(community.pk, community.name)],
        "households": [(community.pk, community.name)],
        "grid": [(g.pk, g.name) for g in grids],
        "compound": [(c.pk, c.name) for c in natural_sorted(Compound.objects.filter(community=community),
                                                            key=lambda c: c.name)],
        "building": [(b.pk, f"{b.compound.name} {b.name}") for b in buildings],
        "unit": [
            (u.pk, f"{u.building.compound.name} {u.building.name} {u}")
            for u in natural_sorted(Unit.objects.filter(building__community=community).select_related("building__compound"),
                                    key=lambda u: (u.building.compound.name, u.building.name, u.number))
        ],
    }


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """Who did what, in words: filter by what was done (in words), by whom, by dates and by object."""
    communities = communities_with(request.user, VIEW_AUDIT)
    if not communities:
        raise NotFound()
    get = request.GET
    f = {k: get.get(k, "").strip()[:100] for k in ("action", "person", "q", "from", "to")}
    dates, error = {}, None
    for key in ("from", "to"):
        try:
            dates[key] = datetime.date.fromisoformat(f[key]) if f[key] else None
        except ValueError:
            dates[key] = None
            error = ApplicationError(codes.INVALID_DATE, _("日期“%(value)s”无法识别，请按 2025-01-31 的格式填写。")
                                     % {"value": f[key]}, field=key)
    qs = selectors.audit_events([c.pk for c in communities], action=f["action"], person=f["person"], q=f["q"],
                                date_from=dates["from"], date_to=dates["to"])
    page, prefix = paginate(request, qs, per_page=50)
    events = [
        {"event": e, "label": audit_labels.action_label(e.action),
         "changes": audit_labels.changes_in_words(e.target_type, e.changes),
         "residents": audit_labels.residents_count(e.details)}
        for e in page.object_list
    ]
    return render(request, "org/audit.html", {"page": page, "query_prefix": prefix, "events": events, "f": f,
                                             "error": error, "filtered": any(f.values())},
                  status=400 if error else 200)


_int_or_none = query_pk  # an id beyond a BIGINT matches nothing instead of overflowing the filter
