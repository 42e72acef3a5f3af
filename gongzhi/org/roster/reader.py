"""Opening an uploaded roster safely and reading its rows.

The checks run from cheapest to dearest: size, zip magic bytes, the zip's
unpacked size (a small zip can unpack to gigabytes), openpyxl's own load,
the sheets, the headers and the number of rows. Rows are read with openpyxl
in read-only mode, one at a time, as tuples in the layout's column order.
"""

from __future__ import annotations

import operator
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Self

from django.conf import settings
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError

from .. import error_codes as codes
from .layout import SHEETS, Sheet

XLSX_MAGIC = b"PK\x03\x04"
# Problems kept in full; beyond this only the count is kept (the page and the
# command say how many more there were).
MAX_PROBLEMS = 1000
# An xlsx is compressed XML; a real roster unpacks to about 8x its size.
MAX_UNPACKED_RATIO = 25


@dataclass(slots=True)
class Problem:
    sheet: str
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


class RosterInvalid(ApplicationError):
    """The workbook has problems; nothing was written. ``problems`` lists them all."""

    def __init__(self, problems: list[Problem], total: int | None = None, code: str = codes.ROSTER_INVALID) -> None:
        total = len(problems) if total is None else total
        if total == 1 and not problems[0].sheet:
            message = problems[0].message  # a problem with the file as a whole
        else:
            message = _("花名册中有 %(n)d 处问题，未导入任何数据。") % {"n": total}
        super().__init__(code, message, details=[p.as_dict() for p in problems])
        self.problems = problems
        self.total = total


def _file_problem(code: str, message: str) -> RosterInvalid:
    return RosterInvalid([Problem("", None, "", message)], code=code)


def max_bytes() -> int:
    return int(getattr(settings, "ROSTER_MAX_BYTES", 30 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "ROSTER_MAX_ROWS", 300_000))


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}"


def check_upload(fileobj: IO[bytes], size: int) -> None:
    """The cheap checks, done before an upload is even stored."""
    if size > max_bytes():
        raise _file_problem(
            codes.FILE_TOO_LARGE,
            _("文件过大（%(size)s MB），上限为 %(limit)s MB。") % {"size": _mb(size), "limit": _mb(max_bytes())},
        )
    fileobj.seek(0)
    head = fileobj.read(4)
    fileobj.seek(0)
    if head != XLSX_MAGIC:
        raise _file_problem(codes.FILE_NOT_XLSX, _("文件不是 Excel 工作簿（.xlsx），请用模板填写后上传。"))


class RosterFile:
    """An opened roster workbook (read-only)."""

    def __init__(self, workbook, archive: zipfile.ZipFile | None) -> None:
        self.workbook = workbook
        self._archive = archive

    @classmethod
    def open(cls, fileobj: IO[bytes], size: int | None = None) -> RosterFile:
        """Open and check a workbook. Raises RosterInvalid, listing every structural problem."""
        import openpyxl

        if size is None:
            fileobj.seek(0, 2)
            size = fileobj.tell()
        check_upload(fileobj, size)
        if not zipfile.is_zipfile(fileobj):
            raise _file_problem(codes.FILE_NOT_XLSX, _("文件不是 Excel 工作簿（.xlsx），请用模板填写后上传。"))
        fileobj.seek(0)
        try:
            with zipfile.ZipFile(fileobj) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise _file_problem(codes.FILE_NOT_XLSX, _("文件已损坏，无法作为 Excel 工作簿打开。")) from None
        if unpacked > max_bytes() * MAX_UNPACKED_RATIO:
            raise _file_problem(
                codes.FILE_TOO_LARGE,
                _("文件解压后过大（%(size)s MB），请拆分后分批导入。") % {"size": _mb(unpacked)},
            )
        fileobj.seek(0)
        try:
            workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
            raise _file_problem(codes.FILE_NOT_XLSX, _("文件无法作为 Excel 工作簿（.xlsx）打开。")) from None
        roster = cls(workbook, getattr(workbook, "_archive", None))
        problems = [
            Problem(sheet.name, None, "", _("缺少工作表“%(sheet)s”。") % {"sheet": sheet.name})
            for sheet in SHEETS
            if sheet.name not in workbook.sheetnames
        ]
        if problems:
            roster.close()
            raise RosterInvalid(problems)
        total = sum(roster.row_count(sheet) or 0 for sheet in SHEETS)
        if total > max_rows():
            roster.close()
            raise _file_problem(
                codes.FILE_TOO_LARGE,
                _("文件共有 %(rows)d 行数据，超过上限 %(limit)d 行，请拆分后分批导入。")
                % {"rows": total, "limit": max_rows()},
            )
        return roster

    def close(self) -> None:
        self.workbook.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def row_count(self, sheet: Sheet) -> int | None:
        """Data rows of a sheet (header excluded), counted from the XML without parsing it.

        Files written in write-only mode carry no <dimension>, so the rows are
        counted by scanning the decompressed sheet for row elements; this costs
        a small fraction of parsing and gives the progress bar its total.
        """
        cache = self.__dict__.setdefault("_row_counts", {})
        if sheet.name in cache:
            return cache[sheet.name]
        ws = self.workbook[sheet.name]
        path = getattr(ws, "_worksheet_path", None)
        count = None
        if self._archive is not None and path:
            count = 0
            tail = b""
            with self._archive.open(path) as stream:
                while chunk := stream.read(1 << 20):
                    # ``tail`` (4 bytes, shorter than "<row ") completes an element
                    # split across chunks without counting any element twice.
                    data = tail + chunk
                    count += data.count(b"<row ") + data.count(b"<row>")
                    tail = data[-4:]
            count = max(0, count - 1)
        cache[sheet.name] = count
        return count

    def header_map(self, sheet: Sheet) -> tuple[list[int] | None, list[Problem]]:
        """Column positions of the layout's headers in the sheet's first row."""
        ws = self.workbook[sheet.name]
        ws.reset_dimensions()  # never trust a <dimension> element: it may cut rows off
        first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        found: dict[str, int] = {}
        for i, value in enumerate(first):
            name = normalize_header(value)
            if name and name not in found:
                found[name] = i
        positions: list[int] = []
        problems: list[Problem] = []
        for column in sheet.columns:
            i = found.get(normalize_header(column.header))
            if i is None:
                problems.append(
                    Problem(sheet.name, 1, column.header, _("缺少列“%(column)s”。") % {"column": column.header})
                )
            else:
                positions.append(i)
        return (None if problems else positions), problems

    def rows(self, sheet: Sheet, positions: list[int]) -> Iterator[tuple[int, tuple]]:
        """(Excel row number, values in layout order) for every non-empty data row."""
        ws = self.workbook[sheet.name]
        ws.reset_dimensions()
        pick = operator.itemgetter(*positions)
        width = max(positions) + 1
        row_no = 1
        for raw in ws.iter_rows(min_row=2, max_col=width, values_only=True):
            row_no += 1
            values = pick(raw)
            if len(positions) == 1:
                values = (values,)
            for v in values:
                if v is not None and v != "":
                    break
            else:
                continue
            yield row_no, values


def normalize_header(value) -> str:
    if value is None:
        return ""
    text = str(value).strip().lstrip("*＊").strip()
    return text.replace("（", "(").replace("）", ")").replace(" ", "").replace("\u3000", "")
