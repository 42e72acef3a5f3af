"""The requests' texts: the labelled corpus the classifier learns from, put at the request's real
place, and the search words stored with each request."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

CORPUS = Path(__file__).parent.parent / "data" / "requests_corpus.jsonl"

_BUILDING_REF = re.compile(r"\d+\s*(?:号楼|栋|幢|号院)")
_UNIT_REF = re.compile(r"\d+\s*单元")
_ROOM_REF = re.compile(r"(?<=单元)\d{3,4}|\d{3,4}(?=室)")
# Words that put a request at a building (its stairwell, lift, walls, the flat upstairs): such a
# request is about a building even when the reporter would not call it their home.
_BUILDING_MEANT = re.compile(r"\d+\s*(?:号楼|栋|幢|号院)|楼道|楼梯|楼下|楼上|楼顶|天台|电梯|单元|地下室|楼栋|楼前|楼后"
                             r"|窗|外墙|墙皮|水管|管道|化粪池|屋顶|防盗门|门禁|邻居")


@lru_cache(maxsize=1)
def corpus() -> dict[str, list[str]]:
    """Category code → the corpus texts of that category."""
    by_code: dict[str, list[str]] = defaultdict(list)
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                item = json.loads(line)
                by_code[item["category"]].append(item["text"])
    return dict(by_code)


def localise(text: str, building: str, unit: str | None, room: str | None) -> str:
    """Put the request's real place into the corpus text ("3栋2单元502" → this building's numbers)."""
    text = _BUILDING_REF.sub(building, text, count=1)
    if unit is not None:
        text = _UNIT_REF.sub(f"{unit}单元", text, count=1)
    if room is not None:
        text = _ROOM_REF.sub(room, text, count=1)
    return text


def means_building(text: str) -> bool:
    """Whether the text is about a building ("4栋门口的垃圾桶满了", "楼道里堆满了纸箱")."""
    return _BUILDING_MEANT.search(text) is not None


@lru_cache(maxsize=20000)
def _words(part: str) -> str:
    from ..search import search_text_for

    return search_text_for(part)


def search_text(*parts: str) -> str:
    """Same result as ``search.search_text_for(*parts)`` (which cuts each part on its own),
    cutting each repeated part once: the same texts, addresses and category names recur."""
    return " ".join(w for w in (_words(p) for p in parts if p) if w)
