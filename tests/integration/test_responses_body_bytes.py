"""The non-streamed Responses body, byte for byte, for a table of requests: the bodies
the emulator sent before its render kept a template of the request's echo
(``responses_bodies.json``, ids and times blanked), so a faster render changes no byte.

    UPDATE_RESPONSES_BODIES=1 pytest tests/integration/test_responses_body_bytes.py
rewrites the file (only when a change of the body is meant)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.support import GPT, RESPONSES_WEATHER_TOOL, TRIP_SCHEMA, blank_responses_ids_and_times

EXPECTED = Path(__file__).with_name("responses_bodies.json")

# name → the request's fields; "previous" continues the "plain" answer.
CASES: dict[str, dict[str, Any]] = {
    "plain": {"input": "Hello there"},
    "instructions_metadata": {
        "input": "Tell me a story",
        "instructions": "Be brief.",
        "metadata": {"team": "qa", "run": "7"},
        "temperature": 0.2,
        "top_p": 0.9,
        "user": "user-42",
        "prompt_cache_key": "bench",
        "truncation": "auto",
    },
    "tools_required": {
        "input": "Weather in Paris?",
        "tools": [
            RESPONSES_WEATHER_TOOL,
            {**RESPONSES_WEATHER_TOOL, "name": "get_forecast", "strict": False},
        ],
        "tool_choice": "required",
        "parallel_tool_calls": False,
    },
    "named_tool": {
        "input": "Weather in Oslo?",
        "tools": [RESPONSES_WEATHER_TOOL],
        "tool_choice": {"type": "function", "name": "get_weather"},
    },
    "reasoning": {
        "input": "Think about primes",
        "reasoning": {"effort": "low", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
    },
    "json_schema": {
        "input": "A city and a number of days",
        "text": {
            "format": {
                "type": "json_schema",
                "name": "trip",
                "schema": TRIP_SCHEMA,
                "strict": True,
            },
            "verbosity": "low",
        },
    },
    "json_object": {"input": "Answer in JSON", "text": {"format": {"type": "json_object"}}},
    "incomplete": {"input": "Write a long essay", "max_output_tokens": 16},
    "not_stored": {"input": "Forget me", "store": False, "max_tool_calls": 3},
    "tool_round_trip": {
        "input": [
            {"role": "user", "content": "Weather in Rome?"},
            {
                "type": "function_call",
                "call_id": "call_given",
                "name": "get_weather",
                "arguments": '{"city": "Rome", "unit": "celsius"}',
            },
            {"type": "function_call_output", "call_id": "call_given", "output": "21 C, sunny"},
        ],
        "tools": [RESPONSES_WEATHER_TOOL],
    },
    "previous": {"input": "And then?"},
}


def _blanked(body: bytes) -> str:
    return blank_responses_ids_and_times(body.decode())


def _bodies(client: openai.OpenAI) -> dict[str, str]:
    bodies: dict[str, str] = {}
    first_id = ""
    for name, fields in CASES.items():
        extra: dict[str, Any] = {}
        if name == "previous":
            # The generated text would follow the first answer's ids: the text is forced.
            extra = {
                "previous_response_id": first_id,
                "extra_headers": {"x-emulator-force": json.dumps({"text": "Then it ended."})},
            }
        raw = client.responses.with_raw_response.create(model=GPT, **fields, **extra)
        if name == "plain":
            first_id = raw.parse().id
        bodies[name] = _blanked(raw.content)
    return bodies


def test_the_body_bytes_are_as_before(openai_client: openai.OpenAI) -> None:
    bodies = _bodies(openai_client)
    if os.environ.get("UPDATE_RESPONSES_BODIES"):
        EXPECTED.write_text(json.dumps(bodies, indent=1, ensure_ascii=False) + "\n")
        pytest.skip(f"rewrote {EXPECTED.name}")
    expected = json.loads(EXPECTED.read_text())
    for name, body in bodies.items():
        assert body == expected[name], name
    # The cases cover what the template must echo: every output kind and status.
    outputs = {item["type"] for b in bodies.values() for item in json.loads(b)["output"]}
    assert outputs == {"message", "function_call", "reasoning"}
    statuses = {json.loads(b)["status"] for b in bodies.values()}
    assert statuses == {"completed", "incomplete"}
