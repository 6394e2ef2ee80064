"""POST /v1/embeddings through the real openai SDK."""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

import httpx
import openai
import pytest

from emulator.core.catalogue import Catalogue
from scripts.catalogue import installed_sdk_models
from tests.support import GPT, OPENAI_HEADERS


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_vectors_are_unit_length_and_model_sized(openai_client: openai.OpenAI) -> None:
    for model, size in [
        ("text-embedding-3-small", 1536),
        ("text-embedding-3-large", 3072),
        ("text-embedding-ada-002", 1536),
    ]:
        result = openai_client.embeddings.create(model=model, input="The quick brown fox")
        vector = result.data[0].embedding
        assert len(vector) == size
        assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, rel_tol=1e-5)
        assert result.model == model and result.object == "list"


def test_shared_words_are_closer_than_no_shared_words(openai_client: openai.OpenAI) -> None:
    texts = ["the cat sat on the mat", "a cat lay on a mat", "quarterly revenue grew fast"]
    vectors = [
        d.embedding
        for d in openai_client.embeddings.create(model="text-embedding-3-small", input=texts).data
    ]
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.2
    assert [
        d.index
        for d in openai_client.embeddings.create(model="text-embedding-3-small", input=texts).data
    ] == [0, 1, 2]


def test_deterministic_in_model_and_text(openai_client: openai.OpenAI) -> None:
    def vector(model: str, text: str) -> list[float]:
        return openai_client.embeddings.create(model=model, input=text).data[0].embedding

    assert vector("text-embedding-3-small", "hello") == vector("text-embedding-3-small", "hello")
    assert vector("text-embedding-3-small", "hello") != vector("text-embedding-ada-002", "hello")


def test_dimensions_keep_the_leading_components(openai_client: openai.OpenAI) -> None:
    full = openai_client.embeddings.create(model="text-embedding-3-large", input="shorter please")
    short = openai_client.embeddings.create(
        model="text-embedding-3-large", input="shorter please", dimensions=256
    )
    head = full.data[0].embedding[:256]
    norm = math.sqrt(sum(v * v for v in head))
    assert len(short.data[0].embedding) == 256
    assert all(
        math.isclose(a, b / norm, rel_tol=1e-4, abs_tol=1e-6)
        for a, b in zip(short.data[0].embedding, head, strict=True)
    )


def test_base64_is_little_endian_float32(http: httpx.Client, openai_client: openai.OpenAI) -> None:
    body = {"model": "text-embedding-3-small", "input": "encode me", "encoding_format": "base64"}
    raw = http.post("/v1/embeddings", json=body, headers=OPENAI_HEADERS).json()
    packed = base64.b64decode(raw["data"][0]["embedding"])
    decoded = list(struct.unpack(f"<{len(packed) // 4}f", packed))
    floats = (
        openai_client.embeddings.create(
            model="text-embedding-3-small", input="encode me", encoding_format="float"
        )
        .data[0]
        .embedding
    )
    assert decoded == floats


def test_token_inputs_and_usage(openai_client: openai.OpenAI) -> None:
    result = openai_client.embeddings.create(
        model="text-embedding-3-small", input=[[1, 2, 3], [4, 5]]
    )
    assert len(result.data) == 2
    assert result.usage.prompt_tokens == 5 and result.usage.total_tokens == 5


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"model": "text-embedding-3-small", "input": ""}, "'$.input' is invalid"),
        ({"model": "text-embedding-3-small", "input": []}, "'$.input' is invalid"),
        ({"model": "text-embedding-3-small", "input": ["x"] * 2049}, "'$.input' is invalid"),
        (
            {"model": "text-embedding-ada-002", "input": "x", "dimensions": 8},
            "does not support specifying dimensions",
        ),
        (
            {"model": "text-embedding-3-small", "input": "x", "dimensions": 4000},
            "dimensions",
        ),
        (
            {"model": "text-embedding-3-small", "input": "word " * 9000},
            "maximum context length is 8192 tokens",
        ),
    ],
)
def test_the_real_limits(http: httpx.Client, body: dict[str, Any], expected: str) -> None:
    response = http.post("/v1/embeddings", json=body, headers=OPENAI_HEADERS)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and expected in error["message"]


def test_unknown_model_is_404(openai_client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        openai_client.embeddings.create(model="text-embedding-9", input="x")


def test_a_large_batch_is_answered(openai_client: openai.OpenAI) -> None:
    texts = [f"document number {i} about topic {i % 7}" for i in range(300)]
    result = openai_client.embeddings.create(model="text-embedding-3-large", input=texts)
    assert len(result.data) == 300 and len(result.data[299].embedding) == 3072


# --- the catalogue ---------------------------------------------------------------

EMBEDDING_MODELS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


def test_the_catalogue_holds_every_sdk_embedding_model_with_its_dimensions() -> None:
    catalogue = Catalogue.load()
    assert set(installed_sdk_models().openai_embeddings) == set(EMBEDDING_MODELS)
    for name, dims in EMBEDDING_MODELS.items():
        info = catalogue.lookup(name)
        assert info is not None and info.embedding_dimensions == dims


def test_models_lists_and_retrieves_the_embedding_models(openai_client: openai.OpenAI) -> None:
    listed = {m.id: m for m in openai_client.models.list()}
    assert set(EMBEDDING_MODELS) <= set(listed)
    model = openai_client.models.retrieve("text-embedding-3-small")
    assert (model.id, model.object, model.owned_by) == ("text-embedding-3-small", "model", "system")
    assert model.created == listed["text-embedding-3-small"].created > 0
    assert openai_client.models.retrieve("text-embedding-ada-002").owned_by == "openai-internal"


def test_a_text_model_may_not_embed(openai_client: openai.OpenAI) -> None:
    with pytest.raises(openai.PermissionDeniedError) as refused:
        openai_client.embeddings.create(model=GPT, input="x")
    assert refused.value.status_code == 403
    assert refused.value.body == {
        "message": "You are not allowed to generate embeddings from this model",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_an_embedding_model_may_not_chat(openai_client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as refused:
        openai_client.chat.completions.create(
            model="text-embedding-3-small", messages=[{"role": "user", "content": "hi"}]
        )
    assert refused.value.body == {
        "message": "This is not a chat model and thus not supported in the "
        "v1/chat/completions endpoint. Did you mean to use v1/completions?",
        "type": "invalid_request_error",
        "param": "model",
        "code": None,
    }


@pytest.mark.parametrize("stream", [False, True])
def test_an_embedding_model_may_not_answer_responses(
    openai_client: openai.OpenAI, stream: bool
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        openai_client.responses.create(model="text-embedding-3-large", input="hi", stream=stream)
    assert refused.value.body == {
        "message": "The requested model 'text-embedding-3-large' is not supported with the "
        "Responses API.",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }
    with pytest.raises(openai.BadRequestError) as counted:
        openai_client.responses.input_tokens.count(model="text-embedding-3-large", input="hi")
    assert counted.value.code == "model_not_found"
