"""Every 双报到 page and endpoint across every role of the test world (+ two party members).

Reads: allowed roles get 200, the others 404 (or 403 where the object is visible
but the action is not theirs). Writes: refused roles get 403/404 and nothing changes.
"""

from __future__ import annotations

import datetime
import json
from functools import partial

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.core.models import AuditEvent
from gongzhi.org.models import (
    Institution,
    PartyMember,
    PartyOrg,
    PartyRegistration,
    PostClaim,
    Role,
    ServicePost,
    ServiceRecord,
)
from gongzhi.org.testing.party_world import build_party_world
from gongzhi.org.testing.world import ROLE_KEYS
from gongzhi.testing import kit

ROLES = [*ROLE_KEYS, "member", "member2"]
MANAGERS = {"community_secretary", "community_staff"}
VIEWERS = MANAGERS | {"subdistrict_staff"}
# Everyone "of" 和谐社区: every role of the world is placed there, plus its residents.
PEOPLE_C1 = {r.value for r in Role} | {"resident", "member", "member2"}


APP_WORLD = build_party_world  # built once for the module (gongzhi/testing/plugin.py)


@pytest.fixture
def pw(app_world):
    return app_world



snapshot = kit.snapshot_of(PartyOrg, Institution, PartyMember, PartyRegistration, ServicePost, PostClaim, ServiceRecord,
                           AuditEvent)
check_reads = partial(kit.check_reads, roles=ROLES)


def viewers_only(role: str) -> int:
    return 200 if role in VIEWERS else 404


def managers_only(role: str) -> int:
    return 200 if role in MANAGERS else 403 if role in VIEWERS else 404


# Pages: reads ------------------------------------------------------------------------------
def test_staff_pages(world, pw):
    c1 = world.c1.pk
    for url in (
        f"/party/?community={c1}",
        f"/party/registrations/?community={c1}",
        f"/party/registrations/?community={c1}&q=业主&kind=employed&active=all",
        f"/party/manage/posts/?community={c1}&status=all",
        f"/party/manage/posts/{pw.post_open.pk}/",
        f"/party/institutions/?community={c1}",
        f"/party/institutions/{pw.school.pk}/",
        f"/party/report/?community={c1}&year=2026&quarter=1",
        f"/party/report/xlsx/?community={c1}&year=2026&quarter=1",
        f"/party/report/xlsx/?community={c1}&year=2026&quarter=1&institution={pw.hospital.pk}",
    ):
        check_reads(world, url, viewers_only)


def test_staff_pages_default_to_own_community(world, pw):
    # c2's staff land on c2 and cannot switch to c1.
    outsider = kit.client_for(world.users["outsider"])
    page = outsider.get("/party/")
    assert page.status_code == 200 and page.context["community"] == world.c2
    assert outsider.get(f"/party/institutions/{pw.school.pk}/").status_code == 404
    assert outsider.get(f"/party/manage/posts/{pw.post_c2.pk}/").status_code == 200
    assert outsider.get(f"/party/report/xlsx/?community={world.c2.pk}&institution={pw.hospital.pk}").status_code == 404


def test_qr_sheets_need_manage_party(world, pw):
    check_reads(world, f"/party/buildings/{world.b1.pk}/qr/", managers_only)
    check_reads(world, f"/party/buildings/{world.b1.pk}/qr.pdf", managers_only)
    check_reads(world, f"/party/qr.pdf?community={world.c1.pk}", managers_only)
    assert kit.client_for(world.users["outsider"]).get(f"/party/buildings/{world.b4.pk}/qr/").status_code == 200


def test_resident_search_needs_manage_party(world, pw):
    check_reads(world, f"/party/registrations/residents/?community={world.c1.pk}&resident_q=业主",
                lambda r: 200 if r in MANAGERS else 404)


def test_posts_list_for_people_of_the_community(world, pw):
    check_reads(world, f"/party/posts/?community={world.c1.pk}", lambda r: 200 if r in PEOPLE_C1 else 404)
    check_reads(world, f"/party/posts/?community={world.c1.pk}&category=elderly&q=老人",
                lambda r: 200 if r in PEOPLE_C1 else 404)
    check_reads(world, "/party/me/", lambda r: 200)


