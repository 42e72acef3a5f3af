"""Residents, their tags and their ties to households."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStampedModel
from gongzhi.core.validators import mask_id_number, mask_phone

from .tree import Household, Region


class Tag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    SUBSISTENCE = "subsistence", _("低保")
    HARDSHIP = "hardship", _("困难家庭")
    DISABILITY = "disability", _("残疾")
    VETERAN = "veteran", _("退役军人")
    PARTY_MEMBER = "party_member", _("党员")


# Tags that reveal health, welfare or living situation: shown only to roles with
# the ``view_sensitive`` capability, and every read is audited (PIPL art. 28).
SENSITIVE_TAGS = frozenset({Tag.ELDERLY_ALONE, Tag.SUBSISTENCE, Tag.HARDSHIP, Tag.DISABILITY})


class Resident(TimeStampedModel):
    """A person known to a community. May be linked to a login (``user``)."""

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    community = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident",
    )
    is_active = models.BooleanField(_("在册"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    households = models.ManyToManyField(Household, through="Occupancy", related_name="residents")

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "id_number"],
                condition=~models.Q(id_number=""),
                name="resident_unique_id_number",
            )
        ]
        indexes = [
            models.Index(fields=["community", "name"], name="resident_comm_name"),
            models.Index(fields=["community", "phone"], name="resident_comm_phone"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class ResidentTag(models.Model):
    resident = models.ForeignKey(Resident, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("标签"), max_length=20, choices=Tag.choices)

    class Meta:
        verbose_name = _("居民标签")
        verbose_name_plural = _("居民标签")
        constraints = [models.UniqueConstraint(fields=["resident", "tag"], name="resident_tag_unique")]
        indexes = [models.Index(fields=["tag", "resident"], name="resident_tag_lookup")]

    def __str__(self) -> str:
        return self.get_tag_display()

    @property
    def is_sensitive(self) -> bool:
        return self.tag in SENSITIVE_TAGS


class Occupancy(models.Model):
    """A resident's tie to a household: owner (with share), co-owner, tenant or family."""

    class Relation(models.TextChoices):
        OWNER = "owner", _("业主")
        CO_OWNER = "co_owner", _("共有人")
        TENANT = "tenant", _("租户")
        FAMILY = "family", _("家庭成员")

    OWNING = (Relation.OWNER, Relation.CO_OWNER)

    household = models.ForeignKey(
        Household, verbose_name=_("房屋"), on_delete=models.CASCADE, related_name="occupancies"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="occupancies"
    )
    relation = models.CharField(_("关系"), max_length=10, choices=Relation.choices)
    share = models.DecimalField(
        _("产权份额（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("居住/产权关系")
        verbose_name_plural = _("居住/产权关系")
        constraints = [
            models.UniqueConstraint(fields=["household", "resident"], name="occupancy_unique"),
            models.CheckConstraint(
                condition=models.Q(share__isnull=True) | (models.Q(share__gt=0) & models.Q(share__lte=100)),
                name="occupancy_share_range",
            ),
        ]
        indexes = [models.Index(fields=["resident", "household"], name="occupancy_resident")]

    def __str__(self) -> str:
        return f"{self.resident} — {self.household} ({self.get_relation_display()})"
