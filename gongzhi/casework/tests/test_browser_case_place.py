"""Issue #8 points 1 and 2 in Chromium: a resident picks another building of the community by typing
part of its name, the grid worker of that building finds the request; staff put a stranded request at
its building, and call its reporter through the audited reveal. Screenshots at 375 px and desk width."""

from __future__ import annotations

import pytest

from conftest import browser_login, settle
from gongzhi.casework.actions.intake import case_submit
from gongzhi.casework.models import Case
from gongzhi.core.models import AuditEvent
from gongzhi.org.testing.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


def _login_as(page, user):
    page.context.clear_cookies()
    browser_login(page, user.phone, PASSWORD)


def test_resident_picks_another_building_in_two_taps(phone_page, case_world, screenshot_dir):
    page, w = phone_page, case_world
    _login_as(page, w.users["resident"])
    page.goto(page.base_url + "/cases/new/")
    page.fill("#description", "翠竹苑1栋门口的路灯坏了，晚上很黑")
    # Typing part of the name narrows the list to one building: it is picked, and its radio ticked.
    page.fill("#place-building-q", "翠竹")
    assert page.locator("#place-building").input_value() == str(w.b3.pk)
    assert page.locator("#place-b").is_checked()
    page.screenshot(path=str(screenshot_dir / "casework_new_building_picker_375.png"), full_page=True)
    _fits_phone(page)
    page.locator("#case-form button[type=submit]").click()
    settle(page)
    case = Case.objects.get(description__startswith="翠竹苑1栋门口")
    assert (case.building_id, case.grid_id) == (w.b3.pk, w.g1.pk)
    page.screenshot(path=str(screenshot_dir / "casework_case_resident_375.png"), full_page=True)
    _fits_phone(page)
    # Picking straight from the list (no typing) ticks the radio too.
    page.goto(page.base_url + "/cases/new/")
    page.select_option("#place-building", str(w.b2.pk))
    assert page.locator("#place-b").is_checked()


@pytest.mark.parametrize("width", ["375", "desk"])
def test_staff_place_a_stranded_request_and_call_the_reporter(phone_page, desk_page, case_world, screenshot_dir,
                                                              width):
    page, w = (phone_page if width == "375" else desk_page), case_world
    case = case_submit(actor=w.users["resident"], community_id=w.c1.pk, category_code="public_facility",
                       address="翠竹苑1栋门口", description="翠竹苑1栋门口的路灯坏了，晚上很黑")
    _login_as(page, w.users["community_staff"])
    page.goto(page.base_url + f"/cases/{case.pk}/")
    assert page.locator("#unplaced").is_visible() and page.locator("#step-place").get_attribute("open") is not None
    assert page.locator("#reporter-household").is_visible()
    page.locator("#call-slot button").click()
    page.locator("#call-reporter").wait_for()
    phone = w.residents["b1 1-101 owner"].phone
    assert page.locator("#call-reporter").get_attribute("href") == f"tel:{phone}"
    assert AuditEvent.objects.filter(action="resident.reveal_contact", actor=w.users["community_staff"]).exists()
    page.screenshot(path=str(screenshot_dir / f"casework_case_staff_unplaced_{width}.png"), full_page=True)
    if width == "375":
        _fits_phone(page)
    page.fill("#place-building-q", "翠竹")
    page.locator("#step-place button[type=submit]").click()
    settle(page)
    assert "已调整地点" in page.content()
    case.refresh_from_db()
    assert (case.building_id, case.tier) == (w.b3.pk, "grid")
    page.screenshot(path=str(screenshot_dir / f"casework_case_staff_placed_{width}.png"), full_page=True)
    if width == "375":
        _fits_phone(page)
