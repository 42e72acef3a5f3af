"""Writes for 双报到: party organisations, partner units, registration, service posts and hours.

Who may do what:
- community secretary and staff (``MANAGE_PARTY`` over the community): organisations,
  institutions, staff entry of registrations, posts, service records;
- sub-district staff (``VIEW_PARTY``) see everything but change nothing (403);
- a resident linked to the login registers themself by scanning the building's QR
  code, claims and withdraws from posts;
- anyone else gets 404 (a miss and a refusal look the same).

Every action validates first, writes inside one transaction, records an audit
event and changes nothing when it raises.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record, diff_fields
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDeniedError

from .. import error_codes as codes
from ..models import (
    Building,
    Compound,
    Institution,
    PartyMember,
    PartyOrg,
    PartyRegistration,
    PostClaim,
    Region,
    Resident,
    ResidentTag,
    ServicePost,
    ServiceRecord,
    Tag,
)
from ..party_selectors import (
    access_claim,
    access_institution,
    access_post,
    building_by_token,
)
from ..permissions import (
    MANAGE_PARTY,
    VIEW_PARTY,
    access_community,
    access_resident,
    can,
    require,
)
from ._common import clean_choice, clean_int, clean_phone, clean_text


# Helpers ------------------------------------------------------------------------------
def _managed_community(actor, community_id) -> Region:
    """The community, if the actor may manage its party work (404 if invisible, 403 if view-only)."""
    community = access_community(actor, community_id, VIEW_PARTY)
    require(actor, MANAGE_PARTY, "community", community.pk)
    return community


def _lock_community(community: Region) -> None:
    """Serialise party-organisation changes of one community (uniqueness checks below)."""
    Region.objects.select_for_update().filter(pk=community.pk).first()


def _clean_date(value, *, field: str, label: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ApplicationError(
            codes.INVALID_DATE, _("%(label)s格式不正确，应为 年-月-日。") % {"label": label}, field=field
        ) from None


def _optional_id(value) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# Party organisations ---------------------------------------------------------------------
def _default_org_name(kind: str, community: Region, grid, compound, building) -> str:
    if kind == PartyOrg.Kind.COMMITTEE:
        return _("%(name)s党委") % {"name": community.name}
    if kind == PartyOrg.Kind.GRID_BRANCH:
        return _("%(name)s党支部") % {"name": grid.name}
    if kind == PartyOrg.Kind.COMPOUND_BRANCH:
        return _("%(name)s党支部") % {"name": compound.name}
    return _("%(compound)s%(building)s党小组") % {"compound": building.compound.name, "building": building.name}


def _committee(community: Region) -> PartyOrg | None:
    return PartyOrg.objects.filter(community=community, kind=PartyOrg.Kind.COMMITTEE).first()


def _branch_for(building: Building) -> PartyOrg | None:
    """The branch a building's party group hangs under: its compound's branch, else its grid's."""
    return (
        PartyOrg.objects.filter(kind=PartyOrg.Kind.COMPOUND_BRANCH, compound_id=building.compound_id).first()
        or PartyOrg.objects.filter(kind=PartyOrg.Kind.GRID_BRANCH, grid_id=building.grid_id).first()
    )


