"""In Chromium at 375 px: 群众点单 → 平台派单 → 志愿者接单 → 群众评单, and a grid worker's patrol.

Each person uses their own browser (context): the resident and the volunteer on a phone,
the community staff member at a desk.
"""

from __future__ import annotations

import pytest

from conftest import browser_login, settle
from gongzhi.casework.models import Patrol, ServiceOrder
from gongzhi.org.testing.world import PASSWORD

from .field_world import build_field

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_phone(_browser, live_server):
    contexts = []

    def _open():
        context = _browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True,
                                       has_touch=True, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base_url = live_server.url
        return page

    yield _open
    for context in contexts:
        context.close()


def fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def go(page, path: str) -> None:
    page.goto(page.base_url + path)
    settle(page)


def test_resident_orders_volunteer_takes_and_completes_resident_rates(
    open_phone, desk_page, case_world, screenshot_dir
):
    w = case_world
    fw = build_field(w)
    shots = screenshot_dir

    # 群众点单: the resident finds 理发 in the catalogue and orders it on their phone.
    resident = open_phone()
    browser_login(resident, w.users["resident"].phone, PASSWORD)
    resident.get_by_role("link", name="便民服务").first.click()
    settle(resident)
    assert resident.locator(f"#offering-{fw.haircut.pk} h3").inner_text() == "理发"
    assert fits_phone(resident)
    resident.screenshot(path=str(shots / "services_catalogue_375.png"), full_page=True)
    resident.locator(f"#offering-{fw.haircut.pk}").get_by_role("link", name="点单").click()
    settle(resident)
    resident.fill("#o-note", "老人腿脚不便，想请师傅上门理发")
    resident.fill("#o-time", "周六上午")
    resident.screenshot(path=str(shots / "services_order_form_375.png"), full_page=True)
    resident.get_by_role("button", name="提交点单").click()
    settle(resident)
    assert resident.locator("#order-status").inner_text() == "已点单"
    order = ServiceOrder.objects.get(requested_by=w.users["resident"])
    assert order.household == w.h("b1 1-101") and order.preferred_time == "周六上午"
    assert fits_phone(resident)
    resident.screenshot(path=str(shots / "services_order_placed_375.png"), full_page=True)

    # 平台派单: community staff see it on the desk board and post it to the pool.
    desk = desk_page
    browser_login(desk, w.users["community_staff"].phone, PASSWORD)
    go(desk, "/services/board/")
    row = desk.locator(f"#board-{order.pk}")
    assert "理发" in row.inner_text() and "1-101" in row.inner_text()
    desk.screenshot(path=str(shots / "services_board_desk.png"), full_page=True)
    row.get_by_role("button", name="发布").click()
    settle(desk)
    order.refresh_from_db()
    assert order.status == "posted"

    # 志愿者接单: the volunteer sees it in the pool (no room number yet), takes it, serves, completes.
    volunteer = open_phone()
    browser_login(volunteer, w.users["volunteer"].phone, PASSWORD)
    volunteer.get_by_role("link", name="接单").first.click()
    settle(volunteer)
    card = volunteer.locator(f"#pool-{order.pk}")
    assert "理发" in card.inner_text() and "1-101" not in card.inner_text()
    assert fits_phone(volunteer)
    volunteer.screenshot(path=str(shots / "services_pool_375.png"), full_page=True)
    card.get_by_role("button", name="接单").click()
    settle(volunteer)
    assert volunteer.locator("#order-status").inner_text() == "已接单"
    assert "1-101" in volunteer.locator("#order-place").inner_text()  # now the taker knows where to go
    assert volunteer.locator(f"a[href='tel:{w.users['resident'].phone}']").count() == 1
    volunteer.screenshot(path=str(shots / "services_taken_375.png"), full_page=True)
    volunteer.fill("#c-note", "已上门理发，约四十分钟，老人很满意")
    volunteer.get_by_role("button", name="确认完成").click()
    settle(volunteer)
    assert volunteer.locator("#order-status").inner_text() == "已完成"
    assert fits_phone(volunteer)
    volunteer.screenshot(path=str(shots / "services_completed_375.png"), full_page=True)

    # 群众评单: the resident is told, opens the order from the home page and gives five stars.
    go(resident, "/")
    home_card = resident.locator("#home-services")
    assert "待您评价" in home_card.inner_text()
    resident.screenshot(path=str(shots / "services_home_to_rate_375.png"), full_page=True)
    home_card.get_by_role("link", name="理发").click()
    settle(resident)
    resident.locator("label[for=star-5]").click()
    resident.fill("#r-comment", "师傅手艺好，很耐心")
    resident.screenshot(path=str(shots / "services_rate_form_375.png"), full_page=True)
    resident.get_by_role("button", name="提交评价").click()
    settle(resident)
    assert resident.locator("#order-status").inner_text() == "已评价"
    assert resident.locator("#order-rating").inner_text() == "★★★★★"
    assert fits_phone(resident)
    resident.screenshot(path=str(shots / "services_rated_375.png"), full_page=True)
    order.refresh_from_db()
    assert (order.status, order.rating, order.assignee) == ("rated", 5, w.users["volunteer"])


