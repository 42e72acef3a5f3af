"""Training examples: the shipped corpus and staff corrections.

The corpus (``gongzhi/casework/data/requests_corpus.jsonl``) holds one JSON
object per line, ``{"text": "...", "category": "<code>"}``, written by hand for
this project (see docs/classification.md). Corrections are ``(text, code)``
pairs from staff who overrode a suggested category; they become examples with a
higher weight.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from django.utils.translation import gettext as _

from ..taxonomy import CATEGORY_CODES
from .errors import INVALID_CORPUS, INVALID_EXAMPLE, ClassifierError

DATA_PACKAGE = "gongzhi.casework"
CORPUS_NAME = "requests_corpus.jsonl"
USERDICT_NAME = "jieba_userdict.txt"

# How much one staff correction counts against one corpus example. A handful
# of corrections must be able to move a prediction, but one careless override
# must not outweigh a whole category; 3 does both on the shipped corpus (see
# docs/classification.md, "Retraining").
CORRECTION_WEIGHT = 3.0


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    weight: float = 1.0


def data_file(name: str):
    """A Traversable for a file in gongzhi/casework/data (works from a wheel too)."""
    return resources.files(DATA_PACKAGE).joinpath("data", name)


def load_corpus(path: str | Path | None = None, *, codes: Iterable[str] = CATEGORY_CODES) -> list[Example]:
    """Read a JSONL corpus (by default the shipped one) into examples.

    Every line must be a JSON object with a non-empty ``text`` and a
    ``category`` among ``codes``; otherwise ClassifierError names the line.
    Blank lines are ignored.
    """
    allowed = set(codes)
    source = Path(path) if path is not None else data_file(CORPUS_NAME)
    examples: list[Example] = []
    with source.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ClassifierError(
                    INVALID_CORPUS,
                    _("语料第 %(line)d 行不是有效的 JSON：%(error)s") % {"line": lineno, "error": exc.msg},
                    details={"line": lineno},
                ) from None
            text = row.get("text") if isinstance(row, dict) else None
            category = row.get("category") if isinstance(row, dict) else None
            if not isinstance(text, str) or not text.strip():
                raise ClassifierError(
                    INVALID_CORPUS, _("语料第 %(line)d 行缺少文本。") % {"line": lineno}, details={"line": lineno}
                )
            if category not in allowed:
                raise ClassifierError(
                    INVALID_CORPUS,
                    _("语料第 %(line)d 行的类别“%(code)s”不在分类表中。") % {"line": lineno, "code": category},
                    details={"line": lineno},
                )
            examples.append(Example(text=text.strip(), category=category))
    return examples


def corrections_to_examples(corrections: Iterable[tuple[str, str]], *, weight: float = CORRECTION_WEIGHT) -> list[Example]:
    """Turn staff overrides into weighted examples, checking each pair."""
    if weight <= 0:
        raise ValueError("weight must be positive")
    out: list[Example] = []
    for n, pair in enumerate(corrections, start=1):
        try:
            text, code = pair
        except (TypeError, ValueError):
            raise ClassifierError(
                INVALID_EXAMPLE, _("第 %(n)d 条更正不是（文本，类别）对。") % {"n": n}, details={"index": n}
            ) from None
        if not isinstance(text, str) or not text.strip():
            raise ClassifierError(INVALID_EXAMPLE, _("第 %(n)d 条更正缺少文本。") % {"n": n}, details={"index": n})
        if not isinstance(code, str) or not code:
            raise ClassifierError(INVALID_EXAMPLE, _("第 %(n)d 条更正缺少类别。") % {"n": n}, details={"index": n})
        out.append(Example(text=text.strip(), category=code, weight=weight))
    return out
