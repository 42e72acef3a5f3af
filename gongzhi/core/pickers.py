"""The "pick a community" control, once: which community a page works on.

A staff member who covers several communities picks one; a page shows the
control (``includes/community_picker.html``) only when there is more than one.
The choice travels as the query (or form) parameter ``community``:

    communities = communities_with(request.user, MANAGE_ROSTER)   # what the user may pick
    community = community_choice(request, communities)             # the picked one, or 404
    render(..., {"community": community, "communities": communities})

    {% include "includes/community_picker.html" %}                 # a select that submits itself
    {% include "includes/community_picker.html" with picker="tabs" %}  # links, for residents' lists

A community that is not in the list answers 404, like any object the user may
not see. Real uses: ``gongzhi/org/roster/views.py`` (roster_home) and
``gongzhi/org/party/views.py`` (the staff desk pages).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.http import HttpRequest

from .errors import NotFound

T = TypeVar("T")
PARAM = "community"


def pick(communities: Sequence[T], requested) -> T:
    """The one asked for (its pk as text or int) if it is in the list, else 404; the first when none is asked."""
    if not communities:
        raise NotFound()
    if requested in (None, ""):
        return communities[0]
    chosen = next((c for c in communities if str(c.pk) == str(requested)), None)
    if chosen is None:
        raise NotFound()
    return chosen


def requested_community(request: HttpRequest) -> str | None:
    """The ``community`` parameter: a posted form's own value first, then the query string."""
    return request.POST.get(PARAM) or request.GET.get(PARAM)


def community_choice(request: HttpRequest, communities: Sequence[T]) -> T:
    """The community this request works on, out of ``communities`` (404 if it asks for another)."""
    return pick(communities, requested_community(request))
