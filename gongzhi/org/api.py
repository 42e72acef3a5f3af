"""JSON API of the org app. Same access_* checks and selectors as the pages."""


from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from gongzhi.core.schemas import Id, Page, PageNumber, PageSize, errors, paginate_queryset

from . import schemas as s
from . import selectors
from .actions import people as people_actions
from .actions import roles as role_actions
from .actions import tree as tree_actions
from .models import SENSITIVE_TAGS, Compound, Region
from .permissions import (
    MANAGE_ROLES,
    VIEW_TREE,
    access_building,
    access_community,
    access_household,
    access_region,
    access_resident,
    scope_for,
)
from .scopes import active_assignments, own_resident
from .sensitive import record_list_read, tags_for_display

router = Router(tags=["org"])


def _tag_out(t) -> dict:
    return {"tag": t.tag, "label": str(t.get_tag_display()), "sensitive": t.tag in SENSITIVE_TAGS}


def _resident_brief(r) -> dict:
    return {
        "id": r.pk,
        "name": r.name,
        "gender": r.gender,
        "phone_masked": r.masked_phone,
        "id_number_masked": r.masked_id_number,
    }


# Tree -------------------------------------------------------------------------
@router.get("/regions", response=list[s.RegionOut])
def region_list(request: HttpRequest):
    """Communities and grids the user can see."""
    scope = scope_for(request.user, VIEW_TREE)
    qs = Region.objects.exclude(kind=Region.Kind.SUBDISTRICT).order_by("path")
    if not scope.everything:
        qs = qs.filter(
            Q(pk__in=scope.communities) | Q(parent_community_id__in=scope.communities) | Q(pk__in=scope.grids)
        )
    return list(qs)


@router.get("/regions/{int:region_id}", response=s.RegionOut)
def region_get(request: HttpRequest, region_id: Id):
    return access_region(request.user, region_id)


@router.get("/compounds", response=list[s.CompoundOut])
def compound_list(request: HttpRequest, community: Id | None = None):
    scope = scope_for(request.user, VIEW_TREE)
    qs = Compound.objects.order_by("community_id", "name")
    if not scope.everything:
        ids = set(scope.compounds) | set(
            selectors.visible_buildings(request.user).values_list("compound_id", flat=True)
        )
        qs = qs.filter(pk__in=ids)
    if community:
        qs = qs.filter(community_id=community)
    return list(qs)


class BuildingFilter(Schema):
    community: Id | None = None
    grid: Id | None = None
    compound: Id | None = None
    page: PageNumber = 1
    page_size: PageSize = 50


@router.get("/buildings", response=Page[s.BuildingOut])
def building_list(request: HttpRequest, filters: Query[BuildingFilter]):
    qs = selectors.visible_buildings(request.user).order_by("compound_id", "name")
    for name in ("community", "grid", "compound"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{f"{name}_id": value})
    return paginate_queryset(qs, page=filters.page, page_size=filters.page_size)


class BuildingDetailOut(s.BuildingOut):
    units: list[s.UnitOut]

    @staticmethod
    def resolve_units(obj):
        return obj.units_list


@router.get("/buildings/{int:building_id}", response=BuildingDetailOut)
def building_get(request: HttpRequest, building_id: Id):
    building = access_building(request.user, building_id)
    building.units_list = selectors.building_units(building, request.user)
    return building


@router.post("/grids", response={201: s.RegionOut, **errors(400, 403, 404)})
def grid_create(request: HttpRequest, payload: s.GridIn):
    return Status(201, tree_actions.grid_create(actor=request.user, **payload.dict()))


@router.post("/compounds", response={201: s.CompoundOut, **errors(400, 403, 404)})
def compound_create(request: HttpRequest, payload: s.CompoundIn):
    return Status(201, tree_actions.compound_create(actor=request.user, **payload.dict()))


@router.post("/buildings", response={201: s.BuildingOut, **errors(400, 403, 404)})
def building_create(request: HttpRequest, payload: s.BuildingIn):
    return Status(201, tree_actions.building_create(actor=request.user, **payload.dict()))


