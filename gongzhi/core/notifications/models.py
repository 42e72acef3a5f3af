"""The notification row. Registered through ``gongzhi/core/models.py`` (app label ``core``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message to one user; at most one per (user, ``dedupe_key``) when a key is given."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    source = models.CharField(_("来源"), max_length=32, help_text=_("发出通知的应用，如 casework"))
    kind = models.CharField(_("类别"), max_length=64, help_text=_("发生了什么，如 case.dispatched"))
    subject = models.CharField(_("事项"), max_length=200, blank=True, help_text=_("通知所说的事，列表中显示"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    dedupe_key = models.CharField(
        _("去重键"), max_length=100, blank=True, help_text=_("同一接收人同一键只通知一次，如 casework.event:123")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], condition=~models.Q(dedupe_key=""),
                                    name="notification_once_per_key")
        ]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_user_inbox")]

    def __str__(self) -> str:
        return self.title
