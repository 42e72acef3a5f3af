"""A GET writes nothing (issue #6, point 5): every page and API read, for the roles that use them.

The walk counts INSERT/UPDATE/DELETE statements while each GET runs. The one write a read may make on
purpose is the audit trail of a look at personal data (PIPL): an ``AuditEvent`` row for a sensitive-tag
read or a contact reveal. Anything else — seeding defaults, marking read, touching timestamps — belongs
in an action behind a POST.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from gongzhi.core.tests.test_pages_375 import page_patterns
from gongzhi.testing.kit import client_for

from .test_page_api_parity import TWINS, twin_objects

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
ALLOWED_WRITE = re.compile(r'^\s*INSERT INTO "core_auditevent"', re.IGNORECASE)
ROLES = ["resident", "grid_worker", "building_head", "community_staff", "community_secretary", "subdistrict_staff",
         "volunteer", "department", "property_staff", "red_steward"]
# Paths that are not reads of the app: logout ends the session by design; the admin and the language switch.
SKIP = re.compile(r"^/(admin/|accounts/logout/|i18n/|api/docs|static/|media/)")


def _plain_page_paths() -> list[str]:
    """Every page URL without parameters (the resolver's own list, so new pages are walked too)."""
    routes = page_patterns(skipped=("admin/", "api/", "i18n/", "static/", "media/")).values()
    paths = {"/" + r for r in routes if not any(c in r for c in "<(^$")}
    return sorted(p for p in paths if not SKIP.match(p))


def _api_list_paths() -> list[str]:
    from config.api import api

    return sorted(
        "/api" + path if not path.startswith("/api") else path
        for path, ops in api.get_openapi_schema()["paths"].items()
        if "get" in ops and "{" not in path
    )


class WriteCounter:
    def __init__(self):
        self.writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        if WRITE.match(sql) and not ALLOWED_WRITE.match(sql):
            self.writes.append(sql.split(" WHERE ")[0][:120])
        return execute(sql, params, many, context)


@pytest.fixture
def objects(case_world):
    return twin_objects(case_world)


@pytest.mark.parametrize("role", ROLES)
def test_no_get_writes(case_world, objects, role):
    client = client_for(case_world.users[role])
    urls = _plain_page_paths() + [p for p in _api_list_paths() if "{" not in p]
    for kind, (page_url, api_url) in TWINS.items():
        for pk in objects[kind]:
            urls += [page_url.format(pk=pk), api_url.format(pk=pk)]
    # Opening a notification from the list or the bell (each role has some from the objects above).
    from gongzhi.core.notifications.models import Notification

    for pk in Notification.objects.filter(user=case_world.users[role]).values_list("pk", flat=True)[:2]:
        urls += [f"/inbox/{pk}/", f"/cases/inbox/{pk}/"]  # the new link and an old one
    assert len(urls) > 60
    community = case_world.c1.pk
    offenders = {}
    for url in urls:
        counter = WriteCounter()
        with connection.execute_wrapper(counter):
            response = client.get(url, {"community": community} if "community" not in url else {})
        assert response.status_code < 500, (url, response.status_code)
        if counter.writes:
            offenders[url] = sorted(set(counter.writes))
    assert not offenders, f"{role}: GETs that write: {offenders}"


def test_reads_of_a_new_community_seed_nothing(case_world):
    """A community's default categories are set up when it is prepared, not by whoever reads first."""
    from gongzhi.accounts.models import User
    from gongzhi.casework.models import Category

    c3 = case_world.sub.create_community(name="新建社区", code="T03")
    root = User.objects.create_superuser("13900008888", "x-2026-root", name="管理员")
    staff = client_for(root)
    counter = WriteCounter()
    with connection.execute_wrapper(counter):
        for url in ("/open311/v2/services.json?jurisdiction_id=T03", "/open311/v2/services/streetlight.json"
                    "?jurisdiction_id=T03", "/open311/v2/services.xml?jurisdiction_id=T03"):
            assert Client().get(url).status_code < 500, url
        assert staff.get(f"/casework/categories/?community={c3.pk}").status_code == 200
    assert counter.writes == []
    assert not Category.objects.filter(community=c3).exists()


def test_preparing_a_community_runs_every_apps_setup_once(case_world):
    from gongzhi.casework.models import Category
    from gongzhi.org.setup import community_prepare

    c3 = case_world.sub.create_community(name="新建社区", code="T03")
    community_prepare(community_id=c3.pk)
    seeded = Category.objects.filter(community=c3).count()
    assert seeded >= 10
    community_prepare(community_id=c3.pk)  # idempotent
    assert Category.objects.filter(community=c3).count() == seeded
