"""Shared by the actions of services, mediation and patrols: notifications and input cleaning.

Case steps go through ``actions.common.record()``; service orders and patrols are not
cases, so they notify through ``notify()`` here (the shared inbox,
``gongzhi.core.notifications``, without a dedupe key) and audit with ``audit_record`` directly.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError
from gongzhi.core.notifications import actions as inbox
from gongzhi.org.models import RoleAssignment

from .. import error_codes as codes


def notify(user_ids: Iterable[int | None], *, actor, title: str, body: str = "", url: str = "",
           kind: str = "field") -> list[int]:
    """One in-app notification per user concerned, never to the actor. Returns who was notified."""
    return inbox.notify(users=user_ids, actor=actor, source="casework", kind=kind, title=title, body=body, url=url)


def role_holders(roles: Iterable[str], *, region_id: int) -> list[int]:
    """Users holding one of ``roles`` at the region (community or grid), active assignments only."""
    return list(
        RoleAssignment.objects.filter(role__in=sorted(roles), region_id=region_id, revoked_at__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def clean_text(value, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise ApplicationError(codes.REQUIRED, _("请填写%(label)s。") % {"label": label}, field=field)
    if len(text) > max_length:
        raise ApplicationError(
            codes.TOO_LONG,
            _("%(label)s不能超过 %(n)d 个字（当前 %(len)d 字）。") % {"label": label, "n": max_length, "len": len(text)},
            field=field,
        )
    return text


def clean_datetime(value, *, field: str, label: str) -> datetime.datetime:
    """A datetime from a form (``2026-03-01T14:30``) or the API; naive values are Beijing time."""
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        text = str(value or "").strip()
        if not text:
            raise ApplicationError(codes.REQUIRED, _("请填写%(label)s。") % {"label": label}, field=field)
        try:
            moment = datetime.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
        except ValueError:
            raise ApplicationError(
                codes.INVALID_DATETIME, _("%(label)s格式不正确，应为 年-月-日 时:分。") % {"label": label}, field=field
            ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment
