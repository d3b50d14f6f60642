"""Per-dataset search indexes over points (HNSW over vectors, GIN over the text): names, creation, removal."""

import uuid

from django.conf import settings
from django.db import connection

# One 384-d row of an HNSW graph (vector, neighbour lists, tuple overhead) takes about 1.7 kB; a graph
# that fits in maintenance_work_mem is built in memory, one that does not is built on disk, many times
# slower (a million rows took over 20 minutes with 512 MB).
HNSW_BYTES_PER_ROW = 2048
INDEX_MEMORY_FLOOR_MB = 512

# The text search configuration: English stemming, so "parsers" finds "parsing". Each row's tsvector is
# stored in the generated column search_vector (migration 0016 of maps, which spells the same
# configuration; the first 100,000 characters of each text), so ranking a match reads it rather than parsing
# the text again.
TEXT_SEARCH_CONFIG = "english"
TSVECTOR_SQL = "search_vector"


def vector_index_name(dataset_id: uuid.UUID) -> str:
    return f"maps_point_hnsw_{dataset_id.hex}"


def text_index_name(dataset_id: uuid.UUID) -> str:
    return f"maps_point_fts_{dataset_id.hex}"


def passage_index_name(dataset_id: uuid.UUID) -> str:
    return f"maps_passage_hnsw_{dataset_id.hex}"


def create_vector_index(dataset_id: uuid.UUID) -> None:
    """An HNSW index over this dataset's rows alone, so a search never filters other datasets' results out.

    The literal id in the predicate is what lets the planner match it (see maps.retrieval.nearest_rows_sql).
    """
    _create_hnsw_index("maps_point", vector_index_name(dataset_id), dataset_id)


def create_passage_index(dataset_id: uuid.UUID) -> None:
    """An HNSW index over a passage map's passages, as create_vector_index's over its rows."""
    _create_hnsw_index("maps_passage", passage_index_name(dataset_id), dataset_id)


def _create_hnsw_index(table: str, name: str, dataset_id: uuid.UUID) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE dataset_id = %s", [dataset_id])
        rows = int(cursor.fetchone()[0])
        cursor.execute(f"SET maintenance_work_mem = '{index_memory_mb(rows)}MB'")
        cursor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON {table} '
            f"USING hnsw (embedding vector_cosine_ops) WHERE dataset_id = '{dataset_id}'::uuid"
        )
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute(f"ANALYZE {table}")


def index_memory_mb(rows: int) -> int:
    """Memory for building one dataset's HNSW index: enough for its graph, within ATLAS_INDEX_MEMORY_MB."""
    wanted = rows * HNSW_BYTES_PER_ROW * 5 // 4 // 2**20
    return max(INDEX_MEMORY_FLOOR_MB, min(wanted, settings.INDEX_MEMORY_MB))


def create_text_index(dataset_id: uuid.UUID) -> None:
    """A GIN index over this dataset's row texts for keyword search; built once the rows are all in,
    because a GIN index maintained row by row would slow every insert of the build."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE INDEX IF NOT EXISTS "{text_index_name(dataset_id)}" ON maps_point '
            f"USING gin ({TSVECTOR_SQL}) WHERE dataset_id = '{dataset_id}'::uuid"
        )
        cursor.execute("ANALYZE maps_point")


def drop_search_indexes(dataset_id: uuid.UUID) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX IF EXISTS "{vector_index_name(dataset_id)}"')
        cursor.execute(f'DROP INDEX IF EXISTS "{text_index_name(dataset_id)}"')
        cursor.execute(f'DROP INDEX IF EXISTS "{passage_index_name(dataset_id)}"')
