"""Registration (双报到): a member registers with their building's party group, by QR code or
through staff; a registration ends when the member moves or transfers."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff_fields
from gongzhi.core.errors import ApplicationError, NotFound

from ... import error_codes as codes
from ...actions.common import clean_choice, clean_text
from ...ids import optional_pk
from ...models import (
    Building,
    Institution,
    PartyMember,
    PartyOrg,
    PartyRegistration,
    PostClaim,
    Region,
    Resident,
    ResidentTag,
    Tag,
)
from ...permissions import MANAGE_PARTY, VIEW_PARTY, access_resident, can, require
from ..permissions import building_by_token


def _resolve_employer(
    actor, community: Region, kind: str, employer_id, employer_name: str
) -> Institution | None:
    """The 在职 member's employer: chosen from the community's institutions, or typed (then created).

    Only 在职 members report to an employer; for 在地/在册 members the employer is
    cleared (the form hides the field for them, but the browser may still send it).
    """
    if kind != PartyMember.Kind.EMPLOYED:
        return None
    employer_name = clean_text(employer_name, field="employer", label=_("工作单位"), max_length=100, required=False)
    employer = None
    if optional_pk(employer_id):
        employer = Institution.objects.filter(pk=optional_pk(employer_id), community=community).first()
        if employer is None:
            raise ApplicationError(codes.INVALID_CHOICE, _("所选工作单位不在本社区的单位名录中。"), field="employer")
    elif employer_name:
        employer = Institution.objects.filter(community=community, name=employer_name).first()
        if employer is None:
            try:
                with transaction.atomic():
                    employer = Institution.objects.create(
                        community=community, kind=Institution.Kind.EMPLOYER, name=employer_name
                    )
            except IntegrityError:  # created meanwhile by someone else
                employer = Institution.objects.get(community=community, name=employer_name)
            else:
                audit_record(
                    actor=actor, action="institution.create", target=employer, community_id=community.pk,
                    changes={"name": employer_name, "kind": employer.kind}, details={"via": "registration"},
                )
    if employer is None:
        raise ApplicationError(
            codes.EMPLOYER_REQUIRED, _("在职党员请选择或填写工作单位，以便每季度向单位反馈服务情况。"), field="employer"
        )
    return employer


def _register(
    *,
    actor,
    resident: Resident,
    building: Building,
    kind: str,
    employer_id,
    employer_name: str,
    home_org_name: str,
    method: str,
) -> PartyRegistration:
    community = building.community
    kind = clean_choice(kind, PartyMember.Kind, field="kind", label=_("党员类别"))
    home_org_name = clean_text(
        home_org_name, field="home_org_name", label=_("组织关系所在党组织"), max_length=100, required=False
    )
    group = PartyOrg.objects.filter(building=building, kind=PartyOrg.Kind.BUILDING_GROUP).first()
    if group is None:
        raise ApplicationError(
            codes.NO_PARTY_GROUP,
            _("%(building)s还没有建立楼栋党小组，暂时无法报到，请联系社区工作人员。")
            % {"building": f"{building.compound.name}{building.name}"},
            field="building",
        )
    member = PartyMember.objects.select_for_update().filter(resident=resident).first()
    previous = None
    if member is not None:
        previous = PartyRegistration.objects.filter(member=member, ended_at__isnull=True).first()
        if previous is not None and previous.party_group_id == group.pk:
            who = _("您") if method == PartyRegistration.Method.QR else resident.name
            raise ApplicationError(
                codes.ALREADY_REGISTERED,
                _("%(who)s已在%(group)s报到，无需重复报到。") % {"who": who, "group": group.name},
                field="building",
            )
    employer = _resolve_employer(actor, community, kind, employer_id, employer_name)
    member_values = {"kind": kind, "employer": employer, "home_org_name": home_org_name}
    if member is None:
        member = PartyMember.objects.create(community=community, resident=resident, **member_values)
        member_changes = {"kind": kind, "employer": employer, "home_org_name": home_org_name, "created": True}
    else:
        member_changes = diff_fields(member, member_values)
        if member_changes:
            for key, value in member_values.items():
                setattr(member, key, value)
            member.save()
    now = timezone.now()
    if previous is not None:
        previous.ended_at = now
        previous.save(update_fields=["ended_at"])
    try:
        with transaction.atomic():
            registration = PartyRegistration.objects.create(
                member=member, party_group=group, building=building, community=community, method=method,
                registered_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:  # a concurrent registration of the same member won the race
        raise ApplicationError(codes.ALREADY_REGISTERED, _("该党员刚刚已完成报到，请刷新页面。"), field="building") from None
    tag_added = False
    if not ResidentTag.objects.filter(resident=resident, tag=Tag.PARTY_MEMBER).exists():
        ResidentTag.objects.create(resident=resident, tag=Tag.PARTY_MEMBER)
        tag_added = True
    audit_record(
        actor=actor, action="party.register", target=registration, community_id=community.pk,
        changes={"member": member_changes, "party_group": group, "building": building, "method": method},
        details={"ended_registration": previous.pk if previous else None, "resident": resident.pk,
                 "party_member_tag_added": tag_added},
    )
    return registration


@transaction.atomic
def party_register_by_qr(
    *,
    actor,
    qr_token: str,
    kind: str,
    employer_id: int | None = None,
    employer_name: str = "",
    home_org_name: str = "",
) -> PartyRegistration:
    """A party member scans the building's code and registers with its party group (扫码报到)."""
    building = building_by_token(qr_token)
    resident = None
    if getattr(actor, "is_authenticated", False):
        resident = (
            Resident.objects.select_related("community")
            .filter(user=actor, is_active=True, community_id=building.community_id)
            .first()
        )
    if resident is None:
        raise ApplicationError(
            codes.NOT_RESIDENT,
            _("您的账号没有关联%(community)s的居民信息，不能在此报到。请联系社区工作人员核实登记。")
            % {"community": building.community.name},
            status=403,
        )
    return _register(
        actor=actor, resident=resident, building=building, kind=kind, employer_id=employer_id,
        employer_name=employer_name, home_org_name=home_org_name, method=PartyRegistration.Method.QR,
    )