@transaction.atomic
def party_org_create(
    *,
    actor,
    community_id: int,
    kind: str,
    name: str = "",
    parent_id: int | None = None,
    grid_id: int | None = None,
    compound_id: int | None = None,
    building_id: int | None = None,
    secretary_name: str = "",
) -> PartyOrg:
    """社区党委 → 网格/小区党支部 → 楼栋党小组. One committee per community, one branch per
    grid or compound, one group per building; a group hangs under a branch covering its building."""
    community = _managed_community(actor, community_id)
    kind = clean_choice(kind, PartyOrg.Kind, field="kind", label=_("组织类型"))
    secretary_name = clean_text(
        secretary_name, field="secretary_name", label=_("书记/组长"), max_length=50, required=False
    )
    name = clean_text(name, field="name", label=_("名称"), max_length=100, required=False)
    _lock_community(community)
    grid = compound = building = None
    parent = None
    committee = _committee(community)
    if kind == PartyOrg.Kind.COMMITTEE:
        if committee is not None:
            raise ApplicationError(
                codes.PARTY_ORG_EXISTS, _("本社区已建立社区党委：%(name)s。") % {"name": committee.name}, field="kind"
            )
    elif kind in (PartyOrg.Kind.GRID_BRANCH, PartyOrg.Kind.COMPOUND_BRANCH):
        if committee is None:
            raise ApplicationError(codes.INVALID_PARENT, _("请先建立社区党委，再建立党支部。"), field="parent")
        if parent_id and _optional_id(parent_id) != committee.pk:
            raise ApplicationError(codes.INVALID_PARENT, _("党支部的上级组织必须是社区党委。"), field="parent")
        parent = committee
        if kind == PartyOrg.Kind.GRID_BRANCH:
            grid = Region.objects.filter(
                pk=_optional_id(grid_id) or -1, kind=Region.Kind.GRID, parent_community=community
            ).first()
            if grid is None:
                raise ApplicationError(codes.WRONG_COMMUNITY, _("请选择本社区的一个网格。"), field="grid")
            existing = PartyOrg.objects.filter(kind=kind, grid=grid).first()
            if existing:
                raise ApplicationError(
                    codes.PARTY_ORG_EXISTS, _("该网格已有党支部：%(name)s。") % {"name": existing.name}, field="grid"
                )
        else:
            compound = Compound.objects.filter(pk=_optional_id(compound_id) or -1, community=community).first()
            if compound is None:
                raise ApplicationError(codes.WRONG_COMMUNITY, _("请选择本社区的一个小区。"), field="compound")
            existing = PartyOrg.objects.filter(kind=kind, compound=compound).first()
            if existing:
                raise ApplicationError(
                    codes.PARTY_ORG_EXISTS, _("该小区已有党支部：%(name)s。") % {"name": existing.name},
                    field="compound",
                )
    else:  # building group
        building = (
            Building.objects.select_related("compound")
            .filter(pk=_optional_id(building_id) or -1, community=community)
            .first()
        )
        if building is None:
            raise ApplicationError(codes.WRONG_COMMUNITY, _("请选择本社区的一栋楼。"), field="building")
        existing = PartyOrg.objects.filter(building=building).first()
        if existing:
            raise ApplicationError(
                codes.PARTY_ORG_EXISTS, _("该楼栋已有党小组：%(name)s。") % {"name": existing.name}, field="building"
            )
        if parent_id:
            parent = PartyOrg.objects.filter(pk=_optional_id(parent_id), community=community).first()
            covers = parent is not None and (
                (parent.kind == PartyOrg.Kind.GRID_BRANCH and parent.grid_id == building.grid_id)
                or (parent.kind == PartyOrg.Kind.COMPOUND_BRANCH and parent.compound_id == building.compound_id)
            )
            if not covers:
                raise ApplicationError(
                    codes.INVALID_PARENT, _("上级党支部必须是该楼栋所在网格或小区的党支部。"), field="parent"
                )
        else:
            parent = _branch_for(building)
            if parent is None:
                raise ApplicationError(
                    codes.INVALID_PARENT, _("请先建立该楼栋所在网格或小区的党支部。"), field="parent"
                )
    if not name:
        name = _default_org_name(kind, community, grid, compound, building)
    org = PartyOrg.objects.create(
        community=community, kind=kind, name=name, parent=parent, grid=grid, compound=compound,
        building=building, secretary_name=secretary_name,
    )
    audit_record(
        actor=actor, action="party_org.create", target=org, community_id=community.pk,
        changes={"kind": kind, "name": name, "parent": parent, "grid": grid, "compound": compound,
                 "building": building, "secretary_name": secretary_name},
    )
    return org


