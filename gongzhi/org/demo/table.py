"""Plain-text tables that line up in a terminal even with Chinese text."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, width: int, *, right: bool = False) -> str:
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space


def format_table(headers: list[str], rows: list[list[str]], *, right: set[int] = frozenset()) -> list[str]:
    """Lines of a table; columns whose index is in ``right`` are right-aligned."""
    widths = [display_width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))
    lines = ["  ".join(pad(h, widths[i], right=i in right) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(pad(cell, widths[i], right=i in right) for i, cell in enumerate(row)).rstrip())
    return lines
