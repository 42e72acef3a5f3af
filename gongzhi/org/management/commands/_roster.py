"""Shared bits of the roster commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from gongzhi.core.validators import normalize_phone

from ...models import Region


def community_by_code(code: str) -> Region:
    community = Region.objects.filter(code=code, kind=Region.Kind.COMMUNITY).first()
    if community is None:
        raise CommandError(f"社区编码不存在：{code}")
    return community


def user_by_phone(phone: str | None):
    """The login to act as (its MANAGE_ROSTER is checked), or None to act as the system."""
    if not phone:
        return None
    from gongzhi.accounts.models import User

    user = User.objects.filter(phone=normalize_phone(phone) or phone).first()
    if user is None or not user.is_active:
        raise CommandError(f"没有使用该手机号的有效账号：{phone}")
    return user


REFUSED = "社区不存在或无权访问：只有该社区的社区书记和社区工作者可以导入或导出花名册。"
