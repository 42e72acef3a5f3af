from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One thing somebody did, append-only.

    ``community_id`` scopes the event for the audit page (staff see their own
    community's events). ``changes`` maps field -> [old, new] for updates, or
    holds the created values; ``details`` carries anything else worth keeping
    (e.g. which residents' sensitive tags were shown). The table is only ever
    appended to and is queried by (community, time), so it can be partitioned
    by time later.
    """

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    target_label = models.CharField(_("对象"), max_length=200, blank=True)
    community = models.ForeignKey(
        "org.Region",
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "-created_at"], name="audit_community_time"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"


class ScheduledJob(models.Model):
    """Bookkeeping for periodic tasks: at most one run per interval, however many workers."""

    name = models.CharField(_("任务"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("上次运行"), null=True, blank=True)
    next_run_at = models.DateTimeField(_("下次运行"))

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self) -> str:
        return self.name


from .notifications.models import Notification  # noqa: E402, F401  (the inbox's model lives in its package)
