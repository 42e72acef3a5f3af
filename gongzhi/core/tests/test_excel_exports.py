"""Every Excel export of the project, with hostile text in every text field: no cell may be a formula.

A resident or staff member who types ``=HYPERLINK(...)`` as a name, a note or an
employer must not plant a live formula in somebody else's download (issue #7
point 1). The walk plants formula-like text in every free-text field of the
models the exports read, downloads each export as its users do, and checks every
cell of every sheet: not a formula, and not text a spreadsheet would run, unless
escaped as ``gongzhi.core.excel`` does (one leading apostrophe).

Add a new export to ``EXPORTS`` below.
"""

from __future__ import annotations

import datetime
from io import BytesIO
from itertools import cycle

import pytest
from django.db import models
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.casework.models import Category, Department
from gongzhi.core import excel
from gongzhi.org.models import (
    Building,
    Compound,
    Household,
    Institution,
    PartyMember,
    PartyOrg,
    Region,
    Resident,
    ServicePost,
    ServiceRecord,
    Unit,
)
from gongzhi.org.party import actions as party_actions
from gongzhi.org.testing.party_world import build_party_world

HOSTILE = ["=1+1", "+cmd", "-2", "@SUM(A1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://evil.example","点我")']
# Keys and tokens other code looks up by value (not text a person reads).
SKIP_FIELDS = {"code", "qr_token", "password", "token", "key", "phone", "id_number", "tier", "kind"}
PLANTED_MODELS = [Region, Compound, Building, Unit, Household, Resident, Institution, PartyMember, PartyOrg,
                  ServicePost, ServiceRecord, Category, Department]


def _text_fields(model) -> list[str]:
    return [
        f.name for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField)) and not f.choices and f.name not in SKIP_FIELDS
        and not f.name.endswith(("_code", "_token"))
    ]


def plant(world) -> None:
    """Formula-like text (each value unique, so unique constraints hold) in every free-text field."""
    values = cycle(HOSTILE)

    def fit(model, name, text, pk):
        """The hostile text, cut to the column's length (PostgreSQL enforces it), still unique by the pk."""
        limit = model._meta.get_field(name).max_length
        if limit is None or len(text) <= limit:
            return text
        return text[: limit - len(str(pk))] + str(pk)

    for model in PLANTED_MODELS:
        fields = _text_fields(model)
        for pk in model.objects.values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(
                **{f: fit(model, f, f"{next(values)} {model.__name__}{pk}", pk) for f in fields})
    # phone numbers and ID numbers are free text in the roster too
    for i, pk in enumerate(Resident.objects.values_list("pk", flat=True)):
        Resident.objects.filter(pk=pk).update(phone=f"+86{i}", id_number=f"-{i}")


@pytest.fixture
def hostile(world, login):
    pw = build_party_world(world)
    claim = party_actions.post_claim(actor=pw.member.resident.user, post_id=pw.post_open.pk)
    party_actions.service_record_add(actor=world.users["community_staff"], claim_id=claim.pk,
                                     served_on=timezone.localdate(), hours="1", note="服务")
    plant(world)
    return world


def _quarter() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, (today.month - 1) // 3 + 1


def roster_template(world, login):
    return login(world.users["community_staff"]).get("/org/roster/template.xlsx", {"community": world.c1.pk})


def roster_export(world, login):
    return login(world.users["community_staff"]).post("/org/roster/export/", {"community": world.c1.pk})


def party_report(world, login):
    year, quarter = _quarter()
    return login(world.users["community_staff"]).get(
        "/party/report/xlsx/", {"community": world.c1.pk, "year": year, "quarter": quarter}
    )


def party_report_one_unit(world, login):
    year, quarter = _quarter()
    institution = Institution.objects.filter(community=world.c1).order_by("pk").first()
    return login(world.users["community_staff"]).get(
        "/party/report/xlsx/", {"community": world.c1.pk, "year": year, "quarter": quarter,
                                "institution": institution.pk}
    )


def rates_export(world, login):
    return login(world.users["community_staff"]).get(
        "/casework/rates/export.xlsx", {"scope": f"community:{world.c1.pk}", "breakdown": "building"}
    )


