"""Apply a validated ``Plan``: bulk inserts and updates, in dependency order.

Must run inside the caller's ``transaction.atomic()``: the import is
all-or-nothing. Creates return their primary keys (PostgreSQL and SQLite ≥ 3.35
both support RETURNING), which the next step needs.

The four big tables (households, residents, occupancies, tags: ~300,000 rows
for a community of 40,000 households) are inserted by ``_insert``: multi-row
``INSERT … RETURNING id`` statements built once per batch size, with values
taken straight from the plan's tuples. Building 300,000 model instances and
compiling them through ``bulk_create`` costs about four times as much and
holds the write lock (SQLite) that much longer. Columns the plan does not
fill (timestamps, defaults, nullable fields) are derived from the model's
fields, so an added field with a default or NULL keeps working; a field this
path cannot fill (a callable default) makes it fall back to ``bulk_create``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db import connection, models, transaction
from django.utils import timezone

from ..models import Building, Household, Occupancy, Resident, ResidentTag, Unit
from .validator import Plan

BATCH = 2000


class _Counter:
    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.progress = progress
        self.done = 0

    def add(self, n: int) -> None:
        self.done += n
        if self.progress is not None and n:
            self.progress(self.done)


def _create(model: type[models.Model], items: list, build: Callable, counter: _Counter, created=None) -> None:
    """bulk_create ``build(item)`` for every item, a batch at a time.

    Model instances are built per batch and dropped after it, so memory holds
    the plan's compact rows, never 120,000 model instances at once.
    ``created(item, pk)`` receives each new primary key.
    """
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        objs = [build(item) for item in chunk]
        model.objects.bulk_create(objs, batch_size=BATCH)
        if created is not None:
            for item, obj in zip(chunk, objs, strict=True):
                created(item, obj.pk)
        counter.add(len(chunk))


def _insert(
    model: type[models.Model],
    columns: tuple[str, ...],
    items: list,
    values: Callable,
    counter: _Counter,
    created=None,
) -> None:
    """Insert ``values(item)`` (a tuple in ``columns`` order) for every item; see the module docstring."""
    extra = _extra_columns(model, columns)
    if extra is None:  # a field we cannot fill here: let the ORM do it
        def build(item):
            return model(**dict(zip(columns, values(item), strict=True)))

        return _create(model, items, build, counter, created)
    extra_names, extra_values = extra
    adapters = [_adapter(model._meta.get_field(name)) for name in columns]
    qn = connection.ops.quote_name
    names = ", ".join(qn(model._meta.get_field(n).column) for n in (*columns, *extra_names))
    width = len(columns) + len(extra_names)
    per_batch = max(1, min(BATCH, _max_params() // width))
    row_sql = "(" + ", ".join(["%s"] * width) + ")"
    pk = qn(model._meta.pk.column)
    statements: dict[int, str] = {}
    table = qn(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(items), per_batch):
            chunk = items[start : start + per_batch]
            params = []
            for item in chunk:
                row = values(item)
                params.extend(a(v) if a is not None else v for a, v in zip(adapters, row, strict=True))
                params.extend(extra_values)
            sql = statements.get(len(chunk))
            if sql is None:
                sql = statements[len(chunk)] = (
                    f"INSERT INTO {table} ({names}) VALUES {', '.join([row_sql] * len(chunk))} RETURNING {pk}"
                )
            cursor.execute(sql, params)
            ids = [r[0] for r in cursor.fetchall()]
            if created is not None:
                for item, new_id in zip(chunk, ids, strict=True):
                    created(item, new_id)
            counter.add(len(chunk))


def _extra_columns(model, columns) -> tuple[list[str], list] | None:
    """Names and (adapted, constant) values of the concrete fields ``columns`` leaves out."""
    now = timezone.now()
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in columns or f.attname in columns:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.has_default() and callable(f.default):
            return None  # e.g. a token per row
        else:
            value = f.get_default()  # the default, or "" / None as the ORM would use
        names.append(f.name)
        values.append(f.get_db_prep_save(value, connection))
    return names, values


def _adapter(field):
    """Per-value conversion for the driver, only for the types that need one."""
    ops = connection.ops
    kind = field.get_internal_type()
    if kind == "DecimalField":
        return lambda v: None if v is None else ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    return None


def _max_params() -> int:
    if connection.vendor == "sqlite":
        import sqlite3

        try:
            return min(32766, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        except AttributeError:  # Python < 3.11
            return 999
    return 65535


def _update(model: type[models.Model], changes: list[tuple[int, dict]], counter: _Counter) -> None:
    """bulk_update, grouping rows that change the same set of fields."""
    groups: dict[tuple[str, ...], list[models.Model]] = defaultdict(list)
    for pk, values in changes:
        groups[tuple(sorted(values))].append(model(pk=pk, **values))
    for fields, objs in groups.items():
        for start in range(0, len(objs), BATCH):
            chunk = objs[start : start + BATCH]
            model.objects.bulk_update(chunk, list(fields), batch_size=500)
            counter.add(len(chunk))


def apply_plan(plan: Plan, *, progress: Callable[[int], None] | None = None) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply_plan must run inside transaction.atomic()")
    counter = _Counter(progress)
    community_id = plan.community_id

    # Buildings (and the grid of every household of a building that moved grid).
    compound_ids, building_ids, building_grids = plan.compound_ids, plan.building_ids, plan.building_grids

    def building(b):
        return Building(
            community_id=community_id, grid_id=b.grid_id, compound_id=compound_ids[b.compound], name=b.name,
            floors=b.floors, address=b.address,
        )

    def building_created(b, pk):
        building_ids[(b.compound, b.name)] = pk

    _create(Building, plan.buildings_new, building, counter, building_created)
    _update(Building, plan.buildings_changed, counter)
    for pk, values in plan.buildings_changed:
        if "grid_id" in values:
            Household.objects.filter(building_id=pk).update(grid_id=values["grid_id"])

    # Units.
    unit_ids = plan.unit_ids

    def unit_created(item, pk):
        (compound, building_name), number = item
        unit_ids[(compound, building_name, number)] = pk

    _create(Unit, plan.units_new, lambda item: Unit(building_id=building_ids[item[0]], number=item[1]), counter,
            unit_created)

    # Households.
    household_ids = plan.household_ids

    def household(hr):
        compound, building_name, unit, room = hr.key
        bkey = (compound, building_name)
        return (
            community_id, building_grids[bkey], compound_ids[compound], building_ids[bkey],
            unit_ids[(compound, building_name, unit)], room, hr.floor, hr.area, hr.use, hr.occupancy, hr.note,
        )

    def household_created(hr, pk):
        household_ids[hr.key] = pk

    _insert(
        Household,
        ("community_id", "grid_id", "compound_id", "building_id", "unit_id", "room", "floor", "area", "use",
         "occupancy", "note"),
        plan.households_new, household, counter, household_created,
    )
    _update(Household, plan.households_changed, counter)

    # Residents.
    def resident_created(person, pk):
        person.pk = pk

    _insert(
        Resident,
        ("community_id", "name", "gender", "birth_date", "phone", "id_number"),
        plan.persons_new,
        lambda p: (community_id, p.name, p.gender, p.birth_date, p.phone, p.id_number),
        counter, resident_created,
    )
    _update(Resident, plan.persons_changed, counter)

    # Ties to households, then tags.
    _insert(
        Occupancy,
        ("household_id", "resident_id", "relation", "share"),
        plan.occupancies_new,
        lambda o: (household_ids[o.household], o.person.pk, o.relation, o.share),
        counter,
    )
    _update(Occupancy, plan.occupancies_changed, counter)
    _insert(ResidentTag, ("resident_id", "tag"), plan.tags_new, lambda item: (item[0].pk, item[1]), counter)
