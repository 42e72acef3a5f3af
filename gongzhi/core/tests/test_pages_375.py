"""Every page works on a phone 375 px wide: one Chromium sweep over every HTML page of the project.

The pages come from the URL resolver, not from a hand-kept list: a new page pattern that is
neither visited below (``VISITS``) nor listed with its reason in ``NOT_PAGES`` fails the test,
so a page added tomorrow gets swept too. Each page is opened as a user who may see it, must
answer 200 and must not be wider than the screen (wide tables scroll inside their own box, not
the page). One screenshot per page lands in the screenshot directory as ``sweep_<label>_375.png``.
All problems are collected and reported together at the end.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from conftest import browser_login
from gongzhi.org.testing.world import PASSWORD

WIDTH = 375
# Long unbroken text as people paste it (a WeChat article link) goes into the free-text fields: it must wrap.
LONG_LINK = "https://mp.weixin.qq.com/s/Zm9vYmFyLWxvbmctd2VjaGF0LWFydGljbGUtbGluay1mb3ItdGVzdGluZw"

# URL prefixes that are not pages for people: JSON/XML APIs, the Django admin, the language switch.
SKIPPED_PREFIXES = ("admin/", "api/", "open311/", "i18n/", "static/", "media/")

# Every other URL name that is not an HTML page a person opens, and why.
NOT_PAGES = {
    # Health check for load balancers (JSON).
    "core:healthz": "JSON",
    # The inbox
    "inbox:open": "POST marks read and redirects, GET only redirects (to the case page, swept as casework:detail)",
    "inbox:read_all": "POST only",
    # Accounts
    "accounts:logout": "POST only",
    # 有求必应
    "casework:similar": "POST, htmx fragment (_similar.html)",
    "casework:step": "POST only (each step of the case page)",
    "casework:reporter_phone": "POST, htmx fragment (_call.html: the call button)",
    "casework:photo": "image download",
    "casework:inbox": "redirect to inbox:list (the old address)",
    "casework:inbox_read_all": "POST only (the old address of inbox:read_all)",
    "casework:inbox_open": "redirects to the notification's link (the old address of inbox:open)",
    "casework:handler_options": "htmx fragment (_handler_options.html)",
    "casework:intake_rooms": "htmx fragment (_intake_rooms.html)",
    "casework:whistle_ack": "POST only",
    "casework_rates:export": "xlsx download",
    "casework:queue_export": "xlsx download (the queue's current filter)",
    "casework:board_export": "xlsx download (the 督办 board)",
    "casework:print_pdf": "PDF download (the case on one A4 page)",
    # Services, mediation, patrols
    "field:order_step": "POST only",
    "field:mediation_party_add": "POST only",
    "field:mediation_party_remove": "POST only",
    "field:mediation_party_phone": "htmx fragment (a tel: link)",
    "field:mediation_session_add": "POST only",
    "field:mediation_close": "POST only",
    "field:patrol_start": "POST only",
    "field:patrol_stop": "POST only",
    "field:patrol_stop_note": "POST only",
    # Org: households and residents
    "org:household_edit": "POST only",
    "org:household_add_resident": "POST only",
    "org:resident_edit": "POST only",
    "org:reveal": "POST, htmx fragment (_contact.html)",
    # Roster
    "org:roster_template": "xlsx download",
    "org:roster_export": "POST, xlsx download",
    "org:roster_upload": "POST only",
    # 双报到
    "org:party_post_claim": "POST only (htmx swaps _post_card.html)",
    "org:party_post_withdraw": "POST only (htmx swaps _post_card.html)",
    "org:party_org_create": "POST only",
    "org:party_groups_fill": "POST only",
    "org:party_resident_search": "htmx fragment (_resident_options.html)",
    "org:party_registration_end": "POST only",
    "org:party_report_xlsx": "xlsx download",
    "org:party_qr_sheet_pdf": "PDF download",
    "org:party_qr_sheets_pdf": "PDF download",
}


@dataclass(frozen=True)
class Visit:
    label: str  # screenshot name: sweep_<label>_375.png
    role: str | None  # key of world.users; None = logged out
    name: str  # URL name the path must resolve to
    path: Callable[[SimpleNamespace], str]


def _url(name: str, *args: str, query: str = "") -> Callable[[SimpleNamespace], str]:
    """The page's path, its arguments read from the sweep data by dotted name (``"case_open.pk"``)."""

    def build(d: SimpleNamespace) -> str:
        path = reverse(name, args=[_lookup(d, a) for a in args])
        return f"{path}?{query}" if query else path

    return build


def _lookup(d: SimpleNamespace, dotted: str):
    value = d
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


