"""Production: HTTPS only (docs/security.md). `manage.py check --deploy` is clean with these settings
(gongzhi/core/tests/test_security_headers.py runs it)."""

import os

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]

# HTTPS: plain-HTTP requests are redirected, and browsers are told to use HTTPS only (HSTS) for a year,
# subdomains included. HSTS_PRELOAD=0 leaves "preload" out of the header (it only matters once the
# domain is submitted to the browsers' preload list).
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 60 * 60)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = os.environ.get("HSTS_PRELOAD", "1") == "1"
# Behind a proxy that terminates TLS (nginx, a load balancer), set TLS_PROXY=1: the proxy must set
# X-Forwarded-Proto (and overwrite one sent by the client); without it every request looks like HTTP
# and the redirect would loop.
if os.environ.get("TLS_PROXY", "0") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = os.environ.get("SECURE_COOKIES", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
