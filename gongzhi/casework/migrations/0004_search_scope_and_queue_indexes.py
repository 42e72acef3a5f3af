"""Faster queues and rates at a million requests (bench/bench_casework.py).

1. Indexes for the staff queue filtered by category, grid or building over every status
   (newest first), and a partial index for the rates' "escalated by the sweep" test.
2. SQLite full-text search learns where a request is: the FTS5 table gets a second column,
   ``scope``, holding the tokens ``c<community id> g<grid id> b<building id>``, so a search in
   a community's queue intersects inside the index (``search_text:"漏水" AND scope:"c2"``)
   instead of fetching every request in the city that mentions 漏水. The table's content is the
   view ``casework_case_search``; triggers keep it in step as before. PostgreSQL is unchanged
   (its planner combines the GIN index with the place indexes).
"""

from django.conf import settings
from django.db import migrations, models

SCOPE = "'c' || {t}.community_id || ' g' || COALESCE({t}.grid_id, 0) || ' b' || COALESCE({t}.building_id, 0)"

SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS casework_case_fts_au",
    "DROP TRIGGER IF EXISTS casework_case_fts_ad",
    "DROP TRIGGER IF EXISTS casework_case_fts_ai",
    "DROP TABLE IF EXISTS casework_case_fts",
    (f"CREATE VIEW casework_case_search AS SELECT id, search_text, {SCOPE.format(t='casework_case')} AS scope "
     "FROM casework_case"),
    ("CREATE VIRTUAL TABLE casework_case_fts USING fts5(search_text, scope, content='casework_case_search', "
     "content_rowid='id')"),
    f"""CREATE TRIGGER casework_case_fts_ai AFTER INSERT ON casework_case BEGIN
        INSERT INTO casework_case_fts(rowid, search_text, scope) VALUES (new.id, new.search_text, {SCOPE.format(t='new')});
    END""",
    f"""CREATE TRIGGER casework_case_fts_ad AFTER DELETE ON casework_case BEGIN
        INSERT INTO casework_case_fts(casework_case_fts, rowid, search_text, scope)
            VALUES ('delete', old.id, old.search_text, {SCOPE.format(t='old')});
    END""",
    f"""CREATE TRIGGER casework_case_fts_au
        AFTER UPDATE OF search_text, community_id, grid_id, building_id ON casework_case BEGIN
        INSERT INTO casework_case_fts(casework_case_fts, rowid, search_text, scope)
            VALUES ('delete', old.id, old.search_text, {SCOPE.format(t='old')});
        INSERT INTO casework_case_fts(rowid, search_text, scope) VALUES (new.id, new.search_text, {SCOPE.format(t='new')});
    END""",
    "INSERT INTO casework_case_fts(casework_case_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS casework_case_fts_au",
    "DROP TRIGGER IF EXISTS casework_case_fts_ad",
    "DROP TRIGGER IF EXISTS casework_case_fts_ai",
    "DROP TABLE IF EXISTS casework_case_fts",
    "DROP VIEW IF EXISTS casework_case_search",
    "CREATE VIRTUAL TABLE casework_case_fts USING fts5(search_text, content='casework_case', content_rowid='id')",
    """CREATE TRIGGER casework_case_fts_ai AFTER INSERT ON casework_case BEGIN
        INSERT INTO casework_case_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER casework_case_fts_ad AFTER DELETE ON casework_case BEGIN
        INSERT INTO casework_case_fts(casework_case_fts, rowid, search_text) VALUES('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER casework_case_fts_au AFTER UPDATE OF search_text ON casework_case BEGIN
        INSERT INTO casework_case_fts(casework_case_fts, rowid, search_text) VALUES('delete', old.id, old.search_text);
        INSERT INTO casework_case_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    "INSERT INTO casework_case_fts(casework_case_fts) VALUES ('rebuild')",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0003_field_workflows'),
        ('org', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['category', '-created_at'], name='case_category_time'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['grid', '-created_at'], name='case_grid_time'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['building', '-created_at'], name='case_building_time'),
        ),
        migrations.AddIndex(
            model_name='caseevent',
            index=models.Index(condition=models.Q(('actor__isnull', True), ('kind', 'escalated')), fields=['case'], name='caseevent_auto_escalated'),
        ),
    ]
