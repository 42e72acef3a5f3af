"""Resident pages: 反映诉求 (file a request), similar open requests nearby, 我的诉求.

Built for a phone on a weak connection: plain forms that work without JavaScript, an
idempotency key in the form so a double tap or a resent POST never files twice, and the
Chinese error next to the field it concerns.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError
from gongzhi.core.pagination import paginate

from .. import selectors
from ..actions.intake import MAX_DESCRIPTION, MAX_PHOTOS, case_submit
from ..models import Case, Channel, Urgency
from ..permissions import intake_scope
from .common import int_or_none, new_idempotency_key

PLACE_FIELDS = {"household": "place", "community": "place", "building": "place", "place": "place"}


def place_options(user) -> list[dict]:
    """The resident's own households, then "a building of my community" (picked from the list of
    every building there), then "somewhere else in my community" (a road, a square: typed)."""
    options = []
    communities = {}
    for h in selectors.resident_places(user):
        options.append({"value": f"h:{h.pk}", "label": f"{h.compound.name} {h.building.name} {h.unit.number}-{h.room}",
                        "household": h})
        communities.setdefault(h.community_id, h.community)
    if communities:
        buildings = selectors.community_buildings(communities)
        options.append({"value": "b", "label": "", "buildings": buildings,
                        "groups": selectors.buildings_by_compound(buildings)})
    for community in communities.values():
        options.append({"value": f"c:{community.pk}", "label": community.name, "community": community})
    return options


def _picked_building(options: list[dict], value) -> int | None:
    """The building picked in the list, if it is one the list offered."""
    pk = int_or_none(value)
    offered = next((o["buildings"] for o in options if o["value"] == "b"), [])
    return pk if any(b.pk == pk for b in offered) else None


def _parse_place(value: str) -> tuple[str, int | None]:
    kind, _sep, pk = str(value or "").partition(":")
    return kind, int_or_none(pk)


def _categories_for(options: list[dict]) -> list:
    community_ids = []
    for o in options:
        if o["value"] == "b":
            continue
        cid = o["household"].community_id if "household" in o else o["community"].pk
        if cid not in community_ids:
            community_ids.append(cid)
    return selectors.categories(community_ids[0]) if len(community_ids) == 1 else []


def error_field(exc: ApplicationError) -> str:
    return PLACE_FIELDS.get(exc.field or "", exc.field or "")


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    options = place_options(request.user)
    form = {
        "place": options[0]["value"] if options else "",
        "building": "",
        "address": "",
        "description": "",
        "category": "",
        "urgency": Urgency.NORMAL,
        "key": new_idempotency_key(),
    }
    error = None
    status = 200
    if request.method == "POST" and options:
        form = {k: request.POST.get(k, "").strip() for k in ("place", "building", "address", "description",
                                                              "category", "urgency", "key")}
        form["urgency"] = form["urgency"] or Urgency.NORMAL
        kind, pk = _parse_place(form["place"])
        try:
            case = case_submit(
                actor=request.user,
                description=request.POST.get("description", ""),
                channel=Channel.RESIDENT,
                household_id=pk if kind == "h" else None,
                building_id=_picked_building(options, form["building"]) if kind == "b" else None,
                community_id=pk if kind == "c" else None,
                address=form["address"] if kind in ("b", "c") else "",
                category_code=form["category"] or None,
                urgency=form["urgency"],
                photos=request.FILES.getlist("photos"),
                idempotency_key=form["key"],
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            error, status = exc, exc.status
            form["description"] = request.POST.get("description", "")
        else:
            return redirect(reverse("casework:detail", args=[case.pk]) + "?submitted=1")
    return render(
        request,
        "casework/resident/new.html",
        {
            "options": options,
            "form": form,
            "error": error,
            "error_field": error_field(error) if error else "",
            # a file input comes back empty after an error: say so instead of dropping them silently
            "photos_dropped": len(request.FILES.getlist("photos")) if error else 0,
            "duplicate_id": (error.details or {}).get("case_id") if error and isinstance(error.details, dict) else None,
            "categories": _categories_for(options) if options else [],
            "urgencies": Urgency.choices,
            "max_description": MAX_DESCRIPTION,
            "max_photos": MAX_PHOTOS,
            "can_intake": not intake_scope(request.user).is_empty,
        },
        status=status,
    )


@login_required
@require_POST
def similar(request: HttpRequest) -> HttpResponse:
    """htmx, on blur of the text: open requests nearby that look like the same issue."""
    text = request.POST.get("description", "")[:MAX_DESCRIPTION]
    building_id = compound_id = community_id = None
    kind, pk = _parse_place(request.POST.get("place", ""))
    if kind == "h" and pk:
        household = next((h for h in selectors.resident_places(request.user) if h.pk == pk), None)
        if household is not None:
            building_id, compound_id, community_id = household.building_id, household.compound_id, household.community_id
    elif kind == "b" and not pk:  # a resident's pick in the list of the community's buildings
        picked = int_or_none(request.POST.get("building"))
        building = next((b for b in _resident_buildings(request.user) if b.pk == picked), None)
        if building is not None:
            building_id, compound_id, community_id = building.pk, building.compound_id, building.community_id
    elif kind == "b" and pk:
        building = next((b for b in selectors.intake_places(request.user)["buildings"] if b.pk == pk), None)
        if building is not None:
            building_id, compound_id, community_id = building.pk, building.compound_id, building.community_id
    found = []
    if community_id and text.strip():
        found = selectors.similar_open_cases(community_id=community_id, text=text, building_id=building_id,
                                             compound_id=compound_id)
    return render(request, "casework/resident/_similar.html", {"similar": found,
                                                               "staff": kind == "b" and bool(pk)})


def _resident_buildings(user) -> list:
    return next((o["buildings"] for o in place_options(user) if o["value"] == "b"), [])


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    qs = selectors.my_cases(request.user).select_related("compound")
    show = request.GET.get("show", "")
    if show == "open":
        qs = qs.filter(status__in=[*Case.OPEN_STATUSES, Case.Status.RESOLVED, Case.Status.VERIFIED])
    page, prefix = paginate(request, qs, per_page=20)
    waiting = selectors.my_cases(request.user).filter(
        status__in=[Case.Status.RESOLVED, Case.Status.VERIFIED]).count()
    return render(
        request,
        "casework/resident/mine.html",
        {"page": page, "query_prefix": prefix, "show": show, "waiting": waiting,
         "has_places": bool(selectors.resident_places(request.user))},
    )