def test_qr_landing_page(world, pw):
    url = f"/party/r/{world.b1.qr_token}/"
    check_reads(world, url, lambda r: 200 if r in {"resident", "member", "member2"} else 403)
    assert kit.client_for(world.users["resident"]).get(f"/party/r/{world.b4.qr_token}/").status_code == 403
    assert kit.client_for(world.users["resident"]).get("/party/r/not-a-token/").status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"] == f"/accounts/login/?next={url}"


def test_home_and_nav(world, pw):
    home = kit.client_for(world.users["member"]).get("/").content.decode()
    assert "我的双报到" in home and "阳光小区1栋党小组" in home and 'href="/party/posts/"' in home
    staff_home = kit.client_for(world.users["community_staff"]).get("/").content.decode()
    assert 'href="/party/"' in staff_home and "我的双报到" not in staff_home
    nobody = kit.client_for(world.users["nobody"]).get("/").content.decode()
    assert 'href="/party/posts/"' not in nobody and 'href="/party/"' not in nobody
    grid = kit.client_for(world.users["grid_worker"]).get("/").content.decode()
    assert 'href="/party/posts/"' in grid and 'href="/party/"' not in grid


# Pages: writes ---------------------------------------------------------------------------------
def check_write(world, role_expect, do) -> None:
    """``do(client, role)`` posts; refused roles must change nothing."""
    failures = []
    for role in ROLES:
        want = role_expect(role)
        before = snapshot()
        response = do(kit.client_for(world.users[role]), role)
        if want == "ok":
            if response.status_code not in (200, 201, 302):
                failures.append(f"{role}: {response.status_code} (expected success)")
        else:
            if response.status_code != want:
                failures.append(f"{role}: {response.status_code} != {want}")
            if snapshot() != before:
                failures.append(f"{role}: data changed")
    assert not failures, "; ".join(failures)


def write_expect(role: str):
    return "ok" if role in MANAGERS else 403 if role in VIEWERS else 404


def test_page_writes_need_manage_party(world, pw):
    c1 = world.c1.pk
    check_write(world, write_expect, lambda c, role: c.post(
        "/party/manage/posts/", {"community": c1, "title": f"岗位{role}", "category": "other", "slots": "1"}))
    check_write(world, write_expect, lambda c, role: c.post(
        "/party/institutions/", {"community": c1, "name": f"单位{role}", "kind": "employer"}))
    check_write(world, write_expect, lambda c, role: c.post(
        f"/party/institutions/{pw.school.pk}/", {"name": f"和谐小学{role}", "kind": "resident_unit"}))
    check_write(world, write_expect, lambda c, role: c.post(
        "/party/orgs/create/", {"community": c1, "kind": "building_group", "building": world.b3.pk}))
    assert PartyOrg.objects.filter(building=world.b3).count() == 1


def test_page_post_management_writes(world, pw):
    claim = PostClaim.objects.get(post=pw.post_full)
    PostClaim.objects.filter(pk=claim.pk).update(claimed_at=timezone.now() - datetime.timedelta(days=3))
    # The staff page of a post needs VIEW_PARTY; sub-district staff see it but may not write (403).
    visible_refused = write_expect
    check_write(world, visible_refused, lambda c, role: c.post(
        f"/party/manage/posts/{pw.post_full.pk}/", {"op": "record", "claim": claim.pk, "hours": "1",
                                                    "served_on": timezone.localdate().isoformat()}))
    assert ServiceRecord.objects.filter(claim=claim).count() == 2
    check_write(world, visible_refused, lambda c, role: c.post(
        f"/party/manage/posts/{pw.post_full.pk}/", {"op": "update", "title": f"探访{role}"}))


def test_page_close_post(world, pw):
    for role in ROLES:
        if role in MANAGERS:
            continue
        before = snapshot()
        response = kit.client_for(world.users[role]).post(f"/party/manage/posts/{pw.post_open.pk}/", {"op": "close"})
        assert response.status_code == (403 if role == "subdistrict_staff" else 404), role
        assert snapshot() == before, role
    response = kit.client_for(world.users["community_staff"]).post(f"/party/manage/posts/{pw.post_open.pk}/", {"op": "close"})
    assert response.status_code == 302
    pw.post_open.refresh_from_db()
    assert pw.post_open.status == "closed"


