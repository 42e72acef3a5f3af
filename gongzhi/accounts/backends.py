from django.contrib.auth.backends import ModelBackend

from gongzhi.core.validators import normalize_phone


class PhoneBackend(ModelBackend):
    """ModelBackend that accepts a phone number in any common spelling."""

    def authenticate(self, request, username=None, password=None, phone=None, **kwargs):
        raw = phone or username
        normalized = normalize_phone(raw) if raw else None
        return super().authenticate(request, username=normalized or raw, password=password, **kwargs)
