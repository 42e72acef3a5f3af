"""Application errors: one exception type with a stable code.

Actions raise ApplicationError; pages show ``message`` (Chinese, translated
through gettext), the API returns ``{"code", "message", "field", "details"}``
with ``status``. Codes are stable strings that clients may switch on; each app
lists its own as a ``StrEnum`` in its ``error_codes.py``, registered in
``gongzhi.core.error_codes`` (the published schema's ``code`` enum).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .error_codes import CoreError


class ApplicationError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: Any = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        self.details = details
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details is not None:
            body["details"] = self.details
        return body


class NotFound(ApplicationError):
    """Raised by access_* functions. A miss and a refusal look the same."""

    status = 404

    def __init__(self, message: str = "对象不存在或无权访问") -> None:
        super().__init__(CoreError.NOT_FOUND, message)


class PermissionDeniedError(ApplicationError):
    """The object is visible to the user, but the action is not allowed."""

    status = 403

    def __init__(self, message: str = "无权执行此操作") -> None:
        super().__init__(CoreError.PERMISSION_DENIED, message)


def request_too_large() -> ApplicationError:
    """413: the body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's ``RequestDataTooBig``).

    Answered as the API's Error body (``config/api.py``), as the error page (pages) and in
    Open311's own error format; never a 500.
    """
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
    return ApplicationError(
        CoreError.REQUEST_TOO_LARGE,
        _("提交的内容过大（上限 %(mb)s MB），请减少或压缩照片、缩短文字后再提交。") % {"mb": f"{megabytes:g}"},
        status=413,
    )
