from datetime import date
from decimal import Decimal

from ninja import Schema

from gongzhi.core.schemas import DecimalIn, Id


class RegionOut(Schema):
    id: int
    kind: str
    name: str
    code: str


class CompoundOut(Schema):
    id: int
    community_id: int
    name: str
    property_company: str


class BuildingOut(Schema):
    id: int
    community_id: int
    grid_id: int
    compound_id: int
    name: str
    floors: int | None


class UnitOut(Schema):
    id: int
    building_id: int
    number: str


class HouseholdOut(Schema):
    id: int
    label: str
    community_id: int
    grid_id: int
    compound_id: int
    compound: str
    building_id: int
    building: str
    unit_id: int
    unit: str
    room: str
    floor: int
    area: Decimal
    use: str
    occupancy: str

    @staticmethod
    def resolve_label(obj):
        return f"{obj.building.name} {obj.unit.number}-{obj.room}"

    @staticmethod
    def resolve_compound(obj):
        return obj.compound.name

    @staticmethod
    def resolve_building(obj):
        return obj.building.name

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.number


class TagOut(Schema):
    tag: str
    label: str
    sensitive: bool


class ResidentBriefOut(Schema):
    id: int
    name: str
    gender: str
    phone_masked: str
    id_number_masked: str


class OccupantOut(Schema):
    resident: ResidentBriefOut
    relation: str
    share: Decimal | None
    tags: list[TagOut]


class HouseholdDetailOut(HouseholdOut):
    note: str
    occupants: list[OccupantOut]


class HouseholdPatchIn(Schema):
    floor: int | None = None
    area: DecimalIn | None = None
    use: str | None = None
    occupancy: str | None = None
    note: str | None = None


class ResidentOut(ResidentBriefOut):
    community_id: int
    birth_date: date | None
    tags: list[TagOut]
    households: list[dict]


class ResidentIn(Schema):
    name: str
    gender: str = ""
    phone: str = ""
    id_number: str = ""
    relation: str
    share: Decimal | None = None


class ResidentPatchIn(Schema):
    name: str | None = None
    gender: str | None = None
    phone: str | None = None
    id_number: str | None = None
    note: str | None = None
    tags: list[str] | None = None


class ContactOut(Schema):
    phone: str
    id_number: str


class RoleAssignmentOut(Schema):
    id: int
    user_id: int
    user_name: str
    role: str
    role_label: str
    scope_label: str
    community_id: int | None


class RoleAssignIn(Schema):
    user_id: Id
    role: str
    scope_id: Id


class StewardHouseholdsIn(Schema):
    household_ids: list[Id]


class GridIn(Schema):
    community_id: Id
    name: str
    code: str


class CompoundIn(Schema):
    community_id: Id
    name: str
    address: str = ""
    property_company: str = ""


class BuildingIn(Schema):
    community_id: Id
    grid_id: Id
    compound_id: Id
    name: str
    floors: int | None = None
    units: int = 1
    address: str = ""


class BuildingPatchIn(Schema):
    name: str | None = None
    floors: int | None = None
    grid: Id | None = None
    compound: Id | None = None


class UnitIn(Schema):
    building_id: Id
    number: str


class HouseholdIn(Schema):
    unit_id: Id
    room: str
    floor: int
    area: DecimalIn
    use: str = "dwelling"
    occupancy: str = "occupied"
