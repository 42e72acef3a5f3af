"""The roster management commands: roster_template, import_roster, export_roster."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.core.models import AuditEvent
from gongzhi.org.management.commands.import_roster import Command as ImportCommand
from gongzhi.org.models import Building
from gongzhi.org.roster.layout import SHEETS
from gongzhi.org.testing.world import ROLE_KEYS

from .test_roster_import import (
    NEW_BUILDING,
    NEW_HOUSEHOLD,
    make_workbook,
    owner_row,
    snapshot,
)

ALLOWED = {"community_secretary", "community_staff"}


def write(tmp_path, data: io.BytesIO, name="roster.xlsx"):
    path = tmp_path / name
    path.write_bytes(data.getvalue())
    return str(path)


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_roster", path, *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_template_command(tmp_path, db):
    path = tmp_path / "模板.xlsx"
    call_command("roster_template", str(path), stdout=io.StringIO())
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["说明", "楼栋", "房屋", "居民"]
    for sheet in SHEETS:
        ws = wb[sheet.name]
        assert [c.value for c in ws[1]] == sheet.headers
        assert ws.max_row == 2  # one example row
        assert ws.cell(row=1, column=1).comment is not None
    formulas = {dv.formula1 for dv in wb["房屋"].data_validations.dataValidation}
    assert '"住宅,商铺"' in formulas and '"在住,空置"' in formulas
    relations = {dv.formula1 for dv in wb["居民"].data_validations.dataValidation}
    assert '"业主,共有人,租户,家庭成员"' in relations and '"男,女"' in relations
    assert wb["居民"].column_dimensions["K"].number_format == "@"  # ID numbers typed as text


def test_template_command_with_community_lists_its_compounds_and_grids(tmp_path, world):
    path = tmp_path / "模板.xlsx"
    call_command("roster_template", str(path), "--community", world.c1.code, stdout=io.StringIO())
    wb = openpyxl.load_workbook(path)
    formulas = {dv.formula1 for dv in wb["楼栋"].data_validations.dataValidation}
    assert '"翠竹苑,阳光小区"' in formulas
    assert '"第一网格,第二网格"' in formulas


def test_import_command_success(tmp_path, world):
    path = write(tmp_path, make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD], [owner_row()]))
    out, _err = run_import(path, "--community", world.c1.code)
    assert "导入完成（和谐社区），共读取 3 行" in out
    assert "楼栋：新增 1，更新 0" in out and "居民：新增 1，更新 0" in out
    assert Building.objects.filter(name="3栋").exists()
    event = AuditEvent.objects.get(action="roster.import")
    assert event.actor is None and event.details["via"] == "command"


def test_import_command_prints_every_problem_and_writes_nothing(tmp_path, world):
    path = write(tmp_path, make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD, NEW_HOUSEHOLD], [owner_row(phone="999")]))
    before = snapshot()
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_roster", path, "--community", world.c1.code, "--no-progress", stdout=io.StringIO(),
                     stderr=err)
    assert str(info.value) == "花名册中有 2 处问题，未导入任何数据。"
    report = err.getvalue()
    assert "未导入任何数据。共 2 处问题：" in report
    assert "工作表\t行\t列\t原因" in report
    assert "房屋\t第 3 行\t房号\t房号重复：与第 2 行是同一单元的同一房号（阳光小区 3栋 1-101）。" in report
    assert "居民\t第 2 行\t电话\t电话号码格式不正确：999" in report
    assert snapshot() == before


def test_import_command_exits_non_zero(tmp_path, world, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends; keep the test's transaction open.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    path = tmp_path / "not.xlsx"
    path.write_text("这不是 Excel")
    with pytest.raises(SystemExit) as info:
        ImportCommand().run_from_argv(["manage.py", "import_roster", str(path), "--community", world.c1.code,
                                       "--no-progress"])
    assert info.value.code != 0
    captured = capsys.readouterr()
    assert "文件不是 Excel 工作簿（.xlsx），请用模板填写后上传。" in captured.err


def test_import_command_unknown_community_or_file(tmp_path, world):
    path = write(tmp_path, make_workbook())
    with pytest.raises(CommandError, match="社区编码不存在：NOPE"):
        run_import(path, "--community", "NOPE")
    with pytest.raises(CommandError, match="社区编码不存在"):
        run_import(path, "--community", world.g1.code)  # a grid is not a community
    with pytest.raises(CommandError, match="文件不存在"):
        run_import(str(tmp_path / "missing.xlsx"), "--community", world.c1.code)


@pytest.mark.parametrize("role", [r for r in ROLE_KEYS])
def test_import_command_as_user_by_role(tmp_path, world, role):
    path = write(tmp_path, make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD], [owner_row()]))
    before = snapshot()
    user = world.users[role]
    if role in ALLOWED:
        run_import(path, "--community", world.c1.code, "--user", user.phone)
        assert Building.objects.filter(name="3栋").exists()
        assert AuditEvent.objects.get(action="roster.import").actor == user
    else:
        with pytest.raises(CommandError, match="社区不存在或无权访问"):
            run_import(path, "--community", world.c1.code, "--user", user.phone)
        assert snapshot() == before
        assert not AuditEvent.objects.filter(action="roster.import").exists()


@pytest.mark.parametrize("role", [r for r in ROLE_KEYS])
def test_export_command_as_user_by_role(tmp_path, world, role):
    path = tmp_path / "out.xlsx"
    user = world.users[role]
    args = ["export_roster", str(path), "--community", world.c1.code, "--user", user.phone]
    if role in ALLOWED:
        out = io.StringIO()
        call_command(*args, stdout=out)
        assert "楼栋 3 栋，房屋 16 户，居民 17 行" in out.getvalue()
        assert openpyxl.load_workbook(path, read_only=True).sheetnames == ["说明", "楼栋", "房屋", "居民"]
        assert AuditEvent.objects.get(action="roster.export").actor == user
    else:
        with pytest.raises(CommandError, match="社区不存在或无权访问"):
            call_command(*args, stdout=io.StringIO())
        assert not path.exists()
        assert not AuditEvent.objects.filter(action="roster.export").exists()


def test_export_command_round_trips_through_import_command(tmp_path, world):
    path = tmp_path / "out.xlsx"
    call_command("export_roster", str(path), "--community", world.c1.code, stdout=io.StringIO())
    assert AuditEvent.objects.get(action="roster.export").details["via"] == "command"
    before = snapshot()
    out, _err = run_import(str(path), "--community", world.c1.code)
    assert snapshot() == before
    assert "房屋：新增 0，更新 0" in out and "居民：新增 0，更新 0" in out


def test_unknown_user_phone(tmp_path, world):
    with pytest.raises(CommandError, match="没有使用该手机号的有效账号"):
        call_command("export_roster", str(tmp_path / "x.xlsx"), "--community", world.c1.code, "--user",
                     "13000000000", stdout=io.StringIO())
