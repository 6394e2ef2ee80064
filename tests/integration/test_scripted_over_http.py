"""Scenario features, faults and forced outcomes that README documents, each driven
over loopback HTTP (SDKs, or raw requests where the point is the bytes on the wire)."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import openai
import pytest

from conftest import Control
from tests import sse_parse
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS, user

MESSAGES_BODY: Any = {"model": CLAUDE, "max_tokens": 200, "messages": [user("Tell me a story")]}
CHAT_BODY: Any = {"model": GPT, "messages": [user("Tell me a story")]}


def _events(
    http: httpx.Client, path: str, body: Any, headers: dict[str, str]
) -> tuple[int, list[sse_parse.Event], bool]:
    """A stream's status, the events read, and whether the connection broke."""
    events: list[sse_parse.Event] = []
    pieces: list[bytes] = []
    broken = False
    with http.stream("POST", path, json={**body, "stream": True}, headers=headers) as response:
        try:
            pieces.extend(response.iter_raw())
        except httpx.TransportError:
            broken = True
        events = list(sse_parse.decode(pieces))
        return response.status_code, events, broken


# --- x-emulator-force faults ----------------------------------------------------------


@pytest.mark.parametrize("after", [1, 3])
def test_force_drop_after_n_events(http: httpx.Client, after: int) -> None:
    headers = {**ANTHROPIC_HEADERS, "x-emulator-force": f"drop:{after}"}
    status, events, broken = _events(http, "/v1/messages", MESSAGES_BODY, headers)
    assert status == 200 and broken
    assert len(events) == after
    assert events[0].event == "message_start"


def test_force_malformed_after_n_events(http: httpx.Client) -> None:
    headers = {**OPENAI_HEADERS, "x-emulator-force": "malformed:2"}
    status, events, broken = _events(http, "/v1/chat/completions", CHAT_BODY, headers)
    assert status == 200 and not broken
    assert [json.loads(e.data)["object"] for e in events[:2]] == ["chat.completion.chunk"] * 2
    # The third frame is cut inside its JSON, and nothing follows it.
    assert len(events) == 3
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[2].data)


def test_force_error_event_after_n_events(http: httpx.Client) -> None:
    headers = {**ANTHROPIC_HEADERS, "x-emulator-force": "error_event:4"}
    status, events, broken = _events(http, "/v1/messages", MESSAGES_BODY, headers)
    assert status == 200 and not broken
    assert len(events) == 5
    # anthropic-messages.md §8.1: a mid-stream error is an SSE `error` event.
    assert events[-1].event == "error"
    error = json.loads(events[-1].data)
    assert error["type"] == "error"
    assert error["error"] == {"type": "overloaded_error", "message": "Overloaded"}


def test_force_error_event_surfaces_in_the_sdk(anthropic_client: anthropic.Anthropic) -> None:
    # anthropic-messages.md §9: SDKs raise APIStatusError for a mid-stream error event.
    with pytest.raises(anthropic.APIStatusError) as raised:
        with anthropic_client.messages.stream(
            **MESSAGES_BODY, extra_headers={"x-emulator-force": "error_event:4"}
        ) as stream:
            for _ in stream:
                pass
    body: Any = raised.value.body
    assert body["error"]["type"] == "overloaded_error"


@pytest.mark.parametrize("stream", [False, True])
def test_force_empty(http: httpx.Client, stream: bool) -> None:
    headers = {**ANTHROPIC_HEADERS, "x-emulator-force": "empty"}
    response = http.post("/v1/messages", json={**MESSAGES_BODY, "stream": stream}, headers=headers)
    assert response.status_code == 200
    assert response.content == b""
    expected = "text/event-stream" if stream else "application/json"
    assert response.headers["content-type"].startswith(expected)


