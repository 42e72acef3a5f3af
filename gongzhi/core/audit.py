"""Recording audit events.

Every action calls ``audit_record`` inside its transaction, so an event exists
exactly when the change it describes was committed.
"""

from __future__ import annotations

import datetime
import decimal
import contextvars
from collections.abc import Iterable
from typing import Any

from django.db import models

from .models import AuditEvent

_request_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_ip", default=None)


def set_request_ip(ip: str | None) -> None:
    """Called by the audit middleware; the IP is attached to events of this request."""
    _request_ip.set(ip)


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (datetime.date, datetime.datetime, decimal.Decimal)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def diff_fields(instance: models.Model, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """Return {field: [old, new]} for values that differ from the instance's."""
    changes: dict[str, list[Any]] = {}
    for name, new in new_values.items():
        old = getattr(instance, name)
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
    return changes


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: Any = "",
    target_label: str = "",
    community_id: int | None = None,
    changes: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
        target_label = target_label or str(target)[:200]
    return AuditEvent.objects.create(
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_label=target_label[:200],
        community_id=community_id,
        changes=_jsonable(changes or {}),
        details=_jsonable(details or {}),
        ip=_request_ip.get(),
    )


def audit_bulk(events: Iterable[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(list(events), batch_size=1000)
