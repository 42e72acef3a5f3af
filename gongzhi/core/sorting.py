"""Natural order for the names people number: 1栋 … 9栋, 10栋; 第一、第二 … 第十一网格.

A database sorts text by code point, so ``10栋`` comes before ``1栋`` and ``第三`` before ``第二``
(三 U+4E09 < 二 U+4E8C). Every list of buildings, units, rooms, grids and compounds sorts with
``natural_key`` instead (one key, here): runs of digits and of Chinese numerals (〇零一二两三四五六七八九十百千)
compare as numbers, the rest as text.

    natural_sorted(buildings, key=lambda b: (b.compound.name, b.name))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
_TOKEN = re.compile(r"(\d+|[〇零一二两三四五六七八九十百千]+)")


def chinese_number(text: str) -> int:
    """一 → 1, 十 → 10, 十一 → 11, 二十三 → 23, 一百零五 → 105, 二〇二五 → 2025 (digit by digit)."""
    if not any(ch in UNITS for ch in text):
        value = 0
        for ch in text:
            value = value * 10 + DIGITS[ch]
        return value
    total, digit = 0, None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * UNITS[ch]
            digit = None
    return total + (digit or 0)


def natural_key(text: Any) -> tuple:
    """The sort key of one name: numbers as numbers, text as (case-folded) text; None sorts first."""
    if text is None:
        return ()
    parts = []
    for i, token in enumerate(_TOKEN.split(str(text))):
        if i % 2:
            parts.append((0, int(token) if token.isdigit() else chinese_number(token), token))
        elif token:
            parts.append((1, 0, token.casefold()))
    return tuple(parts)


def natural_sorted(items: Iterable[T], key: Callable[[T], Any] = lambda x: x) -> list[T]:
    """``items`` in natural order of ``key(item)``: a name, or a tuple of names (compound, building)."""

    def full_key(item: T) -> tuple:
        value = key(item)
        if isinstance(value, tuple):
            return tuple(v if isinstance(v, (int, float)) else natural_key(v) for v in value)
        return (natural_key(value),)

    return sorted(items, key=full_key)