def test_page_staff_registration_and_end(world, pw):
    resident = world.residents["b2 1-102 owner"]
    for role in ROLES:
        if role in MANAGERS:
            continue
        before = snapshot()
        response = kit.client_for(world.users[role]).post("/party/registrations/", {
            "community": world.c1.pk, "resident": resident.pk, "building": world.b2.pk, "kind": "resident"})
        assert response.status_code == (403 if role == "subdistrict_staff" else 404), role
        assert snapshot() == before, role
    response = kit.client_for(world.users["community_staff"]).post("/party/registrations/", {
        "community": world.c1.pk, "resident": resident.pk, "building": world.b2.pk, "kind": "resident"})
    assert response.status_code == 302
    reg = PartyRegistration.objects.get(member__resident=resident, ended_at__isnull=True)
    for role in ROLES:
        if role in MANAGERS:
            continue
        before = snapshot()
        response = kit.client_for(world.users[role]).post(f"/party/registrations/{reg.pk}/end/")
        assert response.status_code == (403 if role == "subdistrict_staff" else 404), role
        assert snapshot() == before, role
    assert kit.client_for(world.users["community_secretary"]).post(f"/party/registrations/{reg.pk}/end/").status_code == 302
    reg.refresh_from_db()
    assert reg.ended_at is not None


def test_page_qr_register_refusals(world, pw):
    url = f"/party/r/{world.b1.qr_token}/"
    for role in ROLES:
        if role in {"resident", "member", "member2"}:
            continue
        before = snapshot()
        response = kit.client_for(world.users[role]).post(url, {"kind": "resident"})
        assert response.status_code == 403, role
        assert "不能在此报到" in response.content.decode()
        assert snapshot() == before, role


def test_page_claim_refusals(world, pw):
    url = f"/party/posts/{pw.post_open.pk}/claim/"
    for role in ROLES:
        before = snapshot()
        response = kit.client_for(world.users[role]).post(url)
        if role in {"member", "member2"}:
            assert response.status_code == 302, role
            continue
        want = 403 if role in PEOPLE_C1 else 404  # sees the post but is no registered member
        assert response.status_code == want, role
        assert snapshot() == before, role
    assert PostClaim.objects.filter(post=pw.post_open, status="active").count() == 2


# API ---------------------------------------------------------------------------------------------
def api(client: Client, method: str, url: str, body: dict | None = None):
    kwargs = {"content_type": "application/json", "data": json.dumps(body or {})} if method != "get" else {}
    return getattr(client, method)(f"/api/party{url}", **kwargs)


def test_api_reads(world, pw):
    c1 = world.c1.pk
    for url in (f"/orgs?community={c1}", f"/registrations?community={c1}", f"/members?community={c1}",
                f"/institutions?community={c1}"):
        failures = []
        for role in ROLES:
            response = api(kit.client_for(world.users[role]), "get", url)
            want = viewers_only(role)
            if response.status_code != want:
                failures.append(f"{role}: {response.status_code}")
            if want == 404:
                assert response.json()["code"] == "not_found"
        assert not failures, f"{url}: {failures}"
    for role in ROLES:
        response = api(kit.client_for(world.users[role]), "get", f"/posts?community={c1}")
        assert response.status_code == (200 if role in PEOPLE_C1 else 404), role
    assert Client().get(f"/api/party/posts?community={c1}").status_code == 401


def test_api_writes_refused(world, pw):
    c1 = world.c1.pk
    claim = PostClaim.objects.get(post=pw.post_full)
    today = timezone.localdate().isoformat()
    writes = [
        ("post", "/orgs", {"community_id": c1, "kind": "building_group", "building_id": world.b3.pk}),
        ("post", "/posts", {"community_id": c1, "title": "新岗位"}),
        ("patch", f"/posts/{pw.post_open.pk}", {"title": "改名"}),
        ("post", f"/posts/{pw.post_open.pk}/close", {}),
        ("post", f"/claims/{claim.pk}/records", {"served_on": today, "hours": "2"}),
        ("post", "/institutions", {"community_id": c1, "kind": "employer", "name": "新单位"}),
        ("patch", f"/institutions/{pw.school.pk}", {"name": "改名"}),
    ]
    for method, url, body in writes:
        for role in ROLES:
            if role in MANAGERS:
                continue
            before = snapshot()
            response = api(kit.client_for(world.users[role]), method, url, body)
            post_visible = "/posts/" in url and role in PEOPLE_C1
            want = 403 if role == "subdistrict_staff" or post_visible else 404
            assert response.status_code == want, (url, role, response.status_code, response.content)
            assert response.json()["code"] in ("permission_denied", "not_found")
            assert snapshot() == before, (url, role)


