"""Downloads of case lists (the queue, the 督办 board): built once, audited as a look at personal data.

An export names residents (who reported what, where they live), so each one is recorded like the roster
export: one audit event per community it covers, with how many requests and residents it holds.
"""

from __future__ import annotations

from collections import defaultdict

from gongzhi.core.audit import audit_record

from ..export import MAX_ROWS, cases_xlsx, with_related

def cases_export(*, actor, kind: str, sheets: list[tuple[str, object]], title: str, note: str = "") -> bytes:
    """The workbook of ``sheets`` (name, a queryset of cases the actor may see), audited per community."""
    lists = [(name, list(with_related(qs)[:MAX_ROWS])) for name, qs in sheets]
    content, _people = cases_xlsx(lists, title=title, note=note, viewer=actor)
    cases: dict[int, dict] = defaultdict(lambda: {"cases": set(), "people": set()})
    for _name, rows in lists:
        for case in rows:
            entry = cases[case.community_id]
            entry["cases"].add(case.pk)
            if case.reporter_resident_id:
                entry["people"].add(("resident", case.reporter_resident_id))
            elif case.reporter_name or case.reporter_phone:
                entry["people"].add(("named", case.reporter_name, case.reporter_phone))
    for community_id, entry in sorted(cases.items()):
        audit_record(actor=actor, action="case_queue.export" if kind == "queue" else "case_board.export",
                     target_type="casework.case",
                     target_label=f"{title} {note}".strip()[:200], community_id=community_id,
                     details={"cases": len(entry["cases"]), "residents": len(entry["people"])})
    return content
