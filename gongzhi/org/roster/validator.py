"""One pass over a roster: check every cell, resolve every row, plan the writes.

The validator reads the community's current state once (grids, compounds,
buildings, units, households, residents, occupancies, tags) into plain dicts,
then walks the three sheets in order, holding compact per-row records. It
never writes. The result is either a ``Plan`` (what to create and what to
change, with counts) or a list of ``Problem`` naming the sheet, row, column
and reason of every problem found.

Matching (upsert) rules:
- building by (compound, name); unit by (building, number); household by (unit, room);
- resident by ID number when given; else by (name, phone) when a phone is given;
  else by (name, household). A row with an ID number may also match a resident
  recorded without one (by name and phone, or by name in the same household),
  which fills the ID in. Rows of the file resolve against earlier rows the same way,
  so one person listed in two households is one resident.
Blank cells never clear stored values; nothing is deleted.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.validators import mask_id_number, mask_phone

from ..models import (
    Building,
    Compound,
    Household,
    Occupancy,
    Region,
    Resident,
    ResidentTag,
    Unit,
)
from . import values as v
from .layout import (
    BUILDING_SHEET,
    EXAMPLE_COMPOUND,
    GENDER_LABELS,
    HOUSEHOLD_SHEET,
    OCCUPANCY_ALIASES,
    OCCUPANCY_LABELS,
    RELATION_LABELS,
    RESIDENT_SHEET,
    USE_LABELS,
)
from .reader import MAX_PROBLEMS, Problem

OWNING = frozenset({"owner", "co_owner"})
_AMBIGUOUS = -1
_HUNDRED = Decimal(100)

Progress = Callable[[int], None]


@dataclass(slots=True)
class BuildingRow:
    row: int
    compound: str
    name: str
    grid_id: int
    floors: int | None
    units: int | None
    address: str


@dataclass(slots=True)
class HouseholdRow:
    row: int
    key: tuple[str, str, str, str]  # compound, building, unit, room
    floor: int
    area: Decimal
    use: str
    occupancy: str
    note: str


class Person:
    """A resident as the file describes them: an existing one (pk) or a new one."""

    __slots__ = ("birth_date", "db", "gender", "id_number", "name", "phone", "pk", "sources", "tags")

    def __init__(self, pk, name, gender, birth_date, phone, id_number, db: tuple | None = None) -> None:
        self.pk = pk
        self.name = name
        self.gender = gender
        self.birth_date = birth_date
        self.phone = phone
        self.id_number = id_number
        self.db = db  # the stored values (PERSON_FIELDS order) of an existing resident
        self.sources: dict[str, int] = {}  # field -> the row that set it
        self.tags: frozenset[str] = _NO_TAGS


PERSON_FIELDS = ("name", "gender", "birth_date", "phone", "id_number")
_NO_TAGS: frozenset[str] = frozenset()


# The lookup indexes map a key to one resident (a pk, or a Person for a new one)
# or, rarely, to a list of them: a list per key would cost ~20 MB at 120,000 rows.
def _index_add(index: dict, key, ref) -> None:
    current = index.get(key)
    if current is None:
        index[key] = ref
    elif type(current) is list:
        if ref not in current:
            current.append(ref)
    elif current is not ref and current != ref:
        index[key] = [current, ref]


def _index_get(index: dict, key) -> tuple | list:
    current = index.get(key)
    if current is None:
        return ()
    return current if type(current) is list else (current,)


@dataclass(slots=True)
class OccupancyRow:
    row: int
    household: tuple[str, str, str, str]
    person: Person
    relation: str
    share: Decimal | None


@dataclass
class Plan:
    """Everything an import will write. Built by the validator, applied by the loader."""

    community_id: int
    buildings_new: list[BuildingRow] = field(default_factory=list)
    buildings_changed: list[tuple[int, dict]] = field(default_factory=list)
    units_new: list[tuple[tuple[str, str], str]] = field(default_factory=list)  # (building key, number)
    households_new: list[HouseholdRow] = field(default_factory=list)
    households_changed: list[tuple[int, dict]] = field(default_factory=list)
    persons_new: list[Person] = field(default_factory=list)
    persons_changed: list[tuple[int, dict]] = field(default_factory=list)
    occupancies_new: list[OccupancyRow] = field(default_factory=list)
    occupancies_changed: list[tuple[int, dict]] = field(default_factory=list)
    tags_new: list[tuple[Person, str]] = field(default_factory=list)
    # Filled from the database state, for the loader:
    compound_ids: dict[str, int] = field(default_factory=dict)
    building_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    building_grids: dict[tuple[str, str], int] = field(default_factory=dict)
    unit_ids: dict[tuple[str, str, str], int] = field(default_factory=dict)
    household_ids: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    rows: int = 0

    @property
    def write_total(self) -> int:
        return (
            len(self.buildings_new) + len(self.buildings_changed) + len(self.units_new)
            + len(self.households_new) + len(self.households_changed) + len(self.persons_new)
            + len(self.persons_changed) + len(self.occupancies_new) + len(self.occupancies_changed)
            + len(self.tags_new)
        )

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "buildings_created": len(self.buildings_new),
            "buildings_updated": len(self.buildings_changed),
            "units_created": len(self.units_new),
            "households_created": len(self.households_new),
            "households_updated": len(self.households_changed),
            "residents_created": len(self.persons_new),
            "residents_updated": len(self.persons_changed),
            "occupancies_created": len(self.occupancies_new),
            "occupancies_updated": len(self.occupancies_changed),
            "tags_added": len(self.tags_new),
        }


class Validator:
    """Validate a roster against one community. Use: ``check_*`` per sheet, then ``finish()``."""

    def __init__(self, community: Region, progress: Progress | None = None, progress_every: int = 2000) -> None:
        self.community = community
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.progress = progress
        self.progress_every = progress_every
        self.done = 0
        self.plan = Plan(community_id=community.pk)
        self._load_tree()

    # Problems ------------------------------------------------------------------
    def problem(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(sheet, row, column, message))

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % self.progress_every == 0:
            self.progress(self.done)

    # Reference data ---------------------------------------------------------------
    def _load_tree(self) -> None:
        c = self.community
        grids: dict[str, int] = {}
        for pk, name in Region.objects.filter(parent_community=c, kind=Region.Kind.GRID).values_list("pk", "name"):
            grids[name] = _AMBIGUOUS if name in grids else pk
        self.grids = grids
        self.compounds = dict(Compound.objects.filter(community=c).values_list("name", "pk"))
        self.plan.compound_ids = self.compounds
        self.db_buildings: dict[tuple[str, str], tuple] = {}
        for pk, cname, name, grid_id, floors, address in Building.objects.filter(community=c).values_list(
            "pk", "compound__name", "name", "grid_id", "floors", "address"
        ):
            self.db_buildings[(cname, name)] = (pk, grid_id, floors, address)
            self.plan.building_ids[(cname, name)] = pk
            self.plan.building_grids[(cname, name)] = grid_id
        self.db_units: dict[tuple[str, str, str], int] = {}
        self.unit_numbers: dict[tuple[str, str], set[str]] = {}
        for pk, cname, bname, number in Unit.objects.filter(building__community=c).values_list(
            "pk", "building__compound__name", "building__name", "number"
        ):
            self.db_units[(cname, bname, number)] = pk
            self.unit_numbers.setdefault((cname, bname), set()).add(number)
        self.plan.unit_ids = self.db_units
        self.db_households: dict[tuple[str, str, str, str], tuple] = {}
        self.household_keys: dict[int, tuple[str, str, str, str]] = {}
        for row in Household.objects.filter(community=c).values_list(
            "pk", "compound__name", "building__name", "unit__number", "room", "floor", "area", "use", "occupancy",
            "note",
        ).iterator(chunk_size=5000):
            key = (row[1], row[2], row[3], row[4])
            self.db_households[key] = (row[0], row[5], row[6], row[7], row[8], row[9])
            self.household_keys[row[0]] = key
        self.plan.household_ids = {key: state[0] for key, state in self.db_households.items()}
        # File state.
        self.buildings: dict[tuple[str, str], BuildingRow] = {}
        self.bad_buildings: set[tuple[str, str]] = set()
        self.households: dict[tuple[str, str, str, str], HouseholdRow] = {}
        self.bad_households: set[tuple[str, str, str, str]] = set()

    def _load_people(self) -> None:
        c = self.community
        self.db_people: dict[int, tuple] = {}
        self.by_id: dict[str, object] = {}  # ID number -> pk (existing) or Person (new)
        self.by_name_phone: dict[tuple[str, str], list] = {}
        self.by_household_name: dict[tuple, list] = {}
        for pk, name, gender, birth, phone, idn in Resident.objects.filter(community=c).values_list(
            "pk", "name", "gender", "birth_date", "phone", "id_number"
        ).iterator(chunk_size=5000):
            self.db_people[pk] = (name, gender, birth, phone, idn)
            if idn:
                self.by_id[idn] = pk
            if phone:
                _index_add(self.by_name_phone, (name, phone), pk)
        self.db_occupancies: dict[tuple[int, int], tuple] = {}  # (household pk, resident pk) -> (pk, relation, share)
        self.household_occupants: dict[int, list[int]] = {}
        keys = self.household_keys
        people = self.db_people
        for pk, hh, res, relation, share in Occupancy.objects.filter(household__community=c).values_list(
            "pk", "household_id", "resident_id", "relation", "share"
        ).iterator(chunk_size=5000):
            self.db_occupancies[(hh, res)] = (pk, relation, share)
            self.household_occupants.setdefault(hh, []).append(res)
            person = people.get(res)
            if person is not None and hh in keys:
                _index_add(self.by_household_name, (keys[hh], person[0]), res)
        self.db_tags: dict[int, set[str]] = {}
        for res, tag in ResidentTag.objects.filter(resident__community=c).values_list("resident_id", "tag").iterator(
            chunk_size=5000
        ):
            self.db_tags.setdefault(res, set()).add(tag)
        self.persons: dict[int, Person] = {}  # existing residents touched by the file
        self.household_rows: dict[tuple, list[OccupancyRow]] = {}  # household key -> its 居民 rows

    # 楼栋 ---------------------------------------------------------------------------
    def check_buildings(self, rows: Iterable[tuple[int, tuple]]) -> None:
        sheet = BUILDING_SHEET
        name_ = sheet.name
        h = sheet.headers
        text = v.text
        for row, (compound, building, grid, floors, units, address) in rows:
            self._tick()
            ok = True
            compound, building, grid, address = text(compound), text(building), text(grid), text(address)
            if not compound:
                ok = self._required(name_, row, h[0])
            elif compound not in self.compounds:
                ok = self._unknown_compound(name_, row, h[0], compound)
            if not building:
                ok = self._required(name_, row, h[1])
            elif len(building) > 50:
                ok = self._too_long(name_, row, h[1], 50)
            grid_id = None
            if not grid:
                ok = self._required(name_, row, h[2])
            else:
                grid_id = self.grids.get(grid)
                if grid_id is None:
                    ok = False
                    self.problem(
                        name_, row, h[2],
                        _("网格“%(name)s”不存在，请先由社区工作人员在系统中创建。") % {"name": grid},
                    )
                elif grid_id == _AMBIGUOUS:
                    ok = False
                    self.problem(
                        name_, row, h[2],
                        _("本社区有多个名为“%(name)s”的网格，请先在系统中改名以便区分。") % {"name": grid},
                    )
            floor_count = unit_count = None
            if floors is not None and floors != "":
                try:
                    floor_count = v.integer(floors, label=h[3], minimum=1, maximum=200)
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[3], exc)
            if units is not None and units != "":
                try:
                    unit_count = v.integer(units, label=h[4], minimum=1, maximum=99)
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[4], exc)
            if len(address) > 200:
                ok = self._too_long(name_, row, h[5], 200)
            key = (compound, building)
            if compound and building:
                earlier = self.buildings.get(key)
                if earlier is not None:
                    ok = False
                    self.problem(
                        name_, row, h[1], _("楼栋重复：与第 %(row)d 行是同一小区的同一楼栋。") % {"row": earlier.row}
                    )
                elif not ok:
                    self.bad_buildings.add(key)
            if ok:
                self.buildings[key] = BuildingRow(row, compound, building, grid_id, floor_count, unit_count, address)

    # 房屋 ---------------------------------------------------------------------------
    def check_households(self, rows: Iterable[tuple[int, tuple]]) -> None:
        sheet = HOUSEHOLD_SHEET
        name_ = sheet.name
        h = sheet.headers
        text = v.text
        households = self.households
        for row, (compound, building, unit, room, floor, area, use, occupancy, note) in rows:
            self._tick()
            compound, building = text(compound), text(building)
            ok = self._check_place(name_, row, h, compound, building)
            unit, room, note = text(unit), text(room), text(note)
            if not unit:
                ok = self._required(name_, row, h[2])
            elif len(unit) > 10:
                ok = self._too_long(name_, row, h[2], 10)
            if not room:
                ok = self._required(name_, row, h[3])
            elif len(room) > 20:
                ok = self._too_long(name_, row, h[3], 20)
            floor_value = None
            if floor is None or floor == "":
                if room.isdigit() and len(room) >= 3:
                    floor_value = int(room[:-2])
                elif room:
                    ok = False
                    self.problem(name_, row, h[4], _("楼层不能为空（无法从房号“%(room)s”推算）。") % {"room": room})
            else:
                try:
                    floor_value = v.integer(floor, label=h[4], minimum=-5, maximum=200)
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[4], exc)
            area_value = None
            if area is None or area == "":
                ok = self._required(name_, row, h[5])
            else:
                try:
                    area_value = v.area(area)
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[5], exc)
            use_value, occ_value = "dwelling", "occupied"
            if use is not None and use != "":
                try:
                    use_value = v.choice(use, USE_LABELS, label=h[6])
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[6], exc)
            if occupancy is not None and occupancy != "":
                try:
                    occ_value = v.choice(occupancy, OCCUPANCY_LABELS, label=h[7], aliases=OCCUPANCY_ALIASES)
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[7], exc)
            if len(note) > 200:
                ok = self._too_long(name_, row, h[8], 200)
            key = (compound, building, unit, room)
            if unit and room:
                earlier = households.get(key)
                if earlier is not None:
                    ok = False
                    self.problem(
                        name_, row, h[3],
                        _("房号重复：与第 %(row)d 行是同一单元的同一房号（%(label)s）。")
                        % {"row": earlier.row, "label": _label(key)},
                    )
                elif not ok:
                    self.bad_households.add(key)
            if ok:
                households[key] = HouseholdRow(row, key, floor_value, area_value, use_value, occ_value, note)

    def _check_place(self, sheet: str, row: int, h: list[str], compound: str, building: str) -> bool:
        """小区 and 楼栋 of a 房屋/居民 row: the building must be in the 楼栋 sheet or the database."""
        if not compound:
            self._required(sheet, row, h[0])
            if not building:
                self._required(sheet, row, h[1])
            return False
        if compound not in self.compounds:
            if not building:
                self._required(sheet, row, h[1])
            return self._unknown_compound(sheet, row, h[0], compound)
        if not building:
            return self._required(sheet, row, h[1])
        key = (compound, building)
        if key in self.buildings or key in self.db_buildings:
            return True
        if key not in self.bad_buildings:  # already reported on its own row
            self.problem(
                sheet, row, h[1],
                _("楼栋“%(compound)s %(building)s”未在“楼栋”表中列出，系统中也没有。")
                % {"compound": compound, "building": building},
            )
        return False

    # 居民 ---------------------------------------------------------------------------
    def check_residents(self, rows: Iterable[tuple[int, tuple]]) -> None:
        self._load_people()
        sheet = RESIDENT_SHEET
        name_ = sheet.name
        h = sheet.headers
        text = v.text
        households = self.households
        db_households = self.db_households
        for row, (compound, building, unit, room, name, relation, share, gender, birth, phone, idn, tags) in rows:
            self._tick()
            compound, building, unit, room = text(compound), text(building), text(unit), text(room)
            ok = self._check_place(name_, row, h, compound, building)
            key = (compound, building, unit, room)
            known = households.get(key)
            if known is not None:
                key = known.key  # one tuple per household, shared by its rows
            if not unit:
                ok = self._required(name_, row, h[2])
            if not room:
                ok = self._required(name_, row, h[3])
            if ok and key not in households and key not in db_households:
                ok = False
                if key not in self.bad_households:
                    self.problem(
                        name_, row, h[3],
                        _("房屋“%(label)s”未在“房屋”表中列出，系统中也没有。") % {"label": _label(key)},
                    )
            name = text(name)
            if not name:
                ok = self._required(name_, row, h[4])
            elif len(name) > 50:
                ok = self._too_long(name_, row, h[4], 50)
            relation_value = None
            if relation is None or relation == "":
                ok = self._required(name_, row, h[5])
            else:
                try:
                    relation_value = v.choice(relation, RELATION_LABELS, label=h[5])
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[5], exc)
            share_value = None
            if share is not None and share != "":
                try:
                    share_value = v.share(share)
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[6], exc)
                else:
                    if relation_value is not None and relation_value not in OWNING:
                        ok = False
                        self.problem(name_, row, h[6], _("只有业主或共有人可以填写产权份额。"))
            gender_value = ""
            if gender is not None and gender != "":
                try:
                    gender_value = v.choice(gender, GENDER_LABELS, label=h[7])
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[7], exc)
            birth_value = None
            if birth is not None and birth != "":
                try:
                    birth_value = v.birth_date(birth)
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[8], exc)
            phone_value = ""
            if phone is not None and phone != "":
                try:
                    phone_value = v.phone(phone)
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[9], exc)
            id_value = ""
            if idn is not None and idn != "":
                try:
                    id_value = v.id_number(idn)
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[10], exc)
            tag_values = frozenset()
            if tags is not None and tags != "":
                try:
                    tag_values = v.tags(tags)
                except v.BadValue as exc:
                    ok = self._bad(name_, row, h[11], exc)
            if not ok:
                self.bad_households.add(key)
                continue
            person = self._resolve(row, key, name, phone_value, id_value)
            if person is None:
                self.bad_households.add(key)
                continue
            if not self._merge(person, row, (name, gender_value, birth_value, phone_value, id_value), key):
                self.bad_households.add(key)
                continue
            if tag_values:
                person.tags = person.tags | tag_values
            here = self.household_rows.get(key)
            if here is None:
                here = self.household_rows[key] = []
            earlier = next((o for o in here if o.person is person), None)
            if earlier is not None:
                self.bad_households.add(key)
                self.problem(
                    name_, row, h[4],
                    _("同一户中重复登记了该居民（与第 %(row)d 行是同一人）。") % {"row": earlier.row},
                )
                continue
            here.append(OccupancyRow(row, key, person, relation_value, share_value))

    def _person(self, ref) -> Person:
        if type(ref) is int:
            person = self.persons.get(ref)
            if person is None:
                state = self.db_people[ref]
                person = self.persons[ref] = Person(ref, *state, db=state)
            return person
        return ref

    def _current_id(self, ref) -> str:
        if type(ref) is int:
            person = self.persons.get(ref)
            return person.id_number if person is not None else self.db_people[ref][4]
        return ref.id_number

    def _resolve(self, row: int, household: tuple, name: str, phone: str, idn: str) -> Person | None:
        """The resident a row describes: existing, seen on an earlier row, or new."""
        if idn:
            ref = self.by_id.get(idn)
            if ref is not None:
                return self._person(ref)
        if phone:
            candidates = [
                ref for ref in _index_get(self.by_name_phone, (name, phone)) if not idn or not self._current_id(ref)
            ]
            if candidates:
                here = _index_get(self.by_household_name, (household, name))
                for ref in candidates:
                    if ref in here:
                        return self._person(ref)
                return self._person(candidates[0])
        for ref in _index_get(self.by_household_name, (household, name)):
            current = self._current_id(ref)
            if not idn or not current or current == idn:
                return self._person(ref)
        person = Person(None, name, "", None, "", "")
        self.plan.persons_new.append(person)
        return person

    def _merge(self, person: Person, row: int, new: tuple, household: tuple) -> bool:
        """Take the row's non-blank values; rows about one person must agree."""
        sheet = RESIDENT_SHEET
        ok = True
        for i, attr in enumerate(PERSON_FIELDS):
            value = new[i]
            if value is None or value == "":
                continue
            current = getattr(person, attr)
            source = person.sources.get(attr)
            if source is not None:
                if current != value:
                    ok = False
                    column = sheet.column(attr).header
                    self.problem(
                        sheet.name, row, column,
                        _("与第 %(row)d 行登记的是同一居民，但“%(column)s”不一致：%(a)s / %(b)s。")
                        % {"row": source, "column": column, "a": _shown(attr, current), "b": _shown(attr, value)},
                    )
                continue
            person.sources[attr] = row
            if current != value:
                setattr(person, attr, value)
                ref = person.pk or person
                if attr == "id_number":
                    self.by_id[value] = ref
                elif attr == "phone":
                    _index_add(self.by_name_phone, (person.name, value), ref)
        _index_add(self.by_household_name, (household, person.name), person.pk or person)
        return ok

    # Whole-file checks and the plan -------------------------------------------------
    def finish(self) -> Plan:
        """Cross-row checks, then the plan. Call after the three sheets."""
        if not hasattr(self, "db_people"):
            self._load_people()
        self._check_households_whole()
        self.plan.rows = self.done
        if self.problem_count:
            return self.plan
        self._plan_buildings()
        self._plan_households()
        self._plan_people()
        return self.plan

    def _check_households_whole(self) -> None:
        """Shares of a household at most 100 %; a dwelling with residents has an owner."""
        sheet = RESIDENT_SHEET
        share_col = sheet.column("share").header
        relation_col = sheet.column("relation").header
        keys = list(self.household_rows)
        keys += [k for k in self.households if k not in self.household_rows]
        for key in keys:
            if key in self.bad_households:
                continue
            rows = self.household_rows.get(key, ())
            state = self.db_households.get(key)
            final: dict = {}
            if state is not None:
                for res in self.household_occupants.get(state[0], ()):
                    _pk, relation, share = self.db_occupancies[(state[0], res)]
                    final[res] = (relation, share)
            for occ in rows:
                ref = occ.person.pk or occ.person
                share = occ.share
                if share is None and occ.relation in OWNING and ref in final and final[ref][0] in OWNING:
                    share = final[ref][1]  # blank keeps the stored share
                final[ref] = (occ.relation, share if occ.relation in OWNING else None)
            total = sum((s for _r, s in final.values() if s is not None), Decimal(0))
            if total > _HUNDRED:
                last = next((o for o in reversed(rows) if o.share is not None), None)
                if last is not None:
                    self.problem(
                        sheet.name, last.row, share_col,
                        _("%(label)s 的产权份额合计为 %(total)s%%，超过 100%%。")
                        % {"label": _label(key), "total": _number(total)},
                    )
            household_row = self.households.get(key)
            use = household_row.use if household_row is not None else (state[3] if state else "dwelling")
            if use == "dwelling" and final and not any(r in OWNING for r, _s in final.values()):
                if rows:
                    where = (sheet.name, rows[0].row, relation_col)
                else:
                    where = (HOUSEHOLD_SHEET.name, household_row.row, HOUSEHOLD_SHEET.column("use").header)
                self.problem(
                    *where, _("%(label)s 登记了居民，但没有业主或共有人。") % {"label": _label(key)}
                )

    def _plan_buildings(self) -> None:
        plan = self.plan
        now = timezone.now()
        for key, b in self.buildings.items():
            state = self.db_buildings.get(key)
            if state is None:
                plan.buildings_new.append(b)
                plan.building_grids[key] = b.grid_id
            else:
                pk, grid_id, floors, address = state
                changes = {}
                if b.grid_id != grid_id:
                    changes["grid_id"] = b.grid_id
                    plan.building_grids[key] = b.grid_id
                if b.floors is not None and b.floors != floors:
                    changes["floors"] = b.floors
                if b.address and b.address != address:
                    changes["address"] = b.address
                if changes:
                    changes["updated_at"] = now
                    plan.buildings_changed.append((pk, changes))
        # Units: those the 房屋 rows name, then 1…N up to the 单元数 given.
        numbers = {k: set(s) for k, s in self.unit_numbers.items()}
        for key in self.households:
            bkey = (key[0], key[1])
            have = numbers.setdefault(bkey, set())
            if key[2] not in have:
                have.add(key[2])
                plan.units_new.append((bkey, key[2]))
        for key, b in self.buildings.items():
            if not b.units:
                continue
            have = numbers.setdefault(key, set())
            n = 1
            while len(have) < b.units:
                if str(n) not in have:
                    have.add(str(n))
                    plan.units_new.append((key, str(n)))
                n += 1

    def _plan_households(self) -> None:
        plan = self.plan
        now = timezone.now()
        for key, hr in self.households.items():
            state = self.db_households.get(key)
            if state is None:
                plan.households_new.append(hr)
                continue
            pk, floor, area, use, occupancy, note = state
            changes = {}
            if hr.floor != floor:
                changes["floor"] = hr.floor
            if hr.area != area:
                changes["area"] = hr.area
            if hr.use != use:
                changes["use"] = hr.use
            if hr.occupancy != occupancy:
                changes["occupancy"] = hr.occupancy
            if hr.note and hr.note != note:
                changes["note"] = hr.note
            if changes:
                changes["updated_at"] = now
                plan.households_changed.append((pk, changes))

    def _plan_people(self) -> None:
        plan = self.plan
        now = timezone.now()
        for pk, person in self.persons.items():
            changes = {
                attr: getattr(person, attr)
                for i, attr in enumerate(PERSON_FIELDS)
                if getattr(person, attr) != person.db[i]
            }
            if changes:
                changes["updated_at"] = now
                plan.persons_changed.append((pk, changes))
            for tag in sorted(person.tags - self.db_tags.get(pk, set())):
                plan.tags_new.append((person, tag))
        for person in plan.persons_new:
            for tag in sorted(person.tags):
                plan.tags_new.append((person, tag))
        for occ in (o for rows in self.household_rows.values() for o in rows):
            key, person = occ.household, occ.person
            hh = self.db_households.get(key)
            existing = self.db_occupancies.get((hh[0], person.pk)) if (hh is not None and person.pk) else None
            if existing is None:
                plan.occupancies_new.append(occ)
                continue
            pk, relation, share = existing
            new_share = occ.share
            if occ.relation not in OWNING:
                new_share = None
            elif new_share is None and relation in OWNING:
                new_share = share
            changes = {}
            if occ.relation != relation:
                changes["relation"] = occ.relation
            if new_share != share:
                changes["share"] = new_share
            if changes:
                plan.occupancies_changed.append((pk, changes))

    # Helpers ---------------------------------------------------------------------
    def _required(self, sheet: str, row: int, column: str) -> bool:
        self.problem(sheet, row, column, _("“%(column)s”不能为空。") % {"column": column})
        return False

    def _too_long(self, sheet: str, row: int, column: str, n: int) -> bool:
        self.problem(sheet, row, column, _("“%(column)s”不能超过 %(n)d 个字符。") % {"column": column, "n": n})
        return False

    def _unknown_compound(self, sheet: str, row: int, column: str, name: str) -> bool:
        if name == EXAMPLE_COMPOUND:
            self.problem(sheet, row, column, _("这是模板中的示例行，请删除后再导入。"))
            return False
        self.problem(
            sheet, row, column, _("小区“%(name)s”不存在，请先由社区工作人员在系统中创建。") % {"name": name}
        )
        return False

    def _bad(self, sheet: str, row: int, column: str, exc: v.BadValue) -> bool:
        self.problem(sheet, row, column, exc.message)
        return False


def _label(key: tuple) -> str:
    compound, building, unit, room = key
    return f"{compound} {building} {unit}-{room}"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _shown(attr: str, value) -> str:
    if attr == "phone":
        return mask_phone(value)
    if attr == "id_number":
        return mask_id_number(value)
    if attr == "gender":
        return {"M": "男", "F": "女"}.get(value, value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)

