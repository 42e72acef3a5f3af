"""有求必应 in Chromium at 375 px: a resident files a request with a photo, a grid worker takes it through
on a phone, the resident confirms and rates it. Plus a screenshot of every page (the staff queue at desk
width too), each checked for sideways overflow on a phone."""

import io
import re

import pytest
from PIL import Image

from conftest import browser_login, settle
from gongzhi.casework.actions import lifecycle
from gongzhi.casework.models import Case
from gongzhi.org.testing.world import PASSWORD

from .test_pages_support import staff_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def warm_classifier():
    """Train (or load) the category model before the live server needs it, so no page waits on it."""
    from gongzhi.casework.suggest import current_classifier

    current_classifier()


def _png(path, size=(640, 480)):
    image = Image.new("RGB", size, (235, 235, 235))
    for x in range(0, size[0], 40):  # a few stripes so it looks like something
        for y in range(size[1]):
            image.putpixel((x, y), (184, 20, 27))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _fits_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


def _login_as(page, user):
    page.context.clear_cookies()
    browser_login(page, user.phone, PASSWORD)


def test_request_from_phone_to_rated(phone_page, case_world, screenshot_dir, tmp_path, warm_classifier):
    page, w = phone_page, case_world
    shots = screenshot_dir

    # The resident files a request with a photo.
    browser_login(page, w.users["resident"].phone, PASSWORD)
    page.screenshot(path=str(shots / "casework_resident_home_375.png"), full_page=True)
    page.locator("#home-cases").get_by_role("link", name="反映诉求").click()
    settle(page)
    assert page.locator("h1").inner_text() == "反映诉求"
    text = "1栋1单元楼道灯坏了三天，晚上上下楼一片漆黑，老人差点摔倒"
    page.fill("#description", text)
    assert page.locator("#desc-count").inner_text() == f"{len(text)} / 4000"
    page.set_input_files("#photos", str(_png(tmp_path / "dark-stairs.png")))
    assert "dark-stairs.png" in page.locator("#photo-list").inner_text()
    page.check("input[name=urgency][value=urgent]")
    page.screenshot(path=str(shots / "casework_new_filled_375.png"), full_page=True)
    _fits_phone(page)
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r"/cases/\d+/\?submitted=1$"))
    case = Case.objects.get()
    assert case.photos.count() == 1 and case.urgency == "urgent"
    submitted = page.locator("#submitted").inner_text()
    assert f"#{case.pk}" in submitted and case.category.name in submitted
    assert page.locator(".photos img").count() == 1
    # The guarded thumbnail loads (lazy images may arrive after the load event).
    page.wait_for_function("document.querySelector('.photos img').complete"
                           " && document.querySelector('.photos img').naturalWidth > 0")
    page.screenshot(path=str(shots / "casework_submitted_375.png"), full_page=True)
    _fits_phone(page)
    page.get_by_role("link", name="我的诉求").first.click()
    settle(page)
    assert case.title in page.locator("#my-cases").inner_text()
    assert "已提交" in page.locator("#my-cases").inner_text()
    page.screenshot(path=str(shots / "casework_mine_375.png"), full_page=True)
    _fits_phone(page)

    # A grid worker, on a phone too, opens the queue, accepts and resolves it.
    _login_as(page, w.users["grid_worker"])
    page.get_by_role("link", name="诉求办理").first.click()
    settle(page)
    assert page.locator(f"#case-{case.pk}").count() == 1
    page.screenshot(path=str(shots / "casework_queue_375.png"), full_page=True)
    _fits_phone(page)
    page.locator(f"#case-{case.pk} td.title a").click()
    settle(page)
    page.get_by_role("button", name="受理").click()
    settle(page)
    assert "已受理。" in page.locator(".messages").inner_text()
    page.locator("#step-resolve summary").click()
    page.fill("#resolve-result", "已更换楼道灯泡，1至6层都亮了")
    page.screenshot(path=str(shots / "casework_staff_case_375.png"), full_page=True)
    _fits_phone(page)
    page.locator("#step-resolve").get_by_role("button", name="办结").click()
    settle(page)
    case.refresh_from_db()
    assert case.status == "resolved" and case.handler == w.users["grid_worker"]
    page.goto(page.base_url + f"/cases/{case.pk}/?tab=five")
    assert "问结果" in page.locator("#q-outcome").inner_text()
    page.screenshot(path=str(shots / "casework_five_questions_375.png"), full_page=True)
    _fits_phone(page)

    # The resident gets a notification, confirms it is fixed and rates it 5 stars.
    _login_as(page, w.users["resident"])
    assert page.locator(".bell .badge").count() == 1
    page.locator(".bell").click()
    settle(page)
    page.screenshot(path=str(shots / "casework_inbox_375.png"), full_page=True)
    _fits_phone(page)
    page.locator("#inbox button").first.click()
    settle(page)
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert "已更换楼道灯泡" in page.locator("#outcome").inner_text()
    page.screenshot(path=str(shots / "casework_verify_375.png"), full_page=True)
    page.locator("#verify").get_by_role("button", name="已解决").click()
    settle(page)
    page.locator("label[for=star5]").click()
    page.fill("#rate-comment", "当天就修好了，谢谢！")
    page.screenshot(path=str(shots / "casework_rate_375.png"), full_page=True)
    page.get_by_role("button", name="提交评价").click()
    settle(page)
    case.refresh_from_db()
    assert (case.status, case.rating) == ("rated", 5)
    assert page.locator(".case-head .chip").first.inner_text() == "已评价"
    assert "5 星" in page.locator("#rating").inner_text()
    assert page.locator("#rate").count() == 0
    page.screenshot(path=str(shots / "casework_rated_375.png"), full_page=True)
    _fits_phone(page)


