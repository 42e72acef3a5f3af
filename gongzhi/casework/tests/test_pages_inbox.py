"""The inbox bell and page, and what 有求必应 adds to the home page and the navigation bar."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.casework.actions import lifecycle
from gongzhi.casework.models import Notification

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
    assert sum("casework_notification" in q["sql"] for q in ctx.captured_queries) == 1


@pytest.mark.parametrize("role", ALL_ROLES)
def test_inbox_page_for_every_role(client, case_world, role):
    w = case_world
    file_case(w)
    response = as_role(client, w, role).get("/cases/inbox/")
    assert response.status_code == 200
    mine = Notification.objects.filter(user=w.users[role])
    inbox = element(text(response), "inbox")
    for n in Notification.objects.all():
        assert (f"/cases/inbox/{n.pk}/" in inbox) == (n.user_id == w.users[role].pk)
    assert ("暂无通知。" in inbox) == (not mine.exists())


def test_opening_a_notification_marks_it_read(client, case_world):
    w = case_world
    case = file_case(w)
    note = Notification.objects.get(user=w.users["building_head"])
    c = as_role(client, w, "building_head")
    unread = text(c.get("/cases/inbox/?unread=1"))
    assert f"/cases/inbox/{note.pk}/" in unread
    response = c.get(f"/cases/inbox/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert f"/cases/inbox/{note.pk}/" not in text(c.get("/cases/inbox/?unread=1"))
    assert 'class="badge"' not in text(c.get("/cases/inbox/"))


def test_someone_elses_notification_is_404_and_stays_unread(client, case_world):
    w = case_world
    file_case(w)
    note = Notification.objects.get(user=w.users["building_head"])
    assert as_role(client, w, "unit_head").get(f"/cases/inbox/{note.pk}/").status_code == 404
    assert as_role(client, w, "unit_head").get("/cases/inbox/999999/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read(client, case_world):
    w = case_world
    file_case(w)
    file_case(w, description="小区里有人乱停车，堵住了消防通道")
    others = Notification.objects.filter(user=w.users["unit_head"], read_at__isnull=True).count()
    assert others >= 1
    c = as_role(client, w, "building_head")
    assert c.get("/cases/inbox/read-all/").status_code == 405
    assert c.post("/cases/inbox/read-all/").status_code == 302
    assert not Notification.objects.filter(user=w.users["building_head"], read_at__isnull=True).exists()
    assert Notification.objects.filter(user=w.users["unit_head"], read_at__isnull=True).count() == others


def test_notification_urls_lead_only_inside_the_site(client, case_world):
    w = case_world
    note = Notification.objects.create(user=w.users["nobody"], title="x", url="https://evil.example/")
    response = as_role(client, w, "nobody").get(f"/cases/inbox/{note.pk}/")
    assert response["Location"] == "/cases/inbox/"


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
