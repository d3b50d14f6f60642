"""The fitted layout of a map on disk, next to its upload, so appended rows can be placed without a re-layout."""

import pickle
import uuid
from pathlib import Path

from django.conf import settings

from workers.stages.reduce import FittedLayout

FILE_NAME = "layout-model.pickle"


def path_of(dataset_id: uuid.UUID) -> Path:
    # The dataset's upload folder: deleting the dataset removes it.
    return Path(settings.UPLOAD_DIR) / str(dataset_id) / FILE_NAME


def save(dataset_id: uuid.UUID, fitted: FittedLayout | None) -> None:
    """Write the model beside the old one and swap it in, so a reader never sees half a file."""
    path = path_of(dataset_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fitted is None:
        path.unlink(missing_ok=True)
        return
    partial = path.with_suffix(".partial")
    with partial.open("wb") as handle:
        pickle.dump(fitted, handle, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)


def load(dataset_id: uuid.UUID) -> FittedLayout | None:
    """The saved model, or None for a map laid out before models were kept (it needs a re-layout first)."""
    path = path_of(dataset_id)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        # Written by this application's own workers into its own data folder; never user-supplied.
        fitted = pickle.load(handle)  # noqa: S301
    return fitted if isinstance(fitted, FittedLayout) else None