def test_force_stall_waits_then_answers(control: Control, http: httpx.Client) -> None:
    headers = {**ANTHROPIC_HEADERS, "x-emulator-force": "stall:0.3", "x-emulator-test-id": "st"}
    response = http.post("/v1/messages", json=MESSAGES_BODY, headers=headers)
    assert response.status_code == 200 and response.json()["type"] == "message"
    (entry,) = control.journal(test_id="st")
    assert entry["duration_ms"] >= 300  # a lower bound: unstalled, a few ms


# --- chaos faults -----------------------------------------------------------------------


def test_chaos_timeout_stalls_then_answers(control: Control, http: httpx.Client) -> None:
    chaos = {"test_id": "slow", "specs": ["timeout=1,stall_s=0.3"]}
    assert http.put("/_emulator/chaos", json=chaos).status_code == 204
    headers = {**OPENAI_HEADERS, "x-emulator-test-id": "slow"}
    response = http.post("/v1/chat/completions", json=CHAT_BODY, headers=headers)
    assert response.status_code == 200 and response.json()["object"] == "chat.completion"
    (entry,) = control.journal(test_id="slow")
    assert entry["rule"] == "chaos:timeout" and entry["duration_ms"] >= 300


def test_chaos_error_mid_stream(control: Control, http: httpx.Client) -> None:
    chaos = {"test_id": "mid", "specs": ["error_mid_stream=1,after_events=2"]}
    assert http.put("/_emulator/chaos", json=chaos).status_code == 204
    headers = {**OPENAI_HEADERS, "x-emulator-test-id": "mid"}
    status, events, broken = _events(http, "/v1/chat/completions", CHAT_BODY, headers)
    assert status == 200 and not broken
    assert len(events) == 3
    # openai-chat-completions.md: a mid-stream error is a data event whose JSON has a
    # top-level `error` object (unnamed: OpenAI streams name no events).
    assert events[-1].event is None
    assert json.loads(events[-1].data) == {
        "error": {
            "message": "The server had an error while processing your request. Sorry about that!",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
    # Not streamed, the same fault is an ordinary 500 / 529 before any byte.
    response = http.post("/v1/chat/completions", json=CHAT_BODY, headers=headers)
    assert response.status_code == 500
    response = http.post(
        "/v1/messages", json=MESSAGES_BODY, headers={**ANTHROPIC_HEADERS, **headers}
    )
    assert response.status_code == 529
    assert [e["rule"] for e in control.journal(test_id="mid")] == ["chaos:error_mid_stream"] * 3


# --- templates and tool_result --------------------------------------------------------

WEATHER: Any = {
    "name": "get_weather",
    "description": "Weather",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def test_templates_api_last_user_text_and_tool_name(
    control: Control, anthropic_client: anthropic.Anthropic, openai_client: openai.OpenAI
) -> None:
    control.load(
        {
            "name": "templated",
            "rules": [
                {
                    "name": "after-tool",
                    "match": {"tool_result": True},
                    "reply": {"text": "{{tool_name}} said {{tool_result}}"},
                },
                {
                    "name": "echo",
                    "match": {"tool_result": False},
                    "reply": {"text": "{{api}}: {{last_user_text}}"},
                },
            ],
        }
    )
    message = anthropic_client.messages.create(
        model=CLAUDE,
        max_tokens=50,
        messages=[user("first"), {"role": "assistant", "content": "ok"}, user("second words")],
    )
    assert message.content[0].text == "messages: second words"  # type: ignore[union-attr]
    completion = openai_client.chat.completions.create(model=GPT, messages=[user("hello chat")])
    assert completion.choices[0].message.content == "chat: hello chat"
    with_result = anthropic_client.messages.create(
        model=CLAUDE,
        max_tokens=50,
        tools=[WEATHER],
        messages=[
            user("Weather in Oslo?"),
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {}}
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "rain"}],
            },
        ],
    )
    assert with_result.content[0].text == "get_weather said rain"  # type: ignore[union-attr]
    assert [e["rule"] for e in control.journal()] == ["echo", "echo", "after-tool"]


