"""Held-out evaluation of the request classifier."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, train_test_split

from ..taxonomy import CATEGORY_BY_CODE
from .corpus import Example
from .model import train


@dataclass(frozen=True)
class CategoryScore:
    code: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Confusion:
    true: str
    predicted: str
    count: int
    examples: tuple[str, ...]  # up to three texts, for a human to judge


@dataclass
class Report:
    n_train: int
    n_test: int
    seed: int
    test_fraction: float
    accuracy: float
    top3_accuracy: float
    macro_f1: float
    categories: list[CategoryScore]
    confusions: list[Confusion]  # most frequent first, off-diagonal only
    misclassified: list[tuple[str, str, str]] = field(default_factory=list)  # (text, true, predicted)

    def format(self, *, max_confusions: int = 10) -> str:
        lines = [
            (
                f"Held-out evaluation: {self.n_train} train / {self.n_test} test "
                f"(test fraction {self.test_fraction}, seed {self.seed}, stratified)"
            ),
            f"  accuracy      {self.accuracy:.3f}",
            f"  top-3 accuracy {self.top3_accuracy:.3f}",
            f"  macro F1      {self.macro_f1:.3f}",
            "",
            f"  {'category':<22}{'名称':<{_pad('名称', 20)}}{'prec':>7}{'recall':>8}{'F1':>7}{'n':>5}",
        ]
        for c in self.categories:
            name = CATEGORY_BY_CODE[c.code].name_zh if c.code in CATEGORY_BY_CODE else ""
            lines.append(
                f"  {c.code:<22}{name:<{_pad(name, 20)}}{c.precision:>7.2f}{c.recall:>8.2f}{c.f1:>7.2f}{c.support:>5}"
            )
        lines += ["", "  Most confused (true → predicted):"]
        if not self.confusions:
            lines.append("    none")
        for conf in self.confusions[:max_confusions]:
            lines.append(f"    {conf.count:>3} × {conf.true} → {conf.predicted}")
            for text in conf.examples[:2]:
                lines.append(f"          “{_clip(text, 40)}”")
        return "\n".join(lines)


def _pad(text: str, width: int) -> int:
    """Format width so that CJK text (two columns per character) lines up."""
    wide = sum(1 for ch in text if ord(ch) > 0x2E7F)
    return max(width - wide, len(text))


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def evaluate(examples: Sequence[Example], *, test_fraction: float = 0.2, seed: int = 0) -> Report:
    """Train on a stratified (1 − test_fraction) share of the examples and
    score the rest. Deterministic for a given corpus and seed."""
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be between 0 and 1")
    examples = list(examples)
    labels = [e.category for e in examples]
    train_idx, test_idx = train_test_split(
        np.arange(len(examples)), test_size=test_fraction, random_state=seed, stratify=labels
    )
    classifier = train([examples[i] for i in train_idx], seed=seed)
    test = [examples[i] for i in test_idx]
    truth = [e.category for e in test]
    ranked = [classifier.predict(e.text, k=3) for e in test]
    predicted = [r[0][0] for r in ranked]

    codes = sorted(set(labels), key=lambda c: list(CATEGORY_BY_CODE).index(c) if c in CATEGORY_BY_CODE else 99)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=codes, zero_division=0
    )
    categories = [
        CategoryScore(code, float(p), float(r), float(f), int(s))
        for code, p, r, f, s in zip(codes, precision, recall, f1, support, strict=True)
    ]
    pairs = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    confusions = [
        Confusion(
            true=t,
            predicted=p,
            count=n,
            examples=tuple(e.text for e, q in zip(test, predicted, strict=True) if e.category == t and q == p)[:3],
        )
        for (t, p), n in sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    ]
    return Report(
        n_train=len(train_idx),
        n_test=len(test),
        seed=seed,
        test_fraction=test_fraction,
        accuracy=float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)])),
        top3_accuracy=float(np.mean([t in {c for c, _ in r} for t, r in zip(truth, ranked, strict=True)])),
        macro_f1=float(np.mean(f1)),
        categories=categories,
        confusions=confusions,
        misclassified=[(e.text, e.category, q) for e, q in zip(test, predicted, strict=True) if e.category != q],
    )


def cross_validate(examples: Sequence[Example], *, folds: int = 5, seed: int = 0) -> list[float]:
    """Accuracy of each fold of a stratified, shuffled k-fold split."""
    examples = list(examples)
    labels = np.array([e.category for e in examples])
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = []
    for train_idx, test_idx in splitter.split(np.zeros(len(labels)), labels):
        classifier = train([examples[i] for i in train_idx], seed=seed)
        predicted = [top for top, _ in classifier.predict_batch([examples[i].text for i in test_idx])]
        scores.append(float(np.mean(labels[test_idx] == np.array(predicted))))
    return scores
