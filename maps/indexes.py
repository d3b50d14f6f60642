"""Per-dataset HNSW indexes over point vectors: their names, creation and removal."""

import uuid

from django.db import connection


def vector_index_name(dataset_id: uuid.UUID) -> str:
    return f"maps_point_hnsw_{dataset_id.hex}"


def create_vector_index(dataset_id: uuid.UUID) -> None:
    """An HNSW index over this dataset's rows alone, so a search never filters other datasets' results out.

    The literal id in the predicate is what lets the planner match it (see maps.queries.search).
    """
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            f'CREATE INDEX IF NOT EXISTS "{vector_index_name(dataset_id)}" ON maps_point '
            f"USING hnsw (embedding vector_cosine_ops) WHERE dataset_id = '{dataset_id}'::uuid"
        )
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("ANALYZE maps_point")


def drop_vector_index(dataset_id: uuid.UUID) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX IF EXISTS "{vector_index_name(dataset_id)}"')
