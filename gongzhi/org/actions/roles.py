"""Appointing and revoking roles; creating logins for people."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDeniedError

from .. import error_codes as codes
from ..models import ROLE_SCOPE, Building, Compound, Household, Region, Resident, Role, RoleAssignment, ScopeLevel, StewardHousehold, Unit
from ..permissions import MANAGE_ROLES, access_community, access_resident, scope_for
from .common import clean_choice, clean_phone, clean_text


def _scope_target(level: str, node_id: int) -> tuple[dict, int | None]:
    """Return the assignment's scope kwargs and the community it lies in."""
    if level in (ScopeLevel.SUBDISTRICT, ScopeLevel.COMMUNITY, ScopeLevel.GRID, ScopeLevel.HOUSEHOLDS):
        kind = {
            ScopeLevel.SUBDISTRICT: Region.Kind.SUBDISTRICT,
            ScopeLevel.COMMUNITY: Region.Kind.COMMUNITY,
            ScopeLevel.GRID: Region.Kind.GRID,
            ScopeLevel.HOUSEHOLDS: Region.Kind.COMMUNITY,
        }[level]
        region = Region.objects.filter(pk=node_id, kind=kind).first()
        if region is None:
            raise ApplicationError(codes.WRONG_SCOPE, _("该角色的任职范围必须是一个%(kind)s。") % {"kind": kind.label},
                                   field="scope")
        return {"region": region}, region.community_id_or_none
    model = {ScopeLevel.COMPOUND: Compound, ScopeLevel.BUILDING: Building, ScopeLevel.UNIT: Unit}[level]
    node = model.objects.filter(pk=node_id).first()
    if node is None:
        raise ApplicationError(codes.WRONG_SCOPE, _("该角色的任职范围必须是一个%(kind)s。") % {"kind": ScopeLevel(level).label},
                               field="scope")
    community_id = node.building.community_id if isinstance(node, Unit) else node.community_id
    return {level: node}, community_id


@transaction.atomic
def role_assign(*, actor, user_id: int, role: str, scope_id: int) -> RoleAssignment:
    role = clean_choice(role, Role, field="role", label=_("角色"))
    level = ROLE_SCOPE[role]
    target, community_id = _scope_target(level, scope_id)
    if community_id is None:
        if not actor.is_superuser:
            raise PermissionDeniedError(_("只有平台管理员可以任命街道工作人员。"))
    else:
        access_community(actor, community_id, MANAGE_ROLES)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ApplicationError(codes.UNKNOWN_USER, _("用户不存在或已停用。"), field="user")
    existing = RoleAssignment.objects.filter(user=user, role=role, revoked_at__isnull=True, **target)
    if existing.exists():
        raise ApplicationError(codes.ROLE_EXISTS, _("该用户已担任此角色。"), field="role")
    assignment = RoleAssignment.objects.create(
        user=user, role=role, community_id=community_id, granted_by=actor, **target
    )
    audit_record(
        actor=actor, action="role.assign", target=assignment, community_id=community_id,
        changes={"user": user.pk, "role": role, "scope": scope_id},
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment_id: int) -> RoleAssignment:
    assignment = RoleAssignment.objects.select_for_update().filter(pk=assignment_id, revoked_at__isnull=True).first()
    if assignment is None:
        raise NotFound()
    if assignment.community_id is None:
        if not actor.is_superuser:
            raise NotFound()
    elif not scope_for(actor, MANAGE_ROLES).covers_community(assignment.community_id):
        raise NotFound()
    assignment.revoked_at = timezone.now()
    assignment.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="role.revoke", target=assignment, community_id=assignment.community_id,
                 changes={"user": assignment.user_id, "role": assignment.role})
    return assignment


@transaction.atomic
def steward_households_set(*, actor, assignment_id: int, household_ids: list[int]) -> list[int]:
    """Set the households a red steward looks after (about ten)."""
    assignment = RoleAssignment.objects.filter(
        pk=assignment_id, role=Role.RED_STEWARD, revoked_at__isnull=True
    ).first()
    if assignment is None or not scope_for(actor, MANAGE_ROLES).covers_community(assignment.community_id):
        raise NotFound()
    wanted = set(
        Household.objects.filter(pk__in=household_ids, community_id=assignment.community_id).values_list(
            "pk", flat=True
        )
    )
    if len(wanted) != len(set(household_ids)):
        raise ApplicationError(codes.WRONG_COMMUNITY, _("有住户不属于本社区。"), field="households")
    current = set(StewardHousehold.objects.filter(assignment=assignment).values_list("household_id", flat=True))
    StewardHousehold.objects.filter(assignment=assignment, household_id__in=current - wanted).delete()
    StewardHousehold.objects.bulk_create(
        [StewardHousehold(assignment=assignment, household_id=h) for h in sorted(wanted - current)]
    )
    audit_record(actor=actor, action="role.steward_households", target=assignment,
                 community_id=assignment.community_id, changes={"households": [sorted(current), sorted(wanted)]})
    return sorted(wanted)


@transaction.atomic
def user_create_for_resident(*, actor, resident_id: int, phone: str | None = None, password: str) -> User:
    """Give a resident a login (phone + initial password), e.g. a new building head."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    resident = access_resident(actor, resident_id)
    access_community(actor, resident.community_id, MANAGE_ROLES)
    if resident.user_id:
        raise ApplicationError(codes.ROLE_EXISTS, _("该居民已有登录账号。"), field="resident")
    phone_value = clean_phone(phone or resident.phone, required=True)
    if User.objects.filter(phone=phone_value).exists():
        raise ApplicationError(codes.DUPLICATE_NAME, _("该手机号已注册账号。"), field="phone")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ApplicationError("weak_password", " ".join(exc.messages), field="password") from None
    user = User.objects.create_user(phone_value, password, name=clean_text(resident.name, field="name", label=_("姓名"), max_length=50))
    Resident.objects.filter(pk=resident.pk).update(user=user)
    audit_record(actor=actor, action="user.create", target=user, community_id=resident.community_id,
                 changes={"resident": resident.pk})
    return user
