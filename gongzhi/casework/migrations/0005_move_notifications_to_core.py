"""Move the inbox to core: copy casework_notification rows into core_notification, then drop casework's table.

A row keeps its id (old ``/cases/inbox/<id>/`` links still lead somewhere), its times and read
state. What pointed at the case and the event becomes plain data: ``url`` (the case page when it
was empty), ``subject`` (the case title), ``kind`` ("case.<event kind>", "field" for service
orders) and ``dedupe_key`` ("casework.event:<id>", which keeps one notification per user per event).
The reverse copies casework's rows back (case and event read back from url and dedupe_key) and
removes them from core.
"""

import re

from django.core.management.color import no_style
from django.db import migrations

BATCH = 2000
CASE_URL = re.compile(r"/cases/(\d+)/")
EVENT_KEY = re.compile(r"casework\.event:(\d+)")


def _reset_sequence(schema_editor, model) -> None:
    """Ids were copied explicitly: move PostgreSQL's sequence past them (a no-op on SQLite)."""
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(sql)


def _keep_times(model) -> None:
    # Historical models keep auto_now_add, which would stamp every copied row with now.
    model._meta.get_field("created_at").auto_now_add = False


def _case_title(description: str) -> str:
    """``Case.title`` as it is today (historical models have no properties)."""
    text = " ".join(description.split())
    return text if len(text) <= 30 else text[:30] + "…"


def copy_to_core(apps, schema_editor):
    Old = apps.get_model("casework", "Notification")
    New = apps.get_model("core", "Notification")
    _keep_times(New)
    rows = (
        Old.objects.using(schema_editor.connection.alias)
        .order_by("pk")
        .values("pk", "user_id", "case_id", "case__description", "event_id", "event__kind", "title", "body", "url",
                "created_at", "read_at")
    )
    batch = []
    for r in rows.iterator(chunk_size=BATCH):
        batch.append(New(
            pk=r["pk"], user_id=r["user_id"], source="casework",
            kind=f"case.{r['event__kind']}" if r["event_id"] else "field",
            subject=(r["case__description"] or "")[:200],
            title=r["title"], body=r["body"],
            url=r["url"] or (f"/cases/{r['case_id']}/" if r["case_id"] else ""),
            dedupe_key=f"casework.event:{r['event_id']}" if r["event_id"] else "",
            created_at=r["created_at"], read_at=r["read_at"],
        ))
        if len(batch) >= BATCH:
            New.objects.using(schema_editor.connection.alias).bulk_create(batch)
            batch = []
    New.objects.using(schema_editor.connection.alias).bulk_create(batch)
    _reset_sequence(schema_editor, New)


def copy_back(apps, schema_editor):
    Old = apps.get_model("casework", "Notification")
    New = apps.get_model("core", "Notification")
    Case = apps.get_model("casework", "Case")
    CaseEvent = apps.get_model("casework", "CaseEvent")
    _keep_times(Old)
    db = schema_editor.connection.alias
    mine = New.objects.using(db).filter(source="casework")
    cases = set(Case.objects.using(db).values_list("pk", flat=True))
    events = set(CaseEvent.objects.using(db).values_list("pk", flat=True))
    batch = []
    for n in mine.order_by("pk").iterator(chunk_size=BATCH):
        case = CASE_URL.fullmatch(n.url) if n.kind.startswith("case.") else None
        event = EVENT_KEY.fullmatch(n.dedupe_key)
        case_id = int(case[1]) if case and int(case[1]) in cases else None
        event_id = int(event[1]) if event and int(event[1]) in events else None
        batch.append(Old(pk=n.pk, user_id=n.user_id, case_id=case_id, event_id=event_id, title=n.title,
                         body=n.body, url=n.url, created_at=n.created_at, read_at=n.read_at))
        if len(batch) >= BATCH:
            Old.objects.using(db).bulk_create(batch)
            batch = []
    Old.objects.using(db).bulk_create(batch)
    mine.delete()
    _reset_sequence(schema_editor, Old)


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0004_search_scope_and_queue_indexes"),
        ("core", "0003_notification"),
    ]

    operations = [
        migrations.RunPython(copy_to_core, copy_back),
        migrations.DeleteModel(name="Notification"),
    ]