def test_api_writes_by_manager(world, pw):
    staff = kit.client_for(world.users["community_staff"])
    c1 = world.c1.pk
    r = api(staff, "post", "/orgs", {"community_id": c1, "kind": "building_group", "building_id": world.b3.pk})
    assert r.status_code == 201 and r.json()["name"] == "翠竹苑1栋党小组"
    r = api(staff, "post", "/posts", {"community_id": c1, "title": "新岗位", "category": "safety", "slots": 2})
    post_id = r.json()["id"]
    assert r.status_code == 201 and r.json()["active_claims"] == 0
    assert api(staff, "patch", f"/posts/{post_id}", {"slots": 3}).json()["slots"] == 3
    assert api(staff, "post", f"/posts/{post_id}/close").json()["status"] == "closed"
    r = api(staff, "post", f"/posts/{post_id}/close")
    assert r.status_code == 400 and r.json() == {"code": "post_closed", "message": "该岗位已经关闭。", "field": "post"}
    r = api(staff, "post", "/institutions", {"community_id": c1, "kind": "resident_unit", "name": "区图书馆",
                                             "is_partner": True})
    assert r.status_code == 201 and r.json()["partner_since"] == timezone.localdate().isoformat()
    r = api(staff, "post", "/registrations", {"resident_id": world.residents["b3 1-101 owner"].pk,
                                              "building_id": world.b3.pk, "kind": "employed"})
    assert r.status_code == 400 and r.json()["code"] == "employer_required" and r.json()["field"] == "employer"
    r = api(staff, "post", "/registrations", {"resident_id": world.residents["b3 1-101 owner"].pk,
                                              "building_id": world.b3.pk, "kind": "employed",
                                              "employer_id": pw.hospital.pk})
    assert r.status_code == 201 and r.json()["party_group"] == "翠竹苑1栋党小组" and r.json()["method"] == "staff"
    members = api(staff, "get", f"/members?community={c1}&kind=employed").json()
    assert {m["name"] for m in members["items"]} == {pw.member.resident.name, world.residents["b3 1-101 owner"].name}
    assert all("*" in m["phone_masked"] for m in members["items"])
    orgs = api(staff, "get", f"/orgs?community={c1}").json()
    by_name = {o["name"]: o["members"] for o in orgs}
    assert by_name["和谐社区党委"] == 3 and by_name["阳光小区1栋党小组"] == 1 and by_name["第一网格党支部"] == 1


