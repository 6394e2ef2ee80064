"""Property: a streamed Responses answer's events accumulate to the non-streamed response.

Coverage of the strategy: plain text, instructions, developer messages and earlier
assistant turns, function tools with forced or automatic choice, parallel calls on or
off, JSON output formats, reasoning with and without summaries, and output budgets
small enough to cut the answer (``incomplete``); every answer is generated (no rule).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.testing import EmulatorThread
from tests.properties.test_stream_equivalence import parse_sse, tool_schemas, user_texts
from tests.support import GPT, OPENAI_HEADERS

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def responses_bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {"model": GPT}
    turns: list[Any] = []
    if draw(st.booleans()):
        turns.append({"role": "developer", "content": draw(user_texts)})
    if draw(st.booleans()):
        turns.append({"role": "user", "content": draw(user_texts)})
        turns.append({"role": "assistant", "content": draw(user_texts)})
    turns.append({"role": "user", "content": draw(user_texts)})
    body["input"] = turns if len(turns) > 1 or draw(st.booleans()) else turns[0]["content"]
    if draw(st.booleans()):
        body["instructions"] = draw(user_texts)
    if draw(st.booleans()):
        names = draw(st.lists(st.sampled_from(["alpha", "beta", "gamma"]), min_size=1, unique=True))
        body["tools"] = [
            {"type": "function", "name": name, "parameters": draw(tool_schemas())} for name in names
        ]
        body["tool_choice"] = draw(
            st.sampled_from(["auto", "required", {"type": "function", "name": names[0]}])
        )
        body["parallel_tool_calls"] = draw(st.booleans())
    fmt = draw(st.sampled_from([None, "json_object", "json_schema"]))
    if fmt == "json_object":
        body["text"] = {"format": {"type": "json_object"}}
    elif fmt == "json_schema":
        body["text"] = {
            "format": {"type": "json_schema", "name": "answer", "schema": draw(tool_schemas())}
        }
    if draw(st.booleans()):
        body["reasoning"] = {
            "effort": draw(st.sampled_from(["low", "medium"])),
            "summary": draw(st.sampled_from([None, "auto", "detailed"])),
        }
    if draw(st.booleans()):
        body["max_output_tokens"] = draw(st.integers(16, 400))
    return body


@pytest.fixture(scope="module")
def client(server: EmulatorThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        yield http


def accumulate(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The response a client builds from the events alone, as the SDKs do."""
    response: dict[str, Any] = {}
    items: dict[int, dict[str, Any]] = {}
    for event in events:
        kind = event["type"]
        if kind in ("response.created", "response.in_progress"):
            response = dict(event["response"])
        elif kind == "response.output_item.added":
            items[event["output_index"]] = json.loads(json.dumps(event["item"]))
        elif kind == "response.content_part.added":
            items[event["output_index"]]["content"].append(dict(event["part"]))
        elif kind == "response.output_text.delta":
            part = items[event["output_index"]]["content"][event["content_index"]]
            part["text"] += event["delta"]
        elif kind == "response.refusal.delta":
            part = items[event["output_index"]]["content"][event["content_index"]]
            part["refusal"] += event["delta"]
        elif kind == "response.function_call_arguments.delta":
            items[event["output_index"]]["arguments"] += event["delta"]
        elif kind == "response.reasoning_summary_part.added":
            items[event["output_index"]]["summary"].append(dict(event["part"]))
        elif kind == "response.reasoning_summary_text.delta":
            part = items[event["output_index"]]["summary"][event["summary_index"]]
            part["text"] += event["delta"]
        elif kind == "response.output_item.done":
            built = items[event["output_index"]]
            if "status" in event["item"]:
                built["status"] = event["item"]["status"]
            if "encrypted_content" in event["item"]:
                built["encrypted_content"] = event["item"]["encrypted_content"]
        elif kind in ("response.completed", "response.incomplete"):
            response["status"] = event["response"]["status"]
            response["usage"] = event["response"]["usage"]
            response["completed_at"] = event["response"]["completed_at"]
            response["incomplete_details"] = event["response"]["incomplete_details"]
    response["output"] = [items[i] for i in sorted(items)]
    return response


def without_ids(response: dict[str, Any]) -> dict[str, Any]:
    """Ids and times are new in every answer; everything else must agree."""
    out = {k: v for k, v in response.items() if k not in ("id", "created_at", "completed_at")}
    out["output"] = [
        {k: v for k, v in item.items() if k not in ("id", "call_id")} for item in response["output"]
    ]
    return out


@SETTINGS
@given(body=responses_bodies())
def test_stream_accumulates_to_the_json_response(
    client: httpx.Client, body: dict[str, Any]
) -> None:
    plain = client.post("/v1/responses", json=body, headers=OPENAI_HEADERS)
    assert plain.status_code == 200, plain.text
    streamed = client.post("/v1/responses", json={**body, "stream": True}, headers=OPENAI_HEADERS)
    assert streamed.status_code == 200, streamed.text
    events = [json.loads(data) for _, data in parse_sse(streamed.content)]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    built = accumulate(events)
    expected = plain.json()
    assert without_ids(built) == without_ids(expected)
