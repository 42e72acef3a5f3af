"""Writing roster workbooks: the blank template and the export of a community.

The export streams: rows come from ``values_list(...).iterator()`` and go
straight into openpyxl write-only sheets, so memory stays flat however large
the community. Every row goes through ``gongzhi.core.excel`` (formula
injection: every text cell escaped); the import undoes exactly that.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

from django.db.models import Case, Count, IntegerField, Value, When
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from gongzhi.core import excel
from gongzhi.core.validators import id_number_check_char

from ..models import Building, Compound, Household, Occupancy, Region, ResidentTag
from .layout import (
    EXAMPLE_COMPOUND,
    EXAMPLE_GRID,
    GENDER_NAMES,
    INSTRUCTIONS,
    OCCUPANCY_NAMES,
    RELATION_NAMES,
    SHEETS,
    TAG_NAMES,
    TAG_ORDER,
    USE_NAMES,
    Sheet,
    instruction_rows,
)

HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FDE2E1")
OPTIONAL_FILL = PatternFill("solid", fgColor="EEEEEE")
EXAMPLE_FONT = Font(italic=True, color="808080")
TITLE_FONT = Font(bold=True, size=14)
LAST_ROW = 1048576
TEXT_COLUMNS = {"compound", "building", "grid", "unit", "room", "name", "phone", "id_number", "address", "note", "tags"}


def _validations(sheet: Sheet, lists: dict[str, list[str]]) -> list[DataValidation]:
    """Drop-downs and number checks Excel applies while people type."""
    found = []
    for i, column in enumerate(sheet.columns, 1):
        letter = get_column_letter(i)
        ref = f"{letter}2:{letter}{LAST_ROW}"
        options = list(column.choices) or lists.get(column.key, [])
        dv = None
        if options:
            formula = '"' + ",".join(options) + '"'
            if len(formula) <= 255 and not any("," in o or '"' in o for o in options):
                dv = DataValidation(type="list", formula1=formula, allow_blank=True)
                dv.error = "请从下拉列表中选择：" + "、".join(options)
        elif column.kind == "int":
            dv = DataValidation(type="whole", operator="between", formula1="-5", formula2="200", allow_blank=True)
            dv.error = "请填写整数"
        elif column.kind == "decimal":
            if column.key == "share":
                dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100",
                                    allow_blank=True)
                dv.error = "产权份额应在 0 到 100 之间"
            else:
                dv = DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True)
                dv.error = "请填写大于 0 的数字"
        elif column.kind == "date":
            dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
            dv.error = "请填写日期，如 1956-03-08"
        if dv is not None:
            dv.errorTitle = column.header
            dv.showErrorMessage = True
            if column.help:
                dv.prompt = column.help[:255]
                dv.promptTitle = column.header
                dv.showInputMessage = True
            dv.add(ref)
            found.append(dv)
    return found


def _reference_lists(community: Region | None) -> dict[str, list[str]]:
    if community is None:
        return {}
    return {
        "compound": list(Compound.objects.filter(community=community).order_by("name").values_list("name", flat=True)),
        "grid": list(
            Region.objects.filter(parent_community=community, kind=Region.Kind.GRID)
            .order_by("code")
            .values_list("name", flat=True)
        ),
    }


def _setup_columns(ws, sheet: Sheet) -> None:
    for i, column in enumerate(sheet.columns, 1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = column.width
        if column.key in TEXT_COLUMNS:
            dim.number_format = "@"  # typed phone and ID numbers stay text
    ws.freeze_panes = "A2"


def _header_cells(ws, sheet: Sheet) -> list[WriteOnlyCell]:
    cells = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        cells.append(cell)
    return cells


def write_template(out: IO[bytes] | str, *, community: Region | None = None) -> None:
    """A blank roster with one example row per sheet, drop-downs and column notes."""
    lists = _reference_lists(community)
    compound, grid = EXAMPLE_COMPOUND, EXAMPLE_GRID
    first17 = "34010419650308001"
    examples = {
        "楼栋": [compound, "1栋", grid, 18, 2, "幸福路 1 号"],
        "房屋": [compound, "1栋", "1", "101", 1, 89.5, "住宅", "在住", ""],
        "居民": [compound, "1栋", "1", "101", "张三", "业主", 100, "男", datetime.date(1965, 3, 8), "13800000000",
                 first17 + id_number_check_char(first17), "党员"],
    }
    wb = Workbook()
    info = wb.active
    info.title = INSTRUCTIONS
    _write_instructions(info.append, community, exported=False)
    info["A1"].font = TITLE_FONT
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 90
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        _setup_columns(ws, sheet)
        ws.append(sheet.headers)
        for i, column in enumerate(sheet.columns, 1):
            cell = ws.cell(row=1, column=i)
            cell.font = HEADER_FONT
            cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
            note = ("必填。" if column.required else "选填。") + column.help
            cell.comment = Comment(note, "共治")
        excel.append(ws, examples[sheet.name])
        for cell in ws[2]:
            cell.font = EXAMPLE_FONT
        ws.cell(row=2, column=1).comment = Comment("示例行：导入前请删除或改成真实数据。", "共治")
        for dv in _validations(sheet, lists):
            ws.add_data_validation(dv)
    excel.save(wb, out)


def _write_instructions(append, community: Region | None, *, exported: bool) -> None:
    rows = instruction_rows()
    append(rows[0])
    if community is not None:
        append(["社区", f"{community.name}（{community.code}）"])
    if exported:
        append(["导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")])
        append(["注意", "本文件含居民电话和身份证号等个人信息，请妥善保管，用后及时删除。"])
    for row in rows[1:]:
        append(row)


def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def write_export(out: IO[bytes] | str, *, community: Region) -> dict[str, int]:
    """The community's buildings, households and residents, in the import layout."""
    wb = Workbook(write_only=True)
    info = wb.create_sheet(INSTRUCTIONS)
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 90
    _write_instructions(lambda row: excel.append(info, row), community, exported=True)
    counts = {}
    lists = _reference_lists(community)
    writers = {"楼栋": _building_rows, "房屋": _household_rows, "居民": _resident_rows}
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        _setup_columns(ws, sheet)
        for dv in _validations(sheet, lists):
            ws.data_validations.append(dv)
        ws.append(_header_cells(ws, sheet))
        n = 0
        for row in writers[sheet.name](community):
            excel.append(ws, row)
            n += 1
        counts[sheet.name] = n
    excel.save(wb, out)
    return {"buildings": counts["楼栋"], "households": counts["房屋"], "residents": counts["居民"]}


