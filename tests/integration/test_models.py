"""GET /v1/models in both shapes, through both SDKs."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from conftest import ResponseChecker
from tests.support import ANTHROPIC_HEADERS, OPENAI_HEADERS


def test_anthropic_list_paginates_to_the_end(anthropic_client: anthropic.Anthropic) -> None:
    seen = [m.id for m in anthropic_client.models.list(limit=3)]
    assert len(seen) == len(set(seen)) >= 10
    assert "claude-sonnet-4-6" in seen
    assert all(not s.startswith("gpt") for s in seen)


def test_anthropic_retrieve_alias_resolves(anthropic_client: anthropic.Anthropic) -> None:
    model = anthropic_client.models.retrieve("claude-haiku-4-5")
    assert model.id == "claude-haiku-4-5-20251001"
    assert model.type == "model" and model.display_name == "Claude Haiku 4.5"


def test_anthropic_unknown_model(anthropic_client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError):
        anthropic_client.models.retrieve("claude-nope")


def test_openai_list_and_retrieve(openai_client: openai.OpenAI) -> None:
    ids = [m.id for m in openai_client.models.list()]
    assert "gpt-4o-mini" in ids
    model = openai_client.models.retrieve("gpt-4o-mini")
    assert model.object == "model" and model.owned_by


def test_openai_unknown_model(openai_client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        openai_client.models.retrieve("gpt-nope")


def test_shape_follows_anthropic_version(
    http: httpx.Client, check_response: ResponseChecker
) -> None:
    anthropic_shape = http.get("/v1/models?limit=100", headers=ANTHROPIC_HEADERS).json()
    openai_shape = http.get("/v1/models", headers=OPENAI_HEADERS).json()
    check_response("anthropic_model_list", anthropic_shape)
    check_response("openai_model_list", openai_shape)
    assert anthropic_shape["has_more"] is False
    assert openai_shape["object"] == "list"


def test_anthropic_after_id_may_be_an_alias(anthropic_client: anthropic.Anthropic) -> None:
    """Issue 20 finding 5: a cursor naming an alias pages after the alias's model."""
    everything = [m.id for m in anthropic_client.models.list(limit=1000).data]
    dated = anthropic_client.models.retrieve("claude-sonnet-4-5").id
    after_dated = anthropic_client.models.list(after_id=dated, limit=3)
    after_alias = anthropic_client.models.list(after_id="claude-sonnet-4-5", limit=3)
    expected = everything[everything.index(dated) + 1 : everything.index(dated) + 4]
    assert [m.id for m in after_alias.data] == [m.id for m in after_dated.data] == expected
    before_alias = anthropic_client.models.list(before_id="claude-sonnet-4-5", limit=2)
    assert [m.id for m in before_alias.data] == everything[
        everything.index(dated) - 2 : everything.index(dated)
    ]


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("ten", "limit: Input should be a valid integer, unable to parse string as an integer"),
        ("0", "limit: Input should be between 1 and 1000"),
        ("1001", "limit: Input should be between 1 and 1000"),
    ],
)
def test_anthropic_list_limit_out_of_bounds(
    anthropic_client: anthropic.Anthropic, limit: str, message: str
) -> None:
    with pytest.raises(anthropic.BadRequestError) as refused:
        anthropic_client.models.list(extra_query={"limit": limit})
    assert refused.value.body == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": message},
        "request_id": refused.value.request_id,
    }
    assert len(anthropic_client.models.list(extra_query={"limit": "1000"}).data) > 1
