"""A build's progress in time: each stage's clock restarts whenever the stage or status changes (a trigger,
whichever code moves it), and the estimate of the time left learns from this server's finished builds."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from maps import lifecycle, progress
from maps.models import Dataset
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db


def running(stage: str, done: int = 0, total: int = 10_000, ago_s: float = 0.0) -> Dataset:
    dataset = create_synthetic_map("building").dataset
    Dataset.objects.filter(id=dataset.id).update(
        status="running", stage=stage, progress_done=done, progress_total=total, row_count=None
    )
    started = timezone.now() - datetime.timedelta(seconds=ago_s)
    Dataset.objects.filter(id=dataset.id).update(stage_started_at=started)  # same stage: the trigger keeps it
    return Dataset.objects.get(id=dataset.id)


def test_the_stage_clock_restarts_when_the_stage_changes_and_only_then() -> None:
    dataset = running("embed", ago_s=100)
    before = dataset.stage_started_at
    assert lifecycle.embedded_so_far(dataset.id, 500)
    assert Dataset.objects.get(id=dataset.id).stage_started_at == before, "progress in a stage keeps its clock"
    assert lifecycle.embedding_done(dataset.id)
    after = Dataset.objects.get(id=dataset.id).stage_started_at
    assert after is not None and before is not None and after > before
    assert (timezone.now() - after).total_seconds() < 5


def test_embedding_estimates_the_rest_from_its_own_rate_and_later_stages_from_their_costs() -> None:
    dataset = running("embed", done=2_000, total=10_000, ago_s=20)
    timed = progress.timing(dataset)
    assert 19 <= timed["elapsed_s"] <= 25
    # 8,000 rows at 100 rows/s, then layout, topics and index at the default costs of 10,000 rows.
    later = sum(progress.expected_seconds(s, 10_000, {}) for s in ("layout", "topics", "index"))
    assert timed["remaining_s"] == pytest.approx(80 + later, rel=0.1)


def test_the_estimate_learns_from_the_finished_builds_of_this_server() -> None:
    done = create_synthetic_map("finished").dataset
    Dataset.objects.filter(id=done.id).update(
        row_count=1_000, timings={"layout": 50.0, "topics": 1.0, "index": 2.0}, finished_at=timezone.now()
    )
    dataset = running("layout", total=2_000, ago_s=30)
    # Layout took 0.05 s a row here: 100 s for 2,000 rows, 30 of them gone; then 2 s of topics and 4 of index.
    assert progress.timing(dataset)["remaining_s"] == pytest.approx(70 + 2 + 4, abs=1.5)


def test_a_map_that_is_not_building_has_no_clock_and_the_api_says_so(client: Client) -> None:
    dataset = create_synthetic_map("ready").dataset
    answer = client.get(f"/api/v1/datasets/{dataset.id}").json()["progress"]
    assert answer["elapsed_s"] is None and answer["remaining_s"] is None
    building = running("index", total=240, ago_s=1)
    answer = client.get(f"/api/v1/datasets/{building.id}").json()["progress"]
    assert answer["elapsed_s"] >= 1 and answer["remaining_s"] is not None


def test_a_stage_running_past_its_expected_time_is_not_called_nearly_done() -> None:
    dataset = running("layout", total=2_000, ago_s=400)
    later = sum(progress.expected_seconds(s, 2_000, {}) for s in ("topics", "index"))
    # Layout was expected to take 5 s; after 400 s a quarter of that again is the honest guess.
    assert progress.timing(dataset)["remaining_s"] == pytest.approx(100 + later, abs=2)