def _hostile_cases(world):
    """Requests whose description and reporter a person typed: formula-like text, past due (on the board too)."""
    from datetime import timedelta

    from gongzhi.casework.actions.intake import case_submit
    from gongzhi.casework.models import Case

    staff = world.users["community_staff"]
    for i, text in enumerate(HOSTILE[:3]):
        case = case_submit(actor=staff, description=f"{text} 楼道灯坏了好几天了{i}", channel="walk_in",
                           building_id=world.b1.pk, reporter_name=f"{text}{i}", reporter_phone=f"1390000000{i}")
        Case.objects.filter(pk=case.pk).update(resolution_due_at=timezone.now() - timedelta(hours=1))


def queue_export(world, login):
    _hostile_cases(world)
    return login(world.users["community_staff"]).get("/casework/export.xlsx", {"status": "all"})


def board_export(world, login):
    _hostile_cases(world)
    return login(world.users["community_staff"]).get("/casework/board/export.xlsx")


EXPORTS = [roster_template, roster_export, party_report, party_report_one_unit, rates_export, queue_export,
           board_export]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def unsafe_cells(content: bytes) -> list[tuple[str, str, object]]:
    wb = load_workbook(BytesIO(content))
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or excel.is_unsafe(cell.value):
                    found.append((ws.title, cell.coordinate, cell.value))
    return found


def escaped_values(content: bytes) -> set[str]:
    wb = load_workbook(BytesIO(content))
    return {
        cell.value for ws in wb.worksheets for row in ws.iter_rows() for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("'")
    }


@pytest.mark.parametrize("export", EXPORTS, ids=lambda f: f.__name__)
def test_no_export_writes_a_formula(hostile, login, export):
    response = export(hostile, login)
    assert response.status_code == 200, response.content[:300]
    content = _body(response)
    assert unsafe_cells(content) == []
    # the hostile text did reach the file (escaped), so the walk checked something
    assert any(v[1:].startswith(tuple(HOSTILE)) for v in escaped_values(content))


def test_hostile_employer_name_reaches_the_party_report_escaped(hostile, login):
    """Issue #7 point 1: the employer's name a resident typed heads the unit's sheet, inert."""
    institution = Institution.objects.get(pk=PartyMember.objects.filter(employer__isnull=False).first().employer_id)
    Institution.objects.filter(pk=institution.pk).update(name='=HYPERLINK("http://evil.example","点我")')
    content = _body(party_report(hostile, login))
    wb = load_workbook(BytesIO(content))
    summary = [c.value for row in wb.worksheets[0].iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in summary
    assert unsafe_cells(content) == []


@pytest.mark.parametrize("value", [*HOSTILE, "'=x", "''-y", "'plain", "plain", "", "a=b", "中文", "—"])
def test_safe_cell_round_trip(value):
    escaped = excel.safe_cell(value)
    assert excel.unescape_cell(escaped) == value
    assert not excel.is_unsafe(escaped)


@pytest.mark.parametrize("value", [None, 0, -2, 1.5, datetime.date(2026, 1, 1)])
def test_safe_cell_leaves_non_text_alone(value):
    assert excel.safe_cell(value) == value


def test_every_cell_of_a_workbook_is_escaped_once_when_saved():
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook()
    ws = wb.active
    ws["A1"] = "=1+1"  # written around the helpers: caught by the save walk
    excel.append(ws, ["-2", "'=x", 3])  # escaped once, not twice
    out = load_workbook(BytesIO(excel.workbook_bytes(wb))).active
    assert [c.value for c in out[1]][:1] == ["'=1+1"] and out["A1"].data_type == "s"
    assert [c.value for c in out[2]] == ["'-2", "''=x", 3]

    stream = Workbook(write_only=True)
    sheet = stream.create_sheet("s")
    excel.append(sheet, [WriteOnlyCell(sheet, value="=A1"), "@x"])
    out = load_workbook(BytesIO(excel.workbook_bytes(stream))).active
    assert [c.value for c in out[1]] == ["'=A1", "'@x"] and out["A1"].data_type == "s"


def test_xlsx_response_names_the_file():
    response = excel.xlsx_response(b"x", "花名册.xlsx")
    assert response["Content-Type"] == excel.XLSX
    assert "attachment" in response["Content-Disposition"] and "%E8%8A%B1" in response["Content-Disposition"]
