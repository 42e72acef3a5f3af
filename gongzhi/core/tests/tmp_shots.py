import pytest
from conftest import browser_login
from gongzhi.org.testing.world import PASSWORD
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_shots(phone_page, case_world, screenshot_dir):
    page = phone_page
    browser_login(page, case_world.users["community_secretary"].phone, PASSWORD)
    page.screenshot(path="/tmp/sec_home.png")
    page.goto(page.base_url + "/casework/rates/")
    page.screenshot(path="/tmp/sec_rates.png")
    page.goto(page.base_url + "/accounts/profile/")
    page.evaluate("document.cookie='django_language=en;path=/'")
    page.goto(page.base_url + "/")
    page.screenshot(path="/tmp/sec_home_en.png", full_page=True)
