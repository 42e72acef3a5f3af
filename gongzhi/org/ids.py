"""Ids from URLs and forms, for lookups that must answer "no such row" rather than crash."""

from __future__ import annotations


MAX_PK = 2**63 - 1  # the largest id a BIGINT column holds (a bigger number would overflow the query)


def as_pk(value) -> int:
    """``value`` as a primary key; -1 (which matches no row) if it is not a number or out of range."""
    try:
        pk = int(value)
    except (TypeError, ValueError, OverflowError):
        return -1
    return pk if 0 <= pk <= MAX_PK else -1


def optional_pk(value) -> int | None:
    """An optional id from a form: None when left empty (or 0), else ``as_pk(value)``."""
    if value in (None, "", 0, "0"):
        return None
    return as_pk(value)


def query_pk(value) -> int | None:
    """An optional id from a query string or form: None when absent or not a number (the filter is
    ignored), -1 when a number out of range (it matches no row, like any id that does not exist)."""
    try:
        pk = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return pk if 0 <= pk <= MAX_PK else -1
