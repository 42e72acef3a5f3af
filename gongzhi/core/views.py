from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .error_codes import CoreError
from .errors import ApplicationError, request_too_large

from .home import sections


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"sections": sections(request)})


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """``handler400``: what Django answers for a request it refuses before any view runs.

    Mostly a body over the size limit read by the CSRF check (``RequestDataTooBig``: 413), or too
    many fields. The API gets its Error body, pages the error page in Chinese.
    """
    if isinstance(exception, RequestDataTooBig):
        error = request_too_large()
    else:
        error = ApplicationError(CoreError.INVALID_INPUT, _("请求无法处理，请检查后重试。"))
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    return render(request, "error.html", {"error": error}, status=error.status)
