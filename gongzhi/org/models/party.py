"""Party organisations, 双报到 registration, service posts and partner institutions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStampedModel

from .people import Resident
from .tree import Building, Compound, Region


class PartyOrg(TimeStampedModel):
    """社区党委 → 网格/小区党支部 → 楼栋党小组."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("社区党委")
        GRID_BRANCH = "grid_branch", _("网格党支部")
        COMPOUND_BRANCH = "compound_branch", _("小区党支部")
        BUILDING_GROUP = "building_group", _("楼栋党小组")

    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    grid = models.ForeignKey(
        Region, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    building = models.OneToOneField(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.PROTECT, related_name="party_group"
    )
    secretary_name = models.CharField(_("书记/组长"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        indexes = [models.Index(fields=["community", "kind"], name="partyorg_community_kind")]

    def __str__(self) -> str:
        return self.name


class Institution(TimeStampedModel):
    """An organisation the community works with: 驻区单位, an employer of 在职党员, a 社会组织."""

    class Kind(models.TextChoices):
        RESIDENT_UNIT = "resident_unit", _("驻区单位")
        EMPLOYER = "employer", _("在职党员单位")
        SOCIAL_ORG = "social_org", _("社会组织")

    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_partner = models.BooleanField(_("党建共同体成员"), default=False)
    partner_since = models.DateField(_("共建登记日期"), null=True, blank=True)
    services_offered = models.TextField(_("可提供资源/服务"), blank=True)

    class Meta:
        verbose_name = _("单位/组织")
        verbose_name_plural = _("单位/组织")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="institution_unique_name")]

    def __str__(self) -> str:
        return self.name


class PartyMember(TimeStampedModel):
    class Kind(models.TextChoices):
        EMPLOYED = "employed", _("在职党员")
        RESIDENT = "resident", _("在地党员")
        ON_ROLLS = "on_rolls", _("在册党员")

    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    resident = models.OneToOneField(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="party_member"
    )
    kind = models.CharField(_("党员类别"), max_length=10, choices=Kind.choices)
    employer = models.ForeignKey(
        Institution, verbose_name=_("工作单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    home_org_name = models.CharField(_("组织关系所在党组织"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        constraints = [
            models.CheckConstraint(
                name="party_member_employed_has_employer",
                condition=~models.Q(kind="employed") | models.Q(employer__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident.name}（{self.get_kind_display()}）"


class PartyRegistration(models.Model):
    """双报到: a member reports to the building party group where they live."""

    class Method(models.TextChoices):
        QR = "qr", _("扫码报到")
        STAFF = "staff", _("工作人员录入")

    member = models.ForeignKey(
        PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="registrations"
    )
    party_group = models.ForeignKey(
        PartyOrg, verbose_name=_("报到党组织"), on_delete=models.PROTECT, related_name="registrations"
    )
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("报到方式"), max_length=10, choices=Method.choices)
    registered_at = models.DateTimeField(_("报到时间"), auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("双报到登记")
        verbose_name_plural = _("双报到登记")
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(ended_at__isnull=True), name="registration_one_active"
            )
        ]
        indexes = [models.Index(fields=["community", "-registered_at"], name="registration_community")]

    def __str__(self) -> str:
        return f"{self.member} → {self.party_group}"


class ServicePost(TimeStampedModel):
    """服务岗位 on the community's needs list."""

    class Category(models.TextChoices):
        ELDERLY = "elderly", _("为老服务")
        ENVIRONMENT = "environment", _("环境整治")
        SAFETY = "safety", _("平安巡逻")
        CULTURE = "culture", _("文化宣传")
        MEDIATION = "mediation", _("矛盾调解")
        YOUTH = "youth", _("青少年关爱")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("招募中")
        CLOSED = "closed", _("已关闭")

    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("岗位名称"), max_length=100)
    description = models.TextField(_("岗位说明"), blank=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, default=Category.OTHER)
    location = models.CharField(_("服务地点"), max_length=200, blank=True)
    slots = models.PositiveSmallIntegerField(_("需求人数"), default=1)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("服务岗位")
        verbose_name_plural = _("服务岗位")
        indexes = [models.Index(fields=["community", "status"], name="post_community_status")]

    def __str__(self) -> str:
        return self.title


class PostClaim(models.Model):
    """A member's claim (认领) of a service post."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在岗")
        WITHDRAWN = "withdrawn", _("已退出")

    post = models.ForeignKey(ServicePost, verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="claims")
    member = models.ForeignKey(PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="claims")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    claimed_at = models.DateTimeField(_("认领时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("退出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("岗位认领")
        verbose_name_plural = _("岗位认领")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "member"], condition=models.Q(status="active"), name="claim_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.post}"


class ServiceRecord(models.Model):
    """Hours served on a claimed post, recorded by staff; feeds the quarterly employer report."""

    claim = models.ForeignKey(PostClaim, verbose_name=_("岗位认领"), on_delete=models.PROTECT, related_name="records")
    served_on = models.DateField(_("服务日期"))
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=5, decimal_places=1)
    note = models.CharField(_("服务内容"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0) & models.Q(hours__lte=24), name="record_hours_range")
        ]
        indexes = [models.Index(fields=["served_on"], name="record_served_on")]
