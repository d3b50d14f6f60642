"""A dataset's vectors out of PostgreSQL as one float32 array, through binary COPY with no Python object per row.

Fetching a million rows as pgvector objects made a few KB of short-lived allocations per row between the
long-lived row texts; the heap kept them, and a build held several GB more than its vectors. Binary COPY of
(row_id, embedding) gives fixed-size records that NumPy reads in place.
"""

import uuid

import numpy as np
from django.db import connection

from embedding.vectors import Vectors
from maps.models import EMBEDDING_DIMENSIONS

# PGCOPY header: signature, flags, header-extension length; the trailer is a field count of -1.
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
TRAILER = b"\xff\xff"


class IncompleteVectors(Exception):
    """The finishing step found a row without a vector: the chunks did not cover every row."""


def record_type(dimensions: int) -> np.dtype:
    """One tuple of binary COPY of (int4, vector): field count, then each field's length and value; a vector's
    value is its dimension, an unused int16 and the floats, all big-endian."""
    return np.dtype(
        [
            ("fields", ">i2"),
            ("id_length", ">i4"),
            ("row_id", ">i4"),
            ("vector_length", ">i4"),
            ("dimensions", ">i2"),
            ("unused", ">i2"),
            ("values", ">f4", (dimensions,)),
        ]
    )


def load_vectors(dataset_id: uuid.UUID, first: int = 0, dimensions: int = EMBEDDING_DIMENSIONS) -> Vectors:
    """Every vector of the dataset's rows from row id `first` on, in row order."""
    record = record_type(dimensions)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM maps_point WHERE dataset_id = %s AND row_id >= %s", [dataset_id, first])
        count = int(cursor.fetchone()[0])
        vectors = np.empty((count, dimensions), dtype=np.float32)
        done = 0
        header_read = False
        pending = bytearray()
        with cursor.copy(
            "COPY (SELECT row_id, embedding FROM maps_point WHERE dataset_id = %s AND row_id >= %s ORDER BY row_id) "
            "TO STDOUT WITH (FORMAT BINARY)",
            [dataset_id, first],
        ) as copy:
            for data in copy:
                pending += data
                if not header_read:
                    if len(pending) < len(HEADER):
                        continue
                    if not pending.startswith(HEADER):
                        raise ValueError("unexpected binary COPY header")
                    del pending[: len(HEADER)]
                    header_read = True
                take = min(len(pending) // record.itemsize, count - done)
                if take:
                    done += _decode(pending, take, record, vectors[done : done + take], dataset_id)
                    del pending[: take * record.itemsize]
        if done != count or bytes(pending) != TRAILER:
            raise IncompleteVectors(f"dataset {dataset_id}: {count - done} of {count} rows could not be read")
    return vectors


def _decode(buffer: bytearray, count: int, record: np.dtype, out: Vectors, dataset_id: uuid.UUID) -> int:
    rows = np.frombuffer(buffer, dtype=record, count=count)
    expected_length = 4 + 4 * out.shape[1]
    if not (np.all(rows["fields"] == 2) and np.all(rows["vector_length"] == expected_length)):
        # A NULL vector has length -1 and no value, so records no longer line up from there on.
        bad = int(np.argmax((rows["fields"] != 2) | (rows["vector_length"] != expected_length)))
        raise IncompleteVectors(f"row {int(rows['row_id'][bad])} of dataset {dataset_id} has no vector")
    out[:] = rows["values"]
    return count