@transaction.atomic
def party_groups_create_missing(*, actor, community_id: int) -> list[PartyOrg]:
    """Give every building of the community that lacks one a party group.

    Each group hangs under its compound's branch, else its grid's; a grid with
    neither gets a grid branch first (支部建在网格上). Needs the committee.
    """
    community = _managed_community(actor, community_id)
    _lock_community(community)
    committee = _committee(community)
    if committee is None:
        raise ApplicationError(codes.INVALID_PARENT, _("请先建立社区党委。"), field="parent")
    compound_branches = {
        o.compound_id: o for o in PartyOrg.objects.filter(community=community, kind=PartyOrg.Kind.COMPOUND_BRANCH)
    }
    grid_branches = {o.grid_id: o for o in PartyOrg.objects.filter(community=community, kind=PartyOrg.Kind.GRID_BRANCH)}
    created: list[PartyOrg] = []
    buildings = (
        Building.objects.filter(community=community, party_group__isnull=True)
        .select_related("compound", "grid")
        .order_by("compound__name", "name")
    )
    for building in buildings:
        parent = compound_branches.get(building.compound_id) or grid_branches.get(building.grid_id)
        if parent is None:
            parent = PartyOrg.objects.create(
                community=community, kind=PartyOrg.Kind.GRID_BRANCH, parent=committee, grid=building.grid,
                name=_default_org_name(PartyOrg.Kind.GRID_BRANCH, community, building.grid, None, None),
            )
            grid_branches[building.grid_id] = parent
            created.append(parent)
            audit_record(
                actor=actor, action="party_org.create", target=parent, community_id=community.pk,
                changes={"kind": parent.kind, "name": parent.name, "parent": committee, "grid": building.grid},
                details={"via": "create_missing"},
            )
        group = PartyOrg.objects.create(
            community=community, kind=PartyOrg.Kind.BUILDING_GROUP, parent=parent, building=building,
            name=_default_org_name(PartyOrg.Kind.BUILDING_GROUP, community, None, None, building),
        )
        created.append(group)
        audit_record(
            actor=actor, action="party_org.create", target=group, community_id=community.pk,
            changes={"kind": group.kind, "name": group.name, "parent": parent, "building": building},
            details={"via": "create_missing"},
        )
    return created


# Institutions (驻区单位 / 在职党员单位 / 社会组织) ------------------------------------------------
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
        cleaned["partner_since"] = _clean_date(data["partner_since"], field="partner_since", label=_("共建登记日期"))
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
    community = _managed_community(actor, community_id)
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


# Registration (双报到) -------------------------------------------------------------------------
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
    if _optional_id(employer_id):
        employer = Institution.objects.filter(pk=_optional_id(employer_id), community=community).first()
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
        .filter(pk=_optional_id(building_id) or -1, community_id=resident.community_id)
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
        .filter(pk=_optional_id(registration_id) or -1)
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


# Service posts -------------------------------------------------------------------------------
def _clean_post(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "title" in data or not partial:
        cleaned["title"] = clean_text(data.get("title"), field="title", label=_("岗位名称"), max_length=100)
    if "description" in data:
        cleaned["description"] = clean_text(
            data["description"], field="description", label=_("岗位说明"), max_length=2000, required=False
        )
    if "category" in data or not partial:
        cleaned["category"] = clean_choice(
            data.get("category") or ServicePost.Category.OTHER, ServicePost.Category, field="category",
            label=_("类别"),
        )
    if "location" in data:
        cleaned["location"] = clean_text(data["location"], field="location", label=_("服务地点"), max_length=200,
                                         required=False)
    if "slots" in data or not partial:
        cleaned["slots"] = clean_int(data.get("slots", 1), field="slots", label=_("需求人数"), minimum=1, maximum=999)
    return cleaned


def _managed_post(actor, post_id, *, lock: bool = False) -> ServicePost:
    post = access_post(actor, post_id)
    if not can(actor, VIEW_PARTY, "community", post.community_id):
        raise PermissionDeniedError()
    require(actor, MANAGE_PARTY, "community", post.community_id)
    if lock:
        post = ServicePost.objects.select_for_update().get(pk=post.pk)
    return post


@transaction.atomic
def post_create(*, actor, community_id: int, data: dict[str, Any]) -> ServicePost:
    community = _managed_community(actor, community_id)
    cleaned = _clean_post(data, partial=False)
    post = ServicePost.objects.create(community=community, created_by=actor, **cleaned)
    audit_record(actor=actor, action="post.create", target=post, community_id=community.pk, changes=cleaned)
    return post


@transaction.atomic
def post_update(*, actor, post_id: int, data: dict[str, Any]) -> ServicePost:
    post = _managed_post(actor, post_id, lock=True)
    cleaned = _clean_post(data, partial=True)
    if "slots" in cleaned:
        active = post.claims.filter(status=PostClaim.Status.ACTIVE).count()
        if cleaned["slots"] < active:
            raise ApplicationError(
                codes.SLOTS_TOO_FEW, _("需求人数不能少于当前在岗人数（%(n)d 人）。") % {"n": active}, field="slots"
            )
    changes = diff_fields(post, cleaned)
    if changes:
        for key, value in cleaned.items():
            setattr(post, key, value)
        post.save()
        audit_record(actor=actor, action="post.update", target=post, community_id=post.community_id, changes=changes)
    return post


@transaction.atomic
def post_close(*, actor, post_id: int) -> ServicePost:
    """Stop recruiting. Existing claims stay, so hours already served can still be recorded."""
    post = _managed_post(actor, post_id, lock=True)
    if post.status == ServicePost.Status.CLOSED:
        raise ApplicationError(codes.POST_CLOSED, _("该岗位已经关闭。"), field="post")
    post.status = ServicePost.Status.CLOSED
    post.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="post.close", target=post, community_id=post.community_id,
                 changes={"status": [ServicePost.Status.OPEN, ServicePost.Status.CLOSED]})
    return post


