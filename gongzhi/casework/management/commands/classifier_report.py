"""Measure the request classifier on the shipped corpus.

    python manage.py classifier_report [--test-fraction 0.2] [--seed 0] [--cv 5] [--calls 2000] [--fits 3]

Prints held-out accuracy (stratified split), a per-category table, the most
confused pairs with example texts, k-fold cross-validation, and timings:
jieba start-up, training on the whole corpus, serialisation, and one
``predict`` call after warm-up. Touches no database.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from gongzhi.casework.classification import (
    Classifier,
    cross_validate,
    evaluate,
    load_corpus,
    train,
)
from gongzhi.casework.classification.model import jieba_tokenizer
from gongzhi.casework.taxonomy import CATEGORY_CODES


class Command(BaseCommand):
    help = "Held-out accuracy, confusions and timings of the request category classifier."

    def add_arguments(self, parser):
        parser.add_argument("--test-fraction", type=float, default=0.2, help="share held out for testing (default 0.2)")
        parser.add_argument("--seed", type=int, default=0, help="split and model seed (default 0)")
        parser.add_argument("--cv", type=int, default=5, help="folds of cross-validation; 0 to skip (default 5)")
        parser.add_argument("--calls", type=int, default=2000, help="predict() calls to time (default 2000)")
        parser.add_argument("--fits", type=int, default=3, help="full-corpus fits to time, median shown (default 3)")
        parser.add_argument("--confusions", type=int, default=10, help="confused pairs to list (default 10)")

    def handle(self, *args, test_fraction, seed, cv, calls, fits, confusions, **options):
        if not 0 < test_fraction < 1:
            raise CommandError("--test-fraction must be between 0 and 1")
        if cv == 1 or cv < 0:
            raise CommandError("--cv must be 0 (skip) or at least 2")
        if fits < 1 or calls < 1:
            raise CommandError("--fits and --calls must be at least 1")
        out = self.stdout.write

        started = time.perf_counter()
        jieba_tokenizer()
        jieba_seconds = time.perf_counter() - started

        examples = load_corpus()
        counts = Counter(e.category for e in examples)
        out(f"Corpus: {len(examples)} examples in {len(counts)} categories")
        out("  " + "  ".join(f"{code} {counts[code]}" for code in CATEGORY_CODES))
        out("")

        report = evaluate(examples, test_fraction=test_fraction, seed=seed)
        out(report.format(max_confusions=confusions))
        out("")

        if cv:
            started = time.perf_counter()
            scores = cross_validate(examples, folds=cv, seed=seed)
            out(
                f"{cv}-fold cross-validation (stratified, seed {seed}): accuracy "
                f"{statistics.mean(scores):.3f} ± {statistics.pstdev(scores):.3f} "
                f"(folds: {', '.join(f'{s:.3f}' for s in scores)}; {time.perf_counter() - started:.1f} s)"
            )
            out("")

        out("Timings (this machine, this run):")
        out(f"  jieba dictionary load (once per process)  {jieba_seconds * 1000:8.0f} ms")
        fit_seconds = []
        for _ in range(fits):
            started = time.perf_counter()
            classifier = train(examples, seed=seed)
            fit_seconds.append(time.perf_counter() - started)
        out(f"  train on the whole corpus (median of {fits})   {statistics.median(fit_seconds) * 1000:8.0f} ms"
            f"   ({classifier.meta['n_features']} features)")

        started = time.perf_counter()
        blob = classifier.to_bytes()
        dump_seconds = time.perf_counter() - started
        started = time.perf_counter()
        Classifier.from_bytes(blob)
        load_seconds = time.perf_counter() - started
        out(f"  to_bytes / from_bytes                      {dump_seconds * 1000:8.0f} / {load_seconds * 1000:.0f} ms"
            f"   ({len(blob) / 1024:.0f} KiB)")

        texts = [e.text for e in examples]
        for text in texts[:100]:  # warm-up
            classifier.predict(text)
        timings = []
        for i in range(calls):
            text = texts[i % len(texts)]
            started = time.perf_counter()
            classifier.predict(text, k=3)
            timings.append(time.perf_counter() - started)
        timings.sort()
        ms = [t * 1000 for t in timings]
        out(
            f"  predict(text, k=3), {len(ms)} calls          median {statistics.median(ms):.3f} ms, "
            f"mean {statistics.mean(ms):.3f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.3f} ms, max {ms[-1]:.3f} ms"
        )
        started = time.perf_counter()
        classifier.predict_batch(texts)
        batch_seconds = time.perf_counter() - started
        out(f"  predict_batch({len(texts)} texts)                  {batch_seconds * 1000:8.0f} ms")
