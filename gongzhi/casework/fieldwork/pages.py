"""What the pages of services, mediation and patrols share: reading ids from forms, refusals, redirects."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from gongzhi.core.errors import ApplicationError
from gongzhi.core.page_errors import raise_misses

from ..views.common import int_or_none as int_or_none  # the casework pages' own, shared


def raise_refusals(exc: ApplicationError) -> None:
    """Refusals (403) and misses (404) become the error page; other errors re-render the form."""
    raise_misses(exc, statuses=(403, 404))


def next_url(request: HttpRequest, default: str) -> str:
    """The ``next`` the form carried, if it stays on this site; ``default`` otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def with_query(name: str, **params) -> str:
    """The URL named ``name`` with the non-empty ``params`` as its query string."""
    params = {k: v for k, v in params.items() if v not in (None, "")}
    url = reverse(name)
    return f"{url}?{urlencode(params)}" if params else url
