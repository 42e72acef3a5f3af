"""In Chromium at 375 px: a party member scans the building's code, registers and claims a post;
staff pages stay usable on a phone."""

import pytest

from conftest import browser_login, nav_click, settle
from gongzhi.org.models import PartyMember, PartyRegistration, PostClaim
from gongzhi.org.testing.party_world import build_party_world
from gongzhi.org.testing.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_member_scans_registers_and_claims_a_post(phone_page, world, screenshot_dir):
    pw = build_party_world(world)
    page = phone_page
    user = world.users["resident"]
    qr_path = f"/party/r/{world.b1.qr_token}/"
    # Scanning the code while logged out: log in, then land back on the building's page.
    page.goto(page.base_url + qr_path)
    assert "/accounts/login/" in page.url
    page.fill("#id_phone", user.phone)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    settle(page)
    assert page.url == page.base_url + qr_path
    assert "阳光小区1栋党小组" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "party_register_form_375.png"), full_page=True)
    assert fits_phone(page)
    # 在职: the employer fields show; 在地 hides them (CSS only, no script).
    page.get_by_text("在地党员", exact=True).click()
    assert not page.locator("#employer_id").is_visible()
    page.get_by_text("在职党员", exact=True).click()
    assert page.locator("#employer_id").is_visible()
    page.click("button:has-text('确认报到')")  # no employer yet
    settle(page)
    assert "工作单位" in page.locator("#register-error").inner_text()
    page.screenshot(path=str(screenshot_dir / "party_register_error_375.png"), full_page=True)
    page.select_option("#employer_id", label="市第一人民医院")
    page.click("button:has-text('确认报到')")
    settle(page)
    assert page.url == page.base_url + qr_path + "done/"
    assert page.locator("h1").inner_text() == "报到成功"
    assert "阳光小区1栋党小组" in page.locator("#register-success").inner_text()
    page.screenshot(path=str(screenshot_dir / "party_register_done_375.png"), full_page=True)
    assert fits_phone(page)
    member = PartyMember.objects.get(resident__user=user)
    assert member.kind == "employed" and member.employer == pw.hospital
    assert PartyRegistration.objects.get(member=member, ended_at__isnull=True).method == "qr"
    # Next step: the posts list, claim one (htmx swaps the card in place).
    page.get_by_role("link", name="查看服务岗位").click()
    settle(page)
    card = page.locator(f"#post-{pw.post_open.pk}")
    assert "已认领 0/2 人" in card.inner_text()
    assert page.locator(f"#post-{pw.post_full.pk} button:has-text('已满')").is_disabled()
    page.screenshot(path=str(screenshot_dir / "party_posts_375.png"), full_page=True)
    card.get_by_role("button", name="认领").click()
    page.wait_for_selector(f"#post-{pw.post_open.pk} :text('我已认领')")
    assert "已认领 1/2 人" in page.locator(f"#post-{pw.post_open.pk}").inner_text()
    assert page.url.endswith(f"/party/posts/?community={world.c1.pk}")  # no page load
    page.screenshot(path=str(screenshot_dir / "party_posts_claimed_375.png"), full_page=True)
    assert fits_phone(page)
    assert PostClaim.objects.get(post=pw.post_open, member=member).status == "active"
    # Category filter and the member's own page.
    page.get_by_role("link", name="为老服务").click()
    settle(page)
    assert page.locator(".post").count() == 1 and "独居老人探访" in page.locator(".post").inner_text()
    page.goto(page.base_url + "/party/me/")
    assert "楼道卫生监督" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "party_me_375.png"), full_page=True)
    page.goto(page.base_url + "/")
    assert "我的双报到" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "party_home_member_375.png"), full_page=True)


def test_staff_pages_on_a_phone(phone_page, world, screenshot_dir):
    build_party_world(world)
    page = phone_page

    browser_login(page, world.users["community_secretary"].phone, PASSWORD)
    nav_click(page, "党建")
    assert "阳光小区1栋党小组" in page.locator("#orgtree").inner_text()
    page.screenshot(path=str(screenshot_dir / "party_overview_375.png"), full_page=True)
    assert fits_phone(page)
    # Staff entry: find the resident with htmx, register them with b2's group.
    page.get_by_role("link", name="报到登记").click()
    settle(page)
    page.locator("#staff-entry summary").click()
    resident = world.residents["b2 1-102 owner"]
    page.fill("#e-rq", resident.phone[-4:])
    page.wait_for_selector(f"#resident-options input[value='{resident.pk}']")
    page.check(f"#resident-options input[value='{resident.pk}']")
    page.select_option("#e-kind", "resident")
    page.select_option("#e-building", str(world.b2.pk))
    page.screenshot(path=str(screenshot_dir / "party_staff_entry_375.png"), full_page=True)
    page.click("#staff-entry button[type=submit]")
    settle(page)
    assert f"已为 {resident.name} 登记报到" in page.locator(".messages").inner_text()
    assert resident.name in page.locator("#registrations").inner_text()
    page.screenshot(path=str(screenshot_dir / "party_registrations_375.png"), full_page=True)
    assert fits_phone(page)
    for path, name in (("/party/manage/posts/", "party_manage_posts_375.png"),
                       ("/party/institutions/", "party_institutions_375.png"),
                       ("/party/report/", "party_report_375.png"),
                       (f"/party/buildings/{world.b1.pk}/qr/", "party_qr_sheet_375.png")):
        page.goto(page.base_url + path)
        page.screenshot(path=str(screenshot_dir / name), full_page=True)
        assert fits_phone(page), path
