#!/usr/bin/env python
"""Part 2 of bench_casework.py: 1,000,000 requests in the database.

1. builds 25 communities (2 grids, 10 buildings, 100 households each) in a fresh SQLite
   file var/bench/casework_1m.sqlite3;
2. writes N requests (default 1,000,000) over the last two years straight into the tables
   with executemany in batches of 50,000 — secondary indexes and the FTS5 triggers of
   migration 0002 are dropped first, then the indexes are recreated and the full-text index
   rebuilt with ``INSERT INTO casework_case_fts(casework_case_fts) VALUES('rebuild')``; no
   ANALYZE (Django never runs it, so a real database has no planner statistics either);
   states, deadlines, ratings, tiers and the sweep's automatic escalations are drawn like
   the demo's;
3. times, through django.test.Client as a community worker of the first community (~40,000
   requests): ~100 loads of the real queue page /casework/ with different filters, pages and
   search terms; the year's rates (/api/casework/rates and the /casework/rates/ page); and
   the trivial authenticated endpoint /api/casework/ping as the baseline.

Goals: queue page p95 ≤ 150 ms, one community's rates over a year ≤ 200 ms.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _casework_common import corpus_texts, fresh_db, pct, result_line, say, setup_django

ROWS = next((int(a) for a in sys.argv[1:] if a.isdigit()), 1_000_000)
REUSE = "--reuse" in sys.argv  # measure again on the database the last run left (while tuning)
COMMUNITIES = 25
GRIDS = 2
BUILDINGS = 10  # per community, split over its grids
HOUSEHOLDS = 10  # per building (one unit)
DAYS = 730
BATCH = 50_000
QUEUE_REQUESTS = 100
RATES_REQUESTS = 20
GOAL_QUEUE_P95 = 150
GOAL_RATES = 200
SEED = 1_000_000

CATEGORY_MIX = {
    "property_repair": 26, "environment": 15, "public_facility": 12, "parking_traffic": 10,
    "neighbour_dispute": 8, "safety_hazard": 7, "elderly_disability": 6, "policy_consultation": 8,
    "suggestion": 5, "other": 3,
}
CASE_COLUMNS = (
    "id", "address", "lat", "long", "channel", "reporter_name", "reporter_phone", "suggestion_confidence",
    "urgency", "description", "search_text", "status", "tier", "created_at", "updated_at", "response_due_at",
    "resolution_due_at", "responded_at", "resolved_at", "verified_at", "closed_at", "resolved_tier", "resolution",
    "rating", "rating_comment", "rated_at", "reopen_count", "escalation_level", "last_reminded_at",
    "overdue_flagged_at", "idempotency_key", "token", "building_id", "community_id", "compound_id",
    "created_by_id", "grid_id", "handler_id", "household_id", "reporter_id", "reporter_resident_id",
    "category_id", "suggested_category_id", "department_id", "patrol_id", "merged_into_id",
)
EVENT_COLUMNS = ("case_id", "kind", "created_at", "from_status", "to_status", "tier", "note", "data", "public",
                 "actor_id")


def build_org() -> dict:
    from django.contrib.auth.hashers import make_password

    from gongzhi.accounts.models import User
    from gongzhi.casework.actions.categories import ensure_categories
    from gongzhi.casework.models import Category, Department
    from gongzhi.org.models import (
        Building,
        Compound,
        Household,
        Region,
        Role,
        RoleAssignment,
        Unit,
    )

    sub = Region.create_subdistrict(name="基准街道", code="BZ")
    communities = []
    for c in range(COMMUNITIES):
        community = sub.create_community(name=f"基准第{c + 1}社区", code=f"BZ{c + 1:02d}")
        grids = [community.create_grid(name=f"第{g + 1}网格", code=f"BZ{c + 1:02d}-G{g + 1}") for g in range(GRIDS)]
        compound = Compound.objects.create(community=community, name=f"基准{c + 1}小区")
        buildings = Building.objects.bulk_create([
            Building(community=community, grid=grids[b % GRIDS], compound=compound, name=f"{b + 1}栋", floors=6)
            for b in range(BUILDINGS)
        ])
        units = Unit.objects.bulk_create([Unit(building=b, number="1") for b in buildings])
        households = Household.objects.bulk_create([
            Household(community=community, grid_id=b.grid_id, compound=compound, building=b, unit=u,
                      room=f"{h // 2 + 1}0{h % 2 + 1}", floor=h // 2 + 1, area=Decimal("80.00"))
            for b, u in zip(buildings, units) for h in range(HOUSEHOLDS)
        ])
        ensure_categories(community.pk)
        department = Department.objects.create(community=community, name="城管中队", kind="city_management")
        categories = {c.code: c for c in Category.objects.filter(community=community)}
        communities.append({
            "community": community, "grids": grids, "compound": compound, "buildings": buildings,
            "households": [(h, buildings[i // HOUSEHOLDS]) for i, h in enumerate(households)],
            "categories": categories, "department": department,
        })
    password = make_password("bench-pass-2026")
    staff = User.objects.create(phone="13900000001", name="社区工作者", password=password)
    RoleAssignment.objects.create(user=staff, role=Role.COMMUNITY_STAFF, region=communities[0]["community"],
                                  community=communities[0]["community"])
    return {"communities": communities, "staff": staff}


def _words_cache():
    from gongzhi.casework.search import search_text_for

    cache: dict[str, str] = {}

    def words(text: str) -> str:
        if text not in cache:
            cache[text] = search_text_for(text)
        return cache[text]

    return words


def _ts(moment: datetime | None) -> str | None:
    """How Django stores an aware datetime in SQLite: UTC, 'YYYY-MM-DD HH:MM:SS[.ffffff]'."""
    return None if moment is None else str(moment)


def generate(org: dict, now: datetime, rows: int):
    """Yield (case rows, event rows) batches, in submission order (ids follow time, as in real use)."""
    rng = random.Random(SEED)
    texts = corpus_texts()
    by_code: dict[str, list[str]] = {}
    for text, code in texts:
        by_code.setdefault(code, []).append(text)
    words = _words_cache()
    codes, weights = list(CATEGORY_MIX), list(CATEGORY_MIX.values())
    communities = org["communities"]
    community_weights = [rng.uniform(0.6, 1.4) for _ in communities]
    community_weights[0] = 1.0
    staff_id = org["staff"].pk
    # Precomputed per community: addresses and their words, category fields.
    for cd in communities:
        cd["places"] = []
        for h, b in cd["households"]:
            address = f"{cd['compound'].name}{b.name}1单元{h.room}"
            cd["places"].append((h.pk, b.pk, b.grid_id, address, words(address)))
        cd["cat"] = {
            code: (c.pk, c.tier, words(c.name), float(c.response_hours), float(c.resolution_hours),
                   float(c.urgent_response_hours), float(c.urgent_resolution_hours))
            for code, c in cd["categories"].items()
        }
    text_words = {text: words(text) for text, _code in texts}
    start = now - timedelta(days=DAYS)
    span = DAYS * 86400
    offsets = sorted(rng.random() * span for _ in range(rows))
    last_in_community: dict[int, int] = {}
    cases, events = [], []
    for i, offset in enumerate(offsets, start=1):
        created = start + timedelta(seconds=offset)
        cd = rng.choices(communities, weights=community_weights)[0]
        community_id = cd["community"].pk
        code = rng.choices(codes, weights=weights)[0]
        cat_id, cat_tier, cat_words, resp_h, res_h, uresp_h, ures_h = cd["cat"][code]
        urgent = rng.random() < 0.05
        if urgent:
            resp_h, res_h = uresp_h, ures_h
        text = rng.choice(by_code[code])
        if rng.random() < 0.85:
            household_id, building_id, grid_id, address, address_words = rng.choice(cd["places"])
            compound_id = cd["compound"].pk
        else:
            household_id = building_id = grid_id = compound_id = None
            address = f"{cd['compound'].name}东门"
            address_words = words(address)
        tier = cat_tier if cat_tier != "department" else "community"
        if tier in ("building", "grid") and grid_id is None:
            tier = "community"
        response_due = created + timedelta(hours=resp_h)
        resolution_due = created + timedelta(hours=res_h)
        status, responded, resolved, verified, closed, rated = "submitted", None, None, None, None, None
        resolved_tier, rating, escalation, merged_into, department_id, handler_id = "", None, 0, None, None, None
        auto_escalated = False
        fate = rng.random()
        if fate < 0.025 and community_id in last_in_community:
            status, merged_into = "merged", last_in_community[community_id]
            responded = closed = created + timedelta(hours=rng.uniform(0.5, 6))
        elif fate < 0.045:
            status = "rejected"
            responded = closed = created + timedelta(hours=rng.uniform(0.5, 20))
        else:
            late_response = rng.random() < 0.12
            respond_after = resp_h * (rng.uniform(1.05, 2.2) if late_response else rng.uniform(0.03, 0.85))
            responded = created + timedelta(hours=respond_after)
            if late_response and tier in ("building", "grid") and rng.random() < 0.5:
                auto_escalated = True
                escalation += 1
                tier = "grid" if tier == "building" and grid_id else "community"
                response_due = created + timedelta(hours=resp_h) + timedelta(minutes=3) + timedelta(hours=resp_h)
            if rng.random() < 0.05:
                tier, department_id = "department", cd["department"].pk
            late = rng.random() < (0.13 if created < now - timedelta(days=30) else 0.3)
            resolved = created + timedelta(hours=respond_after) + timedelta(
                hours=(res_h * rng.uniform(1.05, 2.5)) if late else max(0.1, (res_h - respond_after)
                                                                        * rng.uniform(0.1, 0.95)))
            if rng.random() < 0.004 and created < now - timedelta(days=30):
                resolved = None  # stuck: still open long past its deadline
            status = "accepted"
            if responded > now:
                responded, resolved, status = None, None, "submitted"
            elif resolved is not None and resolved > now:
                resolved = None
                status = rng.choice(("accepted", "dispatched", "in_progress"))
            if resolved is not None:
                resolved_tier, status = tier, "resolved"
                if resolved > created and resolved > resolution_due:
                    escalation += 1
                if rng.random() < 0.5:
                    verified, status = resolved + timedelta(hours=rng.uniform(1, 30)), "verified"
                if rng.random() < 0.45:
                    rated = (verified or resolved) + timedelta(hours=rng.uniform(1, 60))
                    rating = rng.choices((1, 2, 3, 4, 5), weights=(3, 3, 6, 26, 62))[0]
                    status = "rated"
                    if rated + timedelta(days=3) < now:
                        closed, status = rated + timedelta(days=3, minutes=3), "closed"
                if verified and verified > now:
                    verified, status = None, "resolved"
                if rated and rated > now:
                    rated, rating, status = None, None, "verified" if verified else "resolved"
                if status in ("resolved", "verified") and resolved + timedelta(days=7) < now:
                    closed, status = resolved + timedelta(days=7, minutes=3), "closed"
            if status in ("accepted", "dispatched", "in_progress"):
                handler_id = staff_id if community_id == communities[0]["community"].pk and rng.random() < 0.2 \
                    else None
        last_in_community[community_id] = i
        updated = max(m for m in (created, responded, resolved, verified, rated, closed) if m is not None)
        cases.append((
            i, address, None, None, rng.choice(("resident", "resident", "phone", "walk_in", "patrol")),
            "居民", "", None, "urgent" if urgent else "normal", text,
            " ".join(w for w in (text_words[text], address_words, cat_words) if w),
            status, tier, _ts(created), _ts(updated), _ts(response_due), _ts(resolution_due), _ts(responded),
            _ts(resolved), _ts(verified), _ts(closed), resolved_tier, "已办结" if resolved else "", rating, "",
            _ts(rated), 0, escalation, None, None, "", f"{rng.getrandbits(128):032x}", building_id, community_id,
            compound_id, None, grid_id, handler_id, household_id, None, None, cat_id, cat_id, department_id, None,
            merged_into,
        ))
        events.append((i, "submitted", _ts(created), "", "submitted", tier, text[:500], "{}", True, None))
        if auto_escalated:
            events.append((i, "escalated", _ts(created + timedelta(hours=resp_h, minutes=3)), "submitted",
                           "submitted", tier, "超过响应时限未受理，系统自动上报。", '{"automatic": true}', True, None))
        if len(cases) >= BATCH:
            yield cases, events
            cases, events = [], []
    if cases:
        yield cases, events


def bulk_load(org: dict, now: datetime, rows: int) -> dict:
    from django.db import connection

    timings = {}
    cursor = connection.cursor()
    # Drop the secondary indexes and the FTS triggers; recreate them once at the end.
    saved = cursor.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('casework_case', 'casework_caseevent') "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL"
    ).fetchall()
    for kind, name, _sql in saved:
        cursor.execute(f'DROP {kind.upper()} "{name}"')
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-200000")
    case_sql = f"INSERT INTO casework_case ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})"
    event_sql = (f"INSERT INTO casework_caseevent ({', '.join(EVENT_COLUMNS)}) "
                 f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})")
    started = time.perf_counter()
    generated = 0.0
    n_cases = n_events = 0
    raw = connection.connection
    batches = generate(org, now, rows)
    while True:
        t = time.perf_counter()
        try:
            cases, events = next(batches)
        except StopIteration:
            break
        generated += time.perf_counter() - t
        with raw:
            raw.executemany(case_sql, cases)
            raw.executemany(event_sql, events)
        n_cases += len(cases)
        n_events += len(events)
        say(f"    {n_cases:,} requests written ({time.perf_counter() - started:.0f} s)")
    timings["insert_s"] = time.perf_counter() - started - generated
    timings["generate_s"] = generated
    t = time.perf_counter()
    for kind, _name, sql in saved:
        if kind == "index":
            cursor.execute(sql)
    timings["indexes_s"] = time.perf_counter() - t
    t = time.perf_counter()
    cursor.execute("INSERT INTO casework_case_fts(casework_case_fts) VALUES('rebuild')")
    for kind, _name, sql in saved:
        if kind == "trigger":
            cursor.execute(sql)
    timings["fts_s"] = time.perf_counter() - t
    timings["analyze_s"] = 0.0  # deliberately none: see the module docstring
    cursor.execute("PRAGMA synchronous=NORMAL")
    timings["cases"], timings["events"] = n_cases, n_events
    return timings


def timed_get(client, url: str, params: dict | None = None) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url, params or {})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"GET {url} {params} → {response.status_code}: {response.content[:300]!r}")
    return elapsed, len(response.content)


def queue_requests(org: dict, rng: random.Random) -> list[tuple[str, dict]]:
    """~100 page loads a community worker might make: filters, pages, searches."""
    cd = org["communities"][0]
    cats = list(cd["categories"].values())
    grids = cd["grids"]
    buildings = cd["buildings"]
    terms = ["漏水", "电梯", "停车", "噪音", "路灯", "垃圾", "楼道灯", "下水道 堵", "飞线充电", "低保", "广场舞", "井盖",
             "物业", "消防通道"]
    params: list[tuple[str, dict]] = []
    while len(params) < QUEUE_REQUESTS:
        kind = rng.choice(("open", "all", "page", "status", "tier", "category", "grid", "building", "overdue",
                           "search", "search", "search", "mine"))
        if kind == "open":
            p = {}
        elif kind == "all":
            p = {"status": "all"}
        elif kind == "page":
            p = {"status": "all", "page": rng.randint(2, 60)}
        elif kind == "status":
            p = {"status": rng.choice(("closed", "rated", "rejected", "submitted", "in_progress")),
                 "page": rng.randint(1, 5)}
        elif kind == "tier":
            p = {"tier": rng.choice(("building", "grid", "community", "department")), "status": "all"}
        elif kind == "category":
            p = {"category": rng.choice(cats).pk, "status": rng.choice(("all", "open")), "page": rng.randint(1, 3)}
        elif kind == "grid":
            p = {"grid": rng.choice(grids).pk, "status": "all", "page": rng.randint(1, 10)}
        elif kind == "building":
            p = {"building": rng.choice(buildings).pk, "status": "all"}
        elif kind == "overdue":
            p = {"overdue": "1"}
        elif kind == "mine":
            p = {"handler": "me"}
        else:
            p = {"q": rng.choice(terms), "status": rng.choice(("all", "all", "open")), "page": rng.choice((1, 1, 2))}
        params.append((kind, p))
    return params


def existing_org() -> dict:
    from gongzhi.accounts.models import User
    from gongzhi.casework.models import Category
    from gongzhi.org.models import Building, Region

    first = Region.objects.get(code="BZ01")
    return {
        "staff": User.objects.get(phone="13900000001"),
        "communities": [{
            "community": first, "grids": list(Region.objects.filter(parent_community=first).order_by("code")),
            "buildings": list(Building.objects.filter(community=first).order_by("pk")),
            "categories": {c.code: c for c in Category.objects.filter(community=first)},
        }],
    }


def main() -> None:
    from_scratch = not (REUSE and (Path(__file__).resolve().parent.parent / "var/bench/casework_1m.sqlite3").exists())
    db = fresh_db("casework_1m.sqlite3") if from_scratch else Path(__file__).resolve().parent.parent / \
        "var/bench/casework_1m.sqlite3"
    setup_django(db)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    if not from_scratch:
        call_command("migrate", verbosity=0)
        org = existing_org()
        with connection.cursor() as c:
            c.execute("SELECT COUNT(*) FROM casework_case")
            n = c.fetchone()[0]
        load = {"cases": n, "events": None, "generate_s": 0.0, "insert_s": 0.0, "indexes_s": 0.0, "fts_s": 0.0,
                "analyze_s": 0.0}
        say(f"[1M] reusing {db} ({n:,} requests)")
    else:
        say(f"[1M] fresh database {db}")
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        org = build_org()
        say(f"[1M] migrate and {COMMUNITIES} communities: {time.perf_counter() - t:.1f} s")
        now = timezone.now().astimezone(UTC).replace(tzinfo=None)
        say(f"[1M] writing {ROWS:,} requests over {DAYS} days…")
        load = bulk_load(org, now, ROWS)
        report_load(load)
    main_measure(org, load)


def report_load(load: dict) -> None:
    say(f"[1M] generated in {load['generate_s']:.0f} s, inserted in {load['insert_s']:.0f} s, "
        f"indexes {load['indexes_s']:.0f} s, FTS rebuild {load['fts_s']:.0f} s "
        f"({load['cases']:,} requests, {load['events']:,} events)")


def main_measure(org: dict, load: dict) -> None:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    with connection.cursor() as c:
        c.execute("SELECT COUNT(*) FROM casework_case_fts WHERE casework_case_fts MATCH '\"漏水\"'")
        fts_hits = c.fetchone()[0]
        c.execute("SELECT COUNT(*) FROM casework_case WHERE community_id = %s", [org["communities"][0]["community"].pk])
        community_cases = c.fetchone()[0]
    say(f"[1M] full-text index answers: {fts_hits:,} requests mention 漏水; "
        f"the measured community has {community_cases:,} requests")

    client = Client()
    client.force_login(org["staff"], backend="gongzhi.accounts.backends.PhoneBackend")
    rng = random.Random(7)
    community_id = org["communities"][0]["community"].pk
    today = timezone.localdate()
    rates_params = {"community": community_id, "start": (today - timedelta(days=365)).isoformat(),
                    "end": (today + timedelta(days=1)).isoformat()}
    for _ in range(5):  # warm-up: imports, jieba, caches
        timed_get(client, "/casework/", {"q": "漏水"})
        timed_get(client, "/api/casework/rates", rates_params)
        timed_get(client, "/api/casework/ping")

    ping = [timed_get(client, "/api/casework/ping")[0] for _ in range(QUEUE_REQUESTS)]
    queue = []
    by_kind: dict[str, list[float]] = {}
    for kind, params in queue_requests(org, rng):
        ms, _size = timed_get(client, "/casework/", params)
        queue.append(ms)
        by_kind.setdefault(kind, []).append(ms)
    rates_api = [timed_get(client, "/api/casework/rates", rates_params)[0] for _ in range(RATES_REQUESTS)]
    rates_grid = [timed_get(client, "/api/casework/rates", {**rates_params, "breakdown": "grid"})[0]
                  for _ in range(RATES_REQUESTS)]
    rates_page = [timed_get(client, "/casework/rates/", {"scope": f"community:{community_id}", "period": "custom",
                                                          "start": rates_params["start"],
                                                          "end": today.isoformat(), "breakdown": "grid"})[0]
                  for _ in range(RATES_REQUESTS // 2)]

    def line(label, values, goal=None):
        p50, p95 = pct(values, 50), pct(values, 95)
        text = f"    {label:<34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {max(values):7.1f} ms"
        if goal is not None:
            text += f"   goal ≤ {goal} ms: {'ok' if p95 <= goal else 'MISSED'}"
        say(text)
        return p50, p95

    say(f"[1M] timings over django.test.Client (in process), {len(queue)} queue loads:")
    ping50, ping95 = line("/api/casework/ping (baseline)", ping)
    q50, q95 = line("/casework/ queue page, all", queue, GOAL_QUEUE_P95)
    for kind, values in sorted(by_kind.items()):
        line(f"  {kind} ({len(values)})", values)
    r50, r95 = line("rates API, community, 1 year", rates_api, GOAL_RATES)
    _g50, g95 = line("rates API, by grid", rates_grid, GOAL_RATES)
    _page50, page95 = line("rates page, by grid", rates_page)
    say(f"    ratio to the trivial endpoint (p95): queue {q95 / ping95:.1f}×, rates {r95 / ping95:.1f}×")
    result_line({
        "rows": load["cases"], "events": load["events"], "community_cases": community_cases,
        "load": {k: round(v, 1) if isinstance(v, float) else v for k, v in load.items()},
        "ping_p50": ping50, "ping_p95": ping95, "queue_p50": q50, "queue_p95": q95,
        "rates_p50": r50, "rates_p95": r95, "rates_grid_p95": g95, "rates_page_p95": page95,
        "queue_by_kind_p95": {k: pct(v, 95) for k, v in by_kind.items()},
    })


if __name__ == "__main__":
    main()
