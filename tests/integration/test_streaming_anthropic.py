"""Streamed /v1/messages through the anthropic SDK: what it accumulates equals the JSON reply."""

from __future__ import annotations

from typing import Any

import anthropic
import jsonschema
import pytest
from anthropic.types import Message, RawMessageStreamEvent

from tests.support import CLAUDE, WEATHER_TOOL_SCHEMA, user

WEATHER_TOOL: Any = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": WEATHER_TOOL_SCHEMA,
}


def _text(message: Message) -> str:
    return "".join(b.text for b in message.content if b.type == "text")


def _content_without_ids(message: Message) -> list[dict[str, Any]]:
    blocks = [b.model_dump(exclude_none=True) for b in message.content]
    for block in blocks:
        block.pop("id", None)
    return blocks


def test_stream_helper_text_equals_final_and_non_streamed(
    anthropic_client: anthropic.Anthropic,
) -> None:
    kwargs: Any = {"model": CLAUDE, "max_tokens": 400, "messages": [user("Stream me a story")]}
    created = anthropic_client.messages.create(**kwargs)
    with anthropic_client.messages.stream(**kwargs) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
        assert stream.response.headers["request-id"].startswith("req_")
    assert len(pieces) > 1
    assert "".join(pieces) == _text(final) == _text(created) != ""
    assert final.id != created.id and final.id.startswith("msg_")
    assert final.model == created.model == CLAUDE
    assert final.stop_reason == created.stop_reason == "end_turn"
    assert final.stop_sequence is None
    assert final.usage.model_dump() == created.usage.model_dump()
    assert _content_without_ids(final) == _content_without_ids(created)


async def test_async_stream_helper(async_anthropic_client: anthropic.AsyncAnthropic) -> None:
    kwargs: Any = {"model": CLAUDE, "max_tokens": 300, "messages": [user("Async stream")]}
    created = await async_anthropic_client.messages.create(**kwargs)
    pieces: list[str] = []
    async with async_anthropic_client.messages.stream(**kwargs) as stream:
        async for text in stream.text_stream:
            pieces.append(text)
        final = await stream.get_final_message()
    assert "".join(pieces) == _text(final) == _text(created) != ""
    assert final.usage.model_dump() == created.usage.model_dump()
    assert final.stop_reason == created.stop_reason


def test_forced_tool_input_accumulates(anthropic_client: anthropic.Anthropic) -> None:
    kwargs: Any = {
        "model": CLAUDE,
        "max_tokens": 512,
        "messages": [user("Weather in Lyon?")],
        "tools": [WEATHER_TOOL, {"name": "other", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "tool", "name": "get_weather"},
    }
    created = anthropic_client.messages.create(**kwargs)
    partials: list[str] = []
    with anthropic_client.messages.stream(**kwargs) as stream:
        for event in stream:
            if event.type == "input_json":
                partials.append(event.partial_json)
        final = stream.get_final_message()
    assert final.stop_reason == created.stop_reason == "tool_use"
    streamed = final.content[-1]
    expected = created.content[-1]
    assert streamed.type == expected.type == "tool_use"
    assert streamed.name == expected.name == "get_weather"
    assert streamed.id.startswith("toolu_") and streamed.id != expected.id
    assert streamed.input == expected.input
    jsonschema.validate(streamed.input, WEATHER_TOOL_SCHEMA)
    assert len(partials) > 1
    assert final.usage.model_dump() == created.usage.model_dump()


def test_thinking_and_signature_accumulate(anthropic_client: anthropic.Anthropic) -> None:
    kwargs: Any = {
        "model": CLAUDE,
        "max_tokens": 4000,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "messages": [user("Think, then answer")],
    }
    created = anthropic_client.messages.create(**kwargs)
    thinking_pieces: list[str] = []
    signatures: list[str] = []
    text_pieces: list[str] = []
    with anthropic_client.messages.stream(**kwargs) as stream:
        for event in stream:
            if event.type == "thinking":
                thinking_pieces.append(event.thinking)
            elif event.type == "signature":
                signatures.append(event.signature)
            elif event.type == "text":
                text_pieces.append(event.text)
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text"]
    thought, expected = final.content[0], created.content[0]
    assert thought.type == expected.type == "thinking"
    assert len(thinking_pieces) > 1
    assert "".join(thinking_pieces) == thought.thinking == expected.thinking != ""
    assert signatures == [thought.signature] == [expected.signature]
    assert thought.signature
    assert "".join(text_pieces) == _text(final) == _text(created)
    assert final.usage.model_dump() == created.usage.model_dump()


def test_raw_event_order_and_indexes(anthropic_client: anthropic.Anthropic) -> None:
    kwargs: Any = {
        "model": CLAUDE,
        "max_tokens": 200,
        "messages": [user("Raw events please")],
    }
    created = anthropic_client.messages.create(**kwargs)
    stream = anthropic_client.messages.create(**kwargs, stream=True)
    with stream:
        events: list[RawMessageStreamEvent] = list(stream)
    # The SDK drops ``ping`` (see test_streaming_raw for the bytes, ping included).
    types = [e.type for e in events]
    assert types[:2] == ["message_start", "content_block_start"]
    deltas = types[2:-3]
    assert deltas and set(deltas) == {"content_block_delta"}
    assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]

    start = events[0]
    assert start.type == "message_start"
    head = start.message
    assert head.id.startswith("msg_") and head.content == []
    assert head.stop_reason is None and head.stop_sequence is None
    assert head.usage is not None
    assert head.usage.input_tokens == created.usage.input_tokens
    assert 0 < head.usage.output_tokens <= 3
    assert head.usage.cache_creation is not None

    text = ""
    for event in events:
        if event.type in ("content_block_start", "content_block_delta", "content_block_stop"):
            assert event.index == 0
        if event.type == "content_block_start":
            assert event.content_block.type == "text" and event.content_block.text == ""
        if event.type == "content_block_delta":
            assert event.delta.type == "text_delta"
            text += event.delta.text
    assert text == _text(created)

    delta = events[-2]
    assert delta.type == "message_delta"
    assert delta.delta.stop_reason == "end_turn" and delta.delta.stop_sequence is None
    assert delta.usage.output_tokens == created.usage.output_tokens
    assert delta.usage.input_tokens == created.usage.input_tokens


