"""The roster import: happy path, upserts, every kind of bad input, round trip, formula escaping.

Workbooks are built in memory with a handful of rows; the world (conftest) is
和谐社区 (c1: grids 第一网格/第二网格, compounds 阳光小区/翠竹苑, buildings
阳光小区 1栋 (units 1, 2), 阳光小区 2栋, 翠竹苑 1栋, rooms 101/102/201/202).
"""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.org.roster.actions import roster_export, roster_import
from gongzhi.org.models import (
    Building,
    Household,
    Occupancy,
    Resident,
    ResidentTag,
    Unit,
)
from gongzhi.org.roster.layout import SHEETS, escape_text, unescape_text
from gongzhi.org.roster.reader import RosterInvalid
from gongzhi.org.testing.world import make_id_number
from gongzhi.testing import kit

BUILDING_HEADERS, HOUSEHOLD_HEADERS, RESIDENT_HEADERS = (s.headers for s in SHEETS)
OWNER_ID = make_id_number(901, "19700101")
OTHER_ID = make_id_number(902, "19750505")


def make_workbook(buildings=(), households=(), residents=(), *, omit_sheet=None, headers=None) -> io.BytesIO:
    """A roster workbook in memory. ``headers`` may replace a sheet's header row."""
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    for sheet, rows in zip(SHEETS, (buildings, households, residents), strict=True):
        if sheet.name == omit_sheet:
            continue
        ws = wb.create_sheet(sheet.name)
        ws.append((headers or {}).get(sheet.name, sheet.headers))
        for row in rows:
            ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def run(world, fileobj, actor=None, **kwargs):
    actor = actor or world.users["community_staff"]
    return roster_import(actor=actor, community_id=world.c1.pk, fileobj=fileobj, filename="花名册.xlsx", **kwargs)


# Every row the roster touches, with timestamps, to prove that nothing changed.
snapshot = kit.snapshot_of(Building, Unit, Household, Resident, Occupancy, ResidentTag)


def rejected(world, fileobj, **kwargs) -> RosterInvalid:
    """Run an import that must fail; assert that nothing at all was written."""
    before = snapshot()
    audits = AuditEvent.objects.count()
    with pytest.raises(RosterInvalid) as info:
        run(world, fileobj, **kwargs)
    assert snapshot() == before
    assert AuditEvent.objects.count() == audits
    return info.value


def problem_at(exc: RosterInvalid, sheet, row, column) -> str:
    found = [p for p in exc.problems if (p.sheet, p.row, p.column) == (sheet, row, column)]
    assert found, f"no problem at {(sheet, row, column)}: {[p.as_dict() for p in exc.problems]}"
    return found[0].message


NEW_BUILDING = ["阳光小区", "3栋", "第二网格", 6, 2, "幸福路 3 号"]
NEW_HOUSEHOLD = ["阳光小区", "3栋", "1", "101", 1, 88.5, "住宅", "在住", ""]


def owner_row(room="101", building="3栋", **over):
    row = {
        "compound": "阳光小区", "building": building, "unit": "1", "room": room, "name": "王建国", "relation": "业主",
        "share": 100, "gender": "男", "birth_date": datetime.date(1970, 1, 1), "phone": "13912340001",
        "id_number": OWNER_ID, "tags": "",
    }
    row.update(over)
    return list(row.values())


