"""Text PostgreSQL cannot store (a NUL character, half of a UTF-16 surrogate pair), sent anywhere a user types
text, is refused with a 400 naming the field, and nothing is created."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps.models import Dataset, Tag
from teams.models import ApiToken, ShareLink, Workspace
from tests.synthetic_map import create_synthetic_map

pytestmark = [pytest.mark.django_db]

# Text around a NUL, or around an unpaired surrogate (JSON can carry one as an escape; forms cannot).
NUL_TEXT = st.tuples(st.text(max_size=8), st.text(max_size=8)).map(lambda parts: parts[0] + "\x00" + parts[1])
HALF = st.sampled_from(["\\ud800", "\\udfff", "\\udbff"])
SURROGATE_JSON = st.tuples(st.text(alphabet="abc xyz", max_size=6), HALF).map(lambda p: f'"{p[0]}{p[1]}"')
FUZZ = settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def refused(response: object, says: str = "cannot store") -> None:
    assert response.status_code == 400, response.content  # type: ignore[attr-defined]
    assert says.encode() in response.content  # type: ignore[attr-defined]


@FUZZ
@given(name=NUL_TEXT)
def test_page_forms_refuse_a_nul_in_any_name(client: Client, name: str) -> None:
    dataset = create_synthetic_map("nul").dataset
    workspaces, tokens, links = Workspace.objects.count(), ApiToken.objects.count(), ShareLink.objects.count()
    refused(client.post("/workspaces", {"name": name}))
    refused(client.post("/account/tokens", {"name": name}))
    refused(client.post(f"/maps/{dataset.id}/sharing", {"label": name, "expires_in_days": "7"}))
    assert (Workspace.objects.count(), ApiToken.objects.count(), ShareLink.objects.count()) == (
        workspaces,
        tokens,
        links,
    )


@FUZZ
@given(text=NUL_TEXT)
def test_the_api_refuses_a_nul_in_names_queries_and_texts(client: Client, text: str) -> None:
    dataset = create_synthetic_map("nul").dataset
    tags = Tag.objects.count()
    refused(client.post(f"/api/v1/datasets/{dataset.id}/tags", {"name": text}, content_type="application/json"))
    refused(client.get(f"/api/v1/datasets/{dataset.id}/search", {"q": text, "mode": "keyword"}))
    refused(client.post("/api/v1/embedding/text", {"texts": [text]}, content_type="application/json"), "NUL")
    refused(client.post("/v1/embeddings", {"input": text}, content_type="application/json"), "NUL")
    datasets = Dataset.objects.count()
    upload = client.post("/api/v1/datasets", {"file": _csv(), "name": text, "text_field": "text"})
    refused(upload)
    assert (Tag.objects.count(), Dataset.objects.count()) == (tags, datasets)


@FUZZ
@given(raw=SURROGATE_JSON)
def test_json_with_half_a_surrogate_pair_is_refused_as_invalid_json(client: Client, raw: str) -> None:
    dataset = create_synthetic_map("half").dataset
    for url, body in (
        (f"/api/v1/datasets/{dataset.id}/tags", f'{{"name": {raw}}}'),
        ("/api/v1/embedding/text", f'{{"texts": [{raw}]}}'),
        ("/v1/embeddings", f'{{"input": {raw}}}'),
    ):
        response = client.post(url, body, content_type="application/json")
        refused(response, "not valid JSON")
    assert not Tag.objects.filter(dataset=dataset).exists()


def test_deeply_nested_json_is_refused_not_a_recursion_error(client: Client) -> None:
    dataset = create_synthetic_map("deep").dataset
    for url in (f"/api/v1/datasets/{dataset.id}/export", "/api/v1/embedding/text", "/v1/embeddings"):
        refused(client.post(url, "[" * 100_000, content_type="application/json"), "recursion limit")


@pytest.mark.parametrize("row", ["²", "١٢", "99999999999999999999", "-1"])
def test_row_ids_that_are_not_ids_are_refused(client: Client, row: str) -> None:
    dataset = create_synthetic_map("rows").dataset
    response = client.get(f"/api/v1/datasets/{dataset.id}/search", {"mode": "similar", "row": row})
    assert response.status_code == 400 and "row is" in response.json()["error"]["message"]
    big = json.dumps({"rows": [1, 2**40], "format": "csv"})
    answer = client.post(f"/api/v1/datasets/{dataset.id}/export", big, content_type="application/json")
    assert answer.status_code == 400 and "rows[1]" in answer.json()["error"]["message"]


def _csv() -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("data.csv", b"id,text\n1,hello\n2,world\n", content_type="text/csv")


def test_the_map_page_opens_with_a_nul_in_its_view_state_but_a_search_the_server_runs_is_refused(
    client: Client, django_user_model: object
) -> None:
    dataset = create_synthetic_map("view").dataset
    # The map's query string is the frontend's view state; an old link colours by tag with c=%00tags.
    assert client.get(f"/maps/{dataset.id}", {"c": "\x00tags"}).status_code == 200
    admin = django_user_model.objects.create_superuser("root-nul", "root@example.com", "pw-nul-123")  # type: ignore[attr-defined]
    client.force_login(admin)
    refused(client.get("/admin/maps/dataset/", {"q": "a\x00b"}))
