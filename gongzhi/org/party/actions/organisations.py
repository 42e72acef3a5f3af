"""Party organisations (社区党委 → 网格/小区党支部 → 楼栋党小组): create one, or fill in every missing group."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError

from ... import error_codes as codes
from ...actions.common import clean_choice, clean_text
from ...ids import optional_pk
from ...models import Building, Compound, PartyOrg, Region
from ..permissions import managed_community


def _lock_community(community: Region) -> None:
    """Serialise party-organisation changes of one community (uniqueness checks below)."""
    Region.objects.select_for_update().filter(pk=community.pk).first()


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
    community = managed_community(actor, community_id)
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
        if parent_id and optional_pk(parent_id) != committee.pk:
            raise ApplicationError(codes.INVALID_PARENT, _("党支部的上级组织必须是社区党委。"), field="parent")
        parent = committee
        if kind == PartyOrg.Kind.GRID_BRANCH:
            grid = Region.objects.filter(
                pk=optional_pk(grid_id) or -1, kind=Region.Kind.GRID, parent_community=community
            ).first()
            if grid is None:
                raise ApplicationError(codes.WRONG_COMMUNITY, _("请选择本社区的一个网格。"), field="grid")
            existing = PartyOrg.objects.filter(kind=kind, grid=grid).first()
            if existing:
                raise ApplicationError(
                    codes.PARTY_ORG_EXISTS, _("该网格已有党支部：%(name)s。") % {"name": existing.name}, field="grid"
                )
        else:
            compound = Compound.objects.filter(pk=optional_pk(compound_id) or -1, community=community).first()
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
            .filter(pk=optional_pk(building_id) or -1, community=community)
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
            parent = PartyOrg.objects.filter(pk=optional_pk(parent_id), community=community).first()
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
    community = managed_community(actor, community_id)
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
