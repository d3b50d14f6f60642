"""Every operation of the OpenAPI document, fuzzed by schemathesis against a live server as an editor: no
answer is a 500, and every answer's status and body are the ones the document declares.

A seeded, bounded run (ATLAS_FUZZ_EXAMPLES per operation, 25 unless set); `make fuzz` runs it long.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from pytest_django.live_server_helper import LiveServer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from atlas.api import api
from maps import actions
from teams.actions import create_api_token
from teams.models import Membership, Role
from tests.accounts import create_user
from tests.synthetic_map import create_synthetic_map

pytestmark = [pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("ATLAS_FUZZ_EXAMPLES", "25"))
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_params={}))


@dataclass(frozen=True)
class Target:
    """A ready map the editor may change, one of its tags, and the editor's token."""

    dataset_id: str
    tag_id: int
    token: str


@pytest.fixture
def target(tiny_models: object) -> Iterator[Target]:
    built = create_synthetic_map("fuzzed")
    editor = create_user("editor@example.com")
    Membership.objects.create(workspace=built.dataset.workspace, user=editor, role=Role.EDITOR)
    tag = actions.create_tag(built.dataset, "fuzzed", "#e4572e")
    yield Target(str(built.dataset.id), tag.id, create_api_token(editor, "fuzz").secret)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says_and_never_500(
    case: schemathesis.Case, live_server: LiveServer, target: Target
) -> None:
    # The map and tag that exist, so the fuzzing reaches past "not found" into each operation.
    if "dataset_id" in (case.path_parameters or {}):
        case.path_parameters["dataset_id"] = target.dataset_id  # type: ignore[index]
    if "tag_id" in (case.path_parameters or {}):
        case.path_parameters["tag_id"] = target.tag_id  # type: ignore[index]
    checks = [status_code_conformance, response_schema_conformance]
    # /readyz answers 503 by design when a service is down (here: no worker runs); the document says so.
    if case.operation.path != "/readyz":
        checks.append(not_a_server_error)
    case.call_and_validate(base_url=live_server.url, headers={"Authorization": f"Bearer {target.token}"}, checks=checks)
