"""Writes to the territory: grids, compounds, buildings, units, households."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff_fields
from gongzhi.core.errors import ApplicationError

from .. import error_codes as codes
from ..models import Building, Compound, Household, Region, Unit
from ..permissions import MANAGE_TREE, access_building, access_community, access_unit
from .common import clean_area, clean_choice, clean_int, clean_text


@transaction.atomic
def grid_create(*, actor, community_id: int, name: str, code: str) -> Region:
    community = access_community(actor, community_id, MANAGE_TREE)
    name = clean_text(name, field="name", label=_("网格名称"), max_length=100)
    code = clean_text(code, field="code", label=_("编码"), max_length=32)
    if Region.objects.filter(code=code).exists():
        raise ApplicationError(codes.DUPLICATE_NAME, _("编码已被使用：%(code)s") % {"code": code}, field="code")
    grid = community.create_grid(name=name, code=code)
    audit_record(actor=actor, action="grid.create", target=grid, community_id=community.pk,
                 changes={"name": name, "code": code})
    return grid


@transaction.atomic
def compound_create(*, actor, community_id: int, name: str, address: str = "", property_company: str = "") -> Compound:
    community = access_community(actor, community_id, MANAGE_TREE)
    name = clean_text(name, field="name", label=_("小区名称"), max_length=100)
    if Compound.objects.filter(community=community, name=name).exists():
        raise ApplicationError(codes.DUPLICATE_NAME, _("本社区已有同名小区：%(name)s") % {"name": name}, field="name")
    compound = Compound.objects.create(
        community=community,
        name=name,
        address=clean_text(address, field="address", label=_("地址"), max_length=200, required=False),
        property_company=clean_text(
            property_company, field="property_company", label=_("物业公司"), max_length=100, required=False
        ),
    )
    audit_record(actor=actor, action="compound.create", target=compound, community_id=community.pk,
                 changes={"name": name})
    return compound


def _grid_and_compound(actor, community: Region, grid_id, compound_id) -> tuple[Region, Compound]:
    grid = Region.objects.filter(pk=grid_id, kind=Region.Kind.GRID).first()
    if grid is None or grid.community_id_or_none != community.pk:
        raise ApplicationError(codes.WRONG_COMMUNITY, _("所选网格不属于本社区。"), field="grid")
    compound = Compound.objects.filter(pk=compound_id, community=community).first()
    if compound is None:
        raise ApplicationError(codes.WRONG_COMMUNITY, _("所选小区不属于本社区。"), field="compound")
    return grid, compound


@transaction.atomic
def building_create(
    *, actor, community_id: int, grid_id: int, compound_id: int, name: str, floors=None, units: int = 1,
    address: str = "",
) -> Building:
    community = access_community(actor, community_id, MANAGE_TREE)
    grid, compound = _grid_and_compound(actor, community, grid_id, compound_id)
    name = clean_text(name, field="name", label=_("楼栋名称"), max_length=50)
    if Building.objects.filter(compound=compound, name=name).exists():
        raise ApplicationError(
            codes.DUPLICATE_NAME, _("%(compound)s已有楼栋：%(name)s") % {"compound": compound.name, "name": name},
            field="name",
        )
    floors_value = clean_int(floors, field="floors", label=_("层数"), minimum=1, maximum=200) if floors else None
    unit_count = clean_int(units, field="units", label=_("单元数"), minimum=1, maximum=50)
    building = Building.objects.create(
        community=community, grid=grid, compound=compound, name=name, floors=floors_value,
        address=clean_text(address, field="address", label=_("地址"), max_length=200, required=False),
    )
    Unit.objects.bulk_create([Unit(building=building, number=str(i)) for i in range(1, unit_count + 1)])
    audit_record(
        actor=actor, action="building.create", target=building, community_id=community.pk,
        changes={"name": name, "grid": grid.pk, "compound": compound.pk, "floors": floors_value, "units": unit_count},
    )
    return building


@transaction.atomic
def building_update(*, actor, building_id: int, data: dict[str, Any]) -> Building:
    """Rename a building or move it to another grid/compound; its households follow."""
    building = access_building(actor, building_id, MANAGE_TREE)
    community = building.community
    cleaned: dict[str, Any] = {}
    if "name" in data:
        cleaned["name"] = clean_text(data["name"], field="name", label=_("楼栋名称"), max_length=50)
    if "floors" in data:
        cleaned["floors"] = (
            clean_int(data["floors"], field="floors", label=_("层数"), minimum=1, maximum=200)
            if data["floors"] not in (None, "")
            else None
        )
    if "grid" in data or "compound" in data:
        grid, compound = _grid_and_compound(
            actor, community, data.get("grid", building.grid_id), data.get("compound", building.compound_id)
        )
        cleaned["grid"], cleaned["compound"] = grid, compound
    target_compound = cleaned.get("compound", building.compound)
    if Building.objects.filter(compound=target_compound, name=cleaned.get("name", building.name)).exclude(
        pk=building.pk
    ).exists():
        raise ApplicationError(codes.DUPLICATE_NAME, _("该小区已有同名楼栋。"), field="name")
    changes = diff_fields(building, cleaned)
    if changes:
        for name, value in cleaned.items():
            setattr(building, name, value)
        building.save()
        if "grid" in changes or "compound" in changes:
            Household.objects.filter(building=building).update(grid=building.grid, compound=building.compound)
        audit_record(actor=actor, action="building.update", target=building, community_id=community.pk,
                     changes=changes)
    return building


@transaction.atomic
def unit_create(*, actor, building_id: int, number: str) -> Unit:
    building = access_building(actor, building_id, MANAGE_TREE)
    number = clean_text(number, field="number", label=_("单元号"), max_length=10)
    if Unit.objects.filter(building=building, number=number).exists():
        raise ApplicationError(codes.DUPLICATE_NAME, _("该楼栋已有此单元。"), field="number")
    unit = Unit.objects.create(building=building, number=number)
    audit_record(actor=actor, action="unit.create", target=unit, community_id=building.community_id,
                 changes={"building": building.pk, "number": number})
    return unit


@transaction.atomic
def household_create(
    *, actor, unit_id: int, room: str, floor, area, use: str = Household.Use.DWELLING,
    occupancy: str = Household.Occupancy.OCCUPIED,
) -> Household:
    unit = access_unit(actor, unit_id, MANAGE_TREE)
    building = unit.building
    room = clean_text(room, field="room", label=_("房号"), max_length=20)
    if Household.objects.filter(unit=unit, room=room).exists():
        raise ApplicationError(
            codes.DUPLICATE_ROOM, _("%(unit)s已有房号 %(room)s。") % {"unit": unit, "room": room}, field="room"
        )
    household = Household.objects.create(
        community_id=building.community_id, grid_id=building.grid_id, compound_id=building.compound_id,
        building=building, unit=unit, room=room,
        floor=clean_int(floor, field="floor", label=_("楼层"), minimum=-5, maximum=200),
        area=clean_area(area),
        use=clean_choice(use, Household.Use, field="use", label=_("用途")),
        occupancy=clean_choice(occupancy, Household.Occupancy, field="occupancy", label=_("居住状态")),
    )
    audit_record(actor=actor, action="household.create", target=household, community_id=building.community_id,
                 changes={"unit": unit.pk, "room": room, "floor": household.floor, "area": household.area})
    return household


__all__ = [
    "building_create",
    "building_update",
    "compound_create",
    "grid_create",
    "household_create",
    "unit_create",
]
