#!/usr/bin/env python
"""Closed-loop mixed HTTP load from its own process (bench/bench_load.py).

    python bench/_mixed_load.py spec.json   → prints one JSON line of results

spec: {"port", "clients", "warmup", "duration", "write_share",
       "reads": [[session cookie, path], ...], "writes": [[token, JSON body], ...]}
Each client is a thread with its own keep-alive connection (reconnecting when the server closes);
it sends a queue read or, with probability write_share, a new request, as soon as the last answer
is in. Latencies are measured per kind after the warm-up; every answer other than 200 (reads) or
201 (writes), and every connection error or timeout, is an error.
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import sys
import threading
import time


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(p * 10) - 1]


def client(spec: dict, index: int, measure_from: float, stop_at: float, out: list) -> None:
    rng = random.Random(index)
    conn = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=60)
    while True:
        began = time.perf_counter()
        if began >= stop_at:
            break
        if rng.random() < spec["write_share"]:
            kind, expect = "write", 201
            token, body = rng.choice(spec["writes"])
            method, path = "POST", "/api/casework/cases"
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            payload = json.dumps(body, ensure_ascii=False).encode()
        else:
            kind, expect = "read", 200
            cookie, path = rng.choice(spec["reads"])
            method, headers, payload = "GET", {"Cookie": f"sessionid={cookie}"}, None
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            status = type(exc).__name__
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=60)
        ended = time.perf_counter()
        if began >= measure_from and ended <= stop_at:
            out.append((kind, (ended - began) * 1000, status == expect, status))


def main(path: str) -> None:
    spec = json.load(open(path, encoding="utf-8"))
    start = time.perf_counter()
    measure_from = start + spec["warmup"]
    stop_at = measure_from + spec["duration"]
    results: list = []
    threads = [threading.Thread(target=client, args=(spec, i, measure_from, stop_at, results))
               for i in range(spec["clients"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    summary = {}
    for kind in ("read", "write"):
        rows = [r for r in results if r[0] == kind]
        ok = [ms for _k, ms, good, _s in rows if good]
        errors: dict[str, int] = {}
        for _k, _ms, good, status in rows:
            if not good:
                errors[str(status)] = errors.get(str(status), 0) + 1
        summary[kind] = {"n": len(rows), "rps": len(rows) / spec["duration"], "errors": errors,
                         "p50": pct(ok, 50), "p99": pct(ok, 99), "max": max(ok, default=0.0)}
    summary["rps"] = sum(summary[k]["rps"] for k in ("read", "write"))
    print(json.dumps(summary))


if __name__ == "__main__":
    main(sys.argv[1])