@router.patch("/buildings/{int:building_id}", response={200: s.BuildingOut, **errors(400, 403)})
def building_patch(request: HttpRequest, building_id: Id, payload: s.BuildingPatchIn):
    return tree_actions.building_update(
        actor=request.user, building_id=building_id, data=payload.dict(exclude_unset=True)
    )


@router.post("/units", response={201: s.UnitOut, **errors(400, 403, 404)})
def unit_create(request: HttpRequest, payload: s.UnitIn):
    return Status(201, tree_actions.unit_create(actor=request.user, **payload.dict()))


@router.post("/households", response={201: s.HouseholdOut, **errors(400, 403, 404)})
def household_create(request: HttpRequest, payload: s.HouseholdIn):
    household = tree_actions.household_create(actor=request.user, **payload.dict())
    return Status(201, access_household(request.user, household.pk))


# Households -------------------------------------------------------------------
class HouseholdFilter(Schema):
    q: str = ""
    community: Id | None = None
    grid: Id | None = None
    compound: Id | None = None
    building: Id | None = None
    unit: Id | None = None
    use: str | None = None
    occupancy: str | None = None
    page: PageNumber = 1
    page_size: PageSize = 50


@router.get("/households", response=Page[s.HouseholdOut])
def household_list(request: HttpRequest, filters: Query[HouseholdFilter]):
    """Households in the caller's scope, in building/unit/room order."""
    qs = selectors.household_list(
        request.user,
        q=filters.q,
        community_id=filters.community,
        grid_id=filters.grid,
        compound_id=filters.compound,
        building_id=filters.building,
        unit_id=filters.unit,
        use=filters.use,
        occupancy=filters.occupancy,
    )
    if filters.q:
        qs = qs.distinct()
    return paginate_queryset(qs, page=filters.page, page_size=filters.page_size)


def _household_detail(request, household):
    occupancies = selectors.household_detail(household)
    tags = tags_for_display(request.user, [o.resident for o in occupancies], context=f"api household:{household.pk}")
    household.occupants = [
        {
            "resident": _resident_brief(o.resident),
            "relation": o.relation,
            "share": o.share,
            "tags": [_tag_out(t) for t in tags.get(o.resident_id, [])],
        }
        for o in occupancies
    ]
    return household


@router.get("/households/{int:household_id}", response=s.HouseholdDetailOut)
def household_get(request: HttpRequest, household_id: Id):
    return _household_detail(request, access_household(request.user, household_id))


@router.patch("/households/{int:household_id}", response={200: s.HouseholdDetailOut, **errors(400, 403)})
def household_patch(request: HttpRequest, household_id: Id, payload: s.HouseholdPatchIn):
    household = people_actions.household_update(
        actor=request.user, household_id=household_id, data=payload.dict(exclude_unset=True)
    )
    return _household_detail(request, access_household(request.user, household.pk))


@router.post("/households/{int:household_id}/residents", response={201: s.ResidentOut, **errors(400, 403)})
def household_add_resident(request: HttpRequest, household_id: Id, payload: s.ResidentIn):
    data = payload.dict(exclude={"relation", "share"})
    occupancy = people_actions.resident_create_in_household(
        actor=request.user, household_id=household_id, data=data, relation=payload.relation, share=payload.share
    )
    return Status(201, _resident_detail(request, occupancy.resident))


# Residents ----------------------------------------------------------------------
class ResidentFilter(Schema):
    q: str = ""
    tag: str | None = None
    community: Id | None = None
    page: PageNumber = 1
    page_size: PageSize = 50


@router.get("/residents", response=Page[s.ResidentBriefOut])
def resident_list(request: HttpRequest, filters: Query[ResidentFilter]):
    """Residents in scope. Filtering by a sensitive tag needs the right to see it (and is audited)."""
    qs = selectors.resident_list(request.user, q=filters.q, tag=filters.tag, community_id=filters.community)
    page = paginate_queryset(qs, page=filters.page, page_size=filters.page_size)
    record_list_read(request.user, page["items"], tag=filters.tag, context=f"api list tag={filters.tag}")
    page["items"] = [_resident_brief(r) for r in page["items"]]
    return page


