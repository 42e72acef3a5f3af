#!/usr/bin/env python
"""有求必应 benchmarks: intake over real HTTP, and the queue and rates over 1,000,000 requests.

    python bench/bench_casework.py            # both parts (≈ 10–15 min on a small machine)
    python bench/bench_casework.py http       # only intake through gunicorn
    python bench/bench_casework.py 1m [ROWS]  # only the 1M-request database (ROWS to try smaller)

Each part runs in its own process with its own SQLite file under var/bench/ (never the
development database) and prints its figures next to the goals, with the ratio to a trivial
authenticated endpoint measured in the same run:

- bench/_casework_http.py — gunicorn (2 workers) with the demo sub-district; a separate load
  process posts real requests (classifier on) as residents with Bearer tokens, then the same
  load on GET /api/casework/ping. Goals: intake/trivial throughput ≥ 0.4, intake p99 ≤ 100 ms.
- bench/_casework_1m.py — 1,000,000 requests over 25 communities and two years, bulk-loaded;
  a community worker's queue page (p95 ≤ 150 ms) and a community's rates over a year (≤ 200 ms).

A short summary block closes the output. See docs/benchmarks.md for results and method.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def run_part(script: str, *args: str) -> dict | None:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(HERE / script), *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    result = None
    for line in proc.stdout:
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
        else:
            print(line, end="", flush=True)
    proc.wait()
    print(f"[{script}] {time.perf_counter() - started:.0f} s, exit {proc.returncode}", flush=True)
    return result if proc.returncode == 0 else None


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str]) -> int:
    parts = [a for a in argv if a in ("http", "1m")] or ["http", "1m"]
    rows = next((a for a in argv if a.isdigit()), None)
    http = run_part("_casework_http.py") if "http" in parts else None
    big = run_part("_casework_1m.py", *([rows] if rows else [])) if "1m" in parts else None

    print("\n=== casework summary ===")
    failed = False
    if "http" in parts:
        if http is None:
            print("intake over HTTP: FAILED (see above)")
            failed = True
        else:
            i, p = http["intake"], http["ping"]
            print(f"intake (gunicorn {http['workers']} workers, {http['threads']} clients): {i['rps']:.1f} req/s, "
                  f"p50 {i['p50']:.1f} ms, p99 {i['p99']:.1f} ms")
            print(f"trivial endpoint, same load: {p['rps']:.1f} req/s, p50 {p['p50']:.1f} ms, p99 {p['p99']:.1f} ms")
            print(f"intake/trivial throughput {http['ratio']:.2f} (goal ≥ 0.4: {verdict(http['ratio'] >= 0.4)}); "
                  f"intake p99 {i['p99']:.1f} ms (goal ≤ 100: {verdict(i['p99'] <= 100)})")
    if "1m" in parts:
        if big is None:
            print("1M requests: FAILED (see above)")
            failed = True
        else:
            print(f"{big['rows']:,} requests ({big['community_cases']:,} in the measured community), loaded in "
                  f"{sum(big['load'][k] for k in ('generate_s', 'insert_s', 'indexes_s', 'fts_s', 'analyze_s')):.0f} s")
            print(f"queue page p95 {big['queue_p95']:.1f} ms (p50 {big['queue_p50']:.1f}; goal ≤ 150: "
                  f"{verdict(big['queue_p95'] <= 150)}), {big['queue_p95'] / big['ping_p95']:.1f}× the trivial "
                  f"endpoint's p95 {big['ping_p95']:.1f} ms")
            print(f"rates, one community, one year: p95 {big['rates_p95']:.1f} ms (goal ≤ 200: "
                  f"{verdict(big['rates_p95'] <= 200)}); by grid {big['rates_grid_p95']:.1f} ms; "
                  f"page {big['rates_page_p95']:.1f} ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
