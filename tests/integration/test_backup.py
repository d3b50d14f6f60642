"""A backup made with the bundled pg_dump restores the maps, their vectors and their uploads."""

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from maps.models import Dataset, Point, Topic
from tests.accounts import default_workspace

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_then_restore_brings_back_datasets_points_vectors_and_uploaded_files(tmp_path: Path) -> None:
    settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    upload = settings.UPLOAD_DIR / "kept-backup-test.csv"
    upload.write_text("name,summary\na,http client\n")
    dataset = Dataset.objects.create(
        workspace=default_workspace(),
        name="kept",
        source_filename="kept.csv",
        upload_path=str(upload),
        text_field="summary",
        model_name="all-MiniLM-L6-v2",
        status=Dataset.Status.READY,
        row_count=1,
        topic_count=1,
    )
    vector = np.linspace(-1, 1, 384).astype(np.float32)
    Point.objects.create(dataset=dataset, row_id=0, text="http client", fields={"name": "a"}, embedding=vector, topic=0)
    Topic.objects.create(dataset=dataset, topic_id=0, label="http, client", size=1, x=0.0, y=0.0)

    archive = tmp_path / "atlas.tar"
    call_command("backup", str(archive))
    Dataset.objects.all().delete()
    upload.unlink()

    call_command("restore", str(archive))
    restored = Dataset.objects.get(id=dataset.id)
    assert restored.name == "kept" and restored.status == "ready"
    point = Point.objects.get(dataset=restored, row_id=0)
    assert np.allclose(point.embedding, vector)
    assert Topic.objects.get(dataset=restored).label == "http, client"
    assert upload.read_text() == "name,summary\na,http client\n"


def test_restoring_a_file_that_is_not_a_backup_says_so(tmp_path: Path) -> None:
    import tarfile

    bogus = tmp_path / "bogus.tar"
    with tarfile.open(bogus, "w"):
        pass
    with pytest.raises(CommandError, match="is not an Atlas backup"):
        call_command("restore", str(bogus))
