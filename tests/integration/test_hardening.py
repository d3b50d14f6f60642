"""Hardening: security headers and a script-tight CSP on every answer, secure cookies outside debug, CSRF on
session writes, the embedding API's rate limit, unguessable ids, and deleting a dataset leaving nothing."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from maps.models import Dataset, Point, Topic
from teams.actions import create_api_token, create_share_link
from teams.models import ShareLink
from tests.accounts import default_user, logged_in_client
from tests.conftest import ROOT
from tests.synthetic_map import create_synthetic_map

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/v1/datasets", "/healthz", "/new"])
def test_every_answer_carries_the_security_headers_and_a_csp_without_inline_scripts(client: Client, path: str) -> None:
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_template_holds_an_inline_script_or_event_handler() -> None:
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for start in [i for i in range(len(text)) if text.startswith("<script", i)]:
            tag = text[start : text.index(">", start)]
            assert "src=" in tag or 'type="application/json"' in tag, f"{template.name}: inline script {tag}"
        assert " onclick=" not in text and " onload=" not in text, template.name


def settings_under(env: dict[str, str]) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "ATLAS_SECURE_COOKIES")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean | env | {"DJANGO_SETTINGS_MODULE": "atlas.settings"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def test_session_and_csrf_cookies_are_secure_unless_debug_or_told_otherwise() -> None:
    assert settings_under({}) == "True True"
    assert settings_under({"DEBUG": "true"}) == "False False"
    assert settings_under({"ATLAS_SECURE_COOKIES": "false"}) == "False False"
    assert settings.SESSION_COOKIE_HTTPONLY


def test_session_writes_need_the_csrf_token_and_token_writes_do_not() -> None:
    dataset = create_synthetic_map().dataset
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(default_user())
    refused = browser.delete(f"/api/v1/datasets/{dataset.id}")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert browser.post("/workspaces", {"name": "Team"}).status_code == 403
    secret = create_api_token(default_user(), "script").secret
    script = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert script.post(f"/api/v1/datasets/{dataset.id}/cancel").status_code == 409  # through the door: it is ready


def test_the_embedding_api_over_its_rate_limit_answers_429_with_retry_after(settings: object) -> None:
    settings.RATE_LIMIT_EMBEDDING = "2/60"  # type: ignore[attr-defined]
    client = logged_in_client()
    body = {"texts": []}
    for _ in range(2):
        assert client.post("/api/v1/embedding/text", body, content_type="application/json").status_code != 429
    refused = client.post("/api/v1/embedding/text", body, content_type="application/json")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "rate_limited"
    openai = client.post("/v1/embeddings", {"input": "x"}, content_type="application/json")
    assert openai.status_code == 429 and openai["Retry-After"] and openai.json()["error"]["type"]


def test_dataset_and_workspace_ids_are_random_uuids_not_counters() -> None:
    first, second = create_synthetic_map("a").dataset, create_synthetic_map("b").dataset
    for found in (first, second, first.workspace):
        assert isinstance(found.pk, uuid.UUID) and found.pk.version == 4


def test_deleting_a_dataset_removes_its_rows_vectors_topics_links_and_files(client: Client) -> None:
    dataset = create_synthetic_map("doomed").dataset
    folder = Path(settings.UPLOAD_DIR) / str(dataset.id)
    folder.mkdir(parents=True)
    upload = folder / "doomed.csv"
    upload.write_text("summary\nx\n")
    (folder / "export.parquet").write_bytes(b"cached")
    Dataset.objects.filter(id=dataset.id).update(upload_path=str(upload))
    create_share_link(dataset, default_user(), "", None, "http://testserver")
    assert client.delete(f"/api/v1/datasets/{dataset.id}").status_code == 204
    assert not Dataset.objects.filter(id=dataset.id).exists()
    for model in (Point, Topic, ShareLink):
        assert not model.objects.filter(dataset_id=dataset.id).exists(), model.__name__
    assert not folder.exists()
    assert client.get(f"/api/v1/datasets/{dataset.id}/points").status_code == 404
