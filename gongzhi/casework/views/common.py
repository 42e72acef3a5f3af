"""Small helpers shared by the casework pages."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.utils import timezone

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.page_errors import raise_misses
from gongzhi.org.ids import query_pk

from ..models import Case
from ..permissions import handles_anything, intake_scope, supervise_scope


def int_or_none(value) -> int | None:
    """An optional id from the query string or a form (``org.ids.query_pk``): None when absent or not
    a number, -1 (no such row) when beyond a BIGINT, so a filter never overflows the query."""
    return query_pk(value)


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def refuse_misses(exc: ApplicationError) -> None:
    """A miss is a 404 page; every other refusal is shown next to the form it came from."""
    raise_misses(exc)


def require_staff(request: HttpRequest) -> None:
    """Staff pages exist only for people who handle or supervise requests (others get a 404)."""
    if not handles_anything(request.user) and intake_scope(request.user).is_empty:
        raise NotFound()


def is_supervisor(user) -> bool:
    return not supervise_scope(user).is_empty


def overdue(case: Case, now=None) -> str:
    """What is late on an open case: "resolution" (办结时限 passed), "response" (only the 响应时限
    passed, the 办结时限 is still ahead) or "" (nothing). Truthy when anything is late."""
    now = now or timezone.now()
    if not case.is_open:
        return ""
    if case.resolution_due_at < now:
        return "resolution"
    if case.responded_at is None and case.response_due_at < now:
        return "response"
    return ""


def place_label(case: Case) -> str:
    """Where the request is, as a resident or handler would say it."""
    if case.household_id:
        household = case.household
        building = case.building
        compound = case.compound.name + " " if case.compound_id and "compound" in case._state.fields_cache else ""
        return f"{compound}{building.name} {household.unit.number}-{household.room}"
    if case.building_id:
        compound = case.compound.name + " " if case.compound_id and "compound" in case._state.fields_cache else ""
        return f"{compound}{case.building.name}" + (f" {case.address}" if case.address else "")
    return case.address
