import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .audit import set_request_ip
from .error_codes import CoreError
from .errors import ApplicationError, request_too_large


class AuditContextMiddleware:
    """Attach the client address to audit events recorded during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        set_request_ip(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            set_request_ip(None)


class ApplicationErrorMiddleware:
    """Pages: an ApplicationError escaping a view becomes a clear error page.

    NotFound renders 404 (a miss and a refusal look the same), permission
    errors 403, everything else 400 with the Chinese message; a body over the
    size limit read by the view is the 413 page. The API has its own handler
    with JSON bodies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            exception = request_too_large()
        if isinstance(exception, ApplicationError) and not request.path.startswith("/api/"):
            return render(request, "error.html", {"error": exception}, status=exception.status)
        return None


# A NUL escaped in JSON (``\u0000``), not preceded by an escaping backslash.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


def _nul_in(value, path: str) -> str | None:
    """The path of the first string holding a NUL inside a decoded JSON value."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return f"{path}.{key}".strip(".")
        found = _nul_in(item, f"{path}.{key}".strip("."))
        if found:
            return found
    return None


def nul_field(request: HttpRequest, url_kwargs: dict | None = None) -> str | None:
    """The name of the first input holding a NUL character (query, form, JSON body, URL part), or None.

    PostgreSQL refuses NUL in text, so such input would be a 500 at the first query or write.
    """
    for source in (url_kwargs or {}, request.GET):
        for name, value in source.items():
            if isinstance(value, str) and "\x00" in value:
                return name
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, values in request.POST.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                return name.replace("\x00", "")
        for name, files in request.FILES.lists():
            if any("\x00" in (f.name or "") for f in files):
                return name
        return None
    body = request.body
    if b"\x00" not in body and not _JSON_NUL.search(body):
        return None
    try:
        return _nul_in(json.loads(body), "")
    except ValueError:
        return None  # not JSON: the view refuses it as such (the API: 422)


def nul_error(field: str) -> ApplicationError:
    return ApplicationError(
        CoreError.NUL_CHARACTER,
        _("提交的内容含有空字符（NUL），无法保存；请删除后重新提交。"),
        field=field,
    )


class NulInputMiddleware:
    """Refuse input with a NUL character before any view runs: 400 with the Error body (API) or the error page.

    Views that answer in a format of their own (Open311) set ``own_input_errors = True`` and call
    ``nul_field()`` themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "own_input_errors", False):
            return None
        field = nul_field(request, view_kwargs)
        if field is None:
            return None
        error = nul_error(field)
        if request.path.startswith("/api/"):
            return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
        return render(request, "error.html", {"error": error}, status=error.status)


class ContentSecurityPolicyMiddleware:
    """Every answer carries ``settings.CONTENT_SECURITY_POLICY`` (docs/security.md).

    Scripts come only from the app's own static files: no inline ``<script>``, no ``onclick=``, no
    ``javascript:`` links (``static/js/app.js`` does what they did, from ``data-`` attributes). An
    answer that sets its own policy keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
