"""Chinese full-text search: jieba words, indexed by FTS5 (SQLite) or GIN (PostgreSQL)."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import QuerySet

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def _jieba():
    import jieba

    if not getattr(jieba, "_gongzhi_ready", False):
        import logging
        from pathlib import Path

        jieba.setLogLevel(logging.WARNING)
        userdict = Path(__file__).parent / "data" / "jieba_userdict.txt"
        if userdict.exists():
            jieba.load_userdict(str(userdict))
        jieba._gongzhi_ready = True
    return jieba


def _clean(tokens) -> list[str]:
    return [w.lower() for w in (_PUNCT.sub("", t) for t in tokens) if w]


def _cut(text: str) -> list[str]:
    """Query words: jieba's precise mode."""
    return _clean(_jieba().lcut(text))


def search_text_for(*parts: str) -> str:
    """Index words: jieba's search mode (long words and their parts), space-separated."""
    words: list[str] = []
    for part in parts:
        if part:
            words.extend(_clean(_jieba().lcut_for_search(part)))
    return " ".join(words)


def scope_tokens(*, communities=(), grids=(), buildings=()) -> list[str]:
    """The FTS ``scope`` tokens of places (migration 0004): ``c<id>``, ``g<id>``, ``b<id>``."""
    return ([f"c{int(i)}" for i in sorted(communities)] + [f"g{int(i)}" for i in sorted(grids)]
            + [f"b{int(i)}" for i in sorted(buildings)])


def filter_search(qs: QuerySet, query: str, *, scope: list[str] | None = None) -> QuerySet:
    """Cases whose text contains every word of ``query`` (a case number matches too).

    ``scope`` (tokens from ``scope_tokens``, covering at least every case ``qs`` can return)
    lets SQLite intersect the words with the places inside the full-text index; a busy word
    then costs what its matches in that scope cost, not its matches in the whole city.
    """
    query = (query or "").strip()
    if not query:
        return qs
    if query.lstrip("#").isdigit():
        return qs.filter(pk=int(query.lstrip("#")))
    words = _cut(query)
    if not words:
        return qs.none()
    if connection.vendor == "sqlite":
        match = " AND ".join('search_text:"' + w.replace('"', '""') + '"' for w in words)
        if not scope:
            return qs.extra(
                where=["casework_case.id IN (SELECT rowid FROM casework_case_fts WHERE casework_case_fts MATCH %s)"],
                params=[match],
            )
        match += " AND (" + " OR ".join(f'scope:"{token}"' for token in scope) + ")"
        # "+" keeps the planner on the scope's own index (newest first, stopping at a page),
        # probing the matches, instead of fetching every match and sorting them.
        return qs.extra(
            where=["+casework_case.id IN (SELECT rowid FROM casework_case_fts WHERE casework_case_fts MATCH %s)"],
            params=[match],
        )
    if connection.vendor == "postgresql":
        return qs.extra(
            where=["to_tsvector('simple', casework_case.search_text) @@ plainto_tsquery('simple', %s)"],
            params=[" ".join(words)],
        )
    for w in words:
        qs = qs.filter(search_text__contains=w)
    return qs
