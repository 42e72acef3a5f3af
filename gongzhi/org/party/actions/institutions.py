"""Institutions (驻区单位 / 在职党员单位 / 社会组织) and the 党建共同体 partners among them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff_fields
from gongzhi.core.errors import ApplicationError

from ... import error_codes as codes
from ...actions.common import clean_choice, clean_date, clean_phone, clean_text
from ...models import Institution
from ...permissions import MANAGE_PARTY, VIEW_PARTY, require
from ..permissions import access_institution, managed_community


def _clean_institution(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in data or not partial:
        cleaned["name"] = clean_text(data.get("name"), field="name", label=_("单位名称"), max_length=100)
    if "kind" in data or not partial:
        cleaned["kind"] = clean_choice(data.get("kind"), Institution.Kind, field="kind", label=_("单位类型"))
    if "contact_name" in data:
        cleaned["contact_name"] = clean_text(
            data["contact_name"], field="contact_name", label=_("联系人"), max_length=50, required=False
        )
    if "contact_phone" in data:
        cleaned["contact_phone"] = clean_phone(data["contact_phone"], field="contact_phone")
    if "address" in data:
        cleaned["address"] = clean_text(data["address"], field="address", label=_("地址"), max_length=200,
                                        required=False)
    if "services_offered" in data:
        cleaned["services_offered"] = clean_text(
            data["services_offered"], field="services_offered", label=_("可提供资源/服务"), max_length=2000,
            required=False,
        )
    if "is_partner" in data:
        cleaned["is_partner"] = bool(data["is_partner"])
    if "partner_since" in data:
        cleaned["partner_since"] = clean_date(data["partner_since"], field="partner_since", label=_("共建登记日期"))
        if cleaned["partner_since"] and cleaned["partner_since"] > timezone.localdate():
            raise ApplicationError(codes.INVALID_DATE, _("共建登记日期不能晚于今天。"), field="partner_since")
    return cleaned


def _partner_dates(cleaned: dict[str, Any], current: Institution | None) -> None:
    """A 党建共同体 partner has a registration date (today unless given); a non-partner has none."""
    is_partner = cleaned.get("is_partner", current.is_partner if current else False)
    if is_partner:
        since = cleaned.get("partner_since") or (current.partner_since if current else None)
        cleaned["partner_since"] = since or timezone.localdate()
    elif "is_partner" in cleaned:
        cleaned["partner_since"] = None


def _check_institution_name(community_id: int, name: str, exclude_pk: int | None = None) -> None:
    qs = Institution.objects.filter(community_id=community_id, name=name)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ApplicationError(codes.DUPLICATE_NAME, _("本社区已登记名为“%(name)s”的单位。") % {"name": name},
                               field="name")


@transaction.atomic
def institution_create(*, actor, community_id: int, data: dict[str, Any]) -> Institution:
    community = managed_community(actor, community_id)
    cleaned = _clean_institution(data, partial=False)
    _partner_dates(cleaned, None)
    _check_institution_name(community.pk, cleaned["name"])
    try:
        with transaction.atomic():
            inst = Institution.objects.create(community=community, **cleaned)
    except IntegrityError:
        _check_institution_name(community.pk, cleaned["name"])
        raise
    audit_record(actor=actor, action="institution.create", target=inst, community_id=community.pk, changes=cleaned)
    return inst


@transaction.atomic
def institution_update(*, actor, institution_id: int, data: dict[str, Any]) -> Institution:
    inst = access_institution(actor, institution_id, VIEW_PARTY)
    require(actor, MANAGE_PARTY, "community", inst.community_id)
    cleaned = _clean_institution(data, partial=True)
    _partner_dates(cleaned, inst)
    if "name" in cleaned:
        _check_institution_name(inst.community_id, cleaned["name"], exclude_pk=inst.pk)
    changes = diff_fields(inst, cleaned)
    if changes:
        for key, value in cleaned.items():
            setattr(inst, key, value)
        inst.save()
        audit_record(actor=actor, action="institution.update", target=inst, community_id=inst.community_id,
                     changes=changes)
    return inst