# Happy path ---------------------------------------------------------------------------------
def test_import_creates_buildings_units_households_residents_and_tags(world):
    wb = make_workbook(
        [NEW_BUILDING],
        [
            NEW_HOUSEHOLD,
            ["阳光小区", "3栋", "1", "102", None, "90", "商铺", "空置", "临街"],
            ["阳光小区", "3栋", "2", "301", 3, 120.25, None, None, None],
        ],
        [
            owner_row(share=60),
            owner_row(name="李秀英", relation="共有人", share=40, gender="女", phone="0551-63601234",
                      id_number=OTHER_ID),
            owner_row(name="王小明", relation="家庭成员", share=None, gender="男", phone=None, id_number=None,
                      tags="低保、党员"),
            owner_row(room="102", name="赵租户", relation="租户", share=None, phone="+86 138 0000 1111",
                      id_number=None),
            owner_row(room="301", unit="2"),  # the same owner in a second flat
            ["阳光小区", "1栋", "1", "102", "陈奶奶", "家庭成员", None, "女", "1940/5/6", None, None, "独居老人"],
        ],
    )
    counts = run(world, wb)
    assert counts == {
        "rows": 10,
        "buildings_created": 1, "buildings_updated": 0, "units_created": 2,
        "households_created": 3, "households_updated": 0,
        "residents_created": 5, "residents_updated": 0,
        "occupancies_created": 6, "occupancies_updated": 0, "tags_added": 3,
    }
    building = Building.objects.get(compound=world.compound_a, name="3栋")
    assert (building.grid_id, building.floors, building.address) == (world.g2.pk, 6, "幸福路 3 号")
    assert sorted(building.units.values_list("number", flat=True)) == ["1", "2"]
    shop = Household.objects.get(building=building, room="102")
    assert (shop.floor, shop.area, shop.use, shop.occupancy, shop.note) == (1, Decimal("90.00"), "shop", "vacant", "临街")
    assert (shop.grid_id, shop.compound_id, shop.community_id) == (world.g2.pk, world.compound_a.pk, world.c1.pk)
    owner = Resident.objects.get(id_number=OWNER_ID)
    assert owner.occupancies.count() == 2
    assert Occupancy.objects.get(resident=owner, household__room="101").share == Decimal("60.00")
    assert Resident.objects.get(name="李秀英").phone == "055163601234"
    assert Resident.objects.get(name="赵租户").phone == "13800001111"
    assert set(ResidentTag.objects.filter(resident__name="王小明").values_list("tag", flat=True)) == {
        "subsistence", "party_member",
    }
    grandma = Resident.objects.get(name="陈奶奶")
    assert grandma.birth_date == datetime.date(1940, 5, 6)
    assert grandma.occupancies.get().household == world.h("b1 1-102")
    event = AuditEvent.objects.get(action="roster.import")
    assert event.actor == world.users["community_staff"]
    assert event.community_id == world.c1.pk
    assert event.details["residents_created"] == 5 and event.details["filename"] == "花名册.xlsx"


def test_units_count_fills_missing_units_once(world):
    run(world, make_workbook([["阳光小区", "5栋", "第一网格", 11, 3, ""]]))
    building = Building.objects.get(name="5栋")
    assert sorted(building.units.values_list("number", flat=True)) == ["1", "2", "3"]
    counts = run(world, make_workbook([["阳光小区", "5栋", "第一网格", 11, 3, ""]]))
    assert counts["units_created"] == 0 and counts["buildings_updated"] == 0


def test_import_updates_existing_rows_and_blank_cells_keep_values(world):
    existing = world.residents["b1 1-101 owner"]
    household = world.h("b1 1-101")
    wb = make_workbook(
        [["阳光小区", "1栋", "第二网格", None, None, None]],  # moves the building to grid 2
        [["阳光小区", "1栋", "1", "101", 1, 81, "住宅", "空置", None]],
        [["阳光小区", "1栋", "1", "101", existing.name, "业主", None, None, None, "13700000000",
          existing.id_number, "退役军人"]],
    )
    counts = run(world, wb)
    assert counts["buildings_updated"] == 1
    assert counts["households_updated"] == 1
    assert counts["residents_updated"] == 1
    assert counts["occupancies_updated"] == 0 and counts["occupancies_created"] == 0
    assert counts["tags_added"] == 1
    household.refresh_from_db()
    existing.refresh_from_db()
    assert (household.area, household.occupancy, household.grid_id) == (Decimal("81.00"), "vacant", world.g2.pk)
    # Every household of the building follows it to the new grid.
    assert set(Household.objects.filter(building=world.b1).values_list("grid_id", flat=True)) == {world.g2.pk}
    assert existing.phone == "13700000000"
    assert existing.gender == "M"  # blank cell: kept
    assert Occupancy.objects.get(household=household, resident=existing).share == Decimal("100.00")  # blank: kept
    assert set(existing.tags.values_list("tag", flat=True)) == {"party_member", "veteran"}  # added, none removed
    assert Building.objects.get(pk=world.b1.pk).floors == 6


