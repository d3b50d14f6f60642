"""Migration 0016 of maps stores each row's tsvector: a map indexed before it keeps its keyword index, moved
onto the stored column, and going back restores the index over the expression."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from maps import retrieval
from maps.indexes import text_index_name
from tests.synthetic_map import create_synthetic_map

BEFORE = ("maps", "0015_team_models_move_to_teams")


def migrate(target: tuple[str, str]) -> None:
    MigrationExecutor(connection).migrate([target])


def latest() -> tuple[str, str]:
    """The app's newest migration: the test leaves the database as every other test expects it."""
    [leaf] = MigrationExecutor(connection).loader.graph.leaf_nodes("maps")
    return leaf


def index_definition(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_maps_keyword_index_moves_to_the_stored_tsvector_and_back() -> None:
    synthetic = create_synthetic_map()
    name = text_index_name(synthetic.dataset.id)
    found = [hit.id for hit in retrieval.keyword(synthetic.dataset, "terminal colour", 50)]
    assert len(found) == 40
    try:
        migrate(BEFORE)
        before = index_definition(name)
        assert "USING gin (to_tsvector('english'::regconfig, text))" in before, before
        assert f"WHERE (dataset_id = '{synthetic.dataset.id}'::uuid)" in before, before
    finally:
        migrate(latest())
    after = index_definition(name)
    assert "USING gin (search_vector)" in after, after
    assert f"WHERE (dataset_id = '{synthetic.dataset.id}'::uuid)" in after, after
    assert [hit.id for hit in retrieval.keyword(synthetic.dataset, "terminal colour", 50)] == found
