import pytest

# The test world (built once per process; world, case_world, APP_WORLD) and its fixtures.
pytest_plugins = ["gongzhi.testing.plugin"]


@pytest.fixture
def login(client):
    """Log a user in on the Django test client: ``login(user)``."""

    from gongzhi.testing.kit import log_in

    def _login(user):
        return log_in(client, user)  # the world's session for its logins, else force_login

    return _login


# Browser tests ---------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def _browser():
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (make test installs it when run as root)")
    # Playwright's sync API runs an event loop; Django must allow sync DB calls from fixtures.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import Page, sync_playwright

    screenshot = Page.screenshot
    if os.environ.get("GZ_SCREENSHOTS", "1") == "0":
        # Screenshots are for people to look at (test-artifacts/screenshots); CI keeps none, so
        # `.ci/run` turns them off (about a tenth of the browser tests' time). No test reads one.
        Page.screenshot = lambda self, *args, **kwargs: b""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
    Page.screenshot = screenshot


@pytest.fixture
def phone_page(_browser, live_server):
    """A 375 px wide page (an ordinary phone) in a fresh browser context."""
    context = _browser.new_context(
        viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def desk_page(_browser, live_server):
    """A desktop-sized page for staff desk views."""
    context = _browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


# Settled: the document has loaded and htmx has no request in flight, nor a swap or settle under way
# (htmx marks the element with these classes synchronously when the request starts).
_SETTLED_JS = """() => document.readyState === 'complete'
  && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"""


def settle(page) -> None:
    """Wait until the page is done with what the last action started: a navigation or an htmx swap.

    Playwright's ``wait_for_load_state("networkidle")`` waits for 500 ms without network traffic after
    every step; this waits only as long as the work takes. A click that navigates already waits for the
    navigation to start (Playwright's actionability rules), so "load" is the new page's.
    """
    page.wait_for_load_state("load")
    page.wait_for_function(_SETTLED_JS)


def nav_click(page, name: str) -> None:
    """Follow the main menu's link ``name``, unfolding its group (居民, 服务, 党建, 统计, 管理) first if it is in one."""
    link = page.locator("nav.nav").get_by_role("link", name=name, include_hidden=True).first  # a folded group hides it
    group = link.locator("xpath=ancestor::details[1]")
    if group.count() and not link.is_visible():
        group.locator("summary").click()
    link.click()
    settle(page)


def browser_login(page, phone: str, password: str) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_phone", phone)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    settle(page)


@pytest.fixture
def screenshot_dir():
    from pathlib import Path

    path = Path(__file__).parent / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
