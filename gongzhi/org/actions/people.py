"""Writes to households, residents, ownership and tags."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff_fields
from gongzhi.core.errors import ApplicationError

from .. import error_codes as codes
from ..models import SENSITIVE_TAGS, Household, Occupancy, Resident, ResidentTag, Tag
from ..permissions import EDIT_HOUSEHOLDS, REVEAL_CONTACT, access_household, access_resident, require
from .common import clean_area, clean_choice, clean_id_number, clean_int, clean_phone, clean_share, clean_text


def _clean_household_fields(data: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "floor" in data:
        cleaned["floor"] = clean_int(data["floor"], field="floor", label=_("楼层"), minimum=-5, maximum=200)
    if "area" in data:
        cleaned["area"] = clean_area(data["area"])
    if "use" in data:
        cleaned["use"] = clean_choice(data["use"], Household.Use, field="use", label=_("用途"))
    if "occupancy" in data:
        cleaned["occupancy"] = clean_choice(
            data["occupancy"], Household.Occupancy, field="occupancy", label=_("居住状态")
        )
    if "note" in data:
        cleaned["note"] = clean_text(data["note"], field="note", label=_("备注"), max_length=200, required=False)
    return cleaned


@transaction.atomic
def household_update(*, actor, household_id: int, data: dict[str, Any]) -> Household:
    household = access_household(actor, household_id)
    require(actor, EDIT_HOUSEHOLDS, "household", household)
    cleaned = _clean_household_fields(data)
    changes = diff_fields(household, cleaned)
    if changes:
        for name, value in cleaned.items():
            setattr(household, name, value)
        household.save(update_fields=[*cleaned.keys(), "updated_at"])
        audit_record(
            actor=actor, action="household.update", target=household, community_id=household.community_id,
            changes=changes,
        )
    return household


def _clean_resident_fields(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in data or not partial:
        cleaned["name"] = clean_text(data.get("name"), field="name", label=_("姓名"), max_length=50)
    if "gender" in data:
        gender = str(data["gender"] or "").strip()
        cleaned["gender"] = (
            clean_choice(gender, Resident.Gender, field="gender", label=_("性别")) if gender else ""
        )
    if "birth_date" in data:
        cleaned["birth_date"] = data["birth_date"] or None
    if "phone" in data:
        cleaned["phone"] = clean_phone(data["phone"])
    if "id_number" in data:
        cleaned["id_number"] = clean_id_number(data["id_number"])
    if "note" in data:
        cleaned["note"] = clean_text(data["note"], field="note", label=_("备注"), max_length=200, required=False)
    return cleaned


def _check_id_unique(community_id: int, id_number: str, exclude_pk: int | None = None) -> None:
    if not id_number:
        return
    qs = Resident.objects.filter(community_id=community_id, id_number=id_number)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ApplicationError(
            codes.DUPLICATE_ID_NUMBER, _("该身份证号已登记在本社区的其他居民名下。"), field="id_number"
        )


@transaction.atomic
def resident_create_in_household(
    *, actor, household_id: int, data: dict[str, Any], relation: str, share=None
) -> Occupancy:
    """Add a new resident to a household (e.g. a family member moving in)."""
    household = access_household(actor, household_id)
    require(actor, EDIT_HOUSEHOLDS, "household", household)
    cleaned = _clean_resident_fields(data, partial=False)
    relation = clean_choice(relation, Occupancy.Relation, field="relation", label=_("关系"))
    share_value = clean_share(share) if relation in Occupancy.OWNING else None
    _check_id_unique(household.community_id, cleaned.get("id_number", ""))
    _check_share_total(household, share_value)
    resident = Resident.objects.create(community_id=household.community_id, **cleaned)
    occupancy = Occupancy.objects.create(household=household, resident=resident, relation=relation, share=share_value)
    audit_record(
        actor=actor, action="resident.create", target=resident, community_id=household.community_id,
        changes={**cleaned, "household": household.pk, "relation": relation, "share": share_value},
    )
    return occupancy


@transaction.atomic
def resident_update(*, actor, resident_id: int, data: dict[str, Any]) -> Resident:
    resident = access_resident(actor, resident_id)
    _require_edit_resident(actor, resident)
    cleaned = _clean_resident_fields(data, partial=True)
    if "id_number" in cleaned:
        _check_id_unique(resident.community_id, cleaned["id_number"], exclude_pk=resident.pk)
    changes = diff_fields(resident, cleaned)
    if changes:
        for name, value in cleaned.items():
            setattr(resident, name, value)
        resident.save(update_fields=[*cleaned.keys(), "updated_at"])
        audit_record(
            actor=actor, action="resident.update", target=resident, community_id=resident.community_id,
            changes=_mask_changes(changes),
        )
    return resident


@transaction.atomic
def resident_edit(*, actor, resident_id: int, data: dict[str, Any], tags: list[str] | None = None) -> Resident:
    """The resident's fields and (when given) tags, all or nothing: the edit form and PATCH both call this."""
    resident = resident_update(actor=actor, resident_id=resident_id, data=data)
    if tags is not None:
        resident_tags_set(actor=actor, resident_id=resident_id, tags=tags)
    return resident


