"""The published API schema tells the truth: generated requests against /api/openapi.json.

Schemathesis builds requests from the schema (a fixed number per operation, derandomized, so
every run sends the same ones) and sends them in-process through Django's test client, logged
in with a bearer token of the test world's community staff. Every answer must be documented:
no 5xx, a status the operation lists, the content type and body its schema says. Each request
runs in a savepoint that is rolled back, so writes don't change what the next request sees.
"""

from __future__ import annotations

import time

import pytest
import requests
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 4  # about 100 operations: a few hundred cases, well under a minute


def _call(client, case, token: str) -> Response:
    """Send the case through Django's test client; wrap the answer for schemathesis."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    request = requests.Request(
        method=kwargs["method"], url=kwargs["url"], headers=kwargs.get("headers"), params=kwargs.get("params"),
        json=kwargs.get("json"), data=kwargs.get("data"), files=kwargs.get("files"),
    ).prepare()
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    headers = {k: v for k, v in request.headers.items() if k.lower() not in ("content-type", "content-length")}
    headers["Authorization"] = f"Bearer {token}"
    started = time.monotonic()
    with transaction.atomic():
        answer = client.generic(
            request.method, request.path_url, data=body,
            content_type=request.headers.get("Content-Type", "application/octet-stream"), headers=headers,
        )
        transaction.set_rollback(True)
    return Response(
        status_code=answer.status_code,
        headers={k.lower(): [v] for k, v in answer.headers.items()},
        content=answer.content,
        request=request,
        elapsed=time.monotonic() - started,
        verify=True,
    )


def _body_schema(raw: dict, operation) -> dict:
    """The operation's published JSON body schema, its $ref resolved ({} when it takes none)."""
    body = (operation.definition.raw.get("requestBody") or {}).get("content", {}).get("application/json", {})
    schema = body.get("schema", {})
    while "$ref" in schema:
        schema = raw["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _accepts_what_it_publishes(raw: dict, operation, case, response) -> None:
    """The request side of the contract: what the schema allows, the server accepts as well-formed.

    Every generated case is valid by the published schema, so the server's own validation must not
    call it malformed (422: the schema documents other names or types than the server reads, as
    ``DispatchIn`` once said ``assignee_id`` for ``handler_id``), and an action must not refuse it
    for a missing field the schema calls optional (``ReasonIn`` once published ``reason`` as
    optional for reject/escalate/reopen). A field required only sometimes says so in its
    ``description`` (``checked(description=…)``).
    """
    if response.status_code == 422:
        raise AssertionError(f"schema-valid input refused as malformed: {response.content[:200]!r}")
    if response.status_code != 400 or not isinstance(case.body, dict):
        return
    field = (response.json() or {}).get("field")
    schema = _body_schema(raw, operation)
    prop = schema.get("properties", {}).get(field)
    if prop is not None and field not in case.body and field not in schema.get("required", []) \
            and not prop.get("description"):
        raise AssertionError(f"{field!r} is optional in the schema but the server requires it")


def _first_failure(exc: BaseException) -> str:
    inner = getattr(exc, "exceptions", None)
    exc = inner[0] if inner else exc
    return " ".join(str(exc).split())[:200] or type(exc).__name__


@pytest.mark.django_db
@pytest.mark.slow
def test_every_answer_is_documented(world):
    from django.test import Client

    from gongzhi.accounts.actions import api_token_create

    client = Client(raise_request_exception=False)  # a 5xx is an answer to check, not an error here

    _, token = api_token_create(user=world.users["community_staff"], name="schemathesis")
    raw = client.get("/api/openapi.json").json()
    schema = schemathesis.openapi.from_dict(raw)
    failures: list[str] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal sent
            sent += 1
            response = _call(client, case, token)
            try:
                case.validate_response(response, checks=CHECKS)
                _accepts_what_it_publishes(raw, operation, case, response)
            except BaseException as exc:  # a FailureGroup: collected, reported all together below
                if failures and failures[-1].startswith(f"{operation.method.upper()} {operation.path} "):
                    return  # the first failure of an operation is enough
                failures.append(f"{operation.method.upper()} {operation.path} -> {response.status_code}: "
                                f"{_first_failure(exc)}\n    {case.as_curl_command()}\n"
                                f"    {response.content[:300].decode(errors='replace')}")

        check()
    assert sent > 200
    assert not failures, f"{len(failures)} undocumented answers:\n" + "\n".join(failures)


def test_operation_ids_are_stable_and_unique(client):
    """``<tag>_<function>``, whatever module the function lives in; two operations never share one."""
    schema = client.get("/api/openapi.json").json()
    operations = [op for item in schema["paths"].values() for op in item.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for op in operations:
        assert op["operationId"].startswith(op["tags"][0].replace("-", "_") + "_"), op["operationId"]
    assert "field_order_take" in ids and "party_post_claim" in ids and "casework_rates_rates_get" in ids


def test_schema_names_are_unique(monkeypatch):
    """Two schemas of the same name would overwrite each other in ``components`` (ninja keeps the last)."""
    from ninja.openapi.schema import OpenAPISchema

    from config.api import api

    seen: dict[str, dict] = {}
    clashes: set[str] = set()
    add = OpenAPISchema.add_schema_definitions

    def checking_add(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            if seen.setdefault(name, definition) != definition:
                clashes.add(name)
        add(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", checking_add)
    api.get_openapi_schema()
    assert not clashes, f"schemas with the same name and different content: {sorted(clashes)}"


def _schema_classes() -> dict[str, set[type]]:
    """Every pydantic class an operation reads or answers with (nested ones too), by published name."""
    import typing

    from pydantic import BaseModel

    from config.api import api

    found: dict[str, set[type]] = {}
    seen: set = set()

    def walk(annotation) -> None:
        if annotation in seen:
            return
        seen.add(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.setdefault(annotation.__name__, set()).add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)
        for arg in typing.get_args(annotation):
            walk(arg)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.models, *operation.response_models.values()]:
                    walk(model)
    published = api.get_openapi_schema()["components"]["schemas"]  # not ninja's own wrappers (BodyParams …)
    return {name: classes for name, classes in found.items() if name in published}


def test_no_two_schema_classes_share_a_name():
    """One name, one class: ``components`` keeps one schema per name, so a second ``DispatchIn`` or
    ``ReportOut`` elsewhere would be documented with the other's fields (even if today they match)."""
    classes = _schema_classes()
    assert {"CaseOut", "PatrolReportOut", "RatesReportOut", "OrderDispatchIn", "DispatchIn", "Error"} <= classes.keys()
    shared = {name: sorted(f"{c.__module__}.{c.__qualname__}" for c in cs) for name, cs in classes.items()
              if len(cs) > 1}
    assert not shared, f"schema classes sharing a name: {shared}"


@pytest.mark.parametrize("path", [
    "/api/casework/cases/{case_id}/reject", "/api/casework/cases/{case_id}/escalate",
    "/api/casework/cases/{case_id}/reopen", "/api/field/services/orders/{order_id}/release",
])
def test_a_reason_the_action_requires_is_required_in_the_schema(client, path):
    """The generated requests rarely reach these actions (a random id is a 404), so say it here."""
    raw = client.get("/api/openapi.json").json()
    body = raw["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = raw["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert "reason" in schema.get("required", []) and schema["properties"]["reason"].get("minLength") == 1
