"""Writes for logins: authentication with lockout, API tokens, passwords."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.validators import normalize_phone

from .models import ApiToken, LoginAttempt, User, hash_token


def _lockout_remaining(phone: str) -> int:
    """Seconds until ``phone`` may try again (0 when not locked)."""
    now = timezone.now()
    window_start = now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    last_success = (
        LoginAttempt.objects.filter(phone=phone, succeeded=True, created_at__gte=window_start)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    failures = LoginAttempt.objects.filter(phone=phone, succeeded=False, created_at__gte=last_success or window_start)
    recent = list(failures.order_by("-created_at").values_list("created_at", flat=True)[: settings.LOGIN_MAX_FAILURES])
    if len(recent) < settings.LOGIN_MAX_FAILURES:
        return 0
    unlock_at = recent[0] + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    return max(0, int((unlock_at - now).total_seconds()))


def user_authenticate(*, request, phone: str, password: str) -> User:
    """Check a phone/password pair, enforcing lockout after repeated failures.

    Raises ApplicationError with code ``login_locked`` or ``login_invalid``.
    Every attempt is recorded, so the lockout holds across processes.
    """
    normalized = normalize_phone(phone) or (phone or "").strip()
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    remaining = _lockout_remaining(normalized)
    if remaining:
        minutes = max(1, (remaining + 59) // 60)
        raise ApplicationError(
            "login_locked",
            _("密码错误次数过多，账号已临时锁定，请 %(minutes)d 分钟后再试。") % {"minutes": minutes},
            status=429,
        )
    user = authenticate(request, phone=normalized, password=password)
    LoginAttempt.objects.create(phone=normalized, ip=ip, succeeded=user is not None)
    if user is None:
        left = settings.LOGIN_MAX_FAILURES - _recent_failure_count(normalized)
        if left <= 0:
            raise ApplicationError(
                "login_locked",
                _("密码错误次数过多，账号已临时锁定，请 %(minutes)d 分钟后再试。")
                % {"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
                status=429,
            )
        raise ApplicationError(
            "login_invalid",
            _("手机号或密码不正确（还可尝试 %(left)d 次）。") % {"left": left},
            status=401,
        )
    return user


def _recent_failure_count(phone: str) -> int:
    window_start = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    last_success = (
        LoginAttempt.objects.filter(phone=phone, succeeded=True, created_at__gte=window_start)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return LoginAttempt.objects.filter(
        phone=phone, succeeded=False, created_at__gte=last_success or window_start
    ).count()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is shown only once."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError("token_name_required", _("请填写令牌名称。"), field="name")
    if len(name) > 100:
        raise ApplicationError("token_name_too_long", _("令牌名称不能超过 100 个字符。"), field="name")
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[3:9], key_hash=hash_token(key))
    audit_record(actor=user, action="api_token.create", target=token, changes={"name": name})
    return token, key


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound()
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=user, action="api_token.revoke", target=token)
    return token


def api_token_user(key: str) -> User | None:
    """The active user a bearer key belongs to, or None."""
    if not key or not key.startswith("gz_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
