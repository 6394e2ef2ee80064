"""A Message's ``content`` sent back as the assistant turn, the way the anthropic SDK's docs
show: each block type the SDK returns comes back accepted, with the fields a response
carries (citations with ``file_id``, thinking signatures, redacted thinking, callers)."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest
from anthropic.types import (
    CitationCharLocation,
    CitationContentBlockLocation,
    CitationPageLocation,
    CitationsSearchResultLocation,
    CitationsWebSearchResultLocation,
    DirectCaller,
    Message,
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
)

from conftest import Control
from tests.support import CLAUDE, user

THINKING: Any = {"type": "enabled", "budget_tokens": 1024}
CITY_TOOL: Any = {
    "name": "get_weather",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def _next_turn(client: anthropic.Anthropic, *messages: Any, **params: Any) -> Message:
    """The answer to ``messages``: the call must succeed and parse."""
    reply: Message = client.messages.create(
        model=CLAUDE, max_tokens=2048, messages=list(messages), **params
    )
    assert reply.content, reply
    return reply


def _assistant(content: Any) -> Any:
    return {"role": "assistant", "content": content}


@pytest.mark.parametrize(
    "citation",
    [
        CitationCharLocation(
            type="char_location",
            cited_text="The sky is blue.",
            document_index=0,
            document_title="Sky",
            start_char_index=0,
            end_char_index=16,
            file_id=None,
        ),
        CitationPageLocation(
            type="page_location",
            cited_text="Page two.",
            document_index=0,
            document_title=None,
            start_page_number=2,
            end_page_number=3,
            file_id=None,
        ),
        CitationContentBlockLocation(
            type="content_block_location",
            cited_text="A block.",
            document_index=0,
            document_title="Blocks",
            start_block_index=0,
            end_block_index=1,
            file_id="file_011abc",
        ),
        CitationsWebSearchResultLocation(
            type="web_search_result_location",
            cited_text="Found it.",
            encrypted_index="Eo8BCioI",
            title="A page",
            url="https://example.com/",
        ),
        CitationsSearchResultLocation(
            type="search_result_location",
            cited_text="A result.",
            search_result_index=0,
            source="https://example.com/doc",
            title=None,
            start_block_index=0,
            end_block_index=1,
        ),
    ],
    ids=lambda c: c.type,
)
def test_text_block_with_citations(anthropic_client: anthropic.Anthropic, citation: Any) -> None:
    block = TextBlock(type="text", text="The sky is blue.", citations=[citation])
    _next_turn(anthropic_client, user("Colour?"), _assistant([block]), user("Why?"))


def test_text_block_with_null_citations(anthropic_client: anthropic.Anthropic) -> None:
    block = TextBlock(type="text", text="Hello.", citations=None)
    assert "citations" in block.model_dump(exclude_unset=True)
    _next_turn(anthropic_client, user("Hi"), _assistant([block]), user("Again"))


def test_a_citation_field_no_response_has_is_refused(anthropic_client: anthropic.Anthropic) -> None:
    citation = {
        "type": "char_location",
        "cited_text": "x",
        "document_index": 0,
        "document_title": None,
        "start_char_index": 0,
        "end_char_index": 1,
        "bogus": True,
    }
    block = {"type": "text", "text": "x", "citations": [citation]}
    with pytest.raises(anthropic.BadRequestError) as caught:
        anthropic_client.messages.create(
            model=CLAUDE,
            max_tokens=64,
            messages=[user("Hi"), _assistant([block]), user("Again")],
        )
    assert caught.value.status_code == 400
    body: Any = caught.value.body
    assert body["error"] == {
        "type": "invalid_request_error",
        "message": "messages.1.content.0.text.citations.0.char_location.bogus: Extra inputs are "
        "not permitted",
    }


@pytest.mark.parametrize("stream", [False, True])
def test_thinking_block_with_signature_sent_back(
    anthropic_client: anthropic.Anthropic, stream: bool
) -> None:
    first: Message
    if stream:
        with anthropic_client.messages.stream(
            model=CLAUDE, max_tokens=2048, messages=[user("Think")], thinking=THINKING
        ) as events:
            first = events.get_final_message()
    else:
        first = _next_turn(anthropic_client, user("Think"), thinking=THINKING)
    thinking = first.content[0]
    assert isinstance(thinking, ThinkingBlock) and thinking.signature
    _next_turn(
        anthropic_client, user("Think"), _assistant(first.content), user("More"), thinking=THINKING
    )


def test_redacted_thinking_sent_back(anthropic_client: anthropic.Anthropic) -> None:
    content = [
        RedactedThinkingBlock(type="redacted_thinking", data="EmwKAhgBEgy3va3pzix/LafPsn4a"),
        ThinkingBlock(type="thinking", thinking="Visible part.", signature="EqQBCgIYAhIM"),
        TextBlock(type="text", text="Done.", citations=None),
    ]
    _next_turn(
        anthropic_client, user("Think"), _assistant(content), user("More"), thinking=THINKING
    )


def test_tool_use_with_caller_and_thinking_sent_back(
    anthropic_client: anthropic.Anthropic, control: Control
) -> None:
    control.load(
        {
            "name": "agent",
            "rules": [
                {
                    "name": "call",
                    "match": {"last_user_text": "weather"},
                    "reply": {
                        "thinking": "I need the tool.",
                        "tool_calls": [{"name": "get_weather"}, {"name": "get_weather"}],
                    },
                }
            ],
        }
    )
    first = _next_turn(anthropic_client, user("weather"), tools=[CITY_TOOL], thinking=THINKING)
    calls = [b for b in first.content if isinstance(b, ToolUseBlock)]
    assert len(calls) == 2
    content = [
        b.model_copy(update={"caller": DirectCaller(type="direct")})
        if isinstance(b, ToolUseBlock)
        else b
        for b in first.content
    ]
    results = [{"type": "tool_result", "tool_use_id": c.id, "content": "sunny"} for c in calls]
    _next_turn(
        anthropic_client,
        user("weather"),
        _assistant(content),
        {"role": "user", "content": results},
        tools=[CITY_TOOL],
        thinking=THINKING,
    )


def test_refusal_text_sent_back(anthropic_client: anthropic.Anthropic, control: Control) -> None:
    control.load(
        {
            "name": "refuse",
            "rules": [
                {
                    "name": "no",
                    "match": {"last_user_text": "forbidden"},
                    "reply": {"refusal": "No."},
                }
            ],
        }
    )
    first = _next_turn(anthropic_client, user("forbidden"))
    assert first.stop_reason == "refusal"
    _next_turn(anthropic_client, user("forbidden"), _assistant(first.content), user("Other"))