def _resident_detail(request, resident) -> dict:
    tags = tags_for_display(request.user, [resident], context=f"api resident:{resident.pk}")
    return {
        **_resident_brief(resident),
        "community_id": resident.community_id,
        "birth_date": resident.birth_date,
        "tags": [_tag_out(t) for t in tags.get(resident.pk, [])],
        "households": [
            {
                "household_id": o.household_id,
                "label": f"{o.household.building.name} {o.household.unit.number}-{o.household.room}",
                "relation": o.relation,
                "share": str(o.share) if o.share is not None else None,
            }
            for o in selectors.resident_households(resident, request.user)
        ],
    }


@router.get("/residents/{int:resident_id}", response=s.ResidentOut)
def resident_get(request: HttpRequest, resident_id: Id):
    return _resident_detail(request, access_resident(request.user, resident_id))


@router.patch("/residents/{int:resident_id}", response={200: s.ResidentOut, **errors(400, 403)})
def resident_patch(request: HttpRequest, resident_id: Id, payload: s.ResidentPatchIn):
    data = payload.dict(exclude_unset=True)
    tags = data.pop("tags", None)
    people_actions.resident_edit(actor=request.user, resident_id=resident_id, data=data, tags=tags)
    return _resident_detail(request, access_resident(request.user, resident_id))


@router.post("/residents/{int:resident_id}/reveal", response={200: s.ContactOut, **errors(403)})
def resident_reveal(request: HttpRequest, resident_id: Id):
    """Full phone and ID number; every call is audited."""
    return people_actions.contact_reveal(actor=request.user, resident_id=resident_id)


# Roles ----------------------------------------------------------------------------
def _assignment_out(a) -> dict:
    return {
        "id": a.pk,
        "user_id": a.user_id,
        "user_name": a.user.name,
        "role": a.role,
        "role_label": str(a.get_role_display()),
        "scope_label": a.scope_label,
        "community_id": a.community_id,
    }


@router.get("/roles", response={200: Page[s.RoleAssignmentOut], **errors(404)})
def role_list(request: HttpRequest, community: Id, page: PageNumber = 1, page_size: PageSize = 50):
    access_community(request.user, community, MANAGE_ROLES)
    result = paginate_queryset(selectors.roles_in_community(community), page=page, page_size=page_size)
    result["items"] = [_assignment_out(a) for a in result["items"]]
    return result


@router.post("/roles", response={201: s.RoleAssignmentOut, **errors(400, 403, 404)})
def role_assign(request: HttpRequest, payload: s.RoleAssignIn):
    assignment = role_actions.role_assign(
        actor=request.user, user_id=payload.user_id, role=payload.role, scope_id=payload.scope_id
    )
    return Status(201, _assignment_out(assignment))


@router.delete("/roles/{int:assignment_id}", response={204: None, **errors(400, 403)})
def role_revoke(request: HttpRequest, assignment_id: Id):
    role_actions.role_revoke(actor=request.user, assignment_id=assignment_id)
    return Status(204, None)


@router.put("/roles/{int:assignment_id}/households", response={200: list[int], **errors(400, 403)})
def steward_households(request: HttpRequest, assignment_id: Id, payload: s.StewardHouseholdsIn):
    return role_actions.steward_households_set(
        actor=request.user, assignment_id=assignment_id, household_ids=payload.household_ids
    )


# /api/auth/me: who the caller is and their roles (mounted under /auth; accounts knows no roles) -------
me_router = Router(tags=["auth"])


class RoleOut(Schema):
    id: int
    role: str
    role_label: str
    scope_label: str


class MeOut(Schema):
    id: int
    name: str
    phone: str
    resident_id: int | None
    roles: list[RoleOut]


@me_router.get("/me", response=MeOut)
def me(request: HttpRequest):
    user = request.user
    resident = own_resident(user)
    return {
        "id": user.pk,
        "name": user.name,
        "phone": user.phone,
        "resident_id": resident.pk if resident else None,
        "roles": [
            {"id": a.pk, "role": a.role, "role_label": a.get_role_display(), "scope_label": a.scope_label}
            for a in active_assignments(user)
        ],
    }
