"""The inbox bell and page, and what 有求必应 adds to the home page and the navigation bar."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.casework.actions import lifecycle
from gongzhi.core.notifications.models import Notification

from .helpers import snapshot
from .test_pages_support import ALL_ROLES, as_role, element, file_case, text

pytestmark = pytest.mark.django_db


def test_bell_shows_the_unread_count(client, case_world):
    w = case_world
    file_case(w)  # the building head and the unit head are told
    c = as_role(client, w, "building_head")
    html = text(c.get("/"))
    assert 'class="bell"' in html and '<span class="badge">1</span>' in html
    assert "通知：1 条未读" in html
    quiet = text(as_role(client, w, "nobody").get("/"))
    assert 'class="bell"' in quiet and 'class="badge"' not in quiet


def test_the_bell_costs_one_query(client, case_world):
    w = case_world
    c = as_role(client, w, "nobody")
    with CaptureQueriesContext(connection) as ctx:
        c.get("/accounts/me/")
    assert sum("core_notification" in q["sql"] for q in ctx.captured_queries) == 1


@pytest.mark.parametrize("role", ALL_ROLES)
def test_inbox_page_for_every_role(client, case_world, role):
    w = case_world
    file_case(w)
    response = as_role(client, w, role).get("/inbox/")
    assert response.status_code == 200
    mine = Notification.objects.filter(user=w.users[role])
    inbox = element(text(response), "inbox")
    for n in Notification.objects.all():
        assert (f'action="/inbox/{n.pk}/"' in inbox) == (n.user_id == w.users[role].pk)
    assert ("暂无通知。" in inbox) == (not mine.exists())


def test_the_old_inbox_address_redirects(client, case_world):
    w = case_world
    c = as_role(client, w, "building_head")
    assert c.get("/cases/inbox/").headers["Location"] == "/inbox/"
    assert c.get("/cases/inbox/?unread=1&page=2").headers["Location"] == "/inbox/?unread=1&page=2"


def test_opening_a_notification_is_a_post_that_marks_it_read(client, case_world):
    w = case_world
    case = file_case(w)
    note = Notification.objects.get(user=w.users["building_head"])
    assert (note.source, note.kind, note.subject) == ("casework", "case.submitted", case.title)
    c = as_role(client, w, "building_head")
    unread = element(text(c.get("/inbox/?unread=1")), "inbox")
    assert f'<form method="post" action="/inbox/{note.pk}/">' in unread and case.title in unread
    response = c.post(f"/inbox/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert f"/inbox/{note.pk}/" not in text(c.get("/inbox/?unread=1"))
    assert 'class="badge"' not in text(c.get("/inbox/"))


@pytest.mark.parametrize("path", ["/inbox/{pk}/", "/cases/inbox/{pk}/"])
def test_a_get_of_a_notification_only_redirects(client, case_world, path):
    """Old links (and a GET of the new address) still lead to the case, and change nothing."""
    w = case_world
    case = file_case(w)
    note = Notification.objects.get(user=w.users["building_head"])
    before = snapshot()
    response = as_role(client, w, "building_head").get(path.format(pk=note.pk))
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    note.refresh_from_db()
    assert note.read_at is None and snapshot() == before
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


@pytest.mark.parametrize("role", ALL_ROLES)
def test_someone_elses_notification_is_404_and_stays_unread(client, case_world, role):
    w = case_world
    file_case(w)
    c = as_role(client, w, role)
    for note in Notification.objects.exclude(user=w.users[role]):
        for path in (f"/inbox/{note.pk}/", f"/cases/inbox/{note.pk}/"):
            assert c.get(path).status_code == 404
            assert c.post(path).status_code == 404
    assert c.post("/inbox/999999/").status_code == 404
    assert not Notification.objects.exclude(user=w.users[role]).filter(read_at__isnull=False).exists()


def test_mark_all_read(client, case_world):
    w = case_world
    file_case(w)
    file_case(w, description="小区里有人乱停车，堵住了消防通道")
    others = Notification.objects.filter(user=w.users["unit_head"], read_at__isnull=True).count()
    assert others >= 1
    c = as_role(client, w, "building_head")
    for path in ("/inbox/read-all/", "/cases/inbox/read-all/"):
        assert c.get(path).status_code == 405
    assert Notification.objects.filter(user=w.users["building_head"], read_at__isnull=True).exists()
    assert c.post("/cases/inbox/read-all/").status_code == 302
    assert not Notification.objects.filter(user=w.users["building_head"], read_at__isnull=True).exists()
    assert Notification.objects.filter(user=w.users["unit_head"], read_at__isnull=True).count() == others
    file_case(w, description="楼道里堆满了杂物")
    assert c.post("/inbox/read-all/")["Location"] == "/inbox/"
    assert not Notification.objects.filter(user=w.users["building_head"], read_at__isnull=True).exists()
    assert Notification.objects.filter(user=w.users["unit_head"], read_at__isnull=True).count() > others


def test_notification_urls_lead_only_inside_the_site(client, case_world):
    w = case_world
    note = Notification.objects.create(user=w.users["nobody"], source="test", kind="test", title="x",
                                       url="https://evil.example/")
    c = as_role(client, w, "nobody")
    assert c.get(f"/cases/inbox/{note.pk}/")["Location"] == "/inbox/"
    assert c.post(f"/inbox/{note.pk}/")["Location"] == "/inbox/"


def test_the_casework_api_keeps_its_shape(client, case_world):
    """/api/casework/notifications is the shared inbox in its older shape (with case_id), the caller's own only."""
    w = case_world
    case = file_case(w)
    c = as_role(client, w, "building_head")
    old = c.get("/api/casework/notifications").json()
    new = c.get("/api/inbox/notifications").json()
    note = Notification.objects.get(user=w.users["building_head"])
    assert old["count"] == new["count"] == 1
    assert set(old["items"][0]) == {"id", "case_id", "title", "body", "url", "created_at", "read"}
    assert (old["items"][0]["id"], old["items"][0]["case_id"], old["items"][0]["read"]) == (note.pk, case.pk, False)
    assert new["items"][0]["kind"] == "case.submitted" and new["items"][0]["source"] == "casework"
    assert as_role(client, w, "nobody").get("/api/casework/notifications").json()["count"] == 0
    assert c.post("/api/casework/notifications/read", data=[note.pk], content_type="application/json").status_code == 204
    assert c.get("/api/inbox/notifications?unread=true").json()["count"] == 0


