"""Service records: the hours a member actually served on a claimed post, entered by staff."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError

from ... import error_codes as codes
from ...actions.common import clean_date, clean_text
from ...models import ServiceRecord
from ...permissions import MANAGE_PARTY, VIEW_PARTY, require
from ..permissions import access_claim


def _clean_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(codes.INVALID_HOURS, _("服务时长必须是数字（小时）。"), field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > 24:
        raise ApplicationError(codes.INVALID_HOURS, _("服务时长必须大于 0 且不超过 24 小时。"), field="hours")
    if hours != hours.quantize(Decimal("0.1")):
        raise ApplicationError(codes.INVALID_HOURS, _("服务时长最多保留一位小数，如 1.5。"), field="hours")
    return hours.quantize(Decimal("0.1"))


@transaction.atomic
def service_record_add(*, actor, claim_id: int, served_on, hours, note: str = "") -> ServiceRecord:
    """Staff record hours actually served on a claimed post (travel excluded)."""
    claim = access_claim(actor, claim_id, VIEW_PARTY)
    require(actor, MANAGE_PARTY, "community", claim.post.community_id)
    hours_value = _clean_hours(hours)
    day = clean_date(served_on, field="served_on", label=_("服务日期"))
    if day is None:
        raise ApplicationError(codes.INVALID_DATE, _("请填写服务日期。"), field="served_on")
    if day > timezone.localdate():
        raise ApplicationError(codes.INVALID_DATE, _("服务日期不能晚于今天。"), field="served_on")
    claimed_on = timezone.localdate(claim.claimed_at)
    if day < claimed_on:
        raise ApplicationError(
            codes.INVALID_DATE, _("服务日期不能早于认领日期（%(d)s）。") % {"d": claimed_on.isoformat()},
            field="served_on",
        )
    if claim.withdrawn_at is not None and day > timezone.localdate(claim.withdrawn_at):
        raise ApplicationError(
            codes.INVALID_DATE,
            _("该党员已于 %(d)s 退出岗位，服务日期不能晚于退出日期。") % {"d": timezone.localdate(claim.withdrawn_at)},
            field="served_on",
        )
    note = clean_text(note, field="note", label=_("服务内容"), max_length=200, required=False)
    record = ServiceRecord.objects.create(claim=claim, served_on=day, hours=hours_value, note=note, recorded_by=actor)
    audit_record(
        actor=actor, action="service_record.add", target_type="org.servicerecord", target_id=record.pk,
        target_label=f"{claim.member.resident.name} · {claim.post.title} · {day} · {hours_value}h",
        community_id=claim.post.community_id,
        changes={"claim": claim.pk, "served_on": day, "hours": hours_value, "note": note},
    )
    return record
