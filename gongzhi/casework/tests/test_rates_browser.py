"""四率统计 in Chromium: a secretary picks the period and the breakdown at desk width, and the page
still fits a 375 px phone (the breakdown table scrolls sideways inside its box)."""

import pytest

from conftest import browser_login, settle
from gongzhi.org.testing.world import PASSWORD

from .test_rates import march  # noqa: F401  (the hand-computed month)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rates_page_at_desk_and_phone(desk_page, march, screenshot_dir):  # noqa: F811
    page = desk_page
    w, _ids = march
    browser_login(page, w.users["community_secretary"].phone, PASSWORD)
    page.goto(page.base_url + "/")
    page.get_by_role("link", name="四率统计").first.click()
    settle(page)
    assert page.locator("h1").inner_text() == "有求必应 · 四率统计"
    # March 2026: pick the year and month, then view.
    page.select_option("#r-year", "2026")
    page.select_option("#r-month", "3")
    page.click("form.rates-form button[type=submit]")
    settle(page)
    assert page.locator("#rate-received").inner_text() == "12"
    assert page.locator("#rate-response").inner_text() == "83.3%"
    # Reported now rather than at T: L (due 04-14) is past its deadline too → 5 on time of 7 + 4 = 11.
    assert page.locator("#rate-ontime").inner_text() == "45.5%"
    rows = page.locator("#rates-breakdown tbody th").all_inner_texts()
    assert rows == ["第一网格", "第二网格", "未定位到网格"]
    page.screenshot(path=str(screenshot_dir / "casework_rates_desk.png"), full_page=True)
    # By building, then the quarter.
    page.get_by_role("link", name="按楼栋").click()
    settle(page)
    assert "翠竹苑 1栋" in page.locator("#rates-breakdown").inner_text()
    page.get_by_role("link", name="按季度").click()
    settle(page)
    page.select_option("#r-quarter", "1")
    page.click("form.rates-form button[type=submit]")
    settle(page)
    assert page.locator("#rate-received").inner_text() == "13"
    # The Excel link downloads a workbook.
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    # A phone: nothing overflows sideways but the table inside its scroll box.
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    settle(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(screenshot_dir / "casework_rates_375.png"), full_page=True)
