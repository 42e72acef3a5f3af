"""Resident requests (诉求) and everything that happens to them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.org.models import Building, Compound, Household, Region, Resident


class Tier(models.TextChoices):
    """小事不出楼栋，大事不出社区: where a request is being handled."""

    BUILDING = "building", _("楼栋")
    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    DEPARTMENT = "department", _("部门")


TIER_ORDER = [Tier.BUILDING, Tier.GRID, Tier.COMMUNITY, Tier.DEPARTMENT]


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Channel(models.TextChoices):
    RESIDENT = "resident", _("居民自助")
    WALK_IN = "walk_in", _("来访")
    PHONE = "phone", _("来电")
    NPC_STATION = "npc_station", _("人大代表联络站")
    PATROL = "patrol", _("网格巡查")
    API = "api", _("接口")
    OPEN311 = "open311", _("Open311")


class Category(models.Model):
    """A kind of request, per community: where it starts and how long it may take."""

    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=50)
    description = models.TextField(_("说明"), blank=True)
    tier = models.CharField(_("起始层级"), max_length=12, choices=Tier.choices)
    response_hours = models.DecimalField(_("响应时限（小时）"), max_digits=6, decimal_places=1)
    resolution_hours = models.DecimalField(_("办结时限（小时）"), max_digits=6, decimal_places=1)
    urgent_response_hours = models.DecimalField(_("紧急响应时限（小时）"), max_digits=6, decimal_places=1)
    urgent_resolution_hours = models.DecimalField(_("紧急办结时限（小时）"), max_digits=6, decimal_places=1)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="category_unique_code")]
        ordering = ["community_id", "sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A body outside the community that a whistle (吹哨) can summon: property company, housing office, police…"""

    class Kind(models.TextChoices):
        PROPERTY = "property", _("物业公司")
        HOUSING = "housing", _("房管部门")
        POLICE = "police", _("派出所")
        CITY_MANAGEMENT = "city_management", _("城管")
        OTHER = "other", _("其他部门")

    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    ack_hours = models.DecimalField(_("报到时限（小时）"), max_digits=5, decimal_places=1, default=2)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("部门人员"), blank=True, related_name="departments"
    )

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """One resident request, from intake to rated closure."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        ACCEPTED = "accepted", _("已受理")
        DISPATCHED = "dispatched", _("已派单")
        IN_PROGRESS = "in_progress", _("办理中")
        RESOLVED = "resolved", _("已办结待核查")
        VERIFIED = "verified", _("已核查待评价")
        RATED = "rated", _("已评价")
        CLOSED = "closed", _("已关闭")
        REJECTED = "rejected", _("不予受理")
        MERGED = "merged", _("已合并")

    OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)
    DONE_STATUSES = (Status.RESOLVED, Status.VERIFIED, Status.RATED, Status.CLOSED)
    FINAL_STATUSES = (Status.CLOSED, Status.REJECTED, Status.MERGED)

    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        Region, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("住户"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    channel = models.CharField(_("来源"), max_length=12, choices=Channel.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("反映人账号"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_resident = models.ForeignKey(
        Resident, verbose_name=_("反映人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_name = models.CharField(_("反映人姓名"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("反映人电话"), max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    patrol = models.ForeignKey(
        "casework.Patrol", verbose_name=_("巡查记录"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="cases",
    )

    category = models.ForeignKey(Category, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="cases")
    suggested_category = models.ForeignKey(
        Category, verbose_name=_("系统建议类别"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggestion_confidence = models.FloatField(_("建议置信度"), null=True, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.TextField(_("诉求内容"))
    search_text = models.TextField(_("检索词"), blank=True, editable=False)

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    tier = models.CharField(_("当前层级"), max_length=12, choices=Tier.choices)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("当前承办人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="handled_cases",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("承办部门"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并至"), null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )

    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    response_due_at = models.DateTimeField(_("响应时限"))
    resolution_due_at = models.DateTimeField(_("办结时限"))
    responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    resolved_tier = models.CharField(_("办结层级"), max_length=12, choices=Tier.choices, blank=True)
    resolution = models.TextField(_("办理结果"), blank=True)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    last_reminded_at = models.DateTimeField(_("最近提醒"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("超时督办时间"), null=True, blank=True)

    idempotency_key = models.CharField(_("幂等键"), max_length=64, blank=True)
    token = models.UUIDField(_("受理令牌"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="case_idempotency",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="case_rating_range",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "-created_at"], name="case_queue"),
            models.Index(fields=["community", "created_at"], name="case_community_time"),
            models.Index(fields=["grid", "status", "-created_at"], name="case_grid_queue"),
            models.Index(fields=["building", "status", "-created_at"], name="case_building_queue"),
            models.Index(fields=["handler", "status"], name="case_handler"),
            models.Index(fields=["reporter", "-created_at"], name="case_reporter"),
            models.Index(fields=["status", "resolution_due_at"], name="case_due"),
            # The queue filtered by category, grid or building over every status, newest first.
            models.Index(fields=["category", "-created_at"], name="case_category_time"),
            models.Index(fields=["grid", "-created_at"], name="case_grid_time"),
            models.Index(fields=["building", "-created_at"], name="case_building_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def title(self) -> str:
        text = " ".join(self.description.split())
        return text if len(text) <= 30 else text[:30] + "…"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class CaseEvent(models.Model):
    """One step in a case's history, append-only. ``public`` events form the resident's timeline."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("提交诉求")
        ACCEPTED = "accepted", _("受理")
        REJECTED = "rejected", _("不予受理")
        MERGED = "merged", _("合并为重复诉求")
        DUPLICATE_ADDED = "duplicate_added", _("合并了重复诉求")
        CATEGORY_CHANGED = "category_changed", _("调整类别")
        DISPATCHED = "dispatched", _("派单")
        HANDED_OVER = "handed_over", _("转交")
        RELOCATED = "relocated", _("调整地点")
        ESCALATED = "escalated", _("上报")
        WHISTLED = "whistled", _("吹哨")
        DEPARTMENT_ACK = "department_ack", _("部门报到")
        STARTED = "started", _("开始办理")
        PROGRESS = "progress", _("办理进展")
        RESOLVED = "resolved", _("办结")
        VERIFIED = "verified", _("核查通过")
        REOPENED = "reopened", _("重新办理")
        RATED = "rated", _("评价")
        CLOSED = "closed", _("关闭")
        REMINDED = "reminded", _("催办提醒")
        OVERDUE = "overdue", _("超时督办")
        COMMENT = "comment", _("备注")

    case = models.ForeignKey(Case, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, blank=True)
    tier = models.CharField(_("层级"), max_length=12, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    public = models.BooleanField(_("居民可见"), default=True)

    class Meta:
        verbose_name = _("诉求记录")
        verbose_name_plural = _("诉求记录")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="caseevent_case_time"),
            # The rates' on-time response test: did the sweep escalate this case (no actor)?
            models.Index(fields=["case"], condition=models.Q(kind="escalated", actor__isnull=True),
                         name="caseevent_auto_escalated"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.case_id}"


class CasePhoto(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("反映照片")
        RESULT = "result", _("办理结果照片")

    case = models.ForeignKey(Case, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        CaseEvent, verbose_name=_("记录"), null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    image = models.FileField(_("图片"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(_("格式"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("诉求照片")
        verbose_name_plural = _("诉求照片")


class Whistle(models.Model):
    """社区吹哨、部门报到: the community summons a department, which must acknowledge in time."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待报到")
        ACKNOWLEDGED = "acknowledged", _("已报到")
        OVERDUE = "overdue", _("超时未报到")

    case = models.ForeignKey(Case, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="whistles")
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="whistles"
    )
    reason = models.TextField(_("吹哨事由"))
    whistled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("吹哨人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    whistled_at = models.DateTimeField(_("吹哨时间"), auto_now_add=True)
    ack_due_at = models.DateTimeField(_("报到时限"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    acknowledged_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报到人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    response = models.TextField(_("部门答复"), blank=True)

    class Meta:
        verbose_name = _("吹哨")
        verbose_name_plural = _("吹哨")
        indexes = [
            models.Index(fields=["department", "status"], name="whistle_department"),
            models.Index(fields=["status", "ack_due_at"], name="whistle_due"),
        ]