@transaction.atomic
def party_register_by_staff(
    *,
    actor,
    resident_id: int,
    building_id: int,
    kind: str,
    employer_id: int | None = None,
    employer_name: str = "",
    home_org_name: str = "",
) -> PartyRegistration:
    """Staff enter a registration for a member who cannot scan (工作人员录入)."""
    resident = access_resident(actor, resident_id)
    require(actor, MANAGE_PARTY, "community", resident.community_id)
    if not resident.is_active:
        raise ApplicationError(codes.NOT_RESIDENT, _("该居民已不在册，不能报到。"), field="resident")
    building = (
        Building.objects.select_related("compound", "community")
        .filter(pk=optional_pk(building_id) or -1, community_id=resident.community_id)
        .first()
    )
    if building is None:
        raise ApplicationError(codes.WRONG_COMMUNITY, _("请选择该居民所在社区的楼栋。"), field="building")
    return _register(
        actor=actor, resident=resident, building=building, kind=kind, employer_id=employer_id,
        employer_name=employer_name, home_org_name=home_org_name, method=PartyRegistration.Method.STAFF,
    )


@transaction.atomic
def registration_end(*, actor, registration_id: int) -> PartyRegistration:
    """End a registration (moved away, transferred). The member's active post claims end with it.

    Staff with MANAGE_PARTY may end any registration of their community; a member may end their own.
    """
    reg = (
        PartyRegistration.objects.select_for_update()
        .select_related("member__resident", "party_group")
        .filter(pk=optional_pk(registration_id) or -1)
        .first()
    )
    if reg is None:
        raise NotFound()
    own = getattr(actor, "is_authenticated", False) and reg.member.resident.user_id == actor.pk
    if not own:
        if not can(actor, VIEW_PARTY, "community", reg.community_id):
            raise NotFound()
        require(actor, MANAGE_PARTY, "community", reg.community_id)
    if reg.ended_at is not None:
        raise ApplicationError(codes.REGISTRATION_ENDED, _("该报到登记已经结束。"), field="registration")
    now = timezone.now()
    reg.ended_at = now
    reg.save(update_fields=["ended_at"])
    claims = list(
        PostClaim.objects.filter(member=reg.member, status=PostClaim.Status.ACTIVE, post__community_id=reg.community_id)
        .values_list("pk", flat=True)
    )
    PostClaim.objects.filter(pk__in=claims).update(status=PostClaim.Status.WITHDRAWN, withdrawn_at=now)
    audit_record(
        actor=actor, action="party.registration_end", target=reg, community_id=reg.community_id,
        changes={"ended_at": now}, details={"withdrawn_claims": claims, "by_member": bool(own)},
    )
    return reg