def test_resident_matched_by_name_and_phone_then_by_name_in_household(world):
    grandma = world.residents["b1 1-101 family"]  # no ID number
    wb = make_workbook(residents=[
        ["阳光小区", "1栋", "1", "101", grandma.name, "家庭成员", None, None, "1938-02-03", grandma.phone, None, None],
        ["阳光小区", "1栋", "1", "102", grandma.name, "家庭成员", None, None, None, grandma.phone, None, None],
    ])
    counts = run(world, wb)
    assert counts["residents_created"] == 0
    assert counts["residents_updated"] == 1
    assert counts["occupancies_created"] == 1  # she is now also listed in 1-102
    grandma.refresh_from_db()
    assert grandma.birth_date == datetime.date(1938, 2, 3)
    # No phone: matched by name within the household, and an ID number fills in.
    new_id = make_id_number(777, "19380203")
    counts = run(world, make_workbook(residents=[
        ["阳光小区", "1栋", "1", "101", grandma.name, "家庭成员", None, None, None, None, new_id, None],
    ]))
    assert counts["residents_created"] == 0 and counts["residents_updated"] == 1
    grandma.refresh_from_db()
    assert grandma.id_number == new_id


def test_same_person_in_two_rows_is_one_resident(world):
    wb = make_workbook(
        [NEW_BUILDING],
        [NEW_HOUSEHOLD, ["阳光小区", "3栋", "1", "201", 2, 70, None, None, None]],
        [owner_row(), owner_row(room="201", id_number=None)],  # second row: no ID, same name and phone
    )
    counts = run(world, wb)
    assert counts["residents_created"] == 1 and counts["occupancies_created"] == 2


def test_example_rows_of_the_template_are_reported(world, tmp_path):
    from gongzhi.org.roster.writer import write_template

    path = tmp_path / "template.xlsx"
    write_template(str(path), community=world.c1)
    with open(path, "rb") as f:
        exc = rejected(world, f)
    assert problem_at(exc, "楼栋", 2, "小区") == "这是模板中的示例行，请删除后再导入。"


# Bad input: one test per kind, each asserting message, place and that nothing was written ------
def test_duplicate_room_in_a_unit(world):
    exc = rejected(world, make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD, NEW_HOUSEHOLD]))
    assert problem_at(exc, "房屋", 3, "房号") == "房号重复：与第 2 行是同一单元的同一房号（阳光小区 3栋 1-101）。"


def test_unknown_building(world):
    exc = rejected(world, make_workbook(
        households=[["阳光小区", "9栋", "1", "101", 1, 80, None, None, None]],
        residents=[owner_row(building="8栋")],
    ))
    assert problem_at(exc, "房屋", 2, "楼栋") == "楼栋“阳光小区 9栋”未在“楼栋”表中列出，系统中也没有。"
    assert problem_at(exc, "居民", 2, "楼栋") == "楼栋“阳光小区 8栋”未在“楼栋”表中列出，系统中也没有。"


def test_unknown_household(world):
    exc = rejected(world, make_workbook(residents=[owner_row(building="1栋", room="909")]))
    assert problem_at(exc, "居民", 2, "房号") == "房屋“阳光小区 1栋 1-909”未在“房屋”表中列出，系统中也没有。"


def test_unknown_grid(world):
    exc = rejected(world, make_workbook([["阳光小区", "3栋", "第九网格", 6, 1, ""]]))
    assert problem_at(exc, "楼栋", 2, "网格") == "网格“第九网格”不存在，请先由社区工作人员在系统中创建。"


def test_grid_of_another_community_is_unknown(world):
    exc = rejected(world, make_workbook([["阳光小区", "3栋", world.g3.name, 6, 1, ""]]))
    assert "不存在" in problem_at(exc, "楼栋", 2, "网格")


def test_unknown_compound(world):
    exc = rejected(world, make_workbook(
        [["幸福家园", "3栋", "第一网格", 6, 1, ""]],  # a compound of the other community
        [["无名小区", "1栋", "1", "101", 1, 80, None, None, None]],
    ))
    assert problem_at(exc, "楼栋", 2, "小区") == "小区“幸福家园”不存在，请先由社区工作人员在系统中创建。"
    assert problem_at(exc, "房屋", 2, "小区") == "小区“无名小区”不存在，请先由社区工作人员在系统中创建。"


@pytest.mark.parametrize(
    ("area", "message"),
    [
        (0, "建筑面积必须大于 0：0"),
        (-12.5, "建筑面积必须大于 0：-12.5"),
        ("八十平", "建筑面积必须是数字：八十平"),
        (None, "“建筑面积(㎡)”不能为空。"),
    ],
)
def test_bad_area(world, area, message):
    exc = rejected(world, make_workbook([NEW_BUILDING], [["阳光小区", "3栋", "1", "101", 1, area, None, None, None]]))
    assert problem_at(exc, "房屋", 2, "建筑面积(㎡)") == message


