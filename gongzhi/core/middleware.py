from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render

from .audit import set_request_ip
from .errors import ApplicationError


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
    errors 403, everything else 400 with the Chinese message. The API has its
    own handler with JSON bodies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ApplicationError) and not request.path.startswith("/api/"):
            return render(request, "error.html", {"error": exception}, status=exception.status)
        return None


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
