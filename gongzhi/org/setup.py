"""Preparing a community: what each app sets up for a new community, in one place.

A community needs more than its tree node: casework's default request categories today; volunteering's
five colour squads, funds' accounts … tomorrow. Each app registers an idempotent step in its
``AppConfig.ready()``::

    setup.register(ensure_categories)          # step(community_id) -> None

and whoever creates a community (the demo, an import, an admin command) calls ``community_prepare``.
Reads never seed anything: a page or API read of a community that was not prepared shows what is
there (issue #6: no writes in GET handlers or selectors).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

Step = Callable[[int], None]
_steps: list[Step] = []


def register(step: Step) -> None:
    if step not in _steps:
        _steps.append(step)


@transaction.atomic
def community_prepare(*, community_id: int) -> None:
    """Run every app's setup step for the community (safe to run again)."""
    for step in _steps:
        step(community_id)