def test_form_error_on_a_phone(phone_page, case_world, screenshot_dir, warm_classifier):
    page = phone_page
    browser_login(page, case_world.users["resident"].phone, PASSWORD)
    page.goto(page.base_url + "/cases/new/")
    page.get_by_role("button", name="提交").click()
    settle(page)
    assert page.locator("#err-description").inner_text() == "请填写诉求内容。"
    page.screenshot(path=str(screenshot_dir / "casework_new_error_375.png"), full_page=True)
    _fits_phone(page)
    assert Case.objects.count() == 0


def test_similar_requests_show_while_typing(phone_page, case_world, screenshot_dir, warm_classifier):
    page, w = phone_page, case_world
    other = staff_case(w, household="b1 2-201", description="1栋电梯坏了，老人上下楼很困难，请尽快修", channel="phone")
    browser_login(page, w.users["resident"].phone, PASSWORD)
    page.goto(page.base_url + "/cases/new/")
    page.fill("#description", "1栋的电梯坏了两天了，老人上下楼困难")
    page.locator("#address").focus()  # blur the text: htmx asks for similar requests
    page.wait_for_selector("#similar-list")
    assert f"#{other.pk}" in page.locator("#similar-list").inner_text()
    page.get_by_role("button", name="这也是我的问题").click()
    assert page.input_value("#description").startswith(f"（与 #{other.pk} 是同一件事）")
    page.screenshot(path=str(screenshot_dir / "casework_similar_375.png"), full_page=True)
    _fits_phone(page)


