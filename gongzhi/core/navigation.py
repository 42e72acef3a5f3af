"""The navigation bar: each app contributes links for the capabilities a user holds.

Apps register a function ``(request, caps) -> list[(order, label, url_name)]``
in their AppConfig.ready(); the context processor asks them all. ``caps`` are the capabilities
the user holds anywhere (``core.capabilities.held_by``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from gongzhi.core import capabilities

NavProvider = Callable[[object, set[str]], list[tuple[int, str, str]]]
_providers: list[NavProvider] = []


def register(provider: NavProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def nav_items(request) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    caps = capabilities.held_by(user)
    items: list[tuple[int, str, str]] = []
    for provider in _providers:
        items.extend(provider(request, caps))
    items.sort(key=lambda item: item[0])
    current = request.path
    result = [{"label": label, "url": reverse(url_name), "active": False} for _order, label, url_name in items]
    # The longest link that prefixes the current path is the active one ("/" only on itself).
    matches = [item for item in result if current == item["url"] or (item["url"] != "/" and current.startswith(item["url"]))]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return result
