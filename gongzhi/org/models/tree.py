"""The territory: sub-district → community → grid, compounds, buildings, units, households.

Grids (governance partitions) and compounds (physical estates) both contain
buildings but need not nest, so a building points to one of each. Households
carry their community, grid, compound and building as well as their unit, so
that every "what is in my scope" query is one indexed equality.
"""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from gongzhi.core.models import TimeStampedModel


class Region(MP_Node):
    """Administrative levels above the building: 街道 → 社区 → 网格."""

    class Kind(models.TextChoices):
        SUBDISTRICT = "subdistrict", _("街道")
        COMMUNITY = "community", _("社区")
        GRID = "grid", _("网格")

    kind = models.CharField(_("层级"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("编码"), max_length=32, unique=True)
    # For a grid, the community it belongs to (denormalised from the path so
    # scope checks need no query); empty for communities and sub-districts.
    parent_community = models.ForeignKey(
        "self", verbose_name=_("所属社区"), null=True, blank=True, on_delete=models.PROTECT, related_name="grids"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域（街道/社区/网格）")

    def __str__(self) -> str:
        return self.name

    @property
    def community_id_or_none(self) -> int | None:
        """The community this region is, or belongs to (None for a sub-district)."""
        if self.kind == self.Kind.COMMUNITY:
            return self.pk
        if self.kind == self.Kind.GRID:
            return self.parent_community_id
        return None

    @classmethod
    def create_subdistrict(cls, *, name: str, code: str) -> "Region":
        return cls.objects.add_root(create_kwargs={"kind": cls.Kind.SUBDISTRICT, "name": name, "code": code})

    def create_community(self, *, name: str, code: str) -> "Region":
        target = Region.objects.get(pk=self.pk)  # fresh path/numchild
        return Region.objects.add_child(target, create_kwargs={"kind": self.Kind.COMMUNITY, "name": name, "code": code})

    def create_grid(self, *, name: str, code: str) -> "Region":
        target = Region.objects.get(pk=self.pk)
        return Region.objects.add_child(
            target,
            create_kwargs={"kind": self.Kind.GRID, "name": name, "code": code, "parent_community": target},
        )

    def child_communities(self):
        return Region.objects.get_children(self).filter(kind=self.Kind.COMMUNITY)


def new_qr_token() -> str:
    return secrets.token_urlsafe(16)


class Compound(TimeStampedModel):
    """小区: a physical estate with a property company and owners' committee."""

    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="compounds"
    )
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    property_company = models.CharField(_("物业公司"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="compound_unique_name")]
        ordering = ["community_id", "name"]

    def __str__(self) -> str:
        return self.name


class Building(TimeStampedModel):
    """楼栋: belongs to exactly one grid and one compound."""

    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Region, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="buildings"
    )
    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="buildings"
    )
    name = models.CharField(_("楼栋"), max_length=50)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    qr_token = models.CharField(
        _("报到二维码令牌"), max_length=32, unique=True, default=new_qr_token, editable=False
    )

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="building_unique_name")]
        indexes = [models.Index(fields=["grid", "name"], name="building_grid_name")]
        ordering = ["compound_id", "name"]

    def __str__(self) -> str:
        return f"{self.compound.name} {self.name}" if "compound" in self._state.fields_cache else self.name


class Unit(models.Model):
    """单元 (stairwell) of a building."""

    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), on_delete=models.CASCADE, related_name="units"
    )
    number = models.CharField(_("单元号"), max_length=10)

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="unit_unique_number")]
        ordering = ["building_id", "number"]

    def __str__(self) -> str:
        return _("%(number)s单元") % {"number": self.number}


class Household(TimeStampedModel):
    """户: one dwelling or shop, addressed as unit-room (e.g. 1-502)."""

    class Use(models.TextChoices):
        DWELLING = "dwelling", _("住宅")
        SHOP = "shop", _("商铺")

    class Occupancy(models.TextChoices):
        OCCUPIED = "occupied", _("自住/在住")
        VACANT = "vacant", _("空置")

    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Region, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="households"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("单元"), on_delete=models.PROTECT, related_name="households")
    room = models.CharField(_("房号"), max_length=20)
    floor = models.SmallIntegerField(_("楼层"))
    area = models.DecimalField(_("建筑面积（㎡）"), max_digits=8, decimal_places=2)
    use = models.CharField(_("用途"), max_length=10, choices=Use.choices, default=Use.DWELLING)
    occupancy = models.CharField(
        _("居住状态"), max_length=10, choices=Occupancy.choices, default=Occupancy.OCCUPIED
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("房屋（户）")
        verbose_name_plural = _("房屋（户）")
        constraints = [
            models.UniqueConstraint(fields=["unit", "room"], name="household_unique_room"),
            models.CheckConstraint(condition=models.Q(area__gt=0), name="household_area_positive"),
        ]
        indexes = [
            models.Index(fields=["grid", "building", "unit", "room"], name="household_grid_order"),
            models.Index(fields=["community", "building", "unit", "room"], name="household_comm_order"),
            models.Index(fields=["compound", "building"], name="household_compound"),
            models.Index(fields=["building", "unit", "room"], name="household_building_order"),
            models.Index(fields=["community", "room"], name="household_comm_room"),
        ]
        ordering = ["building_id", "unit_id", "room"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """Unit-room, e.g. 1-502; the building name is added when loaded."""
        unit = self._state.fields_cache.get("unit")
        short = f"{unit.number}-{self.room}" if unit is not None else self.room
        building = self._state.fields_cache.get("building")
        return f"{building.name} {short}" if building is not None else short

    @property
    def short_label(self) -> str:
        return f"{self.unit.number}-{self.room}"