@pytest.mark.parametrize("phone", ["1234", "23912345678", "139-1234-567"])
def test_malformed_phone(world, phone):
    exc = rejected(world, make_workbook(residents=[owner_row(building="1栋", room="101", phone=phone)]))
    assert problem_at(exc, "居民", 2, "电话") == f"电话号码格式不正确：{phone}"


@pytest.mark.parametrize("id_number", ["34010419800101001", OWNER_ID[:-1] + ("0" if OWNER_ID[-1] != "0" else "1")])
def test_malformed_id_number(world, id_number):
    exc = rejected(world, make_workbook(residents=[owner_row(building="1栋", id_number=id_number)]))
    assert problem_at(exc, "居民", 2, "身份证号") == f"身份证号格式或校验位不正确：{id_number}"


def test_unknown_relation(world):
    exc = rejected(world, make_workbook(residents=[owner_row(building="1栋", relation="房东")]))
    assert problem_at(exc, "居民", 2, "关系") == "关系取值无效：房东（可选：业主、共有人、租户、家庭成员）"


def test_unknown_use_and_occupancy(world):
    exc = rejected(world, make_workbook([NEW_BUILDING], [["阳光小区", "3栋", "1", "101", 1, 80, "仓库", "出租", None]]))
    assert problem_at(exc, "房屋", 2, "用途") == "用途取值无效：仓库（可选：住宅、商铺）"
    assert problem_at(exc, "房屋", 2, "居住状态") == "居住状态取值无效：出租（可选：在住、空置）"


def test_unknown_tag(world):
    exc = rejected(world, make_workbook(residents=[owner_row(building="1栋", tags="党员、VIP")]))
    assert problem_at(exc, "居民", 2, "标签") == "标签取值无效：VIP（可选：独居老人、低保、困难家庭、残疾、退役军人、党员）"


def test_shares_over_100_within_the_file(world):
    exc = rejected(world, make_workbook(
        [NEW_BUILDING], [NEW_HOUSEHOLD],
        [owner_row(share=60), owner_row(name="李秀英", relation="共有人", share=50, phone=None, id_number=OTHER_ID)],
    ))
    assert problem_at(exc, "居民", 3, "产权份额(%)") == "阳光小区 3栋 1-101 的产权份额合计为 110%，超过 100%。"


def test_shares_over_100_with_the_stored_owner(world):
    exc = rejected(world, make_workbook(residents=[
        owner_row(building="1栋", name="李秀英", relation="共有人", share=10, phone=None, id_number=OTHER_ID),
    ]))
    assert problem_at(exc, "居民", 2, "产权份额(%)") == "阳光小区 1栋 1-101 的产权份额合计为 110%，超过 100%。"


def test_share_only_for_owners(world):
    exc = rejected(world, make_workbook(residents=[owner_row(building="1栋", relation="租户", share=20)]))
    assert problem_at(exc, "居民", 2, "产权份额(%)") == "只有业主或共有人可以填写产权份额。"


def test_missing_owner(world):
    exc = rejected(world, make_workbook(
        [NEW_BUILDING], [NEW_HOUSEHOLD], [owner_row(relation="家庭成员", share=None)],
    ))
    assert problem_at(exc, "居民", 2, "关系") == "阳光小区 3栋 1-101 登记了居民，但没有业主或共有人。"


def test_shop_may_have_only_tenants(world):
    counts = run(world, make_workbook(
        [NEW_BUILDING], [["阳光小区", "3栋", "1", "101", 1, 40, "商铺", None, None]],
        [owner_row(relation="租户", share=None)],
    ))
    assert counts["occupancies_created"] == 1


def test_conflicting_rows_about_one_person(world):
    exc = rejected(world, make_workbook(
        [NEW_BUILDING], [NEW_HOUSEHOLD, ["阳光小区", "3栋", "1", "201", 2, 70, None, None, None]],
        [owner_row(), owner_row(room="201", gender="女")],
    ))
    assert problem_at(exc, "居民", 3, "性别") == "与第 2 行登记的是同一居民，但“性别”不一致：男 / 女。"


