"""The real `openai` and `nomic` packages against a live Atlas, as their users would point them at it."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import openai
import pytest
from pytest_django.live_server_helper import LiveServer

from embedding import embed_texts

pytestmark = [pytest.mark.django_db(transaction=True)]

TEXTS = ["the cat", "a dog of stone", "river"]


@pytest.fixture(autouse=True)
def _models(tiny_models: dict[str, Path]) -> None:
    """The live server runs in this process, so it serves the tiny models too."""


def test_openai_embeds_in_float_and_base64_and_lists_the_models(live_server: LiveServer, api_key: str) -> None:
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=api_key, max_retries=0)
    expected = embed_texts(TEXTS, "tiny-plain").vectors
    floats = client.embeddings.create(model="tiny-plain", input=TEXTS, encoding_format="float")
    np.testing.assert_allclose(np.array([d.embedding for d in floats.data]), expected, atol=1e-6)
    assert [d.index for d in floats.data] == [0, 1, 2] and floats.usage.prompt_tokens > 0
    # Asked for base64, the client hands over the little-endian float32 bytes as they came.
    packed = client.embeddings.create(model="tiny-plain", input=TEXTS, encoding_format="base64")
    decoded = [np.frombuffer(base64.b64decode(str(d.embedding)), dtype="<f4") for d in packed.data]
    np.testing.assert_allclose(np.array(decoded), expected, atol=1e-6)
    # Left to itself, the client asks for base64 and decodes it into floats.
    default = client.embeddings.create(model="tiny-plain", input=TEXTS)
    np.testing.assert_allclose(np.array([d.embedding for d in default.data]), expected, atol=1e-6)

    listed = {model.id: model for model in client.models.list()}
    assert {"tiny-plain", "tiny-prefixed"} <= set(listed) and listed["tiny-plain"].object == "model"
    assert client.models.retrieve("tiny-plain").id == "tiny-plain"
    with pytest.raises(openai.NotFoundError) as missing:
        client.models.retrieve("gpt-imaginary")
    assert "tiny-plain" in str(missing.value)


def test_openai_without_a_valid_key_is_refused_in_openais_shape(live_server: LiveServer) -> None:
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="atl_wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.models.list()
    with pytest.raises(openai.AuthenticationError):
        client.embeddings.create(model="tiny-plain", input=TEXTS)


NOMIC_SCRIPT = """
import json, sys
from nomic import embed
out = embed.text(json.loads(sys.argv[1]), model="tiny-prefixed", task_type="search_query")
print(json.dumps(out))
"""


def nomic_credentials(home: Path, token: str, host: str) -> None:
    """The README's steps: the token as an enterprise tenant's (no refresh), in the client's credentials file."""
    (home / ".nomic").mkdir(parents=True)
    credentials = {
        "token": token,
        "tenant": "enterprise",
        "api_domain": host,
        "frontend_domain": host,
        "expires": None,
        "refresh_token": None,
    }
    (home / ".nomic" / "credentials").write_text(json.dumps(credentials))


def test_nomic_embeds_text_through_atlas_without_complaint(
    live_server: LiveServer, api_key: str, tmp_path: Path
) -> None:
    host = live_server.url.removeprefix("http://")
    nomic_credentials(tmp_path, api_key, host)
    env = {**os.environ, "HOME": str(tmp_path), "ATLAS_API_PATH": f"{live_server.url}/api"}
    ran = subprocess.run(
        [sys.executable, "-c", NOMIC_SCRIPT, json.dumps(TEXTS)], env=env, capture_output=True, text=True, timeout=180
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "no longer valid" not in ran.stderr + ran.stdout, "the client's start-up check of /api/v1/user passed"
    out = json.loads(ran.stdout.strip().splitlines()[-1])
    assert out["model"] == "tiny-prefixed" and out["usage"]["total_tokens"] > 0
    expected = embed_texts(TEXTS, "tiny-prefixed", "search_query").vectors
    np.testing.assert_allclose(np.array(out["embeddings"]), expected, atol=1e-6)


def test_the_user_endpoint_says_who_the_token_is(live_server: LiveServer, api_key: str) -> None:
    import urllib.request

    request = urllib.request.Request(f"{live_server.url}/api/v1/user", headers={"Authorization": f"Bearer {api_key}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        user = json.loads(response.read())
    assert user["email"] and user["default_organization"]
    assert [o["organization_id"] for o in user["organizations"] if o["personal"]] == [user["default_organization"]]
