"""Login throttling: three limits over the recorded attempts (docs/security.md).

- **address + phone** (``LOGIN_MAX_FAILURES``): the lock a forgotten password meets. It is keyed by
  the address too, so a stranger elsewhere cannot lock a worker out of their account.
- **address** (``LOGIN_ADDRESS_MAX_FAILURES``): failures from one address across every phone, so
  password spraying from one address stops after a few tries whatever phones it names.
- **phone** (``LOGIN_PHONE_MAX_FAILURES``, much higher): failures for one phone from every address,
  so guessing one account from many addresses is slow too.

The attempts live in the database (``LoginAttempt``), so the limits hold across processes. Every
function takes ``now``: tests move time instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest

from .models import LoginAttempt


@dataclass(frozen=True)
class Limit:
    key: str  # "address_phone", "address", "phone"
    max_failures: int
    failures: Q  # the failed attempts this limit counts
    resets_on_success: Q | None  # a success matching this starts the count again (None: it never does)


@dataclass(frozen=True)
class Lock:
    key: str
    seconds: int  # until the next attempt is allowed

    @property
    def minutes(self) -> int:
        return max(1, (self.seconds + 59) // 60)


def client_address(request: HttpRequest | None) -> str | None:
    """The caller's address: ``REMOTE_ADDR``, or behind ``LOGIN_TRUSTED_PROXIES`` proxies the
    address the nearest of them saw (X-Forwarded-For, counted from the right; never trusted
    beyond what those proxies appended)."""
    if request is None:
        return None
    proxies = settings.LOGIN_TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def limits(*, phone: str, address: str | None) -> list[Limit]:
    at = Q(ip=address) if address else Q(ip__isnull=True)
    return [
        Limit("address_phone", settings.LOGIN_MAX_FAILURES, Q(phone=phone) & at, Q(phone=phone) & at),
        Limit("address", settings.LOGIN_ADDRESS_MAX_FAILURES, at, None),
        Limit("phone", settings.LOGIN_PHONE_MAX_FAILURES, Q(phone=phone), Q(phone=phone)),
    ]


def _window_failures(limit: Limit, *, now: datetime) -> list[datetime]:
    """Times of the failures the limit counts, newest first (at most ``max_failures``)."""
    since = now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    if limit.resets_on_success is not None:
        last_success = (
            LoginAttempt.objects.filter(limit.resets_on_success, succeeded=True, created_at__gte=since,
                                        created_at__lte=now)
            .order_by("-created_at").values_list("created_at", flat=True).first()
        )
        since = max(since, last_success) if last_success else since
    return list(
        LoginAttempt.objects.filter(limit.failures, succeeded=False, created_at__gte=since, created_at__lte=now)
        .order_by("-created_at").values_list("created_at", flat=True)[: limit.max_failures]
    )


def lock_for(*, phone: str, address: str | None, now: datetime) -> Lock | None:
    """The first limit that is reached, with how long it still holds; None when none is."""
    for limit in limits(phone=phone, address=address):
        recent = _window_failures(limit, now=now)
        if len(recent) < limit.max_failures:
            continue
        remaining = int((recent[0] + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS) - now).total_seconds())
        if remaining > 0:
            return Lock(limit.key, remaining)
    return None


def tries_left(*, phone: str, address: str | None, now: datetime) -> int:
    """How many more failures the closest limit allows (0: the next attempt is locked)."""
    return min(limit.max_failures - len(_window_failures(limit, now=now))
               for limit in limits(phone=phone, address=address))
