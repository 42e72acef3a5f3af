"""What the audit page calls things: every action code and changed field in words.

Audit events keep stable codes (``case.rated``, ``resident.reveal_contact``, ``status``), which are
right for a machine and wrong for a community worker. Each app declares, in its own
``audit_labels.py``, the words for the action codes it writes::

    audit_labels.register("org", {"resident.create": _("新增居民"), ...})

and, for changed keys that are not fields of the event's target model, the words for those
(``register_fields``). Everything else about a change is read from the target model: a field's
``verbose_name`` names it, its ``choices`` name its values (``status: verified → rated`` reads
"状态：已核查待评价 → 已评价"). ``registry()`` imports every installed app's ``audit_labels`` (like
``core.error_codes``); ``core/tests/test_audit_labels.py`` fails on an action code written anywhere
in the code base without a label here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import override

_ACTIONS: dict[str, tuple[str, Any]] = {}  # code -> (app, lazy label)
_FIELDS: dict[str, Any] = {}  # change key -> lazy label (keys that are no model field)
_loaded: list[bool] = []


def register(app: str, labels: Mapping[str, Any]) -> None:
    """The app's action codes and their labels (``gettext_lazy``). A code has one owner."""
    for code, label in labels.items():
        owner = _ACTIONS.get(code)
        if owner is not None and owner[0] != app:
            raise ValueError(f"audit action {code!r} is already labelled by {owner[0]}")
        _ACTIONS[code] = (app, label)


def register_fields(labels: Mapping[str, Any]) -> None:
    """Labels for change keys that are not fields of the target model (``stop_note``, ``party`` …)."""
    _FIELDS.update(labels)


def registry() -> dict[str, Any]:
    """Every labelled action code, after importing each installed app's ``audit_labels``."""
    if not _loaded:
        autodiscover_modules("audit_labels")
        _loaded.append(True)
    return {code: label for code, (_app, label) in _ACTIONS.items()}


def action_label(code: str) -> str:
    label = registry().get(code)
    return str(label) if label is not None else code


def codes_matching(text: str) -> list[str]:
    """Action codes whose label (in Chinese or English) or code contains ``text``: the filter in words."""
    text = text.strip().lower()
    if not text:
        return []
    found = []
    for code, label in registry().items():
        words = {code.lower(), str(label).lower()}
        for language in ("zh-hans", "en"):
            with override(language):
                words.add(str(label).lower())
        if any(text in w for w in words):
            found.append(code)
    return sorted(found)


def _model(target_type: str):
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def field_label(target_type: str, key: str) -> str:
    model = _model(target_type)
    if model is not None:
        try:
            verbose = getattr(model._meta.get_field(key), "verbose_name", None)  # a reverse relation has none
        except FieldDoesNotExist:
            verbose = None
        if verbose:
            return str(verbose)
    label = _FIELDS.get(key)
    return str(label) if label is not None else key


def value_label(target_type: str, key: str, value: Any) -> str:
    """A changed value in words: a choice's label, 是/否, — for nothing, a list joined."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (list, tuple)):
        return "、".join(value_label(target_type, key, v) for v in value) or "—"
    model = _model(target_type)
    if model is not None:
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            field = None
        if field is not None and getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    old: str | None  # None: a value set (created), not a change from something
    new: str


def changes_in_words(target_type: str, changes: Mapping[str, Any]) -> list[Change]:
    """``{field: [old, new]}`` (or ``{field: value}`` for created values) as labelled words."""
    rows = []
    for key, value in (changes or {}).items():
        label = field_label(target_type, key)
        if isinstance(value, (list, tuple)) and len(value) == 2:
            old, new = value
            rows.append(Change(label, None if old is None else value_label(target_type, key, old),
                               value_label(target_type, key, new)))
        else:
            rows.append(Change(label, None, value_label(target_type, key, value)))
    return rows


def residents_count(details: Mapping[str, Any] | None) -> int | None:
    """How many residents an event concerns: a list of ids (a read) or a count (an export)."""
    value = (details or {}).get("residents")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, (list, tuple)):
        return len(value)
    return None


def all_codes(app: str | None = None) -> Iterable[str]:
    registry()
    return sorted(code for code, (owner, _label) in _ACTIONS.items() if app is None or owner == app)
