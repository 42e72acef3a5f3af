"""How a page shows a refused action or bad input, once.

An action raises ``ApplicationError`` (message, field, code, status). A page then
either re-renders the form with the error next to it, or redirects and shows it
as a message; a miss (404) is always the error page, so a message never confirms
that something the user may not see exists.

- Re-rendering: put the exception in the context as ``error`` and include
  ``includes/action_error.html`` (``inline=True`` next to a field or a step, with an
  ``id``); e.g. ``casework/_err.html``, ``casework/staff/categories.html``.
- Redirecting: ``flash_error(request, exc)`` (re-raises misses, shows the rest on the
  next page); e.g. ``gongzhi/org/views.py``, ``gongzhi/org/party/views.py``.
- Escaping errors: ``ApplicationErrorMiddleware`` renders ``error.html`` (the same include).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest

from .errors import ApplicationError


def raise_misses(exc: ApplicationError, *, statuses: tuple[int, ...] = (404,)) -> None:
    """Re-raise an error the page must not show as a message: a miss (404) by default."""
    if exc.status in statuses:
        raise exc


def flash_error(request: HttpRequest, exc: ApplicationError, *, page_statuses: tuple[int, ...] = (404,)) -> None:
    """Show the error on the next page (``messages.error``), or re-raise it as the error page.

    ``page_statuses`` are the statuses that become the error page: misses (404) always;
    pass ``(403, 404)`` where a refusal should not read like a form mistake.
    """
    raise_misses(exc, statuses=page_statuses)
    messages.error(request, exc.message)
