"""Chinese full-text search over cases.

``Case.search_text`` holds the description, address and category name cut into
words by jieba and joined by spaces, so both engines can index words:
SQLite gets an FTS5 table kept in step by triggers, PostgreSQL a GIN index on
to_tsvector('simple', search_text). See gongzhi/casework/search.py.
"""

from django.db import migrations

SQLITE_FORWARD = [
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
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS casework_case_fts_au",
    "DROP TRIGGER IF EXISTS casework_case_fts_ad",
    "DROP TRIGGER IF EXISTS casework_case_fts_ai",
    "DROP TABLE IF EXISTS casework_case_fts",
]
PG_FORWARD = [
    "CREATE INDEX casework_case_search ON casework_case USING GIN (to_tsvector('simple', search_text))",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS casework_case_search"]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
