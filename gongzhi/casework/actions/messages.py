"""A message to every household of a building, from the staff queue ("给整栋楼发消息").

Who may: whoever handles requests for the whole building (its building head, its grid's workers, the
community's staff). The audience and the sending are org's (``org.audience``), shared with the alert
cascade; this action checks, validates, sends and audits.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError, PermissionDeniedError
from gongzhi.org.audience import Audience, Reach, notify_residents
from gongzhi.org.models import Building
from gongzhi.org.permissions import access_building

from .. import error_codes as codes
from ..models import Tier
from ..permissions import tier_scope

MAX_TITLE = 60
MAX_BODY = 500


def may_message_building(user, building: Building) -> bool:
    return any(tier_scope(user, tier).contains_building(building) for tier in (Tier.BUILDING, Tier.GRID, Tier.COMMUNITY))


def building_message_send(*, actor, building_id: int, title: str, body: str, key: str) -> Reach:
    """Notify every resident with a login in the building, once per ``key`` (a double submit sends once)."""
    building = access_building(actor, building_id)
    if not may_message_building(actor, building):
        raise PermissionDeniedError(_("您不负责这栋楼，不能给全楼发消息。"))
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise ApplicationError(codes.REQUIRED, _("请填写消息标题。"), field="title")
    if len(title) > MAX_TITLE:
        raise ApplicationError(codes.TOO_LONG, _("标题最多 %(n)d 个字，现在是 %(len)d 个字。")
                               % {"n": MAX_TITLE, "len": len(title)}, field="title")
    if not body:
        raise ApplicationError(codes.REQUIRED, _("请填写消息内容。"), field="body")
    if len(body) > MAX_BODY:
        raise ApplicationError(codes.TOO_LONG, _("内容最多 %(n)d 个字，现在是 %(len)d 个字。")
                               % {"n": MAX_BODY, "len": len(body)}, field="body")
    place = f"{building.compound.name} {building.name}"
    key = (key or "").strip()[:40] or uuid.uuid4().hex
    with transaction.atomic():
        reach = notify_residents(
            actor=actor, audience=Audience("building", building.pk), source="casework", kind="building.message",
            title=title, body=body, url=reverse("inbox:list"), subject=place,
            dedupe_key=f"casework.building_message:{building.pk}:{key}",
        )
        audit_record(actor=actor, action="building.message", target=building, target_label=place,
                     community_id=building.community_id,
                     details={"title": title, "households": reach.households, "residents": reach.notified_count,
                              "unreached": reach.households_unreached})
    return reach