def test_api_member_flow(world, pw):
    resident = kit.client_for(world.users["resident"])
    r = api(resident, "post", "/register", {"qr_token": world.b4.qr_token, "kind": "resident"})
    assert r.status_code == 403 and r.json()["code"] == "not_resident"
    r = api(resident, "post", "/register", {"qr_token": world.b1.qr_token, "kind": "employed",
                                            "employer_name": "市第一人民医院"})
    assert r.status_code == 201 and r.json()["employer_id"] == pw.hospital.pk and r.json()["method"] == "qr"
    r = api(resident, "post", "/register", {"qr_token": world.b1.qr_token, "kind": "employed",
                                            "employer_id": pw.hospital.pk})
    assert r.status_code == 400 and r.json()["code"] == "already_registered"
    r = api(resident, "post", f"/posts/{pw.post_open.pk}/claim")
    assert r.status_code == 201 and r.json()["status"] == "active"
    posts = api(resident, "get", f"/posts?community={world.c1.pk}").json()["items"]
    mine = {p["title"]: p["mine"] for p in posts}
    assert mine["楼道卫生监督"] is True and mine["独居老人探访"] is False
    assert api(resident, "post", f"/posts/{pw.post_full.pk}/claim").json()["code"] == "post_full"
    assert api(resident, "post", f"/posts/{pw.post_c2.pk}/claim").status_code == 404
    r = api(resident, "post", f"/posts/{pw.post_open.pk}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert api(resident, "post", f"/posts/{pw.post_open.pk}/withdraw").json()["code"] == "not_claimed"


def test_page_create_missing_groups(world, pw):
    check_write(world, write_expect, lambda c, role: c.post("/party/orgs/fill/", {"community": world.c1.pk}))
    assert PartyOrg.objects.filter(building=world.b3, kind="building_group").count() == 1


def test_register_done_page(world, pw):
    done = f"/party/r/{world.b1.qr_token}/done/"
    assert kit.client_for(world.users["member"]).get(done).status_code == 200
    # Not registered with this building: back to the landing page.
    for role in ("member2", "resident", "community_staff", "nobody"):
        response = kit.client_for(world.users[role]).get(done)
        assert response.status_code == 302 and response["Location"] == f"/party/r/{world.b1.qr_token}/", role


def test_api_member_writes_across_roles(world, pw):
    reg = PartyRegistration.objects.get(member=pw.member2, ended_at__isnull=True)
    resident = world.residents["b2 1-102 owner"]
    for role in ROLES:
        client = kit.client_for(world.users[role])
        before = snapshot()
        # QR registration: only residents of 和谐社区 (member is already registered here: 400).
        r = api(client, "post", "/register", {"qr_token": world.b1.qr_token, "kind": "resident"})
        if role in {"resident", "member2"}:
            assert r.status_code == 201, role
        else:
            assert r.status_code == (400 if role == "member" else 403), (role, r.content)
            assert snapshot() == before, role
        before = snapshot()
        # Staff entry and ending someone else's registration: managers only.
        r = api(client, "post", "/registrations", {"resident_id": resident.pk, "building_id": world.b2.pk,
                                                   "kind": "resident"})
        if role not in MANAGERS:
            sees = role in {"subdistrict_staff", "social_worker", "police_liaison", "property_staff",
                            "owners_committee"}
            assert r.status_code == (403 if sees else 404), (role, r.status_code)
            r = api(client, "post", f"/registrations/{reg.pk}/end")
            # member2 owns it, but it ended when they re-registered by QR above.
            want = 403 if role == "subdistrict_staff" else 400 if role == "member2" else 404
            assert r.status_code == want, (role, r.status_code)
            assert snapshot() == before, role
        else:
            assert r.status_code in (201, 400), role  # the second manager finds it already registered
        # Claiming: registered members of 和谐社区 only.
        before = snapshot()
        r = api(client, "post", f"/posts/{pw.post_open.pk}/claim")
        if role in {"resident", "member", "member2"}:
            assert r.status_code == 201, (role, r.content)
            assert api(client, "post", f"/posts/{pw.post_open.pk}/withdraw").status_code == 200
        else:
            assert r.status_code == (403 if role in PEOPLE_C1 else 404), (role, r.status_code)
            r = api(client, "post", f"/posts/{pw.post_open.pk}/withdraw")
            assert r.status_code == (400 if role in PEOPLE_C1 else 404), (role, r.status_code)
            assert snapshot() == before, role


def test_htmx_claim_swaps_the_card(world, pw):
    member = kit.client_for(world.users["member"])
    r = member.post(f"/party/posts/{pw.post_open.pk}/claim/", HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and html.startswith(f'<article class="post" id="post-{pw.post_open.pk}">')
    assert "我已认领" in html and "已认领 1/2 人" in html and "退出岗位" in html
    # A refusal is shown inside the card, and nothing changes.
    before = snapshot()
    r = member.post(f"/party/posts/{pw.post_full.pk}/claim/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "已经认领满了" in r.content.decode() and 'role="alert"' in r.content.decode()
    assert snapshot() == before
    r = member.post(f"/party/posts/{pw.post_open.pk}/withdraw/", HTTP_HX_REQUEST="true")
    assert "已认领 0/2 人" in r.content.decode() and ">认领<" in r.content.decode()
