"""The capability registry: every app declares, in one place, what can be done and by which roles.

A capability is a name (``"view_households"``, ``"handle_grid_cases"``) with a label and the set
of roles that hold it. A role holds a capability *within the scope of its assignment* (a community,
a grid, a building …): the scope kernel (``gongzhi.org.scopes``) folds a user's active assignments
that hold a capability into one ``Scope``. Apps declare their capabilities at import time of their
``permissions.py``::

    VIEW_CASES = capabilities.register("view_cases", label=_("查看诉求"), roles={Role.GRID_WORKER, ...})

and express checks on objects as ``rules`` predicates built on those scopes. Core knows nothing of
roles or of the tree: roles are plain strings here, so this module sits at the bottom layer.

``holder`` answers "which capabilities does this user hold anywhere?" (for navigation and
home-page cards). The org app installs it in ``OrgConfig.ready()``, because only org knows users'
role assignments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Capability:
    name: str
    app: str
    label: str
    roles: frozenset[str]
    # A login linked to a resident holds it for their own households (e.g. seeing one's own home).
    residents: bool = False


_registry: dict[str, Capability] = {}
_holder: list[Callable[[object], set[str]]] = []


def register(name: str, *, app: str, label, roles: Iterable[str] = (), residents: bool = False) -> str:
    """Declare a capability; returns its name so modules can keep it as a constant.

    Registering the same name twice with different roles is a programming error (two apps would
    disagree about who may do it); re-registering identically (a module reloaded) is allowed.
    """
    capability = Capability(name=name, app=app, label=str(label), roles=frozenset(str(r) for r in roles),
                            residents=residents)
    existing = _registry.get(name)
    if existing is not None and (existing.app, existing.roles, existing.residents) != (
        capability.app, capability.roles, capability.residents
    ):
        raise ValueError(f"capability {name!r} is already registered by {existing.app} with other roles")
    _registry[name] = capability
    return name


def get(name: str) -> Capability:
    try:
        return _registry[name]
    except KeyError:
        raise KeyError(f"unknown capability {name!r}: declare it with capabilities.register()") from None


def roles_with(name: str) -> frozenset[str]:
    return get(name).roles


def for_role(role: str) -> frozenset[str]:
    """Every capability a role holds (within its assignment's scope)."""
    return frozenset(c.name for c in _registry.values() if role in c.roles)


def resident_capabilities() -> frozenset[str]:
    return frozenset(c.name for c in _registry.values() if c.residents)


def all_capabilities(app: str | None = None) -> list[Capability]:
    return sorted((c for c in _registry.values() if app is None or c.app == app), key=lambda c: (c.app, c.name))


def set_holder(function: Callable[[object], set[str]]) -> None:
    """Install the function that lists the capabilities a user holds anywhere (org does this)."""
    _holder[:] = [function]


def held_by(user) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not _holder:
        return set()
    return _holder[0](user)