def _mask_changes(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Audit rows are read by many staff: keep personal identifiers masked there too."""
    from gongzhi.core.validators import mask_id_number, mask_phone

    masked = dict(changes)
    if "phone" in masked:
        masked["phone"] = [mask_phone(v) for v in masked["phone"]]
    if "id_number" in masked:
        masked["id_number"] = [mask_id_number(v) for v in masked["id_number"]]
    return masked


def _require_edit_resident(actor, resident: Resident) -> None:
    require(actor, EDIT_HOUSEHOLDS, "resident", resident)


def _check_share_total(household: Household, adding: Decimal | None, exclude_pk: int | None = None) -> None:
    if adding is None:
        return
    qs = Occupancy.objects.filter(household=household, share__isnull=False)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    total = (qs.aggregate(total=Sum("share"))["total"] or Decimal(0)) + adding
    if total > 100:
        raise ApplicationError(codes.SHARES_OVER_100, _("该户产权份额合计将超过 100%。"), field="share")


@transaction.atomic
def occupancy_add(*, actor, household_id: int, resident_id: int, relation: str, share=None) -> Occupancy:
    """Tie an existing resident to another household (e.g. an owner of several flats)."""
    household = access_household(actor, household_id)
    require(actor, EDIT_HOUSEHOLDS, "household", household)
    resident = access_resident(actor, resident_id)
    if resident.community_id != household.community_id:
        raise ApplicationError(codes.WRONG_COMMUNITY, _("居民与房屋不在同一社区。"), field="resident")
    relation = clean_choice(relation, Occupancy.Relation, field="relation", label=_("关系"))
    share_value = clean_share(share) if relation in Occupancy.OWNING else None
    _check_share_total(household, share_value)
    try:
        with transaction.atomic():
            occupancy = Occupancy.objects.create(
                household=household, resident=resident, relation=relation, share=share_value
            )
    except IntegrityError:
        raise ApplicationError(codes.DUPLICATE_NAME, _("该居民已登记在此户。"), field="resident") from None
    audit_record(
        actor=actor, action="occupancy.add", target=occupancy, community_id=household.community_id,
        changes={"household": household.pk, "resident": resident.pk, "relation": relation, "share": share_value},
    )
    return occupancy


@transaction.atomic
def occupancy_remove(*, actor, occupancy_id: int) -> None:
    occupancy = Occupancy.objects.select_related("household", "resident").filter(pk=occupancy_id).first()
    if occupancy is None:
        from gongzhi.core.errors import NotFound

        raise NotFound()
    household = access_household(actor, occupancy.household_id)
    require(actor, EDIT_HOUSEHOLDS, "household", household)
    if occupancy.relation in Occupancy.OWNING:
        other_owners = (
            Occupancy.objects.filter(household=household, relation__in=Occupancy.OWNING)
            .exclude(pk=occupancy.pk)
            .exists()
        )
        if not other_owners:
            raise ApplicationError(
                codes.LAST_OWNER, _("不能移除该户唯一的业主，请先登记新业主。"), field="relation"
            )
    audit_record(
        actor=actor, action="occupancy.remove", target=occupancy, community_id=household.community_id,
        changes={"household": household.pk, "resident": occupancy.resident_id, "relation": occupancy.relation},
    )
    occupancy.delete()


@transaction.atomic
def resident_tags_set(*, actor, resident_id: int, tags: list[str]) -> list[str]:
    """Replace a resident's tags. Sensitive tags may only be changed by roles that may see them."""
    from ..permissions import VIEW_SENSITIVE, resident_in_scope, scope_for

    resident = access_resident(actor, resident_id)
    _require_edit_resident(actor, resident)
    wanted = {clean_choice(t, Tag, field="tags", label=_("标签")) for t in tags}
    current = set(ResidentTag.objects.filter(resident=resident).values_list("tag", flat=True))
    may_sensitive = resident_in_scope(resident, scope_for(actor, VIEW_SENSITIVE))
    if not may_sensitive:
        # Keep sensitive tags as they are: this user neither sees nor changes them.
        wanted = {t for t in wanted if t not in SENSITIVE_TAGS} | {t for t in current if t in SENSITIVE_TAGS}
    added, removed = wanted - current, current - wanted
    if added or removed:
        ResidentTag.objects.filter(resident=resident, tag__in=removed).delete()
        ResidentTag.objects.bulk_create([ResidentTag(resident=resident, tag=t) for t in sorted(added)])
        audit_record(
            actor=actor, action="resident.tags", target=resident, community_id=resident.community_id,
            changes={"tags": [sorted(current), sorted(wanted)]},
        )
    return sorted(wanted)


CONTACT_FIELDS = ("phone", "id_number")


@transaction.atomic
def contact_reveal(*, actor, resident_id: int, fields: tuple[str, ...] = CONTACT_FIELDS) -> dict[str, str]:
    """Show a resident's full phone and/or ID number (only what was asked); the reveal is audited with
    what it showed. A field not asked for stays masked."""
    resident = access_resident(actor, resident_id)
    require(actor, REVEAL_CONTACT, "resident", resident)
    fields = tuple(f for f in CONTACT_FIELDS if f in fields) or CONTACT_FIELDS
    audit_record(
        actor=actor, action="resident.reveal_contact", target=resident, community_id=resident.community_id,
        details={"fields": list(fields)},
    )
    shown = {"phone": resident.phone, "id_number": resident.id_number}
    masked = {"phone": resident.masked_phone, "id_number": resident.masked_id_number}
    return {f: (shown[f] if f in fields else masked[f]) for f in CONTACT_FIELDS}
