"""Shared bits of the casework benchmarks (bench/bench_casework.py runs the parts)."""

from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
VENV_BIN = Path(sys.executable).parent
CORPUS = ROOT / "gongzhi" / "casework" / "data" / "requests_corpus.jsonl"


def fresh_db(name: str) -> Path:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def setup_django(db_path: Path, settings: str = "config.settings.test") -> None:
    """Point Django at the benchmark's own SQLite file (never the development database)."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ.setdefault("GONGZHI_VAR_DIR", str(ROOT / "var"))
    import django

    django.setup()


def corpus_texts() -> list[tuple[str, str]]:
    with CORPUS.open(encoding="utf-8") as f:
        return [(item["text"], item["category"]) for item in map(json.loads, filter(str.strip, f))]


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (inclusive method), in the values' unit."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(p * 10) - 1]


def result_line(data: dict) -> None:
    """The machine-readable last line a part prints for bench_casework.py's summary."""
    print("RESULT " + json.dumps(data, ensure_ascii=False), flush=True)


def say(text: str) -> None:
    print(text, flush=True)
