"""Ids from URLs and forms, for lookups that must answer "no such row" rather than crash."""

from __future__ import annotations


def as_pk(value) -> int:
    """``value`` as a primary key; -1 (which matches no row) if it is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def optional_pk(value) -> int | None:
    """An optional id from a form: None when left empty (or 0), else ``as_pk(value)``."""
    if value in (None, "", 0, "0"):
        return None
    return as_pk(value)
