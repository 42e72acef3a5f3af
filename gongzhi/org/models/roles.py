"""Roles, each scoped to a node of the tree.

Every role has one scope level (see ``ROLE_SCOPE``): the assignment points at
a region (sub-district, community or grid), a compound, a building or a unit.
Red stewards are anchored at their community and look after an explicit list
of households. "Resident" is not an assignment: a login linked to a resident
sees that resident's households.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tree import Building, Compound, Household, Region, Unit


class Role(models.TextChoices):
    SUBDISTRICT_STAFF = "subdistrict_staff", _("街道工作人员")
    COMMUNITY_SECRETARY = "community_secretary", _("社区书记")
    COMMUNITY_STAFF = "community_staff", _("社区工作者")
    GRID_HEAD = "grid_head", _("网格长")
    GRID_WORKER = "grid_worker", _("网格员")
    BUILDING_HEAD = "building_head", _("楼栋长")
    UNIT_HEAD = "unit_head", _("邻长/单元长")
    RED_STEWARD = "red_steward", _("红管家")
    SOCIAL_WORKER = "social_worker", _("社工")
    PROPERTY_STAFF = "property_staff", _("物业人员")
    OWNERS_COMMITTEE = "owners_committee", _("业委会委员")
    NPC_DEPUTY = "npc_deputy", _("人大代表")
    POLICE_LIAISON = "police_liaison", _("社区民警")
    VOLUNTEER = "volunteer", _("志愿者")


class ScopeLevel(models.TextChoices):
    SUBDISTRICT = "subdistrict", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    COMPOUND = "compound", _("小区")
    BUILDING = "building", _("楼栋")
    UNIT = "unit", _("单元")
    HOUSEHOLDS = "households", _("指定住户")


ROLE_SCOPE: dict[str, str] = {
    Role.SUBDISTRICT_STAFF: ScopeLevel.SUBDISTRICT,
    Role.COMMUNITY_SECRETARY: ScopeLevel.COMMUNITY,
    Role.COMMUNITY_STAFF: ScopeLevel.COMMUNITY,
    Role.GRID_HEAD: ScopeLevel.GRID,
    Role.GRID_WORKER: ScopeLevel.GRID,
    Role.BUILDING_HEAD: ScopeLevel.BUILDING,
    Role.UNIT_HEAD: ScopeLevel.UNIT,
    Role.RED_STEWARD: ScopeLevel.HOUSEHOLDS,
    Role.SOCIAL_WORKER: ScopeLevel.COMMUNITY,
    Role.PROPERTY_STAFF: ScopeLevel.COMPOUND,
    Role.OWNERS_COMMITTEE: ScopeLevel.COMPOUND,
    Role.NPC_DEPUTY: ScopeLevel.COMMUNITY,
    Role.POLICE_LIAISON: ScopeLevel.COMMUNITY,
    Role.VOLUNTEER: ScopeLevel.COMMUNITY,
}


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    # Exactly one of region / compound / building / unit is set, per ROLE_SCOPE
    # (red stewards: region = their community, plus StewardHousehold rows).
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("单元"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The community the scope lies in (None for sub-district roles): lets
    # community staff list and manage the roles of their own community.
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("授予人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("角色任命")
        verbose_name_plural = _("角色任命")
        indexes = [
            models.Index(fields=["user", "revoked_at"], name="role_user_active"),
            models.Index(fields=["community", "role"], name="role_community"),
        ]
        constraints = [
            models.CheckConstraint(
                name="role_single_scope",
                condition=(
                    models.Q(region__isnull=False, compound__isnull=True, building__isnull=True, unit__isnull=True)
                    | models.Q(region__isnull=True, compound__isnull=False, building__isnull=True, unit__isnull=True)
                    | models.Q(region__isnull=True, compound__isnull=True, building__isnull=False, unit__isnull=True)
                    | models.Q(region__isnull=True, compound__isnull=True, building__isnull=True, unit__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.name} · {self.get_role_display()} · {self.scope_label}"

    @property
    def scope_node(self):
        return self.region or self.compound or self.building or self.unit

    @property
    def scope_label(self) -> str:
        if self.unit_id:
            return f"{self.unit.building.compound.name} {self.unit.building.name} {self.unit}"
        if self.building_id:
            return f"{self.building.compound.name} {self.building.name}"
        return str(self.scope_node)


class StewardHousehold(models.Model):
    """A household a red steward (红管家) looks after."""

    assignment = models.ForeignKey(
        RoleAssignment, verbose_name=_("红管家任命"), on_delete=models.CASCADE, related_name="steward_households"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("住户"), on_delete=models.CASCADE, related_name="stewards"
    )

    class Meta:
        verbose_name = _("红管家联系户")
        verbose_name_plural = _("红管家联系户")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "household"], name="steward_household_unique")
        ]