def test_grid_worker_patrols_with_one_tap_per_stop(open_phone, case_world, screenshot_dir):
    w = case_world
    page = open_phone()
    browser_login(page, w.users["grid_worker"].phone, PASSWORD)
    page.locator("#home-patrol").get_by_role("button", name="开始巡查 第一网格").click()
    settle(page)
    patrol = Patrol.objects.get(worker=w.users["grid_worker"])
    # One tap per building as the worker walks past it.
    page.locator("#buildings button", has_text="阳光小区").click()
    settle(page)
    page.locator("#buildings button", has_text="翠竹苑").click()
    settle(page)
    assert list(patrol.stops.values_list("building_id", flat=True)) == [w.b1.pk, w.b3.pk]
    first = patrol.stops.first()
    page.locator(f"#stop-{first.pk} input[name=note]").fill("2单元楼道堆放纸箱")
    page.locator(f"#stop-{first.pk}").get_by_role("button", name="保存").click()
    settle(page)
    assert fits_phone(page)
    page.screenshot(path=str(screenshot_dir / "patrol_walking_375.png"), full_page=True)
    page.locator(f"#stop-{first.pk}").get_by_role("link", name="上报问题").click()
    settle(page)
    assert page.locator("#r-desc").input_value() == "2单元楼道堆放纸箱"  # the note starts the description
    page.select_option("#r-cat", "safety_hazard")
    page.screenshot(path=str(screenshot_dir / "patrol_report_375.png"), full_page=True)
    page.get_by_role("button", name="上报").click()
    settle(page)
    assert patrol.cases.count() == 1
    page.get_by_role("link", name="结束巡查").click()
    settle(page)
    assert "巡查 2 处" in page.locator("#e-summary").input_value()
    page.get_by_role("button", name="结束巡查").click()
    settle(page)
    patrol.refresh_from_db()
    assert patrol.ended_at is not None
    assert fits_phone(page)
    page.screenshot(path=str(screenshot_dir / "patrol_done_375.png"), full_page=True)
    go(page, "/patrols/")
    page.screenshot(path=str(screenshot_dir / "patrol_log_375.png"), full_page=True)


def test_staff_mediates_a_dispute_at_the_desk(desk_page, case_world, screenshot_dir):
    from gongzhi.casework.actions import lifecycle
    from gongzhi.casework.actions.intake import case_submit
    from gongzhi.casework.models import Case, Mediation

    w = case_world
    case = case_submit(actor=w.users["resident"], household_id=w.h("b1 1-101").pk, category_code="neighbour_dispute",
                       description="楼上装修每天晚上十点后还在砸墙，多次沟通无果，请社区出面调解")
    lifecycle.case_accept(actor=w.users["community_staff"], case_id=case.pk)
    page = desk_page
    browser_login(page, w.users["community_staff"].phone, PASSWORD)
    go(page, "/mediation/open/")
    page.get_by_role("link", name=f"#{case.pk}").first.click()
    settle(page)
    page.get_by_role("button", name="立案").click()
    settle(page)
    mediation = Mediation.objects.get(case=case)
    # Parties: the form is open while there are none.
    page.select_option("#p-side", "applicant")
    page.fill("#p-name", "张先生")
    page.fill("#p-phone", "13800001111")
    page.get_by_role("button", name="登记").click()
    settle(page)
    page.locator("#party-form summary").click()
    page.select_option("#p-side", "respondent")
    page.fill("#p-name", "刘先生")
    page.get_by_role("button", name="登记").click()
    settle(page)
    assert "138****1111" in page.locator("#parties").inner_text()
    page.locator("#parties").get_by_role("button", name="显示").first.click()
    page.wait_for_selector("a[href='tel:13800001111']")
    page.locator("#session-form summary").click()
    page.fill("#s-place", "社区调解室")
    page.fill("#s-att", "张先生、刘先生、网格员")
    page.fill("#s-notes", "双方陈述各自诉求，刘先生同意晚上八点后停止施工")
    page.get_by_role("button", name="保存记录").click()
    settle(page)
    page.locator("#close-form summary").click()
    page.locator("#close-form input[value=agreed]").check()
    page.fill("#c-terms", "一、装修施工时间限于每日 8:00–12:00、14:00–20:00；二、周末不进行噪音施工。")
    page.screenshot(path=str(screenshot_dir / "mediation_close_desk.png"), full_page=True)
    page.locator("#close-form").get_by_role("button", name="结案").click()
    settle(page)
    assert page.locator("#mediation-status").inner_text() == "达成协议"
    page.screenshot(path=str(screenshot_dir / "mediation_agreed_desk.png"), full_page=True)
    mediation.refresh_from_db()
    assert mediation.status == "agreed" and mediation.sessions.count() == 1 and mediation.parties.count() == 2
    assert Case.objects.get(pk=case.pk).status == "resolved"
    go(page, "/mediation/?status=all")
    page.screenshot(path=str(screenshot_dir / "mediation_list_desk.png"), full_page=True)