def _building_rows(community: Region) -> Iterable[list]:
    qs = (
        Building.objects.filter(community=community)
        .annotate(unit_count=Count("units"))
        .order_by("compound__name", "name")
        .values_list("compound__name", "name", "grid__name", "floors", "unit_count", "address")
    )
    for compound, name, grid, floors, units, address in qs.iterator(chunk_size=2000):
        yield [compound, name, grid, floors, units or None, address]


def _household_rows(community: Region) -> Iterable[list]:
    qs = (
        Household.objects.filter(community=community)
        .order_by("compound__name", "building__name", "unit__number", "floor", "room")
        .values_list(
            "compound__name", "building__name", "unit__number", "room", "floor", "area", "use", "occupancy", "note"
        )
    )
    for compound, building, unit, room, floor, area, use, occupancy, note in qs.iterator(chunk_size=5000):
        yield [
            compound, building, unit, room, floor, _number(area),
            USE_NAMES.get(use, use), OCCUPANCY_NAMES.get(occupancy, occupancy), note,
        ]


_RELATION_ORDER = Case(
    When(relation="owner", then=Value(0)),
    When(relation="co_owner", then=Value(1)),
    When(relation="family", then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def _resident_rows(community: Region) -> Iterable[list]:
    tags: dict[int, list[str]] = {}
    for resident_id, tag in (
        ResidentTag.objects.filter(resident__community=community).values_list("resident_id", "tag").iterator(
            chunk_size=5000
        )
    ):
        tags.setdefault(resident_id, []).append(tag)
    qs = (
        Occupancy.objects.filter(household__community=community)
        .annotate(relation_order=_RELATION_ORDER)
        .order_by(
            "household__compound__name", "household__building__name", "household__unit__number", "household__floor",
            "household__room", "relation_order", "resident__name", "resident_id",
        )
        .values_list(
            "household__compound__name", "household__building__name", "household__unit__number", "household__room",
            "resident_id", "resident__name", "relation", "share", "resident__gender", "resident__birth_date",
            "resident__phone", "resident__id_number",
        )
    )
    for (compound, building, unit, room, resident_id, name, relation, share, gender, birth, phone,
         id_number) in qs.iterator(chunk_size=5000):
        resident_tags = tags.get(resident_id)
        tag_text = "、".join(TAG_NAMES[t] for t in sorted(resident_tags, key=TAG_ORDER.get)) if resident_tags else None
        yield [
            compound, building, unit, room, name,
            RELATION_NAMES.get(relation, relation), _number(share), GENDER_NAMES.get(gender) if gender else None,
            birth, phone, id_number, tag_text,
        ]
