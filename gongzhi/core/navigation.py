"""The navigation bar: each app contributes links for the capabilities a user holds.

Apps register a function ``(request, caps) -> list[(order, label, url_name)]``
in their AppConfig.ready(); the context processor asks them all. ``caps`` are the capabilities
the user holds anywhere (``core.capabilities.held_by``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import capabilities

# Links are grouped by their order (each app picks an order in its group's range): below 10 they stand
# alone (home, requests), above they fold into a menu per group when a group has more than one link, so
# a secretary's 19 links fit a phone in two rows instead of a strip that hides 花名册 and 审计 off-screen.
GROUPS = ((10, _("居民")), (30, _("服务")), (40, _("党建")), (60, _("统计")), (70, _("管理")))


def group_of(order: int):
    label = None
    for start, name in GROUPS:
        if order >= start:
            label = name
    return label

NavProvider = Callable[[object, set[str]], list[tuple[int, str, str]]]
_providers: list[NavProvider] = []


def register(provider: NavProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def nav_entries(request) -> list[dict]:
    """The bar as drawn: links, and groups ``{"group": label, "items": [...], "active": bool}``."""
    entries: list[dict] = []
    groups: dict[str, dict] = {}
    for item in nav_items(request):
        label = group_of(item["order"])
        if label is None:
            entries.append(item)
            continue
        key = str(label)
        if key not in groups:
            groups[key] = {"group": label, "items": [], "active": False}
            entries.append(groups[key])
        groups[key]["items"].append(item)
        groups[key]["active"] |= item["active"]
    return [e["items"][0] if "group" in e and len(e["items"]) == 1 else e for e in entries]


def nav_items(request) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    caps = capabilities.held_by(user)
    items: list[tuple[int, str, str]] = []
    for provider in _providers:
        items.extend(provider(request, caps))
    items.sort(key=lambda item: item[0])
    # A page may say which link it belongs to (a case opened from the staff queue is the queue's page,
    # though its address is under /cases/, the residents' 我的诉求).
    current = getattr(request, "nav_path", None) or request.path
    result = [{"label": label, "url": reverse(url_name), "active": False, "order": order}
              for order, label, url_name in items]
    # The longest link that prefixes the current path is the active one ("/" only on itself).
    matches = [item for item in result if current == item["url"] or (item["url"] != "/" and current.startswith(item["url"]))]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return result