def test_tool_block_events_indexes(anthropic_client: anthropic.Anthropic) -> None:
    stream = anthropic_client.messages.create(
        model=CLAUDE,
        max_tokens=4000,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[user("Weather in Oslo?")],
        tools=[WEATHER_TOOL],
        tool_choice={"type": "auto"},
        stream=True,
    )
    with stream:
        events = list(stream)
    open_index: int | None = None
    next_index = 0
    for event in events:
        if event.type == "content_block_start":
            assert open_index is None and event.index == next_index
            open_index = event.index
        elif event.type == "content_block_delta":
            assert event.index == open_index
        elif event.type == "content_block_stop":
            assert event.index == open_index
            open_index = None
            next_index += 1
    assert open_index is None and next_index >= 2
    thinking_deltas = [
        e.delta.type for e in events if e.type == "content_block_delta" and e.index == 0
    ]
    assert thinking_deltas[-1] == "signature_delta"
    assert set(thinking_deltas[:-1]) == {"thinking_delta"}


def test_max_tokens_cut_in_stream(anthropic_client: anthropic.Anthropic) -> None:
    kwargs: Any = {"model": CLAUDE, "max_tokens": 7, "messages": [user("A long answer")]}
    created = anthropic_client.messages.create(**kwargs)
    stream = anthropic_client.messages.create(**kwargs, stream=True)
    with stream:
        events = list(stream)
    deltas = [e for e in events if e.type == "message_delta"]
    assert len(deltas) == 1
    assert deltas[0].delta.stop_reason == "max_tokens"
    assert deltas[0].usage.output_tokens == 7 == created.usage.output_tokens
    text = "".join(
        e.delta.text
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "text_delta"
    )
    assert text == _text(created)


def test_stop_sequence_in_stream(anthropic_client: anthropic.Anthropic) -> None:
    messages = [user("Several words, then stop")]
    full = anthropic_client.messages.create(model=CLAUDE, max_tokens=4000, messages=messages)
    words = _text(full).split()
    assert len(words) > 3
    stop = words[3]
    kwargs: Any = {
        "model": CLAUDE,
        "max_tokens": 4000,
        "messages": messages,
        "stop_sequences": [stop],
    }
    created = anthropic_client.messages.create(**kwargs)
    with anthropic_client.messages.stream(**kwargs) as stream:
        streamed = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert streamed == _text(created) == _text(full)[: _text(full).index(stop)]
    assert final.stop_reason == created.stop_reason == "stop_sequence"
    assert final.stop_sequence == created.stop_sequence == stop
    assert final.usage.model_dump() == created.usage.model_dump()


def test_streamed_validation_error_is_json(anthropic_client: anthropic.Anthropic) -> None:
    with (
        pytest.raises(anthropic.BadRequestError) as caught,
        anthropic_client.messages.stream(
            model=CLAUDE, max_tokens=10_000_000, messages=[user("x")]
        ) as stream,
    ):
        stream.get_final_message()
    assert caught.value.status_code == 400
    assert caught.value.response.headers["content-type"].startswith("application/json")


def test_streams_served_again_keep_content_and_draw_new_ids(
    anthropic_client: anthropic.Anthropic,
) -> None:
    """Repeated streams come from kept frames (text) or are framed afresh (generated
    tool calls, whose ids are drawn per answer): either way, new ids every time."""
    text_kwargs: Any = {"model": CLAUDE, "max_tokens": 80, "messages": [user("Again, please")]}
    tool_kwargs: Any = {
        "model": CLAUDE,
        "max_tokens": 256,
        "messages": [user("Weather again?")],
        "tools": [WEATHER_TOOL],
        "tool_choice": {"type": "tool", "name": "get_weather"},
    }
    for kwargs in (text_kwargs, tool_kwargs):
        finals: list[Message] = []
        for _ in range(3):
            with anthropic_client.messages.stream(**kwargs) as stream:
                finals.append(stream.get_final_message())
        contents = [[b.model_dump(exclude={"id"}) for b in m.content] for m in finals]
        assert contents.count(contents[0]) == 3
        assert len({m.id for m in finals}) == 3
        assert len({m.usage.output_tokens for m in finals}) == 1
        tool_ids = {b.id for m in finals for b in m.content if b.type == "tool_use"}
        assert len(tool_ids) == (3 if kwargs is tool_kwargs else 0)