# Home page and navigation ---------------------------------------------------------------------------
def test_resident_home_has_the_button_and_open_requests(client, case_world):
    w = case_world
    case = file_case(w)
    html = text(as_role(client, w, "resident").get("/"))
    card = element(html, "home-cases")
    assert 'href="/cases/new/"' in card and case.title in card and "已提交" in card
    assert 'href="/cases/"' in element(html, "main") or 'href="/cases/"' in html  # 我的诉求 in the nav


def test_handler_home_counts(client, case_world):
    w = case_world
    file_case(w)
    html = text(as_role(client, w, "building_head").get("/"))
    card = element(html, "home-queue")
    assert '<div class="n">1</div><div class="l">待受理（本级）</div>' in card
    # The grid worker answers at the grid tier: a building-tier request is not "new at my tier".
    grid = element(text(as_role(client, w, "grid_worker").get("/")), "home-queue")
    assert '<div class="n">0</div><div class="l">待受理（本级）</div>' in grid


@pytest.mark.parametrize("role", ALL_ROLES)
def test_navigation_links(client, case_world, role):
    html = text(as_role(client, case_world, role).get("/"))
    nav = element(html, "main") and html[html.index('<nav class="nav"'):html.index("</nav>")]
    assert ('href="/cases/"' in nav) == (role == "resident")
    staff = role in {"subdistrict_staff", "community_secretary", "community_staff", "grid_head", "grid_worker",
                     "building_head", "unit_head", "red_steward", "social_worker", "property_staff", "npc_deputy",
                     "outsider", "department"}
    assert ('href="/casework/"' in nav) == staff
    assert ('href="/casework/whistles/"' in nav) == (role == "department")


def test_department_home_counts_whistles(client, case_world):
    w = case_world
    case = file_case(w)
    lifecycle.case_whistle(actor=w.users["community_staff"], case_id=case.pk,
                           department_id=w.departments["housing"].pk, reason="需要房管所")
    before = snapshot()
    card = element(text(as_role(client, w, "department").get("/")), "home-queue")
    assert '<div class="n">1</div><div class="l">待报到</div>' in card
    assert snapshot() == before
