"""Showing sensitive tags: filtered by role scope, and every read audited.

Recording these reads is the one write a read path makes, on purpose (PIPL: every look at a
低保/残疾/独居 tag leaves a trace). Pages and API call the same two functions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from gongzhi.core.audit import audit_record

from .models import SENSITIVE_TAGS, Resident, ResidentTag, Tag
from .permissions import VIEW_SENSITIVE, scope_for


def tags_for_display(user, residents: Iterable[Resident], *, context: str) -> dict[int, list[ResidentTag]]:
    """Map resident id -> tags the user may see (tags must be prefetched).

    Sensitive tags appear only for residents inside the user's VIEW_SENSITIVE
    scope; when any are shown, one audit event per community records whose
    were shown and where (``context``).
    """
    residents = list(residents)
    scope = scope_for(user, VIEW_SENSITIVE)
    allowed: set[int] = set()
    if not scope.is_empty and residents:
        with_sensitive = [r.pk for r in residents if any(t.tag in SENSITIVE_TAGS for t in r.tags.all())]
        if with_sensitive:
            allowed = set(
                Resident.objects.filter(pk__in=with_sensitive).filter(scope.resident_q()).values_list("pk", flat=True)
            )
    shown: dict[int, list[int]] = defaultdict(list)
    result: dict[int, list[ResidentTag]] = {}
    for r in residents:
        tags = []
        for t in r.tags.all():
            if t.tag in SENSITIVE_TAGS:
                if r.pk not in allowed:
                    continue
                if not shown[r.community_id] or shown[r.community_id][-1] != r.pk:
                    shown[r.community_id].append(r.pk)
            tags.append(t)
        result[r.pk] = tags
    for community_id, ids in shown.items():
        audit_record(
            actor=user,
            action="resident.sensitive_read",
            target_type="org.resident",
            target_id=ids[0] if len(ids) == 1 else "",
            target_label=context[:200],
            community_id=community_id,
            details={"residents": ids, "context": context},
        )
    return result


def record_list_read(user, residents: Iterable[Resident], *, tag: str | None, context: str) -> None:
    """Audit a shown list of residents filtered by a sensitive tag (one event per community)."""
    if tag not in SENSITIVE_TAGS:
        return
    by_community: dict[int, list[int]] = defaultdict(list)
    for r in residents:
        by_community[r.community_id].append(r.pk)
    for community_id, ids in by_community.items():
        audit_record(
            actor=user,
            action="resident.sensitive_read",
            target_type="org.resident",
            target_label=f"{Tag(tag).label} · {context}"[:200],
            community_id=community_id,
            details={"residents": ids, "context": context, "tag": tag},
        )
