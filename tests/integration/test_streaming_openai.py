"""Streamed /v1/chat/completions through the openai SDK: chunks add up to the JSON reply."""

from __future__ import annotations

import itertools
import json
from typing import Any

import jsonschema
import openai
from openai.types.chat import ChatCompletionChunk

from tests.support import GPT, WEATHER_TOOL_SCHEMA, user

WEATHER_FUNCTION: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather",
        "parameters": WEATHER_TOOL_SCHEMA,
    },
}


def _chunks(client: openai.OpenAI, **kwargs: Any) -> list[ChatCompletionChunk]:
    stream = client.chat.completions.create(**kwargs, stream=True)
    with stream:
        return list(stream)


def test_include_usage_stream_matches_non_streamed(openai_client: openai.OpenAI) -> None:
    kwargs: Any = {"model": GPT, "messages": [user("Stream a reply")], "max_completion_tokens": 500}
    created = openai_client.chat.completions.create(**kwargs)
    chunks = _chunks(openai_client, **kwargs, stream_options={"include_usage": True})

    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")
    assert chunks[0].id != created.id
    assert len({c.created for c in chunks}) == 1
    assert {c.model for c in chunks} == {GPT}
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert len({c.system_fingerprint for c in chunks}) == 1

    *body, tail = chunks
    first = body[0].choices[0]
    assert first.index == 0
    assert first.delta.role == "assistant" and first.delta.content == ""
    assert first.finish_reason is None
    assert all(c.usage is None for c in body)
    assert all(len(c.choices) == 1 and c.choices[0].index == 0 for c in body)
    assert all(c.choices[0].delta.role is None for c in body[1:])
    finishing = [c.choices[0].finish_reason for c in body if c.choices[0].finish_reason]
    assert finishing == ["stop"] == [created.choices[0].finish_reason]
    assert body[-1].choices[0].finish_reason == "stop"
    assert body[-1].choices[0].delta.content is None

    text = "".join(c.choices[0].delta.content or "" for c in body)
    assert len(body) > 3
    assert text == created.choices[0].message.content != ""

    assert tail.choices == []
    assert tail.usage is not None and created.usage is not None
    assert tail.usage.model_dump() == created.usage.model_dump()


