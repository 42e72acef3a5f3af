"""A community's 职能部门 (the bodies a whistle 吹哨 can summon) and their members.

The staff who edit the community's request categories (``MANAGE_TREE`` over the whole community) add
and edit departments and choose their members: the logins that see what is whistled to the department
and do its 报到. A department visible to the actor but not theirs to edit (a member's own department) is
a 403; anything else outside their communities is a 404.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core.audit import audit_record, diff_fields
from gongzhi.core.errors import ApplicationError
from gongzhi.core.validators import is_mobile, normalize_phone
from gongzhi.org.permissions import MANAGE_TREE, access_community, require

from .. import error_codes as codes
from ..models import Case, Department, Tier
from ..permissions import access_department

MAX_NAME = 100
MAX_ACK_HOURS = Decimal("720")
EDITABLE_FIELDS = ("name", "kind", "ack_hours", "contact_phone")


# Validation -------------------------------------------------------------------------------------------
def _name(value) -> str:
    name = str(value if value is not None else "").strip()
    if not name:
        raise ApplicationError(codes.DEPARTMENT_NAME_REQUIRED, _("部门名称不能为空。"), field="name")
    if len(name) > MAX_NAME:
        raise ApplicationError(codes.DEPARTMENT_NAME_TOO_LONG,
                               _("部门名称不能超过 %(n)d 个字符。") % {"n": MAX_NAME}, field="name")
    return name


def _kind(value) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        raise ApplicationError(codes.INVALID_DEPARTMENT_KIND, _("请选择部门类型。"), field="kind")
    for choice in Department.Kind:
        if text in (choice.value, str(choice.label)):
            return choice.value
    raise ApplicationError(
        codes.INVALID_DEPARTMENT_KIND,
        _("部门类型无效：%(value)s（可选：%(options)s）")
        % {"value": text[:40], "options": "、".join(str(c.label) for c in Department.Kind)},
        field="kind",
    )


def _ack_hours(value) -> Decimal:
    text = str(value if value is not None else "").strip()
    try:
        hours = Decimal(text)
    except InvalidOperation:
        raise ApplicationError(codes.INVALID_ACK_HOURS, _("报到时限必须是数字（小时）。"),
                               field="ack_hours") from None
    out_of_range = ApplicationError(codes.INVALID_ACK_HOURS, _("报到时限必须大于 0 且不超过 720 小时。"),
                                    field="ack_hours")
    if not hours.is_finite() or hours <= 0 or hours > MAX_ACK_HOURS:
        raise out_of_range
    hours = hours.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)  # the column keeps one decimal
    if hours <= 0:
        raise out_of_range
    return hours


def _contact_phone(value) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        return ""
    phone = normalize_phone(text)
    if phone is None:
        raise ApplicationError(codes.INVALID_PHONE, _("联系电话格式不正确：%(value)s") % {"value": text[:30]},
                               field="contact_phone")
    return phone


def _require_free_name(community_id: int, name: str, *, exclude: int | None = None) -> None:
    others = Department.objects.filter(community_id=community_id, name=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise _name_taken_error(name)


def _name_taken_error(name: str) -> ApplicationError:
    return ApplicationError(codes.DEPARTMENT_NAME_TAKEN,
                            _("本社区已有名为“%(name)s”的职能部门。") % {"name": name}, field="name", status=409)


def _member_by_phone(value) -> User:
    text = str(value if value is not None else "").strip()
    if not text:
        raise ApplicationError(codes.INVALID_PHONE, _("请输入人员的手机号。"), field="phone")
    phone = normalize_phone(text)
    if phone is None or not is_mobile(phone):
        raise ApplicationError(codes.INVALID_PHONE,
                               _("手机号格式不正确：%(value)s（请输入 11 位手机号）") % {"value": text[:30]},
                               field="phone")
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        raise ApplicationError(codes.UNKNOWN_USER,
                               _("手机号 %(phone)s 还没有登录账号，请先为其开通账号。") % {"phone": phone},
                               field="phone")
    return user


# Access ------------------------------------------------------------------------------------------------
def _department_for_edit(actor, department_id: int) -> Department:
    """The department, locked, if the actor edits its community's settings.

    Not visible to the actor: 404 (nothing leaks). Visible but not theirs to edit (their own department,
    as a member): 403.
    """
    department = access_department(actor, department_id)
    require(actor, MANAGE_TREE, "community", department.community_id)
    return Department.objects.select_for_update().get(pk=department.pk)


# Actions -----------------------------------------------------------------------------------------------
@transaction.atomic
def department_create(*, actor, community_id: int, name: str, kind: str, ack_hours, contact_phone: str = "",
                      ) -> Department:
    community = access_community(actor, community_id, MANAGE_TREE)
    cleaned = {
        "name": _name(name),
        "kind": _kind(kind),
        "ack_hours": _ack_hours(ack_hours),
        "contact_phone": _contact_phone(contact_phone),
    }
    _require_free_name(community.pk, cleaned["name"])
    try:
        with transaction.atomic():  # a concurrent create of the same name hits the unique constraint
            department = Department.objects.create(community=community, **cleaned)
    except IntegrityError:
        raise _name_taken_error(cleaned["name"]) from None
    audit_record(actor=actor, action="department.create", target=department, community_id=community.pk,
                 changes=cleaned)
    return department


@transaction.atomic
def department_update(*, actor, department_id: int, data: dict) -> Department:
    """Change any of name, kind, 报到时限 and contact phone; keys absent from ``data`` stay as they are."""
    department = _department_for_edit(actor, department_id)
    cleaners = {"name": _name, "kind": _kind, "ack_hours": _ack_hours, "contact_phone": _contact_phone}
    cleaned = {key: cleaners[key](data[key]) for key in EDITABLE_FIELDS if key in data}
    if "name" in cleaned:
        _require_free_name(department.community_id, cleaned["name"], exclude=department.pk)
    changes = diff_fields(department, cleaned)
    if changes:
        for key, value in cleaned.items():
            setattr(department, key, value)
        try:
            with transaction.atomic():
                department.save(update_fields=list(changes))
        except IntegrityError:
            raise _name_taken_error(department.name) from None
        audit_record(actor=actor, action="department.update", target=department,
                     community_id=department.community_id, changes=changes)
    return department


@transaction.atomic
def department_member_add(*, actor, department_id: int, phone: str) -> User:
    """Make the login with this mobile number a member: they see the department's whistles and do its 报到."""
    department = _department_for_edit(actor, department_id)
    user = _member_by_phone(phone)
    if department.members.filter(pk=user.pk).exists():
        raise ApplicationError(codes.ALREADY_MEMBER, _("%(name)s 已是该部门人员。") % {"name": user.name},
                               field="phone", status=409)
    department.members.add(user)
    audit_record(actor=actor, action="department.member_add", target=department,
                 community_id=department.community_id, details={"user_id": user.pk, "name": user.name})
    return user


@transaction.atomic
def department_member_remove(*, actor, department_id: int, user_id: int) -> None:
    department = _department_for_edit(actor, department_id)
    user = department.members.filter(pk=user_id).first()
    if user is None:
        raise ApplicationError(codes.NOT_MEMBER, _("该用户不是该部门人员。"), field="user", status=409)
    handling = list(
        Case.objects.filter(department=department, tier=Tier.DEPARTMENT, handler=user,
                            status__in=Case.OPEN_STATUSES).order_by("pk").values_list("pk", flat=True)[:5]
    )
    if handling:
        # Once removed they could no longer act on these, and nobody else would be their handler.
        raise ApplicationError(
            codes.MEMBER_HANDLING_CASES,
            _("%(name)s 正在承办本部门的诉求（%(ids)s），请先在诉求页转交他人，再移除。")
            % {"name": user.name, "ids": "、".join(f"#{pk}" for pk in handling)},
            field="user", status=409, details={"case_ids": handling},
        )
    department.members.remove(user)
    audit_record(actor=actor, action="department.member_remove", target=department,
                 community_id=department.community_id, details={"user_id": user.pk, "name": user.name})
