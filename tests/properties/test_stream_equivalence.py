"""Property: for any request, the streamed deltas add up to the non-streamed reply, usage included.

Coverage of the strategies: any UTF-8 user text (at least one visible character),
max_tokens 1-300 (so replies end by max_tokens, end_turn and stop_sequence), stop
lists, forced tool calls on random object schemas; for Messages also a system prompt
(none, a string, or blocks with a cache mark), earlier turns (plain, or a tool call and
its result), a cache mark on the last user block, an image beside the text, and
extended thinking (thinking and signature deltas); for Chat also n 1-3, a system
message, tool-call history and image parts.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from conftest import ResponseChecker
from emulator.testing import EmulatorThread
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS

# Each example is two loopback requests of a few ms: 100 examples stay within seconds.
SETTINGS = settings(max_examples=100, deadline=None)
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
STOP_WORDS = ["the", "and", "a", "e", "s", "t", "in", "of", "to", ".", "er", "ion", "X"]
PROPERTY_NAMES = ["city", "count", "flag", "ratio", "kind", "tags"]

_any_text = st.text(st.characters(codec="utf-8"), max_size=40)
# Any text with at least one visible character (the APIs refuse blank messages).
user_texts = st.builds(
    lambda head, middle, tail: head + middle + tail,
    _any_text,
    st.characters(codec="utf-8").filter(lambda c: bool(c.strip())),
    _any_text,
)
stop_lists = st.none() | st.lists(st.sampled_from(STOP_WORDS), min_size=1, max_size=4, unique=True)
property_schemas = st.sampled_from(
    [
        {"type": "string"},
        {"type": "string", "minLength": 3, "maxLength": 12},
        {"type": "integer", "minimum": -5, "maximum": 500},
        {"type": "number"},
        {"type": "boolean"},
        {"enum": ["red", "vert", "青", "🟦"]},
        {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    ]
)


@st.composite
def tool_schemas(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(PROPERTY_NAMES), min_size=0, max_size=4, unique=True))
    properties = {name: draw(property_schemas) for name in names}
    required = [name for name in names if draw(st.booleans())]
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


@pytest.fixture(scope="module")
def client(server: EmulatorThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        yield http


def parse_sse(raw: bytes) -> list[tuple[str | None, str]]:
    assert raw.endswith(b"\n\n")
    events: list[tuple[str | None, str]] = []
    for block in raw.decode("utf-8").split("\n\n")[:-1]:
        name: str | None = None
        data: list[str] = []
        for line in block.split("\n"):
            field, sep, value = line.partition(": ")
            assert sep, line
            if field == "event":
                name = value
            else:
                assert field == "data", line
                data.append(value)
        assert len(data) == 1, block
        events.append((name, data[0]))
    return events


_KEYS = itertools.count()


def _fresh_key(headers: dict[str, str]) -> dict[str, str]:
    key = f"sk-property-{next(_KEYS)}"
    if "authorization" in headers:
        return {**headers, "authorization": f"Bearer {key}"}
    return {**headers, "x-api-key": key}


def both(
    client: httpx.Client, path: str, body: dict[str, Any], headers: dict[str, str], **extra: Any
) -> tuple[Any, list[tuple[str | None, str]]]:
    # Each request under an API key of its own: the prompt cache is per key, so the
    # second request does not read what the first one wrote.
    plain = client.post(path, json=body, headers=_fresh_key(headers))
    assert plain.status_code == 200, plain.text
    streamed = client.post(
        path, json={**body, "stream": True, **extra}, headers=_fresh_key(headers)
    )
    assert streamed.status_code == 200, streamed.text
    assert streamed.headers["content-type"] == "text/event-stream; charset=utf-8"
    return plain.json(), parse_sse(streamed.content)


def _without_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in b.items() if k != "id"} for b in blocks]


anthropic_systems = st.sampled_from(
    [
        None,
        "Be brief.",
        [{"type": "text", "text": "You answer from the manual. " * 20}],
        [
            {
                "type": "text",
                "text": "You answer from the manual. " * 200,
                "cache_control": {"type": "ephemeral"},
            }
        ],
    ]
)
HISTORIES = ["none", "plain", "tool"]


def _anthropic_turns(
    text: str, history: str, cache_mark: bool, image: bool
) -> list[dict[str, Any]]:
    last: dict[str, Any] = {"type": "text", "text": text}
    if cache_mark:
        last["cache_control"] = {"type": "ephemeral"}
    content = (
        [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}]
        if image
        else []
    )
    turns: list[dict[str, Any]] = []
    if history == "plain":
        turns = [
            {"role": "user", "content": "Earlier question?"},
            {"role": "assistant", "content": "Earlier answer."},
        ]
    elif history == "tool":
        turns = [
            {"role": "user", "content": "Use the tool."},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "probe", "input": {}}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "42"}],
            },
            {"role": "assistant", "content": "The tool said 42."},
        ]
    return [*turns, {"role": "user", "content": [*content, last]}]


def _anthropic_body(
    text: str,
    max_tokens: int,
    stops: list[str] | None,
    tool: dict[str, Any] | None,
    system: Any,
    history: str,
    cache_mark: bool,
    image: bool,
    thinking: bool,
) -> tuple[dict[str, Any], bool]:
    """The request body, and whether it asks for thinking."""
    # Thinking needs max_tokens above its budget, and the API refuses it with a forced
    # tool or after a tool call answered without thinking blocks: those are not drawn.
    thinking = thinking and tool is None and history != "tool"
    body: dict[str, Any] = {
        "model": CLAUDE,
        "max_tokens": max_tokens + (1024 if thinking else 0),
        "messages": _anthropic_turns(text, history, cache_mark, image),
    }
    if system is not None:
        body["system"] = system
    if thinking:
        body["thinking"] = {"type": "enabled", "budget_tokens": 1024}
    if stops is not None:
        body["stop_sequences"] = stops
    if tool is not None or history == "tool":
        body["tools"] = [{"name": "probe", "input_schema": tool or {"type": "object"}}]
    if tool is not None:
        body["tool_choice"] = {"type": "tool", "name": "probe"}
    return body, thinking


@SETTINGS
@given(
    text=user_texts,
    max_tokens=st.integers(1, 300),
    stops=stop_lists,
    tool=st.none() | tool_schemas(),
    system=anthropic_systems,
    history=st.sampled_from(HISTORIES),
    cache_mark=st.booleans(),
    image=st.booleans(),
    thinking=st.booleans(),
)
def test_anthropic_messages(
    client: httpx.Client,
    check_response: ResponseChecker,
    text: str,
    max_tokens: int,
    stops: list[str] | None,
    tool: dict[str, Any] | None,
    system: Any,
    history: str,
    cache_mark: bool,
    image: bool,
    thinking: bool,
) -> None:
    body, thinking = _anthropic_body(
        text, max_tokens, stops, tool, system, history, cache_mark, image, thinking
    )
    event(f"thinking={thinking} history={history} cache_mark={cache_mark} image={image}")
    plain, events = both(client, "/v1/messages", body, ANTHROPIC_HEADERS)

    payloads = [json.loads(data) for _, data in events]
    for (name, _), payload in zip(events, payloads, strict=True):
        assert payload["type"] == name
        check_response("anthropic_stream_event", payload)
    assert payloads[0]["type"] == "message_start" and payloads[-1]["type"] == "message_stop"
    assert payloads[-2]["type"] == "message_delta"
    assert [p["type"] for p in payloads].count("ping") == 1

    blocks: list[dict[str, Any]] = []
    partial_json: dict[int, str] = {}
    for payload in payloads:
        if payload["type"] == "content_block_start":
            assert payload["index"] == len(blocks)
            blocks.append(dict(payload["content_block"]))
        elif payload["type"] == "content_block_delta":
            delta, block = payload["delta"], blocks[payload["index"]]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] += delta["signature"]
            elif delta["type"] == "input_json_delta":
                partial_json[payload["index"]] = (
                    partial_json.get(payload["index"], "") + delta["partial_json"]
                )
            else:
                raise AssertionError(delta)
        elif payload["type"] == "content_block_stop" and payload["index"] in partial_json:
            blocks[payload["index"]]["input"] = json.loads(partial_json[payload["index"]])

    assert _without_ids(blocks) == _without_ids(plain["content"])
    final = payloads[-2]
    assert final["delta"]["stop_reason"] == plain["stop_reason"]
    event(f"stop_reason={plain['stop_reason']}")
    assert final["delta"]["stop_sequence"] == plain["stop_sequence"]
    usage = {**payloads[0]["message"]["usage"], **final["usage"]}
    assert usage == plain["usage"]
    assert plain["usage"]["output_tokens"] <= body["max_tokens"]
    assert any(b["type"] == "thinking" for b in blocks) == thinking
    if tool is not None:
        for block in blocks:
            if block["type"] == "tool_use":
                jsonschema.validate(block["input"], tool)


def _chat_tools(tool: dict[str, Any] | None, history: str) -> dict[str, Any]:
    """``tools`` when a tool is forced or the history calls one; ``tool_choice`` forced."""
    if tool is None and history != "tool":
        return {}
    function = {"name": "probe", "parameters": tool or {"type": "object"}}
    tools: dict[str, Any] = {"tools": [{"type": "function", "function": function}]}
    return tools if tool is None else {**tools, "tool_choice": "required"}


def _chat_turns(text: str, system: bool, history: str, image: bool) -> list[dict[str, Any]]:
    last: Any = text
    if image:
        last = [
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
            {"type": "text", "text": text},
        ]
    turns: list[dict[str, Any]] = [{"role": "system", "content": "Be brief."}] if system else []
    if history == "plain":
        turns += [
            {"role": "user", "content": "Earlier question?"},
            {"role": "assistant", "content": "Earlier answer."},
        ]
    elif history == "tool":
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": "probe", "arguments": "{}"},
        }
        turns += [
            {"role": "user", "content": "Use the tool."},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "42"},
        ]
    return [*turns, {"role": "user", "content": last}]


@SETTINGS
@given(
    text=user_texts,
    max_tokens=st.integers(1, 300),
    stops=stop_lists,
    tool=st.none() | tool_schemas(),
    n=st.integers(1, 3),
    system=st.booleans(),
    history=st.sampled_from(HISTORIES),
    image=st.booleans(),
)
def test_openai_chat(
    client: httpx.Client,
    check_response: ResponseChecker,
    text: str,
    max_tokens: int,
    stops: list[str] | None,
    tool: dict[str, Any] | None,
    n: int,
    system: bool,
    history: str,
    image: bool,
) -> None:
    body: dict[str, Any] = {
        "model": GPT,
        "max_completion_tokens": max_tokens,
        "n": n,
        "messages": _chat_turns(text, system, history, image),
        **({"stop": stops} if stops is not None else {}),
        **_chat_tools(tool, history),
    }
    event(f"system={system} history={history} image={image}")
    plain, events = both(
        client,
        "/v1/chat/completions",
        body,
        OPENAI_HEADERS,
        stream_options={"include_usage": True},
    )
    assert all(name is None for name, _ in events)
    assert events[-1][1] == "[DONE]"
    chunks = [json.loads(data) for _, data in events[:-1]]
    for chunk in chunks:
        check_response("openai_chat_completion_chunk", chunk)
    assert len({(c["id"], c["created"], c["model"]) for c in chunks}) == 1

    contents: dict[int, str | None] = {}
    roles: dict[int, list[str]] = {}
    calls: dict[int, dict[int, dict[str, Any]]] = {}
    finishes: dict[int, list[str]] = {}
    for chunk in chunks[:-1]:
        assert chunk["usage"] is None and len(chunk["choices"]) == 1
        choice = chunk["choices"][0]
        index, delta = choice["index"], choice["delta"]
        if "role" in delta:
            roles.setdefault(index, []).append(delta["role"])
        if delta.get("content") is not None:
            contents[index] = (contents.get(index) or "") + delta["content"]
        for fragment in delta.get("tool_calls") or []:
            call = calls.setdefault(index, {}).setdefault(
                fragment["index"], {"id": None, "name": None, "arguments": ""}
            )
            if "id" in fragment:
                assert call["id"] is None
                call["id"] = fragment["id"]
                call["name"] = fragment["function"]["name"]
            call["arguments"] += fragment["function"]["arguments"]
        if choice["finish_reason"] is not None:
            assert delta == {}
            finishes.setdefault(index, []).append(choice["finish_reason"])

    assert [c["index"] for c in plain["choices"]] == list(range(n))
    for expected in plain["choices"]:
        index, message = expected["index"], expected["message"]
        assert roles[index] == ["assistant"]
        assert finishes[index] == [expected["finish_reason"]]
        event(f"finish_reason={expected['finish_reason']}")
        if message["content"] is not None:
            assert contents.get(index, "") == message["content"]
        else:
            assert not contents.get(index)
        streamed_calls = [calls.get(index, {})[i] for i in sorted(calls.get(index, {}))]
        expected_calls = message.get("tool_calls") or []
        assert [c["name"] for c in streamed_calls] == [
            c["function"]["name"] for c in expected_calls
        ]
        assert [json.loads(c["arguments"]) for c in streamed_calls] == [
            json.loads(c["function"]["arguments"]) for c in expected_calls
        ]
        if tool is not None:
            for call in streamed_calls:
                jsonschema.validate(json.loads(call["arguments"]), tool)
    tail = chunks[-1]
    assert tail["choices"] == [] and tail["usage"] == plain["usage"]


@SETTINGS
@given(text=user_texts, max_tokens=st.integers(1, 300), stops=stop_lists)
def test_legacy_complete(
    client: httpx.Client,
    check_response: ResponseChecker,
    text: str,
    max_tokens: int,
    stops: list[str] | None,
) -> None:
    body: dict[str, Any] = {
        "model": "claude-2.1",
        "max_tokens_to_sample": max_tokens,
        "prompt": f"\n\nHuman: {text}\n\nAssistant:",
    }
    if stops is not None:
        body["stop_sequences"] = stops

    plain, events = both(client, "/v1/complete", body, ANTHROPIC_HEADERS)
    assert {name for name, _ in events} == {"completion", "ping"}
    objects = [json.loads(data) for name, data in events if name == "completion"]
    for obj in objects:
        check_response("anthropic_complete_response", obj)
    assert "".join(o["completion"] for o in objects) == plain["completion"]
    assert objects[-1]["stop_reason"] == plain["stop_reason"]
    event(f"stop={plain['stop']!r}")
    assert objects[-1]["stop"] == plain["stop"]
    assert all(o["stop_reason"] is None for o in objects[:-1])

    old_headers = {**ANTHROPIC_HEADERS, "anthropic-version": "2023-01-01"}
    old_plain, old_events = both(client, "/v1/complete", body, old_headers)
    assert old_events[-1] == (None, "[DONE]")
    cumulative = [json.loads(data) for _, data in old_events[:-1]]
    for obj in cumulative:
        check_response("anthropic_complete_legacy_response", obj)
    assert cumulative[-1]["completion"] == old_plain["completion"] == plain["completion"]
    assert cumulative[-1]["stop_reason"] == old_plain["stop_reason"]
    assert cumulative[-1]["stop"] == old_plain["stop"]
