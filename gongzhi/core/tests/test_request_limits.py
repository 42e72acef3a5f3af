"""A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 with a clear message everywhere, never a 500 (issue #7).

The limit is lowered to 64 KB here so the requests stay small; the answers are the same at 40 MB.
"""

import json

import pytest

from gongzhi.casework.models import Case, CaseEvent
from gongzhi.casework.open311.testing import BASE, new_key, xml_root
from gongzhi.core.models import AuditEvent
from gongzhi.testing import kit

pytestmark = pytest.mark.django_db

LIMIT = 64 * 1024
snapshot = kit.snapshot_of(Case, counts=(CaseEvent, AuditEvent))


@pytest.fixture
def small_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT


def too_big_text() -> str:
    return "漏水" * LIMIT


def test_api_answers_413_with_the_error_body(case_world, small_limit):
    w = case_world
    client = kit.client_for(w.users["resident"])
    before = snapshot()
    body = json.dumps({"household_id": w.h("b1 1-101").pk, "description": too_big_text()})
    response = client.post("/api/casework/cases", data=body, content_type="application/json")
    assert response.status_code == 413, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "code": "request_too_large",
        "message": "提交的内容过大（上限 0.0625 MB），请减少或压缩照片、缩短文字后再提交。",
    }
    assert snapshot() == before


def test_api_with_a_bearer_token_too(case_world, small_limit):
    from django.test import Client

    from gongzhi.accounts.actions import api_token_create

    _, key = api_token_create(user=case_world.users["community_staff"], name="probe")
    response = Client().post("/api/casework/cases", data=json.dumps({"description": too_big_text()}),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


@pytest.mark.parametrize("enforce_csrf_checks", [False, True])  # the CSRF check reads the form before the view
def test_pages_answer_a_chinese_413_page(case_world, small_limit, enforce_csrf_checks):
    w = case_world
    client = kit.client_for(w.users["resident"], enforce_csrf_checks=enforce_csrf_checks)
    client.get("/cases/new/")  # the CSRF cookie, as a browser has it
    before = snapshot()
    response = client.post("/cases/new/", {"place": f"h:{w.h('b1 1-101').pk}", "description": too_big_text(),
                                           "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 413
    page = response.content.decode()
    assert "提交的内容过大（上限 0.0625 MB）" in page and "<html" in page
    assert snapshot() == before


def test_open311_answers_413_in_its_own_format(client, case_world, small_limit):
    key = new_key()
    form = {"api_key": key, "jurisdiction_id": "T01", "service_code": "environment", "address_string": "东门",
            "description": too_big_text()}
    before = snapshot()
    response = client.post(BASE + "requests.json", form)
    assert response.status_code == 413
    [error] = response.json()
    assert error["code"] == 413 and "提交的内容过大" in error["description"]
    response = client.post(BASE + "requests.xml", form)
    assert response.status_code == 413
    assert xml_root(response).findtext("error/code") == "413"
    assert snapshot() == before


def test_the_schema_documents_413_for_operations_with_a_body(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/casework/cases"]["post"]
    assert "413" in operation["responses"]
    assert "413" not in schema["paths"]["/api/casework/cases"]["get"]["responses"]