def test_same_person_twice_in_one_household(world):
    exc = rejected(world, make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD], [owner_row(), owner_row(share=None)]))
    assert problem_at(exc, "居民", 3, "姓名") == "同一户中重复登记了该居民（与第 2 行是同一人）。"


def test_required_cells(world):
    exc = rejected(world, make_workbook(residents=[["阳光小区", "1栋", "1", "101", None, None, None, None, None, None,
                                                    None, None]]))
    assert problem_at(exc, "居民", 2, "姓名") == "“姓名”不能为空。"
    assert problem_at(exc, "居民", 2, "关系") == "“关系”不能为空。"


def test_every_problem_is_listed(world):
    exc = rejected(world, make_workbook(
        [["阳光小区", "3栋", "第九网格", "六", 1, ""]],
        [["阳光小区", "1栋", "1", "301", 3, 0, None, None, None]],
        [owner_row(building="1栋", phone="12", id_number="123")],
    ))
    places = {(p.sheet, p.row, p.column) for p in exc.problems}
    assert places >= {("楼栋", 2, "网格"), ("楼栋", 2, "层数"), ("房屋", 2, "建筑面积(㎡)"), ("居民", 2, "电话"),
                      ("居民", 2, "身份证号")}
    assert exc.message == f"花名册中有 {exc.total} 处问题，未导入任何数据。"
    assert exc.details == [p.as_dict() for p in exc.problems]


def test_not_an_xlsx_by_magic_bytes(world):
    exc = rejected(world, io.BytesIO("小区,楼栋\n阳光小区,1栋\n".encode()))
    assert exc.code == "file_not_xlsx"
    assert [p.as_dict() for p in exc.problems] == [
        {"sheet": "", "row": None, "column": "", "message": "文件不是 Excel 工作簿（.xlsx），请用模板填写后上传。"}
    ]


def test_not_an_xlsx_zip_without_a_workbook(world):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("roster.csv", "小区,楼栋\n")
    data.seek(0)
    exc = rejected(world, data)
    assert exc.code == "file_not_xlsx"
    assert problem_at(exc, "", None, "") == "文件无法作为 Excel 工作簿（.xlsx）打开。"


def test_too_many_bytes(world, settings):
    settings.ROSTER_MAX_BYTES = 1000
    exc = rejected(world, make_workbook([NEW_BUILDING]))
    assert exc.code == "file_too_large"
    assert problem_at(exc, "", None, "").startswith("文件过大（")


def test_too_many_rows(world, settings):
    settings.ROSTER_MAX_ROWS = 2
    exc = rejected(world, make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD], [owner_row()]))
    assert exc.code == "file_too_large"
    assert problem_at(exc, "", None, "") == "文件共有 3 行数据，超过上限 2 行，请拆分后分批导入。"


def test_missing_sheet(world):
    exc = rejected(world, make_workbook(omit_sheet="居民"))
    assert problem_at(exc, "居民", None, "") == "缺少工作表“居民”。"


def test_missing_header(world):
    headers = {"房屋": [h for h in HOUSEHOLD_HEADERS if h != "建筑面积(㎡)"]}
    exc = rejected(world, make_workbook(headers=headers))
    assert problem_at(exc, "房屋", 1, "建筑面积(㎡)") == "缺少列“建筑面积(㎡)”。"


def test_headers_in_another_order_with_full_width_brackets(world):
    order = list(reversed(HOUSEHOLD_HEADERS))
    headers = {"房屋": [h.replace("(", "（").replace(")", "）") for h in order]}
    row = list(reversed(["阳光小区", "1栋", "1", "301", 3, 75, None, None, None]))
    counts = run(world, make_workbook(households=[row], headers=headers))
    assert counts["households_created"] == 1


def test_refused_roles_and_other_communities_write_nothing(world):
    before = snapshot()
    for role in ("grid_worker", "outsider", "subdistrict_staff"):
        with pytest.raises(Exception) as info:
            run(world, make_workbook([NEW_BUILDING]), actor=world.users[role])
        assert getattr(info.value, "status", None) == 404
    with pytest.raises(Exception) as info:
        roster_import(actor=None, community_id=world.c1.pk, fileobj=make_workbook(), filename="x.xlsx")
    assert getattr(info.value, "status", None) == 404
    assert snapshot() == before


