"""The community's request categories: seeded from the default taxonomy, editable by staff."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff_fields
from gongzhi.core.errors import ApplicationError
from gongzhi.org.actions.common import clean_choice, clean_text
from gongzhi.org.permissions import MANAGE_TREE, access_community

from .. import error_codes as codes
from ..models import Category, Tier
from ..taxonomy import DEFAULT_CATEGORIES


def ensure_categories(community_id: int) -> None:
    """Create the default categories a community lacks (idempotent)."""
    existing = set(Category.objects.filter(community_id=community_id).values_list("code", flat=True))
    missing = [
        Category(
            community_id=community_id,
            code=c.code,
            name=c.name_zh,
            description=c.description,
            tier=c.tier,
            response_hours=Decimal(str(c.response_hours.normal)),
            resolution_hours=Decimal(str(c.resolution_hours.normal)),
            urgent_response_hours=Decimal(str(c.response_hours.urgent)),
            urgent_resolution_hours=Decimal(str(c.resolution_hours.urgent)),
            sort_order=i,
        )
        for i, c in enumerate(DEFAULT_CATEGORIES)
        if c.code not in existing
    ]
    if missing:
        Category.objects.bulk_create(missing, ignore_conflicts=True)


def community_categories(community_id: int) -> dict[str, Category]:
    """Every category of the community by code, the defaults created first if any is missing.

    One query when the community is set up (intake calls this on every request).
    """
    categories = {c.code: c for c in Category.objects.filter(community_id=community_id)}
    if any(c.code not in categories for c in DEFAULT_CATEGORIES):
        ensure_categories(community_id)
        categories = {c.code: c for c in Category.objects.filter(community_id=community_id)}
    return categories


def _hours(value, field: str) -> Decimal:
    try:
        hours = Decimal(str(value))
    except Exception:
        raise ApplicationError(codes.INVALID_HOURS, _("时限必须是数字（小时）。"), field=field) from None
    if not hours.is_finite() or hours <= 0 or hours > 24 * 90:
        raise ApplicationError(codes.INVALID_HOURS, _("时限必须在 0 到 2160 小时之间。"), field=field)
    return hours


@transaction.atomic
def category_update(*, actor, category_id: int, data: dict) -> Category:
    category = Category.objects.select_for_update().filter(pk=category_id).first()
    if category is None:
        raise ApplicationError("not_found", _("类别不存在。"), status=404)
    access_community(actor, category.community_id, MANAGE_TREE)
    cleaned: dict = {}
    if "name" in data:
        cleaned["name"] = clean_text(data["name"], field="name", label=_("名称"), max_length=50)
    if "description" in data:
        cleaned["description"] = clean_text(data["description"], field="description", label=_("说明"),
                                            max_length=2000, required=False)
    if "tier" in data:
        cleaned["tier"] = clean_choice(data["tier"], Tier, field="tier", label=_("起始层级"))
    for name in ("response_hours", "resolution_hours", "urgent_response_hours", "urgent_resolution_hours"):
        if name in data:
            cleaned[name] = _hours(data[name], name)
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    changes = diff_fields(category, cleaned)
    if changes:
        for k, v in cleaned.items():
            setattr(category, k, v)
        category.save()
        audit_record(actor=actor, action="category.update", target=category, community_id=category.community_id,
                     changes=changes)
    return category


@transaction.atomic
def category_create(*, actor, community_id: int, code: str, name: str, tier: str, response_hours,
                    resolution_hours, description: str = "") -> Category:
    access_community(actor, community_id, MANAGE_TREE)
    code = clean_text(code, field="code", label=_("编码"), max_length=40)
    if Category.objects.filter(community_id=community_id, code=code).exists():
        raise ApplicationError(codes.UNKNOWN_CATEGORY, _("编码已存在：%(code)s") % {"code": code}, field="code")
    response = _hours(response_hours, "response_hours")
    resolution = _hours(resolution_hours, "resolution_hours")
    category = Category.objects.create(
        community_id=community_id, code=code,
        name=clean_text(name, field="name", label=_("名称"), max_length=50),
        description=clean_text(description, field="description", label=_("说明"), max_length=2000,
                               required=False),
        tier=clean_choice(tier, Tier, field="tier", label=_("起始层级")),
        response_hours=response, resolution_hours=resolution,
        urgent_response_hours=response, urgent_resolution_hours=resolution,
        sort_order=100,
    )
    audit_record(actor=actor, action="category.create", target=category, community_id=community_id,
                 changes={"code": code, "name": category.name})
    return category