def _acting_member(actor, post: ServicePost) -> PartyMember:
    resident = Resident.objects.filter(user=actor, is_active=True).first() if actor.is_authenticated else None
    member = PartyMember.objects.filter(resident=resident).first() if resident else None
    if member is None:
        raise ApplicationError(
            codes.NOT_PARTY_MEMBER, _("只有完成双报到的党员才能认领岗位。请先扫描所住楼栋的二维码报到。"), status=403
        )
    if not PartyRegistration.objects.filter(
        member=member, ended_at__isnull=True, community_id=post.community_id
    ).exists():
        raise ApplicationError(
            codes.NOT_REGISTERED, _("您还没有在本社区报到，请先扫描所住楼栋的二维码报到。"), status=403
        )
    return member


@transaction.atomic
def post_claim(*, actor, post_id: int) -> PostClaim:
    """A registered member claims a post (认领). The post row is locked so slots cannot be overrun."""
    post = access_post(actor, post_id)
    member = _acting_member(actor, post)
    post = ServicePost.objects.select_for_update().get(pk=post.pk)
    if post.status != ServicePost.Status.OPEN:
        raise ApplicationError(codes.POST_CLOSED, _("该岗位已关闭，不能再认领。"), field="post")
    if PostClaim.objects.filter(post=post, member=member, status=PostClaim.Status.ACTIVE).exists():
        raise ApplicationError(codes.ALREADY_CLAIMED, _("您已认领该岗位。"), field="post")
    taken = PostClaim.objects.filter(post=post, status=PostClaim.Status.ACTIVE).count()
    if taken >= post.slots:
        raise ApplicationError(
            codes.POST_FULL, _("该岗位需要 %(n)d 人，已经认领满了。") % {"n": post.slots}, field="post"
        )
    try:
        with transaction.atomic():
            claim = PostClaim.objects.create(post=post, member=member)
    except IntegrityError:
        raise ApplicationError(codes.ALREADY_CLAIMED, _("您已认领该岗位。"), field="post") from None
    audit_record(actor=actor, action="post.claim", target=claim, community_id=post.community_id,
                 changes={"post": post, "member": member})
    return claim


@transaction.atomic
def post_withdraw(*, actor, post_id: int) -> PostClaim:
    """The member withdraws from a post they claimed (退出岗位)."""
    post = access_post(actor, post_id)
    resident = Resident.objects.filter(user=actor, is_active=True).first()
    claim = (
        PostClaim.objects.select_for_update()
        .filter(post=post, member__resident=resident, status=PostClaim.Status.ACTIVE)
        .first()
        if resident
        else None
    )
    if claim is None:
        raise ApplicationError(codes.NOT_CLAIMED, _("您没有认领该岗位。"), field="post")
    claim.status = PostClaim.Status.WITHDRAWN
    claim.withdrawn_at = timezone.now()
    claim.save(update_fields=["status", "withdrawn_at"])
    audit_record(actor=actor, action="post.withdraw", target=claim, community_id=post.community_id,
                 changes={"status": [PostClaim.Status.ACTIVE, PostClaim.Status.WITHDRAWN]})
    return claim


# Service records ------------------------------------------------------------------------------
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
    day = _clean_date(served_on, field="served_on", label=_("服务日期"))
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
