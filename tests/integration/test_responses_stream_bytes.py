"""The streamed Responses events, byte for byte, for a table of requests: the streams
the emulator sent before its render kept templates of them (``responses_streams.json``,
ids and times blanked), so a faster render changes no byte. Each request is sent
several times, so that the answer is rendered fresh, then split into a template, then
joined from it; every time, the stored response is the stream's last one.

    UPDATE_RESPONSES_STREAMS=1 pytest tests/integration/test_responses_stream_bytes.py
rewrites the file (only when a change of the stream is meant)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import Control
from tests.support import (
    GPT,
    OPENAI_HEADERS,
    RESPONSES_WEATHER_TOOL,
    TRIP_SCHEMA,
    blank_responses_ids_and_times,
)

EXPECTED = Path(__file__).with_name("responses_streams.json")
# A generated reply is kept from its second sighting, its template split at the next
# and joined after: four sends see every way of rendering it.
SENDS = 4

_SCRIPTED = {
    "name": "stream-bytes",
    "rules": [
        {
            "name": "call-with-id",
            "match": {"last_user_text": "scripted call with id"},
            "reply": {
                "text": "Let me look.",
                "tool_calls": [
                    {
                        "name": "get_weather",
                        "id": "call_scripted1",
                        "input": {"city": "Lima", "unit": "celsius"},
                    }
                ],
            },
        },
        {
            "name": "call-without-id",
            "match": {"last_user_text": "scripted call without id"},
            "reply": {
                "tool_calls": [
                    {"name": "get_weather", "input": {"city": "Oslo", "unit": "celsius"}}
                ]
            },
        },
        {
            "name": "refusal",
            "match": {"last_user_text": "scripted refusal"},
            "reply": {"refusal": "I can't help with that request."},
        },
        {
            "name": "thinking",
            "match": {"last_user_text": "scripted thinking"},
            "reply": {"thinking": "First the facts, then the answer.", "text": "Forty-two."},
        },
        {
            "name": "continued",
            "match": {"last_user_text": "And then?"},
            "reply": {"text": "Then it ended, quietly."},
        },
    ],
}
# name → the request's fields; "previous" continues the "plain" answer.
CASES: dict[str, dict[str, Any]] = {
    "plain": {"input": "Hello there"},
    "instructions_metadata": {
        "input": "Tell me a story",
        "instructions": "Be brief.",
        "metadata": {"team": "qa", "run": "7"},
        "temperature": 0.2,
        "user": "user-42",
    },
    "tools_required": {
        "input": "Weather in Paris?",
        "tools": [RESPONSES_WEATHER_TOOL],
        "tool_choice": "required",
    },
    "reasoning": {
        "input": "Think about primes",
        "reasoning": {"effort": "low", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
    },
    "json_schema": {
        "input": "A city and a number of days",
        "text": {"format": {"type": "json_schema", "name": "trip", "schema": TRIP_SCHEMA}},
    },
    "incomplete": {"input": "Write a long essay", "max_output_tokens": 16},
    "not_stored": {"input": "Forget me", "store": False},
    "call_with_id": {"input": "scripted call with id", "tools": [RESPONSES_WEATHER_TOOL]},
    "call_without_id": {"input": "scripted call without id", "tools": [RESPONSES_WEATHER_TOOL]},
    "refusal": {"input": "scripted refusal"},
    "thinking_hidden": {"input": "scripted thinking"},
    "thinking_summary_encrypted": {
        "input": "scripted thinking",
        "reasoning": {"summary": "detailed"},
        "include": ["reasoning.encrypted_content"],
    },
    "previous": {"input": "And then?"},
}


def _blanked(raw: str) -> str:
    return blank_responses_ids_and_times(raw)


def _events(raw: str) -> list[dict[str, Any]]:
    return [
        json.loads(block.split("\ndata: ", 1)[1]) for block in raw.strip().split("\n\n") if block
    ]


def _streamed(http: httpx.Client, body: dict[str, Any]) -> str:
    with http.stream("POST", "/v1/responses", json=body, headers=OPENAI_HEADERS) as streamed:
        assert streamed.status_code == 200, streamed.read()
        return streamed.read().decode()


def _check_stored(http: httpx.Client, body: dict[str, Any], raw: str) -> dict[str, Any]:
    """The stream's final response, checked against what ``GET`` returns for it."""
    final: dict[str, Any] = _events(raw)[-1]["response"]
    got = http.get(f"/v1/responses/{final['id']}", headers=OPENAI_HEADERS)
    if body.get("store") is False:
        assert got.status_code == 404
    else:
        assert got.status_code == 200
        assert got.json() == final
    return final


def _streams(http: httpx.Client) -> dict[str, list[str]]:
    streams: dict[str, list[str]] = {}
    first_id = ""
    for name, fields in CASES.items():
        body: dict[str, Any] = {"model": GPT, "stream": True, **fields}
        if name == "previous":
            body["previous_response_id"] = first_id
        sent = []
        seen_ids: set[str] = set()
        for _ in range(SENDS):
            raw = _streamed(http, body)
            final = _check_stored(http, body, raw)
            first_id = first_id or final["id"]
            # Every answer has ids of its own: none repeats an earlier send's.
            ids = {final["id"], *(item["id"] for item in final["output"])}
            assert not ids & seen_ids, name
            seen_ids |= ids
            sent.append(_blanked(raw))
        streams[name] = sent
    return streams


def test_the_stream_bytes_are_as_before(http: httpx.Client, control: Control) -> None:
    control.load(_SCRIPTED)
    streams = _streams(http)
    if os.environ.get("UPDATE_RESPONSES_STREAMS"):
        recorded = {name: sent[0] for name, sent in streams.items()}
        EXPECTED.write_text(json.dumps(recorded, indent=1, ensure_ascii=False) + "\n")
        pytest.skip(f"rewrote {EXPECTED.name}")
    expected = json.loads(EXPECTED.read_text())
    assert set(streams) == set(expected)
    for name, sent in streams.items():
        for send, raw in enumerate(sent):
            assert raw == expected[name], (name, send)
    # The cases cover what the templates must hold: every output kind and ending.
    finals = [_events(sent[0])[-1]["response"] for sent in streams.values()]
    assert {item["type"] for f in finals for item in f["output"]} == {
        "message",
        "function_call",
        "reasoning",
    }
    assert {f["status"] for f in finals} == {"completed", "incomplete"}
    parts = {part["type"] for f in finals for i in f["output"] for part in i.get("content", ())}
    assert parts == {"output_text", "refusal"}
