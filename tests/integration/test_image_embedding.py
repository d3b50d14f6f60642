"""Image embeddings on a tiny CLIP-style model: the API's answers and 4xx, and the Python client in both
modes, against a real running server (pytest-django's live_server)."""

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from atlas_client import AtlasError, embed
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from embedding.images import ImageLimits, decode_image, embed_images
from tests.tiny_models import CLIP_DIMENSIONS

URL = "/api/v1/embedding/image"


pytestmark = pytest.mark.usefixtures("api_key")


@pytest.fixture(autouse=True)
def _models(tiny_clip: Path) -> None:
    """Every test here may name tiny-clip (and the tiny text models)."""


def picture(seed: int, size: tuple[int, int] = (40, 30), fmt: str = "PNG") -> bytes:
    from PIL import Image

    pixels = (np.random.default_rng(seed).random((size[1], size[0], 3)) * 255).astype("uint8")
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt)
    return buffer.getvalue()


def reference(images: list[bytes]) -> np.ndarray:
    """The model's own vectors for the decoded images, in this process."""
    limits = ImageLimits()
    return embed_images([decode_image(data, "x", limits) for data in images], "tiny-clip").vectors


def post_images(client: Client, images: list[tuple[str, bytes]], **fields: str) -> tuple[int, dict[str, Any]]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [SimpleUploadedFile(name, data) for name, data in images]
    response = client.post(URL, {"images": files, **fields})
    return response.status_code, response.json()


def test_image_embedding_answers_one_unit_vector_per_image_in_order(client: Client) -> None:
    images = [picture(1), picture(2, fmt="JPEG"), picture(3, (64, 64), fmt="WEBP")]
    status, body = post_images(client, [(f"p{i}", data) for i, data in enumerate(images)], model="tiny-clip")
    assert status == 200, body
    assert set(body) == {"embeddings", "model"}
    assert body["model"] == "tiny-clip"
    vectors = np.asarray(body["embeddings"], dtype=np.float32)
    assert vectors.shape == (3, CLIP_DIMENSIONS)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors, reference(images), atol=1e-5)
    # Different pictures, different vectors: the model really looked at the pixels.
    assert abs(float(vectors[0] @ vectors[1])) < 0.999


@pytest.mark.parametrize(
    ("images", "fields", "status", "message_part"),
    [
        (
            [("notes.txt", b"hello, not a picture")],
            {"model": "tiny-clip"},
            400,
            "images[0] (notes.txt) is not an image",
        ),
        ([("a.png", b"x" * 20_001)], {"model": "tiny-clip"}, 413, "is 20,001 bytes; the limit is 20,000 per image"),
        ([("big.png", picture(1, (50, 50)))], {"model": "tiny-clip"}, 400, "50x50 pixels; the limit is 2,000 pixels"),
        ([("a.png", picture(1))] * 4, {"model": "tiny-clip"}, 400, "4 images were sent; send at most 3"),
        ([], {"model": "tiny-clip"}, 400, "No images were sent"),
        ([("a.png", picture(1))], {"model": "no-such-model"}, 400, "Unknown embedding model 'no-such-model'"),
        ([("a.png", picture(1))], {"model": "tiny-plain"}, 400, "embeds texts only; image models: tiny-clip"),
        ([("a.png", picture(1))], {"model": "tiny-clip", "size": "2"}, 400, "Unknown field(s) 'size'"),
        ([("a.png", picture(1))], {}, 400, "nomic-embed-vision-v1.5=/path/to/that/directory to ATLAS_EXTRA_MODELS"),
    ],
)
def test_a_bad_image_request_gets_a_4xx_that_says_what_to_send(
    client: Client,
    settings: Any,
    images: list[tuple[str, bytes]],
    fields: dict[str, str],
    status: int,
    message_part: str,
) -> None:
    settings.EMBED_IMAGE_MAX_COUNT = 3
    settings.EMBED_IMAGE_MAX_BYTES = 20_000
    settings.EMBED_IMAGE_MAX_PIXELS = 2000
    got, body = post_images(client, images, **fields)
    assert got == status, body
    assert body["error"]["code"] in ("invalid_embedding_request", "request_too_large")
    assert message_part in body["error"]["message"]


def test_a_json_body_is_refused_with_how_to_send_images(client: Client) -> None:
    response = client.post(URL, '{"images": []}', content_type="application/json")
    assert response.status_code == 400
    assert "multipart/form-data" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_a_text_model_endpoint_refuses_an_image_only_model_by_name(client: Client, monkeypatch: Any) -> None:
    monkeypatch.setenv("ATLAS_EXTRA_MODELS", "nomic-embed-vision-v1.5=/nowhere")
    response = client.post(
        "/api/v1/embedding/text",
        '{"texts": ["cat"], "model": "nomic-embed-vision-v1.5"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "embeds images, not texts" in response.json()["error"]["message"]


@pytest.mark.django_db(transaction=True)
def test_the_client_gives_the_same_vector_for_the_same_image_as_path_bytes_or_pil_in_both_modes(
    live_server: LiveServer, tmp_path: Path
) -> None:
    from PIL import Image

    data = picture(7, fmt="PNG")
    path = tmp_path / "seven.png"
    path.write_bytes(data)
    pil = Image.open(io.BytesIO(data))
    expected = reference([data])[0]
    remote = embed.image([path, data, pil], model="tiny-clip", base_url=live_server.url, output="numpy", batch_size=2)
    local = embed.image([str(path), data, pil], model="tiny-clip", inference_mode="local", output="numpy")
    assert remote["model"] == local["model"] == "tiny-clip"
    for out in (remote, local):
        assert out["embeddings"].shape == (3, CLIP_DIMENSIONS)
        for vector in out["embeddings"]:
            np.testing.assert_allclose(vector, expected, atol=1e-5)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("inference_mode", ["remote", "local"])
def test_the_client_raises_the_servers_message_for_a_file_that_is_not_an_image(
    live_server: LiveServer, inference_mode: Any
) -> None:
    with pytest.raises(AtlasError, match=r"images\[1\] \(image-1\) is not an image") as caught:
        embed.image(
            [picture(1), b"plain text"], model="tiny-clip", base_url=live_server.url, inference_mode=inference_mode
        )
    assert caught.value.status == 400


@pytest.mark.django_db  # the text API reads the embedding cache
def test_a_clip_model_embeds_texts_into_the_same_space(client: Client) -> None:
    response = client.post(
        "/api/v1/embedding/text", '{"texts": ["the cat"], "model": "tiny-clip"}', content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["embeddings"][0]) == CLIP_DIMENSIONS
