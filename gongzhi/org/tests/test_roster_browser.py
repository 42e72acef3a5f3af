"""In Chromium at 375 px: a community worker uploads a roster, sees the problems, then a clean import."""

import pytest

from conftest import browser_login, nav_click
from gongzhi.org.models import Building, RosterImport
from gongzhi.org.testing.world import PASSWORD

from .test_roster_import import NEW_BUILDING, NEW_HOUSEHOLD, make_workbook, owner_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_upload_with_problems_then_a_clean_roster(phone_page, world, tmp_path, screenshot_dir):
    page = phone_page
    browser_login(page, world.users["community_staff"].phone, PASSWORD)
    nav_click(page, "花名册")
    assert page.locator("h1").inner_text() == "花名册 · 和谐社区"
    assert fits(page)
    page.screenshot(path=str(screenshot_dir / "roster_home_375.png"), full_page=True)

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD, NEW_HOUSEHOLD], [owner_row(phone="12")]).getvalue())
    page.set_input_files("#roster-file", str(bad))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_selector("text=未导入")
    assert "房号重复" in page.content() and "电话号码格式不正确：12" in page.content()
    assert fits(page)  # the problem table scrolls inside its frame, not the page
    page.screenshot(path=str(screenshot_dir / "roster_import_errors_375.png"), full_page=True)
    assert not Building.objects.filter(name="3栋").exists()

    page.get_by_role("link", name="修改后重新上传").click()
    good = tmp_path / "good.xlsx"
    good.write_bytes(make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD], [owner_row()]).getvalue())
    page.set_input_files("#roster-file", str(good))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_selector("text=导入完成")
    assert fits(page)
    page.screenshot(path=str(screenshot_dir / "roster_import_done_375.png"), full_page=True)
    assert Building.objects.filter(name="3栋").exists()


def test_progress_page_polls_until_the_result(phone_page, world, screenshot_dir):
    record = RosterImport.objects.create(
        community=world.c1, uploaded_by=world.users["community_staff"], filename="花名册.xlsx", size=10,
        status=RosterImport.Status.RUNNING, phase="validate", total_rows=40000, processed_rows=10000,
    )
    page = phone_page
    browser_login(page, world.users["community_staff"].phone, PASSWORD)
    page.goto(f"{page.base_url}/org/roster/imports/{record.pk}/")
    assert "校验数据" in page.locator("#roster-progress").inner_text()
    assert page.locator("[role=progressbar]").get_attribute("aria-valuenow") == "25"
    page.screenshot(path=str(screenshot_dir / "roster_progress_375.png"), full_page=True)
    RosterImport.objects.filter(pk=record.pk).update(processed_rows=30000)
    page.wait_for_selector("[role=progressbar][aria-valuenow='75']", timeout=5000)
    RosterImport.objects.filter(pk=record.pk).update(
        status=RosterImport.Status.SUCCEEDED, processed_rows=40000, summary={"rows": 40000, "households_created": 40000}
    )
    page.wait_for_selector("text=导入完成", timeout=5000)
    assert fits(page)