# Grouped by role so each role logs in once. Most pages as the community secretary (和谐社区).
VISITS = [
    Visit("login", None, "accounts:login", _url("accounts:login")),
    # A resident: own requests, services, the party QR landing page (not yet a member).
    Visit("home_resident", "resident", "core:home", _url("core:home")),
    Visit("profile", "resident", "accounts:profile", _url("accounts:profile")),
    Visit("cases_mine", "resident", "casework:mine", _url("casework:mine")),
    Visit("case_new", "resident", "casework:new", _url("casework:new")),
    Visit("case_resident", "resident", "casework:detail", _url("casework:detail", "case_resolved.pk")),
    Visit("inbox", "resident", "inbox:list", _url("inbox:list")),
    Visit("services", "resident", "field:services", _url("field:services")),
    Visit("order_new", "resident", "field:order_new", _url("field:order_new", "haircut.pk")),
    Visit("orders_mine", "resident", "field:my_orders", _url("field:my_orders")),
    Visit("order_resident", "resident", "field:order", _url("field:order", "order_posted.pk")),
    Visit("party_register", "resident", "org:party_register", _url("org:party_register", "b1_token")),
    # A party member registered with b1's group, who also takes service orders.
    Visit("home_member", "member", "core:home", _url("core:home")),
    Visit("party_register_done", "member", "org:party_register_done", _url("org:party_register_done", "b1_token")),
    Visit("party_me", "member", "org:party_me", _url("org:party_me")),
    Visit("party_posts", "member", "org:party_posts", _url("org:party_posts")),
    Visit("services_pool", "member", "field:pool", _url("field:pool")),
    # A grid worker on patrol.
    Visit("home_grid_worker", "grid_worker", "core:home", _url("core:home")),
    Visit("patrols", "grid_worker", "field:patrols", _url("field:patrols")),
    Visit("patrol", "grid_worker", "field:patrol", _url("field:patrol", "patrol.pk")),
    Visit("patrol_report", "grid_worker", "field:patrol_report", _url("field:patrol_report", "stop.pk")),
    Visit("patrol_end", "grid_worker", "field:patrol_end", _url("field:patrol_end", "patrol.pk")),
    # A building head: their units first on the home page.
    Visit("home_building_head", "building_head", "core:home", _url("core:home")),
    # A red steward's households.
    Visit("steward", "red_steward", "org:steward", _url("org:steward", "steward_assignment.pk")),
    # Sub-district staff see two communities, so /org/ is the tree itself (one root redirects).
    Visit("org_tree", "subdistrict_staff", "org:tree", _url("org:tree")),
    # A department member answering a whistle (吹哨报到).
    Visit("home_department", "department", "core:home", _url("core:home")),
    Visit("whistles", "department", "casework:whistles", _url("casework:whistles")),
    # The community secretary: desk pages of every app.
    Visit("home_secretary", "community_secretary", "core:home", _url("core:home")),
    Visit("org_community", "community_secretary", "org:region", _url("org:region", "w.c1.pk")),
    Visit("org_grid", "community_secretary", "org:region", _url("org:region", "w.g1.pk")),
    Visit("org_compound", "community_secretary", "org:compound", _url("org:compound", "w.compound_a.pk")),
    Visit("org_building", "community_secretary", "org:building", _url("org:building", "w.b1.pk")),
    Visit("org_search", "community_secretary", "org:search", _url("org:search", query="q=业主")),
    Visit("households", "community_secretary", "org:households", _url("org:households")),
    Visit("household", "community_secretary", "org:household", _url("org:household", "household.pk")),
    Visit("resident", "community_secretary", "org:resident", _url("org:resident", "resident.pk")),
    Visit("roles", "community_secretary", "org:roles", _url("org:roles")),
    Visit("audit", "community_secretary", "org:audit", _url("org:audit")),
    Visit("roster", "community_secretary", "org:roster", _url("org:roster")),
    Visit("roster_import", "community_secretary", "org:roster_import", _url("org:roster_import", "roster_import.pk")),
    Visit("party_overview", "community_secretary", "org:party_overview", _url("org:party_overview")),
    Visit("party_registrations", "community_secretary", "org:party_registrations", _url("org:party_registrations")),
    Visit("party_manage_posts", "community_secretary", "org:party_manage_posts", _url("org:party_manage_posts")),
    Visit("party_manage_post", "community_secretary", "org:party_manage_post",
          _url("org:party_manage_post", "pw.post_full.pk")),
    Visit("party_institutions", "community_secretary", "org:party_institutions", _url("org:party_institutions")),
    Visit("party_institution", "community_secretary", "org:party_institution",
          _url("org:party_institution", "pw.hospital.pk")),
    Visit("party_report", "community_secretary", "org:party_report", _url("org:party_report")),
    Visit("party_qr_sheet", "community_secretary", "org:party_qr_sheet", _url("org:party_qr_sheet", "w.b1.pk")),
    Visit("queue", "community_secretary", "casework:queue", _url("casework:queue")),
    Visit("case_staff", "community_secretary", "casework:detail", _url("casework:detail", "case_open.pk")),
    Visit("case_print", "community_secretary", "casework:print", _url("casework:print", "case_open.pk")),
    Visit("building_message", "community_secretary", "casework:building_message",
          _url("casework:building_message", query="building=1")),
    Visit("case_staff_new", "community_secretary", "casework:detail", _url("casework:detail", "dispute.pk")),
    Visit("case_five", "community_secretary", "casework:detail",
          _url("casework:detail", "case_resolved.pk", query="tab=five")),
    Visit("supervision_board", "community_secretary", "casework:board", _url("casework:board")),
    Visit("intake", "community_secretary", "casework:intake", _url("casework:intake")),
    Visit("categories", "community_secretary", "casework:categories", _url("casework:categories")),
    Visit("departments", "community_secretary", "casework:departments", _url("casework:departments")),
    Visit("rates", "community_secretary", "casework_rates:page", _url("casework_rates:page")),
    Visit("rates_custom", "community_secretary", "casework_rates:page",
          _url("casework_rates:page", query="period=custom&breakdown=category")),
    Visit("services_board", "community_secretary", "field:board", _url("field:board", query="status=all")),
    Visit("offerings", "community_secretary", "field:offerings", _url("field:offerings")),
    Visit("offering", "community_secretary", "field:offering", _url("field:offering", "haircut.pk")),
    Visit("order_dispatch", "community_secretary", "field:order_dispatch",
          _url("field:order_dispatch", "order_waiting.pk")),
    Visit("mediations", "community_secretary", "field:mediations", _url("field:mediations")),
    Visit("mediation_open", "community_secretary", "field:mediation_open", _url("field:mediation_open")),
    Visit("mediation", "community_secretary", "field:mediation", _url("field:mediation", "mediation.pk")),
]