# Round trip and formula escaping ----------------------------------------------------------------
def test_export_then_import_changes_nothing(world):
    out = io.BytesIO()
    counts = roster_export(actor=world.users["community_secretary"], community_id=world.c1.pk, out=out)
    assert counts == {"buildings": 3, "households": 16, "residents": 17}
    before = snapshot()
    out.seek(0)
    result = run(world, out)
    assert snapshot() == before
    assert {k: v for k, v in result.items() if k != "rows"} == dict.fromkeys(
        [k for k in result if k != "rows"], 0
    )
    assert result["rows"] == 3 + 16 + 17


def test_export_has_the_import_layout_and_full_contacts(world):
    out = io.BytesIO()
    roster_export(actor=world.users["community_staff"], community_id=world.c1.pk, out=out)
    out.seek(0)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["说明", "楼栋", "房屋", "居民"]
    residents = list(wb["居民"].iter_rows(values_only=True))
    assert list(residents[0]) == RESIDENT_HEADERS
    owner = world.residents["b1 1-101 owner"]
    row = next(r for r in residents if r[4] == owner.name)
    assert row[:7] == ("阳光小区", "1栋", "1", "101", owner.name, "业主", 100)
    assert row[9] == owner.phone and row[10] == owner.id_number
    assert row[11] == "党员"
    grandma = next(r for r in residents if r[4] == "张奶奶")
    assert grandma[11] == "独居老人、低保"
    assert not any(r[0] == "幸福家园" for r in residents)  # only the requested community
    event = AuditEvent.objects.get(action="roster.export")
    assert event.actor == world.users["community_staff"] and event.details["residents"] == 17


def test_formula_like_text_is_escaped_on_export_and_restored_on_import(world):
    household = world.h("b1 1-101")
    Household.objects.filter(pk=household.pk).update(note="=HYPERLINK(\"http://x\",\"点我\")")
    Household.objects.filter(pk=world.h("b1 1-102").pk).update(note="-")
    Household.objects.filter(pk=world.h("b1 1-201").pk).update(note="'+already quoted")
    Building.objects.filter(pk=world.b1.pk).update(address="@SUM(A1)")
    Resident.objects.filter(pk=world.residents["b2 1-101 owner"].pk).update(name="+赵")
    out = io.BytesIO()
    roster_export(actor=world.users["community_staff"], community_id=world.c1.pk, out=out)
    out.seek(0)
    wb = openpyxl.load_workbook(out)
    notes = {r[3].value: r[8] for r in wb["房屋"].iter_rows(min_row=2) if r[1].value == "1栋" and r[0].value == "阳光小区"
             and r[2].value == "1"}
    assert notes["101"].value == "'=HYPERLINK(\"http://x\",\"点我\")" and notes["101"].data_type == "s"
    assert notes["102"].value == "'-"
    assert notes["201"].value == "''+already quoted"
    address = next(r[5] for r in wb["楼栋"].iter_rows(min_row=2) if r[1].value == "1栋" and r[0].value == "阳光小区")
    assert address.value == "'@SUM(A1)" and address.data_type == "s"
    before = snapshot()
    out.seek(0)
    result = run(world, out)
    assert snapshot() == before
    assert result["households_updated"] == 0 and result["residents_updated"] == 0


@pytest.mark.parametrize("text", ["=1+1", "+86", "-", "@x", "'=x", "''-y", "'plain", "plain", "", "a=b"])
def test_escape_round_trip(text):
    escaped = escape_text(text)
    assert unescape_text(escaped) == text
    assert not escaped or escaped[0] not in "=+-@"


def test_an_import_finishing_during_validation_makes_the_other_write_nothing(world, monkeypatch):
    from gongzhi.core.audit import audit_record
    from gongzhi.org.roster.validator import Validator

    finish = Validator.finish

    def finish_while_another_import_commits(self):
        audit_record(actor=None, action="roster.import", target=world.c1, community_id=world.c1.pk)
        return finish(self)

    monkeypatch.setattr(Validator, "finish", finish_while_another_import_commits)
    before = snapshot()
    with pytest.raises(RosterInvalid) as info:
        run(world, make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD], [owner_row()]))
    assert info.value.code == "roster_conflict"
    assert info.value.message == "校验期间本社区有另一份花名册导入完成，为避免重复登记，本次未导入任何数据，请重新上传。"
    assert snapshot() == before
