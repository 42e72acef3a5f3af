"""Open311 API keys, stored classifier models and staff corrections of categories."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Key(models.Model):
    """An api_key for POSTing to /open311/v2/ (created with ``manage.py open311_apikey NAME``)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 密钥")
        verbose_name_plural = _("Open311 密钥")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class ClassifierModel(models.Model):
    """A trained category classifier. The newest row is the one in use."""

    created_at = models.DateTimeField(_("训练时间"), auto_now_add=True)
    blob = models.BinaryField(_("模型"))
    examples = models.PositiveIntegerField(_("训练样本数"))
    corrections = models.PositiveIntegerField(_("人工更正数"), default=0)
    accuracy = models.FloatField(_("留出集准确率"), null=True, blank=True)

    class Meta:
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")
        ordering = ["-created_at", "-id"]


class CategoryCorrection(models.Model):
    """Staff changed the category the platform suggested: a training example for the next model."""

    case = models.ForeignKey("casework.Case", verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("诉求内容"))
    suggested_code = models.CharField(_("建议类别"), max_length=40, blank=True)
    corrected_code = models.CharField(_("更正类别"), max_length=40)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("更正人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("更正时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("类别更正")
        verbose_name_plural = _("类别更正")
