#!/usr/bin/env python
"""Mixed load on a real server: 50 clients reading the queue and filing new requests (issue #7).

1. a fresh SQLite file with the demo sub-district (bench/_casework_http.py's ``prepare``: 和谐社区
   with 3,300 households and a year of requests, 40 residents with API tokens);
2. staff of 和谐社区 who handle requests get a logged-in session each;
3. gunicorn as ``make run`` starts it (gthread workers, WhiteNoise static files, production settings
   without the HTTPS redirect) serves it; bench/_mixed_load.py runs CLIENTS closed-loop clients
   in its own process: each sends GET /casework/ (the queue page, as staff) or, one time in
   WRITE_SHARE, POST /api/casework/cases (a resident's new request), warm-up then DURATION s;
4. the baseline: the same load, same database, against ``manage.py runserver`` (what ``make run``
   served before).

Prints per kind the throughput, errors, p50 and p99, and gunicorn / runserver ratios.
Goals: zero errors; queue p99 ≤ 500 ms on gunicorn.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _casework_common import BENCH_DIR, ROOT, VENV_BIN, fresh_db, result_line, say
from _casework_http import free_port, prepare, server_env, stop, wait_for

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
DURATION = float(os.environ.get("BENCH_DURATION", "30"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "8"))
WRITE_SHARE = float(os.environ.get("BENCH_WRITE_SHARE", "0.1"))
STAFF = 20
GOAL_P99 = 500
READ_PATHS = ["/casework/", "/casework/?page=2", "/casework/?status=all", "/casework/?overdue=1"]


def gunicorn_command(port: int) -> list[str]:
    """The server ``make run`` starts (keep the two in step)."""
    return [str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", os.environ.get("WEB_WORKERS", "3"), "--worker-class", "gthread",
            "--threads", os.environ.get("WEB_THREADS", "4"), "--log-level", "warning", "--timeout", "60"]


def staff_sessions() -> list[str]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from gongzhi.accounts.models import User
    from gongzhi.casework.permissions import handles_anything
    from gongzhi.org.models import Region

    big = Region.objects.get(kind=Region.Kind.COMMUNITY, name="和谐社区")
    keys = []
    for user in User.objects.filter(role_assignments__isnull=False, is_active=True).distinct().order_by("pk"):
        if not handles_anything(user) or not user.role_assignments.filter(community=big).exists():
            continue
        session = SessionStore()
        session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "gongzhi.accounts.backends.PhoneBackend",
                        HASH_SESSION_KEY: user.get_session_auth_hash()})
        session.create()
        keys.append(session.session_key)
        if len(keys) == STAFF:
            break
    return keys


def run(name: str, command: list[str], port: int, db: Path, spec: dict) -> dict:
    log = open(BENCH_DIR / f"load_{name}.log", "w")  # noqa: SIM115 (closed in finally)
    proc = subprocess.Popen(command, cwd=ROOT, env=server_env(db), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(port, proc)
        path = BENCH_DIR / f"mixed-{name}.json"
        path.write_text(json.dumps({**spec, "port": port}, ensure_ascii=False), encoding="utf-8")
        out = subprocess.run([sys.executable, str(Path(__file__).parent / "_mixed_load.py"), str(path)],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        stop(proc, log)


def main() -> None:
    db = fresh_db("load.sqlite3")
    say(f"[load] fresh database {db}")
    data = prepare(db)
    sessions = staff_sessions()
    say(f"[load] {len(sessions)} staff sessions, {len(data['clients'])} residents with tokens")
    reads = [[key, path] for key in sessions for path in READ_PATHS]
    writes = [[key, {"description": text, "household_id": home}]
              for i, text in enumerate(data["texts"]) for key, home in [data["clients"][i % len(data["clients"])]]]
    spec = {"clients": CLIENTS, "warmup": WARMUP, "duration": DURATION, "write_share": WRITE_SHARE,
            "reads": reads, "writes": writes}
    port = free_port()
    gunicorn = run("gunicorn", gunicorn_command(port), port, db, spec)
    port = free_port()
    runserver = run("runserver", [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                    port, db, spec)
    say(f"[load] {CLIENTS} clients, {WARMUP:.0f} s warm-up, {DURATION:.0f} s measured, "
        f"{WRITE_SHARE:.0%} new requests:")
    for label, r in (("gunicorn (make run)", gunicorn), ("runserver (baseline)", runserver)):
        for kind, what in (("read", "GET /casework/ (queue)"), ("write", "POST /api/casework/cases")):
            k = r[kind]
            say(f"    {label:<21} {what:<26} {k['rps']:6.1f} req/s  p50 {k['p50']:7.1f} ms  p99 {k['p99']:7.1f} ms"
                f"  errors {sum(k['errors'].values())}" + (f" {k['errors']}" if k["errors"] else ""))
    ratio = gunicorn["rps"] / runserver["rps"] if runserver["rps"] else 0
    p99_ratio = runserver["read"]["p99"] / gunicorn["read"]["p99"] if gunicorn["read"]["p99"] else 0
    errors = sum(sum(gunicorn[k]["errors"].values()) for k in ("read", "write"))
    say(f"    throughput gunicorn / runserver: {ratio:.2f}; queue p99 runserver / gunicorn: {p99_ratio:.2f}")
    say(f"    goals on gunicorn: zero errors ({'ok' if not errors else f'MISSED: {errors}'}), queue p99 ≤ {GOAL_P99} ms "
        f"({'ok' if gunicorn['read']['p99'] <= GOAL_P99 else 'MISSED'}: {gunicorn['read']['p99']:.0f} ms)")
    result_line({"gunicorn": gunicorn, "runserver": runserver, "ratio": ratio, "clients": CLIENTS})


if __name__ == "__main__":
    main()
