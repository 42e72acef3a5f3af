"""Issue #7 pages in Chromium at 375 px: masked phone numbers for sub-district staff, the NUL error page,
the intake form's phone error. Each screenshot is checked for sideways overflow."""

import pytest

from conftest import browser_login, settle
from gongzhi.casework.actions.intake import case_submit
from gongzhi.casework.models import Case
from gongzhi.org.testing.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


def test_subdistrict_staff_see_typed_phones_masked(phone_page, case_world, screenshot_dir):
    page, w = phone_page, case_world
    case = case_submit(actor=w.users["resident"], household_id=w.h("b1 1-101").pk,
                       description="楼上漏水，请打 13912345678 联系我，白天不在家，晚上七点以后在，麻烦尽快安排师傅上门看看")
    browser_login(page, w.users["subdistrict_staff"].phone, PASSWORD)
    page.goto(f"{page.base_url}/cases/{case.pk}/")
    text = page.locator(".case-text").first.inner_text()
    assert "139****5678" in text and "13912345678" not in page.content()
    page.screenshot(path=str(screenshot_dir / "security_masked_case_375.png"), full_page=True)
    _fits_phone(page)


def test_nul_in_a_search_is_a_clear_page(phone_page, case_world, screenshot_dir):
    page = phone_page
    browser_login(page, case_world.users["community_staff"].phone, PASSWORD)
    response = page.goto(page.base_url + "/casework/?q=%E6%BC%8F%00")
    assert response.status == 400
    assert "提交的内容含有空字符（NUL）" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "security_nul_page_375.png"), full_page=True)
    _fits_phone(page)


def test_intake_refuses_a_reporter_phone_that_is_no_phone(phone_page, case_world, screenshot_dir):
    page, w = phone_page, case_world
    browser_login(page, w.users["community_staff"].phone, PASSWORD)
    page.goto(page.base_url + "/casework/intake/")
    page.select_option("#place", f"c:{w.c1.pk}")
    page.fill("#reporter_phone", "12345")
    page.fill("#description", "东门路灯不亮，晚上很黑")
    page.get_by_role("button", name="登记").click()
    settle(page)
    assert "反映人电话格式不正确" in page.locator("#err-reporter_phone").inner_text()
    page.screenshot(path=str(screenshot_dir / "security_intake_phone_375.png"), full_page=True)
    _fits_phone(page)
    assert Case.objects.count() == 0
