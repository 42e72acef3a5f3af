from .base import *  # noqa: F401,F403
from .base import DATABASES

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run inline in tests so their effects are visible immediately; the
# database backend itself is exercised by dedicated worker tests.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": None}  # in-memory
WHITENOISE_USE_FINDERS = True
# Every Django test client builds its own middleware; WhiteNoise would then scan every static file
# through the finders (about 30 ms per client, 40 % of a role-matrix test's time). With autorefresh it
# looks a file up when one is asked for instead. Browser tests get static files from live_server.
WHITENOISE_AUTOREFRESH = True
