"""Excel export, once: every text cell escaped against formula injection.

A spreadsheet runs a text cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (and some treat a leading tab or carriage return the same way once the
value is trimmed), so a resident who types ``=HYPERLINK("http://…","点我")`` as
an employer name would plant a live link in a staff member's report. Every
export in the project goes through this module:

- ``safe_cell(value)`` escapes one value: text that could start a formula gets
  one leading apostrophe; text that already starts with apostrophes before such
  a character gets one more, so ``unescape_cell`` (the roster import) restores
  every value exactly. Numbers, dates and ``None`` pass unchanged.
- ``append(ws, row)`` appends a row with every value escaped (write-only
  sheets too; ``WriteOnlyCell`` values are escaped in place).
- ``workbook_bytes(wb)`` / ``save(wb, out)`` save a workbook after a last walk
  over every cell of an in-memory workbook, so a text cell written with
  ``ws.cell(value=...)`` or ``ws["A1"] = ...`` is escaped too. (Write-only
  workbooks cannot be walked: write their rows with ``append``.)
- ``xlsx_response(content, filename)`` is the download.

A real use: ``gongzhi/org/party/report.py`` (quarterly report) and
``gongzhi/org/roster/writer.py`` (roster template and streaming export).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from io import BytesIO
from typing import IO, Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl.cell.cell import Cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Apostrophes, then a character that starts a formula (or a tab / CR before one).
FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")


_FIRST = frozenset("'=+-@\t\r")  # a cheap first look before the regex (exports write millions of cells)


def safe_cell(value: Any) -> Any:
    """The value to write: text that could start a formula gets one leading apostrophe."""
    if isinstance(value, str) and value[:1] in _FIRST and FORMULA_START.match(value):
        return "'" + value
    return value


def unescape_cell(value: Any) -> Any:
    """Undo ``safe_cell`` exactly (for importing a file this project exported)."""
    if isinstance(value, str) and value and value[0] == "'" and FORMULA_START.match(value):
        return value[1:]
    return value


def is_unsafe(value: Any) -> bool:
    """True for text a spreadsheet could run as a formula (what ``safe_cell`` prevents)."""
    return isinstance(value, str) and bool(value) and value[0] in "=+-@\t\r"


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row with every text value escaped; ``WriteOnlyCell`` objects are escaped in place."""
    row = []
    for value in values:
        if isinstance(value, Cell):
            if isinstance(value.value, str):
                value.value = safe_cell(value.value)
            row.append(value)
        else:
            row.append(safe_cell(value))
    return row


def append(ws, values: Iterable[Any]) -> None:
    """``ws.append`` with every text value escaped (works on write-only sheets)."""
    ws.append(safe_row(values))


def escape_workbook(wb) -> None:
    """Escape every text (and formula) cell of an in-memory workbook that is not escaped yet.

    Values written through ``safe_cell`` start with an apostrophe when they needed
    it, so they are left alone: escaping here is never applied twice.
    """
    if getattr(wb, "write_only", False):
        return
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or is_unsafe(cell.value):
                    cell.value = safe_cell(str(cell.value))
                    cell.data_type = "s"


def save(wb, out: IO[bytes] | str) -> None:
    """Save the workbook to a file or stream, every text cell escaped."""
    escape_workbook(wb)
    wb.save(out)


def workbook_bytes(wb) -> bytes:
    """The saved workbook as bytes, every text cell escaped."""
    out = BytesIO()
    save(wb, out)
    return out.getvalue()


def xlsx_response(content: bytes, filename: str, *, attachment: bool = True) -> HttpResponse:
    """The workbook as a download named ``filename`` (Chinese names are fine)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    return response
