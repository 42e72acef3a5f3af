"""Writes for logins: authentication with lockout, API tokens, passwords."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.validators import normalize_phone

from . import throttle
from .error_codes import AccountsError
from .models import ApiToken, LoginAttempt, User, hash_token


LOCKED_MESSAGES = {
    "address_phone": gettext_lazy("密码错误次数过多，账号已临时锁定，请 %(minutes)d 分钟后再试（仅限当前网络）。"),
    "address": gettext_lazy("本网络登录失败次数过多，已临时限制登录，请 %(minutes)d 分钟后再试。"),
    "phone": gettext_lazy("此手机号登录失败次数过多，已临时锁定，请 %(minutes)d 分钟后再试。"),
}


def _locked(lock: throttle.Lock) -> ApplicationError:
    return ApplicationError(
        AccountsError.LOGIN_LOCKED, str(LOCKED_MESSAGES[lock.key]) % {"minutes": lock.minutes}, status=429,
        details={"limit": lock.key, "retry_after": lock.seconds},
    )


def user_authenticate(*, request, phone: str, password: str, now: datetime | None = None) -> User:
    """Check a phone/password pair, within the login limits (``throttle``: per address and phone,
    per address, per phone).

    Raises ApplicationError with code ``login_locked`` (429) or ``login_invalid`` (401).
    Every checked attempt is recorded, so the limits hold across processes; a locked attempt is
    not checked and not recorded. ``now`` is for tests.
    """
    now = now or timezone.now()
    normalized = normalize_phone(phone) or (phone or "").strip()
    address = throttle.client_address(request)
    lock = throttle.lock_for(phone=normalized, address=address, now=now)
    if lock:
        raise _locked(lock)
    user = authenticate(request, phone=normalized, password=password)
    LoginAttempt.objects.create(phone=normalized, ip=address, succeeded=user is not None, created_at=now)
    if user is None:
        lock = throttle.lock_for(phone=normalized, address=address, now=now)
        if lock:
            raise _locked(lock)
        left = throttle.tries_left(phone=normalized, address=address, now=now)
        raise ApplicationError(
            AccountsError.LOGIN_INVALID,
            _("手机号或密码不正确（还可尝试 %(left)d 次）。") % {"left": left},
            status=401,
        )
    return user


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
