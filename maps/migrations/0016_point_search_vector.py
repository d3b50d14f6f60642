"""Each row's words, parsed once and stored: keyword search ranks with ts_rank over the stored tsvector
instead of parsing every matching row's text again per query (an any-word query over 10,150 docstrings:
783 ms median before, 19 ms after; docs/BENCHMARKS.md). The per-dataset GIN indexes move from the expression to the column.

The column is left out of the model's state on purpose: no ORM query needs it, so none fetches it.
"""

from typing import Any

from django.db import migrations

# A tsvector holds at most 1 MB: the first 100,000 characters of a text (some 15,000 words) always fit, where a
# text of a million characters might not be storable at all. Words past them are not found by keyword search.
ADD_COLUMN = (
    "ALTER TABLE maps_point ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', left(text, 100000))) STORED"
)
DROP_COLUMN = "ALTER TABLE maps_point DROP COLUMN search_vector"


def index_column(schema_editor: Any, column: str) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, substring(indexdef from 'WHERE .*$') FROM pg_indexes "
            "WHERE tablename = 'maps_point' AND indexname LIKE %s",
            ["maps_point_fts_%"],
        )
        for name, predicate in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(f'CREATE INDEX "{name}" ON maps_point USING gin ({column}) {predicate}')


def to_column(apps: Any, schema_editor: Any) -> None:
    index_column(schema_editor, "search_vector")


def to_expression(apps: Any, schema_editor: Any) -> None:
    index_column(schema_editor, "to_tsvector('english', text)")


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0015_team_models_move_to_teams"),
    ]

    operations = [
        migrations.RunSQL(ADD_COLUMN, DROP_COLUMN),
        migrations.RunPython(to_column, to_expression),
    ]
