"""Every page sends a Content-Security-Policy and has no inline script (issue #7 point 9).

The pages are the 375-px sweep's (``VISITS`` with its ``sweep_data``: every HTML page of the
project, each opened as a user who may see it, so a new page is covered once it joins the sweep)
plus the error pages. Each answer must carry the policy, whose ``script-src`` allows neither
inline code nor eval, and its HTML must need neither: no ``<script>`` without ``src`` (JSON data
blocks excepted), no ``on…=`` handler, no ``javascript:`` link, no ``hx-on`` (htmx evaluates it).
A browser test checks that Chromium, enforcing the policy, reports no violation and that the
behaviour moved into ``static/js/app.js`` still works.
"""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import browser_login
from gongzhi.core.tests.test_pages_375 import VISITS, sweep_data
from gongzhi.org.testing.world import PASSWORD
from gongzhi.testing.kit import client_for

ROOT = Path(__file__).resolve().parent.parent
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href"}


class InlineScripts(HTMLParser):
    """Collects what a policy without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "script" and not a.get("src") and a.get("type", "").lower() not in DATA_SCRIPT_TYPES:
            self._in_script = True
        for name, value in a.items():
            if name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"<{tag} {name}=…>")
            elif name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=\"javascript:…\">")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}</script>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def inline_scripts(html: str) -> list[str]:
    parser = InlineScripts()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_inline_script():
    html = ('<script>alert(1)</script><script src="/static/x.js"></script><script type="application/json">{}</script>'
            '<button onclick="go()">x</button><a href="javascript:history.back()">y</a><div hx-on:click="z()"></div>')
    assert inline_scripts(html) == ["<script>alert(1)</script>", "<button onclick=…>", '<a href="javascript:…">',
                                    "<div hx-on:click=…>"]


def test_the_policy_forbids_inline_script_and_eval():
    directives = dict(d.strip().split(" ", 1) for d in settings.CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "http" not in settings.CONTENT_SECURITY_POLICY  # no CDN, no other site


@pytest.mark.django_db
def test_every_page_sends_the_policy_and_has_no_inline_script(case_world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    d = sweep_data(case_world)
    failures: list[str] = []
    clients: dict = {}
    visits = [(v.role, v.path(d)) for v in VISITS] + [
        ("community_secretary", "/cases/999999999/"),  # the 404 page
        ("community_secretary", "/org/party/report/?year=1800"),  # a page error (error.html)
        (None, "/api/docs"),  # the API's own page (Swagger UI from static files)
    ]
    for role, path in visits:
        if role not in clients:
            clients[role] = client_for(case_world.users[role]) if role else client_for_anonymous()
        response = clients[role].get(path)
        where = f"{path} ({role or 'logged out'}, {response.status_code})"
        if response.get("Content-Security-Policy") != settings.CONTENT_SECURITY_POLICY:
            failures.append(f"{where}: no Content-Security-Policy header")
        if "html" in response.get("Content-Type", ""):
            found = inline_scripts(response.content.decode())
            if found:
                failures.append(f"{where}: {', '.join(sorted(set(found)))}")
    assert len(visits) > 60
    assert not failures, f"{len(failures)} pages break the policy:\n" + "\n".join(failures)


def client_for_anonymous():
    from django.test import Client

    return Client()


def test_json_answers_carry_the_policy_too(client):
    assert client.get("/healthz").get("Content-Security-Policy") == settings.CONTENT_SECURITY_POLICY


def test_deploy_check_is_clean():
    """``manage.py check --deploy`` with the production settings: HSTS, SSL redirect, secure cookies."""
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.prod",
           "SECRET_KEY": "k3y-for-the-deploy-check-only-" + "x7Qp2Lm9Zr4Tv8Wn1Bc6Hd3Jf5Gs0Ky", "ALLOWED_HOSTS": "gongzhi.example.cn",
           "GONGZHI_VAR_DIR": str(ROOT / "var")}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_enforcing_the_policy_sees_no_violation(desk_page, case_world, screenshot_dir):
    from gongzhi.core.tests.test_pages_375 import sweep_data as build

    d = build(case_world)
    page = desk_page
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    browser_login(page, case_world.users["subdistrict_staff"].phone, PASSWORD)
    # Sub-district staff see two communities (party overview): the picker's select submits itself (data-autosubmit).
    page.goto(page.base_url + reverse("org:party_overview"))
    picker = page.locator("select#community-switch")
    other = picker.locator("option:not([selected])").first.get_attribute("value")
    with page.expect_navigation():
        picker.select_option(other)
    assert f"community={other}" in page.url
    page.context.clear_cookies()
    browser_login(page, case_world.users["community_secretary"].phone, PASSWORD)
    # data-confirm: dismissing the question keeps the form from being sent.
    page.goto(page.base_url + "/org/roles/")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    before = page.url
    page.locator("button[name=revoke]").first.click()
    assert asked and page.url == before
    for path in ("/", "/casework/", f"/cases/{d.case_open.pk}/", "/org/households/", reverse("org:party_qr_sheet", args=[d.w.b1.pk]),
                 "/api/docs"):
        page.goto(page.base_url + path)
        page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshot_dir / "csp_api_docs.png"))
    assert not violations, violations
