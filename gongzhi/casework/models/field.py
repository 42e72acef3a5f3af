"""Grid patrols, service orders (列单—点单—派单—接单—评单) and dispute mediation."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.org.models import Building, Household, Region, Resident

from .case import Case


class Patrol(models.Model):
    """网格巡查: where a grid worker walked and what they recorded."""

    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Region, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("网格员"), on_delete=models.PROTECT, related_name="patrols"
    )
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    summary = models.TextField(_("巡查小结"), blank=True)

    class Meta:
        verbose_name = _("网格巡查")
        verbose_name_plural = _("网格巡查")
        indexes = [models.Index(fields=["grid", "-started_at"], name="patrol_grid_time")]
        constraints = [
            # A worker walks one patrol at a time; the database refuses a second open one.
            models.UniqueConstraint(
                fields=["worker"], condition=models.Q(ended_at__isnull=True), name="patrol_one_open_per_worker"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.started_at:%Y-%m-%d %H:%M}"


class PatrolStop(models.Model):
    """A place visited on a patrol, with what was seen there."""

    patrol = models.ForeignKey(Patrol, verbose_name=_("巡查"), on_delete=models.CASCADE, related_name="stops")
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("地点"), max_length=200, blank=True)
    visited_at = models.DateTimeField(_("到达时间"))
    note = models.TextField(_("记录"), blank=True)
    cases = models.ManyToManyField(Case, verbose_name=_("发现的诉求"), blank=True, related_name="patrol_stops")

    class Meta:
        verbose_name = _("巡查点")
        verbose_name_plural = _("巡查点")
        ordering = ["visited_at", "id"]


class ServiceOffering(models.Model):
    """组织列单: a service the community offers residents (理发、维修、陪诊…)."""

    class Provider(models.TextChoices):
        ANY = "any", _("党员或志愿者")
        PARTY_MEMBER = "party_member", _("党员")
        VOLUNTEER = "volunteer", _("志愿者")
        STAFF = "staff", _("社区工作人员")

    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("服务名称"), max_length=100)
    description = models.TextField(_("服务说明"), blank=True)
    provider = models.CharField(_("承接人"), max_length=20, choices=Provider.choices, default=Provider.ANY)
    is_active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务清单")
        verbose_name_plural = _("服务清单")

    def __str__(self) -> str:
        return self.title


class ServiceOrder(models.Model):
    """群众点单 → 平台派单 / 接单 → 群众评单."""

    class Status(models.TextChoices):
        ORDERED = "ordered", _("已点单")
        POSTED = "posted", _("待接单")
        TAKEN = "taken", _("已接单")
        COMPLETED = "completed", _("已完成")
        RATED = "rated", _("已评价")
        CANCELLED = "cancelled", _("已取消")

    offering = models.ForeignKey(
        ServiceOffering, verbose_name=_("服务"), on_delete=models.PROTECT, related_name="orders"
    )
    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, verbose_name=_("住户"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("点单人"), on_delete=models.PROTECT, related_name="service_orders"
    )
    note = models.TextField(_("需求说明"), blank=True)
    preferred_time = models.CharField(_("期望时间"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ORDERED)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接单人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="taken_service_orders",
    )
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("派单人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("点单时间"), auto_now_add=True)
    posted_at = models.DateTimeField(_("发布接单时间"), null=True, blank=True)
    taken_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completion_note = models.TextField(_("服务记录"), blank=True)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        indexes = [models.Index(fields=["community", "status", "-created_at"], name="order_queue")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="order_rating_range",
            )
        ]


class Mediation(models.Model):
    """矛盾纠纷调解 linked to the request that raised the dispute."""

    class Status(models.TextChoices):
        OPEN = "open", _("调解中")
        AGREED = "agreed", _("达成协议")
        NOT_AGREED = "not_agreed", _("未达成协议")
        WITHDRAWN = "withdrawn", _("撤回")

    case = models.OneToOneField(Case, verbose_name=_("诉求"), on_delete=models.PROTECT, related_name="mediation")
    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("调解员"), on_delete=models.PROTECT, related_name="mediations"
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("立案人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    agreement_terms = models.TextField(_("协议内容"), blank=True)
    outcome_note = models.TextField(_("调解结果"), blank=True)
    opened_at = models.DateTimeField(_("立案时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("纠纷调解")
        verbose_name_plural = _("纠纷调解")
        indexes = [models.Index(fields=["community", "status", "closed_at"], name="mediation_outcome")]


class MediationParty(models.Model):
    class Side(models.TextChoices):
        APPLICANT = "applicant", _("申请方")
        RESPONDENT = "respondent", _("被申请方")
        OTHER = "other", _("其他当事人")

    mediation = models.ForeignKey(Mediation, verbose_name=_("调解"), on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("身份"), max_length=12, choices=Side.choices)
    name = models.CharField(_("姓名"), max_length=50)
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone = models.CharField(_("电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("调解当事人")
        verbose_name_plural = _("调解当事人")


class MediationSession(models.Model):
    mediation = models.ForeignKey(Mediation, verbose_name=_("调解"), on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    attendees = models.CharField(_("参加人员"), max_length=500, blank=True)
    notes = models.TextField(_("调解记录"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_at", "id"]
