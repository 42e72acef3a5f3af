#!/usr/bin/env python
"""Part 1 of bench_casework.py: intake through a real HTTP server.

1. a fresh SQLite file (WAL) var/bench/casework_http.sqlite3 with the demo sub-district
   (``manage.py demo``: 和谐社区 with 3,300 households and a year of requests, and the stored
   classifier model);
2. 40 residents of 和谐社区 with logins get an API token each;
3. gunicorn, 2 sync workers, serves config.wsgi (production settings) on a free port;
4. a separate load process (bench/_casework_load.py, threads with http.client) posts real
   requests — corpus texts, varied, no category given so the classifier picks it — as those
   residents for their own households: warm-up first (every worker loads the stored model),
   then DURATION seconds measured;
5. the same load against GET /api/casework/ping (same auth, does nothing) as the baseline.

Goals: intake throughput ≥ 0.4 × the trivial endpoint's; intake p99 ≤ 100 ms.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _casework_common import (
    BENCH_DIR,
    ROOT,
    VENV_BIN,
    corpus_texts,
    fresh_db,
    result_line,
    say,
    setup_django,
)

DURATION = float(os.environ.get("BENCH_DURATION", "20"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "8"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
WORKERS = 2
RESIDENTS = 40
HOUSEHOLDS = os.environ.get("BENCH_HOUSEHOLDS", "3300")
GOAL_RATIO = 0.4
GOAL_P99 = 100


def server_env(db: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on 127.0.0.1 (prod redirects to HTTPS by default)
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CONN_MAX_AGE": "600",
        "PYTHONUNBUFFERED": "1",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(db: Path) -> dict:
    """Migrate, seed the demo, and hand out tokens; returns the load spec's tokens and bodies."""
    os.environ.update({k: v for k, v in server_env(db).items() if k in ("SECRET_KEY", "SECURE_COOKIES")})
    setup_django(db, "config.settings.prod")
    from django.core.management import call_command

    from gongzhi.accounts.actions import api_token_create
    from gongzhi.accounts.models import User
    from gongzhi.casework.models import Case, ClassifierModel
    from gongzhi.org.models import Occupancy, Region

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    say(f"[http] migrate: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        call_command("demo", "--households", HOUSEHOLDS, stdout=devnull)
    say(f"[http] demo sub-district: {time.perf_counter() - t:.1f} s "
        f"({Case.objects.count():,} requests already there, {ClassifierModel.objects.count()} stored model)")
    big = Region.objects.get(kind=Region.Kind.COMMUNITY, name="和谐社区")
    residents = (
        User.objects.filter(resident__community=big, role_assignments__isnull=True, is_active=True)
        .order_by("pk").distinct()
    )
    rng = random.Random(11)
    people = list(residents)
    rng.shuffle(people)
    clients = []
    for user in people:
        home = Occupancy.objects.filter(resident__user=user).values_list("household_id", flat=True).first()
        if home:
            _token, key = api_token_create(user=user, name="bench")
            clients.append((key, home))
        if len(clients) == RESIDENTS:
            break
    texts = [text for text, _code in corpus_texts()]
    rng.shuffle(texts)
    return {"clients": clients, "texts": texts}


def stop(proc: subprocess.Popen, log) -> None:
    """Stop a server started for a bench (SIGTERM, then SIGKILL after 20 s) and close its log."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def wait_for(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited: see its output above")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


def run_load(spec: dict) -> dict:
    path = BENCH_DIR / f"load-{spec['name']}.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([sys.executable, str(Path(__file__).parent / "_casework_load.py"), str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    db = fresh_db("casework_http.sqlite3")
    say(f"[http] fresh database {db}")
    data = prepare(db)
    port = free_port()
    log = open(BENCH_DIR / "casework_gunicorn.log", "w")  # noqa: SIM115 (closed in finally)
    proc = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--workers", str(WORKERS), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60"],
        cwd=ROOT, env=server_env(db), stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        t = time.perf_counter()
        wait_for(port, proc)
        say(f"[http] gunicorn ({WORKERS} sync workers) up on :{port} in {time.perf_counter() - t:.1f} s")
        tokens = [key for key, _home in data["clients"]]
        # Each resident files for their own household; texts rotate so no two requests in a row
        # from one resident are the same.
        items = [[key, {"description": text, "household_id": home}]
                 for i, text in enumerate(data["texts"])
                 for key, home in [data["clients"][i % len(data["clients"])]]]
        first = time.perf_counter()
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/casework/cases", method="POST",
            data=json.dumps(items[0][1], ensure_ascii=False).encode(),
            headers={"Authorization": f"Bearer {items[0][0]}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            created = json.loads(r.read())
        say(f"[http] first intake after start: {(time.perf_counter() - first) * 1000:.0f} ms "
            f"(category {created['category']}, suggested {created['suggested_category']} "
            f"at {created['suggestion_confidence']:.2f})")
        from django.utils import timezone

        load_started = timezone.now()
        common = {"port": port, "threads": THREADS, "warmup": WARMUP, "duration": DURATION}
        intake = run_load({**common, "name": "intake", "method": "POST", "path": "/api/casework/cases",
                           "items": items, "expect": 201})
        ping = run_load({**common, "name": "ping", "method": "GET", "path": "/api/casework/ping",
                         "items": [[key, None] for key in tokens], "expect": 200})
    finally:
        stop(proc, log)
    from gongzhi.casework.models import Case

    during = Case.objects.filter(created_at__gte=load_started, channel="resident")
    classified = during.filter(suggested_category__isnull=False).count()
    ratio = intake["rps"] / ping["rps"] if ping["rps"] else 0
    say(f"[http] {THREADS} client threads, {WARMUP:.0f} s warm-up, {DURATION:.0f} s measured each:")
    for label, r in (("POST /api/casework/cases (intake)", intake), ("GET /api/casework/ping (trivial)", ping)):
        other = {k: v for k, v in r["statuses"].items() if k not in ("200", "201")}
        say(f"    {label:<36} {r['rps']:7.1f} req/s   p50 {r['p50']:6.1f} ms   p99 {r['p99']:6.1f} ms"
            f"   max {r['max']:6.1f} ms" + (f"   other statuses {other}" if other else ""))
    say(f"    intake / trivial throughput: {ratio:.2f} (goal ≥ {GOAL_RATIO}: {'ok' if ratio >= GOAL_RATIO else 'MISSED'});"
        f" intake p99 {intake['p99']:.1f} ms (goal ≤ {GOAL_P99} ms: {'ok' if intake['p99'] <= GOAL_P99 else 'MISSED'})")
    say(f"    requests filed during the run: {during.count():,}, classified by the stored model: {classified:,}")
    result_line({"intake": intake, "ping": ping, "ratio": ratio, "threads": THREADS, "workers": WORKERS})


if __name__ == "__main__":
    main()
