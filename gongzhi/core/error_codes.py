"""Typed error codes, listed in one place.

Each app declares its codes as a ``StrEnum`` in its own ``error_codes.py`` and
registers it here with ``@register("app")``; ``all_codes()`` is the list the
published API schema shows as the ``code`` enum of the ``Error`` body. A code is
a ``str`` (``OrgError.TOO_LONG == "too_long"``), so ``ApplicationError(code, …)``,
JSON bodies and tests are unchanged by the typing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from django.utils.module_loading import autodiscover_modules

E = TypeVar("E", bound=type[StrEnum])

_REGISTRY: dict[str, type[StrEnum]] = {}


def register(app: str):
    """Class decorator: the app's codes join the registry (one enum per app)."""

    def add(codes: E) -> E:
        _REGISTRY[app] = codes
        return codes

    return add


def registry() -> dict[str, type[StrEnum]]:
    """Every app's codes by app label, after importing each installed app's ``error_codes``."""
    autodiscover_modules("error_codes")
    return dict(_REGISTRY)


def all_codes() -> list[str]:
    """The union of every app's codes, sorted (one code may be answered by several apps)."""
    return sorted({str(code) for codes in registry().values() for code in codes})


def app_codes(*apps: str) -> list[str]:
    """The codes that the given apps (and core, which every operation may answer) declare."""
    codes = registry()
    return sorted({str(c) for app in ("core", *apps) for c in codes.get(app, ())})


@register("core")
class CoreError(StrEnum):
    """Answered by every app: the API's own errors and the shared exceptions."""

    NOT_FOUND = "not_found"  # 404: missing, or not visible to the caller (access_*)
    PERMISSION_DENIED = "permission_denied"  # 403: visible, but the action is refused
    UNAUTHENTICATED = "unauthenticated"  # 401: no session and no valid bearer token
    INVALID_INPUT = "invalid_input"  # 422: the request does not match the published schema
    REQUEST_TOO_LARGE = "request_too_large"  # 413: the body is over DATA_UPLOAD_MAX_MEMORY_SIZE
    NUL_CHARACTER = "nul_character"  # 400: a NUL character in any text input (core.middleware)
