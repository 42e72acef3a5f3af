#!/usr/bin/env python
"""Closed-loop HTTP load from its own process: N threads, each with http.client keep-alive
(reconnecting when the server closes), Bearer tokens, for a warm-up then a measured window.

    python bench/_casework_load.py spec.json   → prints one JSON line of results

spec: {"port", "method", "path", "threads", "warmup", "duration", "expect": 201,
       "items": [[token, JSON body or null], ...]}  (used round robin across all threads)
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import threading
import time


def worker(spec: dict, index: int, start_at: float, measure_from: float, stop_at: float, out: dict) -> None:
    items = spec["items"]
    conn = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=60)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    n = index
    while time.perf_counter() < start_at:
        time.sleep(0.001)
    while True:
        now = time.perf_counter()
        if now >= stop_at:
            break
        token, body = items[n % len(items)]
        n += spec["threads"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        began = time.perf_counter()
        try:
            conn.request(spec["method"], spec["path"], body=payload, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException):
            conn.close()
            status = 0
        ended = time.perf_counter()
        if began >= measure_from and ended <= stop_at:
            latencies.append((ended - began) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
    conn.close()
    out[index] = (latencies, statuses)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    threads = spec["threads"]
    start_at = time.perf_counter() + 0.2
    measure_from = start_at + spec["warmup"]
    stop_at = measure_from + spec["duration"]
    results: dict = {}
    pool = [threading.Thread(target=worker, args=(spec, i, start_at, measure_from, stop_at, results))
            for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    latencies = sorted(v for lat, _s in results.values() for v in lat)
    statuses: dict[str, int] = {}
    for _lat, s in results.values():
        for k, v in s.items():
            statuses[str(k)] = statuses.get(str(k), 0) + v
    ok = statuses.get(str(spec.get("expect", 200)), 0)
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    print(json.dumps({
        "requests": len(latencies), "ok": ok, "statuses": statuses, "seconds": spec["duration"],
        "rps": ok / spec["duration"], "p50": quantiles[49], "p90": quantiles[89], "p99": quantiles[98],
        "max": latencies[-1] if latencies else None,
    }))


if __name__ == "__main__":
    main()
