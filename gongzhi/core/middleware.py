from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.shortcuts import render

from .audit import set_request_ip
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
