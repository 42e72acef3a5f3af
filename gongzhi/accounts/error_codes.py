"""Stable error codes of the accounts app (login and API tokens).

Typed (``AccountsError``) and registered in ``gongzhi.core.error_codes``, which lists every app's
codes in the published API schema.
"""

from enum import StrEnum

from gongzhi.core.error_codes import register


@register("accounts")
class AccountsError(StrEnum):
    LOGIN_INVALID = "login_invalid"  # 401: wrong phone or password
    LOGIN_LOCKED = "login_locked"  # 429: too many failed attempts
    TOKEN_NAME_REQUIRED = "token_name_required"
    TOKEN_NAME_TOO_LONG = "token_name_too_long"


globals().update(AccountsError.__members__)