def page_patterns(skipped: tuple[str, ...] = SKIPPED_PREFIXES) -> dict[str, str]:
    """``{url name: route}`` of every URL the resolver knows, except the ``skipped`` prefixes."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace]))
                walk(p.url_patterns, route, ns)
            elif isinstance(p, URLPattern) and not route.startswith(skipped):
                found[":".join(filter(None, [namespace, p.name or f"<unnamed {route}>"]))] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_page_pattern_is_swept_or_skipped_with_a_reason():
    """No browser needed (so it runs in every suite): a new page must join VISITS, or NOT_PAGES with the reason."""
    patterns = page_patterns()
    visited = {v.name for v in VISITS}
    missing = sorted(f"{name} ({route})" for name, route in patterns.items() if name not in visited | NOT_PAGES.keys())
    assert not missing, "Pages nobody sweeps at 375 px; add them to VISITS or NOT_PAGES:\n" + "\n".join(missing)
    stale = sorted((visited | NOT_PAGES.keys()) - patterns.keys())
    assert not stale, f"VISITS/NOT_PAGES name URLs that no longer exist: {stale}"
    assert not visited & NOT_PAGES.keys(), "A URL is both swept and skipped"
    assert len({v.label for v in VISITS}) == len(VISITS), "Screenshot labels must be unique"


def _xlsx_with_errors() -> SimpleUploadedFile:
    from gongzhi.org.tests.test_roster_import import NEW_BUILDING, NEW_HOUSEHOLD, make_workbook, owner_row

    wb = make_workbook([NEW_BUILDING], [NEW_HOUSEHOLD, NEW_HOUSEHOLD],
                       [owner_row(phone="12345"), owner_row(id_number="3401041980010100XX")])
    return SimpleUploadedFile("hexie_roster_2026Q1_yangguang_compound_final_revised_v3.xlsx", wb.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def sweep_data(w) -> SimpleNamespace:
    """One of everything a page can show, made through the actions (as people would)."""
    from gongzhi.casework.actions import lifecycle
    from gongzhi.casework.actions.intake import case_submit
    from gongzhi.casework.mediation import actions as mediation_actions
    from gongzhi.casework.patrols import actions as patrol_actions
    from gongzhi.casework.services import actions as service_actions
    from gongzhi.casework.models import Channel
    from gongzhi.org.party import actions as party_actions
    from gongzhi.org.actions import people as people_actions
    from gongzhi.org.roster.actions import roster_import_start
    from gongzhi.org.models import RoleAssignment
    from gongzhi.org.testing.party_world import build_party_world

    u = w.users
    secretary, head = u["community_secretary"], u["building_head"]
    pw = build_party_world(w)
    home = w.h("b1 1-101")
    # Requests: one open (whistled to 房管所), one resolved and waiting for the resident.
    case_open = case_submit(
        actor=u["resident"], household_id=home.pk,  # starts with a link, so the title is one unbroken word
        description=f"{LONG_LINK} 视频里是1栋1单元的楼道，灯坏了三天，晚上一片漆黑，老人差点摔倒",
    )
    lifecycle.case_whistle(actor=secretary, case_id=case_open.pk, department_id=w.departments["housing"].pk,
                           reason="楼道公共照明维修责任不清，请房管所到场认定")
    case_resolved = case_submit(actor=u["resident"], household_id=home.pk,
                                description="楼下垃圾桶满了两天没人清运，味道很大，夏天招苍蝇")
    lifecycle.case_accept(actor=head, case_id=case_resolved.pk, note="马上联系保洁")
    lifecycle.case_progress(actor=head, case_id=case_resolved.pk, note="已联系环卫所，下午来车", public=True)
    lifecycle.case_resolve(actor=head, case_id=case_resolved.pk, result="垃圾已清运，桶已冲洗消毒")
    people_actions.household_update(actor=secretary, household_id=home.pk,
                                    data={"note": f"2025年改造过水电，图纸见 {LONG_LINK}"})
    people_actions.resident_update(actor=secretary, resident_id=w.residents["b1 1-101 family"].pk,
                                   data={"note": f"独居时段多，子女联系方式见微信群公告 {LONG_LINK}"})
    # Mediation of a neighbour dispute, with both sides and one session.
    dispute = case_submit(actor=u["community_staff"], channel=Channel.WALK_IN, building_id=w.b1.pk,
                          reporter_name="王先生", description="楼上装修噪音扰民，晚上十点还在打电钻，邻里多次争吵")
    mediation = mediation_actions.mediation_open(actor=secretary, case_id=dispute.pk, note="双方同意调解")
    mediation_actions.mediation_add_party(actor=secretary, mediation_id=mediation.pk, side="applicant",
                                          name="王先生", phone="13900002222")
    mediation_actions.mediation_add_party(actor=secretary, mediation_id=mediation.pk, side="respondent",
                                          name="赵女士", phone="13900003333")
    mediation_actions.mediation_add_session(
        actor=secretary, mediation_id=mediation.pk, held_at=(timezone.localtime() - datetime.timedelta(hours=2))
        .strftime("%Y-%m-%dT%H:%M"), place="社区调解室", attendees="王先生、赵女士、网格员",
        notes=f"双方陈述了情况；约定施工时间为工作日 8:00–12:00、14:00–18:00。施工许可见 {LONG_LINK}")
    # Services: one order posted to the pool, one waiting for 派单.
    haircut = service_actions.offering_create(actor=secretary, community_id=w.c1.pk, title="上门理发",
                                              description=f"适合行动不便的老人，每周二、四上午。介绍：{LONG_LINK}")
    escort = service_actions.offering_create(actor=secretary, community_id=w.c1.pk, title="陪诊",
                                             provider="party_member")
    order_posted = service_actions.order_place(actor=u["resident"], offering_id=haircut.pk, household_id=home.pk,
                                               note="老人腿脚不便，想请师傅上门", preferred_time="周六上午")
    service_actions.order_post(actor=secretary, order_id=order_posted.pk)
    order_waiting = service_actions.order_place(actor=u["resident"], offering_id=escort.pk, household_id=home.pk,
                                                note="下周三去市一院复查", preferred_time="下周三 8:00")
    # A patrol under way with one stop.
    patrol = patrol_actions.patrol_start(actor=u["grid_worker"], grid_id=w.g1.pk)
    stop = patrol_actions.patrol_stop_add(actor=u["grid_worker"], patrol_id=patrol.pk, building_id=w.b1.pk,
                                          note=f"1单元门口堆放了旧家具，堵住消防通道，照片已发群 {LONG_LINK}")
    # Party: a partner unit and a post with long details.
    party_actions.institution_create(actor=secretary, community_id=w.c1.pk, data={
        "name": "合肥市蜀山区城市管理行政执法大队南七中队", "kind": "resident_unit", "contact_name": "周队长",
        "contact_phone": "0551-63601234", "address": "蜀山区黄山路与肥西路交口东北角综合楼三层",
        "services_offered": f"市容巡查、违建拆除咨询；预约 {LONG_LINK}", "is_partner": True})
    party_actions.post_update(actor=secretary, post_id=pw.post_full.pk, data={
        "description": f"每周探访一次独居老人，记录身体和生活情况。探访表下载：{LONG_LINK}",
        "location": "阳光小区、翠竹苑（以网格员分配为准）"})
    # A roster upload with row errors (nothing imported; the page lists them).
    roster_import = roster_import_start(actor=secretary, community_id=w.c1.pk, upload=_xlsx_with_errors())
    w.b1.refresh_from_db()
    return SimpleNamespace(
        w=w, pw=pw, case_open=case_open, case_resolved=case_resolved, dispute=dispute, mediation=mediation,
        haircut=haircut, order_posted=order_posted, order_waiting=order_waiting, patrol=patrol, stop=stop,
        roster_import=roster_import, household=home, resident=w.residents["b1 1-101 family"],
        steward_assignment=RoleAssignment.objects.get(user=u["red_steward"], role="red_steward"),
        b1_token=w.b1.qr_token,
    )


OPEN_DETAILS_JS = """() => {
  document.querySelectorAll('main details').forEach((d) => { d.open = true; });
  return document.documentElement.scrollWidth;
}"""

# Root causes of overflow, for the failure message: a box sticking out of a parent that fits, or a box that fits
# with text (a long word) running out of it. Content scrolling or clipped inside its own box (the menu, a wide
# table in .table-wrap) does not count.
CULPRITS_JS = """(width) => {
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const clips = (el) => getComputedStyle(el).overflowX !== 'visible';
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) if (clips(a)) return true;
    return false;
  };
  const reach = (el) => {
    const r = el.getBoundingClientRect();
    return clips(el) ? r.right : Math.max(r.right, r.left + el.scrollWidth);
  };
  const out = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || reach(el) <= width + 0.5 || clipped(el)) continue;
    const boxOut = r.right > width + 0.5 && el.parentElement.getBoundingClientRect().right <= width + 0.5;
    const textOut = r.right <= width + 0.5 && ![...el.children].some((c) => reach(c) > width + 0.5);
    if (boxOut || textOut) out.add(name(el.parentElement) + ' > ' + name(el) + ' (' + Math.round(reach(el)) + 'px)');
  }
  return [...out].slice(0, 5);
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])  # English labels are longer than Chinese ones
def test_every_page_fits_a_phone(phone_page, case_world, screenshot_dir, settings, tmp_path, language):
    settings.MEDIA_ROOT = tmp_path / "media"
    suffix = "" if language == "zh-hans" else f"_{language}"
    page = phone_page
    d = sweep_data(case_world)
    failures: list[str] = []
    current_role = "?"
    for visit in VISITS:
        path = visit.path(d)
        assert resolve(path.split("?")[0]).view_name == visit.name, (visit.label, path)
        if visit.role != current_role:
            page.context.clear_cookies()
            if visit.role is not None:
                user = case_world.users[visit.role]
                browser_login(page, user.phone, PASSWORD)
                assert "/accounts/login/" not in page.url, f"{visit.role} could not log in"
            page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                                       "url": page.base_url}])
            current_role = visit.role
        response = page.goto(page.base_url + path)
        status = response.status if response else None
        page.screenshot(path=str(screenshot_dir / f"sweep_{visit.label}_{WIDTH}{suffix}.png"))
        where = f"{visit.label} ({visit.role or 'logged out'}, {language}) {path}"
        # The QR sheet is printed and posted in the stairwell for residents: always Chinese.
        expected_lang = "zh-CN" if language == "zh-hans" or visit.label == "party_qr_sheet" else language
        if page.evaluate("document.documentElement.lang") != expected_lang:
            failures.append(f"{where}: not shown in {language}")
        if status != 200:
            failures.append(f"{where}: HTTP {status}")
            continue
        if urlsplit(page.url).path != urlsplit(path).path:  # swept something else than the page meant
            failures.append(f"{where}: redirected to {page.url}")
        # The forms folded into <details> (登记居民, 办结, …) must fit too once unfolded.
        width = page.evaluate(OPEN_DETAILS_JS)
        if width > WIDTH:
            culprits = page.evaluate(CULPRITS_JS, WIDTH)
            failures.append(f"{where}: {width}px wide; sticking out: {'; '.join(culprits)}")
    assert not failures, f"{len(failures)} of {len(VISITS)} pages fail at {WIDTH} px:\n" + "\n".join(failures)