def test_complete_api_template(control: Control, http: httpx.Client) -> None:
    control.load({"name": "t", "rules": [{"name": "api", "reply": {"text": " {{api}}"}}]})
    body = {
        "model": "claude-2.1",
        "max_tokens_to_sample": 20,
        "prompt": "\n\nHuman: Hi\n\nAssistant:",
    }
    response = http.post("/v1/complete", json=body, headers=ANTHROPIC_HEADERS)
    assert response.status_code == 200 and response.json()["completion"] == " complete"


# --- /v1/complete and the prompt cache -------------------------------------------------


def test_complete_never_caches(control: Control, http: httpx.Client) -> None:
    # README "Prompt caching": /v1/complete never caches, however long the prompt.
    prompt = "\n\nHuman: " + "You answer from the manual. " * 400 + "\n\nAssistant:"
    body = {"model": "claude-2.1", "max_tokens_to_sample": 5, "prompt": prompt}
    for _ in range(2):
        response = http.post("/v1/complete", json=body, headers=ANTHROPIC_HEADERS)
        assert response.status_code == 200
    assert http.get("/_emulator/cache").json()["entries"] == []
    usages = [e["usage"] for e in control.journal(path="/v1/complete")]
    assert len(usages) == 2
    for usage in usages:
        assert usage["cache_creation_input_tokens"] == 0
        assert usage["cache_read_input_tokens"] == 0
        assert usage["input_tokens"] > 2000


# --- scripted thinking, streamed --------------------------------------------------------


def test_scripted_thinking_in_a_stream(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    control.load(
        {
            "name": "tutor",
            "rules": [
                {
                    "name": "math",
                    "reply": {"thinking": "17 * 3 = 51, and 51 + 9 = 60.", "text": "It is 60."},
                }
            ],
        }
    )
    thinking: list[str] = []
    signatures: list[str] = []
    with anthropic_client.messages.stream(
        model=CLAUDE,
        max_tokens=2000,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[user("17 * 3 + 9?")],
    ) as stream:
        for event in stream:
            if event.type == "content_block_delta" and event.delta.type == "thinking_delta":
                thinking.append(event.delta.thinking)
            if event.type == "content_block_delta" and event.delta.type == "signature_delta":
                signatures.append(event.delta.signature)
        final = stream.get_final_message()
    assert "".join(thinking) == "17 * 3 = 51, and 51 + 9 = 60."
    assert len(signatures) == 1 and signatures[0]
    assert [block.type for block in final.content] == ["thinking", "text"]
    assert final.content[1].text == "It is 60."  # type: ignore[union-attr]


def test_any_text_matches_the_system_prompt_and_every_turn(
    control: Control, anthropic_client: anthropic.Anthropic
) -> None:
    control.load(
        {
            "name": "guard",
            "rules": [
                {
                    "name": "no-secrets",
                    "match": {"any_text": {"regex": "(?i)password"}},
                    "reply": {"refusal": "I can't help with credentials."},
                }
            ],
        }
    )
    in_system = anthropic_client.messages.create(
        model=CLAUDE, max_tokens=20, system="The PASSWORD is hunter2.", messages=[user("Hi")]
    )
    in_old_turn = anthropic_client.messages.create(
        model=CLAUDE,
        max_tokens=20,
        messages=[user("my password?"), {"role": "assistant", "content": "No."}, user("Hi")],
    )
    nowhere = anthropic_client.messages.create(model=CLAUDE, max_tokens=20, messages=[user("Hi")])
    # README: an Anthropic refusal is stop_reason "refusal".
    assert [m.stop_reason for m in (in_system, in_old_turn)] == ["refusal", "refusal"]
    assert nowhere.stop_reason != "refusal"
    assert [e["rule"] for e in control.journal()] == ["no-secrets", "no-secrets", None]