def test_staff_pages(phone_page, desk_page, case_world, screenshot_dir, warm_classifier):
    w = case_world
    staff = w.users["community_staff"]
    cases = [staff_case(w, household=key, description=desc) for key, desc in (
        ("b1 1-102", "1栋1单元楼道灯坏了，晚上很黑"),
        ("b1 2-201", "1栋电梯坏了，老人上下楼很困难"),
        ("b2 1-101", "2栋门口垃圾堆了三天没人清，蚊子苍蝇多"),
        ("b3 1-101", "翠竹苑1栋门禁坏了，陌生人随便进出"),
    )]
    leak = staff_case(w, community=w.c1, address="阳光小区3号楼", description="楼上空房漏水，楼下天花板一直滴水",
                      urgency="urgent")
    lifecycle.case_whistle(actor=staff, case_id=leak.pk, department_id=w.departments["housing"].pk,
                           reason="空房无人，需房管所联系业主开门")
    lifecycle.case_accept(actor=staff, case_id=cases[0].pk)
    Case.objects.filter(pk=cases[2].pk).update(resolution_due_at=cases[2].created_at)

    # The desk view of the queue, with bulk assignment.
    desk = desk_page
    browser_login(desk, staff.phone, PASSWORD)
    desk.goto(desk.base_url + "/casework/")
    desk.check(f"#case-{cases[1].pk} input[type=checkbox]")
    desk.check(f"#case-{cases[3].pk} input[type=checkbox]")
    desk.wait_for_function("document.querySelectorAll('#bulk-handler option').length > 1")
    assert w.users["grid_worker"].name in desk.locator("#bulk-handler").inner_text()
    assert "已选 2 条" in desk.locator("#bulk-count").inner_text()
    desk.screenshot(path=str(screenshot_dir / "casework_queue_desk.png"), full_page=True)
    desk.select_option("#bulk-handler", str(w.users["grid_worker"].pk))
    desk.get_by_role("button", name="批量派单").click()
    settle(desk)
    assert "已派单 2 条诉求。" in desk.locator(".messages").inner_text()
    assert set(Case.objects.filter(pk__in=[cases[1].pk, cases[3].pk]).values_list("handler_id", flat=True)) == {
        w.users["grid_worker"].pk}
    desk.goto(desk.base_url + f"/cases/{leak.pk}/")
    desk.screenshot(path=str(screenshot_dir / "casework_case_desk.png"), full_page=True)

    # Every staff page on a phone.
    page = phone_page
    browser_login(page, staff.phone, PASSWORD)
    for url, name in (
        ("/", "casework_staff_home_375.png"),
        ("/casework/?overdue=1", "casework_queue_overdue_375.png"),
        ("/casework/board/", "casework_board_375.png"),
        ("/casework/intake/", "casework_intake_375.png"),
        ("/casework/categories/", "casework_categories_375.png"),
        ("/casework/departments/", "casework_departments_375.png"),
        (f"/cases/{leak.pk}/", "casework_whistled_case_375.png"),
    ):
        page.goto(page.base_url + url)
        settle(page)
        assert page.locator("h1").count() >= 1, url
        page.screenshot(path=str(screenshot_dir / name), full_page=True)
        _fits_phone(page)
    # Intake: choose a building, then a room (htmx), and register a walk-in.
    page.goto(page.base_url + "/casework/intake/")
    page.select_option("#place", f"b:{w.b1.pk}")
    page.wait_for_selector("#household")
    page.select_option("#household", str(w.h("b1 1-201").pk))
    page.wait_for_selector("#resident")
    page.fill("#description", "1-201 家门口的水管漏水")
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(r"/cases/\d+/\?submitted=1$"))
    assert Case.objects.filter(household=w.h("b1 1-201"), channel="walk_in").exists()

    # The department member reports (报到) from their phone.
    _login_as(page, w.users["department"])
    page.goto(page.base_url + "/casework/whistles/")
    page.screenshot(path=str(screenshot_dir / "casework_whistles_375.png"), full_page=True)
    _fits_phone(page)
    page.fill("#whistle-list input[name=note]", "今天下午两点到场")
    page.get_by_role("button", name="报到").click()
    settle(page)
    assert "已报到" in page.locator(".messages").inner_text()
    leak.refresh_from_db()
    assert leak.status == "in_progress" and leak.handler == w.users["department"]
