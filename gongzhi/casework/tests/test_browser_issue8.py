"""The pages issue #8 points 3, 5, 6 and 7 changed, in a real browser at 375 px and at a desk, in Chinese
and English: nothing runs off the right edge, the grouped menu opens, the counter shows a text over the
limit instead of the browser cutting it. Screenshots go to test-artifacts/screenshots/issue8-*.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import browser_login
from gongzhi.casework.models import Case
from gongzhi.core.audit import audit_record
from gongzhi.org.testing.world import PASSWORD

from .test_pages_support import file_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _data(world):
    from gongzhi.org.testing.party_world import build_party_world

    build_party_world(world)
    case = file_case(world)
    Case.objects.filter(pk=case.pk).update(response_due_at=timezone.now() - timedelta(hours=1))
    audit_record(actor=world.users["community_staff"], action="case.rated", target=case,
                 target_label=f"#{case.pk} {case.title}", community_id=world.c1.pk,
                 changes={"status": ["verified", "rated"]})
    audit_record(actor=world.users["grid_worker"], action="roster.export", target=world.c1, community_id=world.c1.pk,
                 details={"buildings": 4, "households": 16, "residents": 8217})
    return case


def _pages(world, case):
    return [
        ("audit", "/org/audit/"),
        ("queue", "/casework/"),
        ("board", "/casework/board/"),
        ("message", f"/casework/message/?building={world.b1.pk}"),
        ("case", f"/cases/{case.pk}/"),
        ("case_print", f"/cases/{case.pk}/print/"),
        ("building", f"/org/buildings/{world.b1.pk}/"),
        ("household", f"/org/households/{world.h('b1 1-101').pk}/"),
        ("rates", f"/casework/rates/?scope=community:{world.c1.pk}&breakdown=building"),
        ("party_registrations", f"/party/registrations/?community={world.c1.pk}"),
        ("party_report", f"/party/report/?community={world.c1.pk}"),
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_changed_pages_fit_a_phone_and_a_desk(phone_page, desk_page, world, screenshot_dir, language):
    case = _data(world)
    for size, page in (("375", phone_page), ("desk", desk_page)):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
        browser_login(page, world.users["community_secretary"].phone, PASSWORD)
        for name, path in _pages(world, case):
            response = page.goto(page.base_url + path)
            assert response.status == 200, (name, response.status)
            page.screenshot(path=str(screenshot_dir / f"issue8-{name}-{size}-{language}.png"), full_page=True)
            if size == "375":
                assert page.evaluate(OVERFLOW) <= 0, f"{name} runs off the right edge at 375 px"


def test_grouped_menu_opens_on_a_phone(phone_page, world, screenshot_dir):
    page = phone_page
    browser_login(page, world.users["community_secretary"].phone, PASSWORD)
    page.goto(page.base_url + "/casework/")
    assert page.evaluate(OVERFLOW) <= 0
    page.locator(".nav-group > summary", has_text="管理").click()
    for label in ("花名册", "审计"):
        link = page.locator(".nav-menu a", has_text=label)
        assert link.is_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, label
    page.screenshot(path=str(screenshot_dir / "issue8-nav-open-375.png"))
    page.locator(".nav-menu a", has_text="审计").click()
    assert page.url.endswith("/org/audit/")


def test_a_long_text_is_counted_not_cut(phone_page, world, screenshot_dir):
    page = phone_page
    browser_login(page, world.users["resident"].phone, PASSWORD)
    page.goto(page.base_url + "/cases/new/")
    page.fill("#description", "灯" * 5000)
    assert page.evaluate("() => Array.from(document.querySelector('#description').value).length") == 5000
    counter = page.locator("#desc-count")
    assert counter.inner_text().startswith("5000 / 4000")
    assert "over" in counter.get_attribute("class")
    page.screenshot(path=str(screenshot_dir / "issue8-counter-375.png"))