def test_without_include_usage_no_usage_chunk(openai_client: openai.OpenAI) -> None:
    kwargs: Any = {"model": GPT, "messages": [user("No usage please")]}
    created = openai_client.chat.completions.create(**kwargs)
    chunks = _chunks(openai_client, **kwargs)
    assert all(c.usage is None for c in chunks)
    assert all(len(c.choices) == 1 for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == created.choices[0].message.content


def test_length_finish_reason_streamed(openai_client: openai.OpenAI) -> None:
    kwargs: Any = {"model": GPT, "messages": [user("Long")], "max_completion_tokens": 5}
    created = openai_client.chat.completions.create(**kwargs)
    chunks = _chunks(openai_client, **kwargs, stream_options={"include_usage": True})
    assert chunks[-2].choices[0].finish_reason == "length"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 5
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == created.choices[0].message.content


def test_stream_helper_reassembles_forced_tool_call(openai_client: openai.OpenAI) -> None:
    kwargs: Any = {
        "model": GPT,
        "messages": [user("Weather in Rome?")],
        "tools": [WEATHER_FUNCTION],
        "tool_choice": "required",
    }
    created = openai_client.chat.completions.create(**kwargs)
    argument_deltas: list[str] = []
    with openai_client.chat.completions.stream(
        **kwargs, stream_options={"include_usage": True}
    ) as stream:
        for event in stream:
            if event.type == "tool_calls.function.arguments.delta":
                argument_deltas.append(event.arguments_delta)
        final = stream.get_final_completion()

    expected = created.choices[0]
    choice = final.choices[0]
    assert choice.finish_reason == expected.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = choice.message.tool_calls
    assert calls is not None and expected.message.tool_calls is not None
    assert len(calls) == len(expected.message.tool_calls) == 1
    call, expected_call = calls[0], expected.message.tool_calls[0]
    assert call.type == "function" and expected_call.type == "function"
    assert call.id.startswith("call_") and call.id != expected_call.id
    assert call.function.name == expected_call.function.name == "get_weather"
    arguments = json.loads(call.function.arguments)
    assert arguments == json.loads(expected_call.function.arguments)
    jsonschema.validate(arguments, WEATHER_TOOL_SCHEMA)
    assert len(argument_deltas) > 1
    assert "".join(argument_deltas) == call.function.arguments
    assert final.usage is not None and created.usage is not None
    assert final.usage.model_dump() == created.usage.model_dump()


def test_tool_call_chunk_shapes(openai_client: openai.OpenAI) -> None:
    chunks = _chunks(
        openai_client,
        model=GPT,
        messages=[user("Weather?")],
        tools=[WEATHER_FUNCTION],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    first = chunks[0].choices[0].delta
    assert first.role == "assistant" and first.content is None
    assert first.tool_calls is not None and len(first.tool_calls) == 1
    opening = first.tool_calls[0]
    assert opening.index == 0 and opening.id is not None and opening.type == "function"
    assert opening.function is not None and opening.function.name == "get_weather"
    assert opening.function.arguments == ""
    for chunk in chunks[1:-1]:
        calls = chunk.choices[0].delta.tool_calls
        assert calls is not None and len(calls) == 1
        assert calls[0].index == 0 and calls[0].id is None and calls[0].type is None
        assert calls[0].function is not None and calls[0].function.name is None
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


async def test_async_n2_interleaved(async_openai_client: openai.AsyncOpenAI) -> None:
    kwargs: Any = {"model": GPT, "messages": [user("Two answers")], "n": 2}
    created = await async_openai_client.chat.completions.create(**kwargs)
    stream = await async_openai_client.chat.completions.create(
        **kwargs, stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    texts = {0: "", 1: ""}
    finishes: dict[int, list[str]] = {0: [], 1: []}
    roles: dict[int, list[str]] = {0: [], 1: []}
    order: list[int] = []
    for chunk in chunks[:-1]:
        assert len(chunk.choices) == 1
        choice = chunk.choices[0]
        order.append(choice.index)
        texts[choice.index] += choice.delta.content or ""
        if choice.delta.role:
            roles[choice.index].append(choice.delta.role)
        if choice.finish_reason:
            finishes[choice.index].append(choice.finish_reason)
    assert order[:2] == [0, 1]
    switches = sum(1 for a, b in itertools.pairwise(order) if a != b)
    assert switches > 2  # the two choices interleave rather than follow each other
    assert roles == {0: ["assistant"], 1: ["assistant"]}
    for choice in created.choices:
        assert texts[choice.index] == choice.message.content
        assert finishes[choice.index] == [choice.finish_reason]
    assert texts[0] != texts[1]
    usage = chunks[-1].usage
    assert chunks[-1].choices == [] and usage is not None and created.usage is not None
    assert usage.model_dump() == created.usage.model_dump()


async def test_async_stream_helper_text(async_openai_client: openai.AsyncOpenAI) -> None:
    kwargs: Any = {"model": GPT, "messages": [user("Helper text")]}
    created = await async_openai_client.chat.completions.create(**kwargs)
    deltas: list[str] = []
    async with async_openai_client.chat.completions.stream(**kwargs) as stream:
        async for event in stream:
            if event.type == "content.delta":
                deltas.append(event.delta)
        final = await stream.get_final_completion()
    assert "".join(deltas) == final.choices[0].message.content
    assert final.choices[0].message.content == created.choices[0].message.content
    assert final.choices[0].finish_reason == "stop"


def test_the_same_stream_again_has_the_same_content_and_new_ids(
    openai_client: openai.OpenAI,
) -> None:
    """Streams served again come from kept frames: only id and created change."""
    kwargs: Any = {"model": GPT, "messages": [user("Stream me thrice")], "max_tokens": 60}
    runs = [_chunks(openai_client, **kwargs, stream_options={"include_usage": True}) for _ in "abc"]
    texts = ["".join(c.choices[0].delta.content or "" for c in run if c.choices) for run in runs]
    assert texts[0] and texts.count(texts[0]) == 3
    usages = [run[-1].usage for run in runs]
    assert usages[0] is not None and usages.count(usages[0]) == 3
    ids = [{c.id for c in run} for run in runs]
    assert all(len(one) == 1 for one in ids) and len(set.union(*ids)) == 3
