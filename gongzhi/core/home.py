"""The home page is assembled from sections that apps contribute.

Each app registers ``provider(request) -> list[Section]`` in AppConfig.ready();
a section is a template plus its context, shown in ``order``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Section:
    order: int
    template: str
    context: dict = field(default_factory=dict)


HomeProvider = Callable[[object], list[Section]]
_providers: list[HomeProvider] = []


def register(provider: HomeProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def sections(request) -> list[Section]:
    result: list[Section] = []
    for provider in _providers:
        result.extend(provider(request))
    result.sort(key=lambda s: s.order)
    return result
