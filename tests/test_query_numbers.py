"""Numbers in a page's query string never make a 500 (issue #7 point 3): every page, every parameter.

``/casework/?building=99999999999999999999`` overflowed the database query. Every page (the
resolver's own list, so a new page is walked too, and every object page of ``TWINS``) is opened
with each query parameter a page reads set to a number beyond a BIGINT, and with all of them at
once set to other bad values. A page may ignore the bad filter, answer its page error (400) or 404
(an id that matches nothing); it must never answer a 5xx. Each parameter is also tried alone, as
the community secretary. The parameter names come from the source
of the page's own view module (``request.GET.get("x")``, ``get["x"]`` …) plus the shared ones
(``page``, ``community``), so a page reading a new one gets it too.
"""

from __future__ import annotations

import inspect
import re
from functools import cache

import pytest
from django.urls import resolve

from gongzhi.testing.kit import client_for

from .test_get_writes_nothing import _plain_page_paths
from .test_page_api_parity import TWINS, twin_objects

pytestmark = pytest.mark.django_db

# request.GET.get("x"), request.GET["x"], request.GET.getlist("x"), get = request.GET; get.get("x") / get["x"]
READS = re.compile(r"""\b(?:GET|get)(?:\.get|\.getlist)?(?:\(|\[)\s*["']([a-z_]+)["']""")
SHARED = {"page", "community"}  # core.pagination.paginate, core.pickers
BIG = "99999999999999999999"
OTHER_BAD = ["-99999999999999999999", "abc", "1.5", "1" * 400]
ROLES = ["community_secretary", "subdistrict_staff", "resident"]
# Every parameter alone as the role that sees the most pages; every role with all of them at once
# (one request per page and bad value: the walk costs a fifth of asking each parameter for each role).
ONE_BY_ONE = "community_secretary"


@cache
def query_names(url: str) -> list[str]:
    """The query parameters the page at ``url`` reads: its view module's and the shared ones."""
    func = resolve(url).func
    module = inspect.getmodule(getattr(func, "view_class", func) if not hasattr(func, "__wrapped__")
                               else inspect.unwrap(func))
    names = SHARED | set(READS.findall(inspect.getsource(module)))
    return sorted(names - {"next"})  # next is a URL, checked by the login tests


def test_the_names_are_found():
    assert {"building", "grid", "compound", "occupancy"} <= set(query_names("/org/households/"))
    assert {"cases"} <= set(query_names("/casework/handlers/"))
    assert {"offering", "status", "page"} <= set(query_names("/services/board/"))


@pytest.mark.parametrize("role", ROLES)
def test_numbers_out_of_range_are_never_a_500(case_world, role):
    objects = twin_objects(case_world)
    client = client_for(case_world.users[role], raise_request_exception=False)
    urls = _plain_page_paths()
    for kind, (page_url, _api) in TWINS.items():
        urls += [page_url.format(pk=pk) for pk in objects[kind][:1]]
    failures = []
    for url in urls:
        names = query_names(url)
        queries = [dict.fromkeys(names, bad) for bad in (BIG, *OTHER_BAD)]
        if role == ONE_BY_ONE:  # each alone too: a bad value that ends the view early cannot hide the next
            queries += [{name: BIG} for name in names]
        for query in queries:
            response = client.get(url, query)
            if response.status_code >= 500:
                failures.append(f"{url}?{'&'.join(f'{k}={v[:25]}' for k, v in query.items())[:120]} "
                                f"-> {response.status_code}")
                break  # one failing query per page is enough to report
    assert not failures, f"{role}: {len(failures)} pages answer 5xx:\n" + "\n".join(failures)
