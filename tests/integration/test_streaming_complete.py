"""Streamed legacy /v1/complete over raw HTTP, in both anthropic-version shapes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from conftest import ResponseChecker
from tests.support import ANTHROPIC_HEADERS

PROMPT = "\n\nHuman: Tell me about streams\n\nAssistant:"


def _headers(version: str) -> dict[str, str]:
    return {**ANTHROPIC_HEADERS, "anthropic-version": version}


def _events(http: httpx.Client, body: Any, version: str) -> list[tuple[str | None, str]]:
    """(event name, data) pairs, read from the raw byte stream."""
    with http.stream(
        "POST", "/v1/complete", json={**body, "stream": True}, headers=_headers(version)
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["request-id"].startswith("req_")
        raw = b"".join(response.iter_bytes())
    assert raw.endswith(b"\n\n")
    events: list[tuple[str | None, str]] = []
    for block in raw.decode().split("\n\n")[:-1]:
        name: str | None = None
        data: list[str] = []
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            else:
                assert field == "data", line
                data.append(value)
        assert len(data) == 1, block
        events.append((name, data[0]))
    return events


def _plain(http: httpx.Client, body: Any, version: str) -> Any:
    response = http.post("/v1/complete", json=body, headers=_headers(version))
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(
    "extra",
    [{}, {"max_tokens_to_sample": 6}, {"stop_sequences": ["e"]}],
    ids=["natural", "max_tokens", "stop_sequence"],
)
def test_current_version_incremental(
    http: httpx.Client, check_response: ResponseChecker, extra: Any
) -> None:
    body = {"model": "claude-2.1", "max_tokens_to_sample": 400, "prompt": PROMPT, **extra}
    whole = _plain(http, body, "2023-06-01")
    events = _events(http, body, "2023-06-01")
    names = [name for name, _ in events]
    assert set(names) == {"completion", "ping"}
    assert names.count("ping") == 1
    assert names[0] == "completion"
    completions = [json.loads(data) for name, data in events if name == "completion"]
    pings = [json.loads(data) for name, data in events if name == "ping"]
    assert pings == [{"type": "ping"}]
    for event in completions:
        check_response("anthropic_complete_response", event)
        assert event["type"] == "completion"
        assert event["model"] == "claude-2.1"
    assert len({e["id"] for e in completions}) == 1
    assert completions[0]["id"].startswith("compl_") and completions[0]["id"] != whole["id"]
    *middle, last = completions
    assert all(e["stop_reason"] is None for e in middle)
    assert last["stop_reason"] == whole["stop_reason"]
    assert last["stop"] == whole["stop"]
    assert last["completion"] == ""
    text = "".join(e["completion"] for e in completions)
    assert text == whole["completion"]
    if extra.get("stop_sequences"):
        assert last["stop_reason"] == "stop_sequence" and last["stop"] == "e"
    elif "max_tokens_to_sample" in extra:
        assert last["stop_reason"] == "max_tokens" and last["stop"] is None
    else:
        assert last["stop_reason"] == "stop_sequence" and last["stop"] == "\n\nHuman:"
        assert len(middle) > 2


def test_old_version_cumulative_data_only(
    http: httpx.Client, check_response: ResponseChecker
) -> None:
    body = {"model": "claude-2.0", "max_tokens_to_sample": 300, "prompt": PROMPT}
    whole = _plain(http, body, "2023-01-01")
    events = _events(http, body, "2023-01-01")
    assert all(name is None for name, _ in events)
    assert events[-1][1] == "[DONE]"
    objects = [json.loads(data) for _, data in events[:-1]]
    assert len(objects) > 2
    previous = ""
    for event in objects:
        check_response("anthropic_complete_legacy_response", event)
        assert "id" not in event and "type" not in event
        assert event["completion"].startswith(previous)
        assert event["truncated"] is False and event["exception"] is None
        previous = event["completion"]
    assert all(e["stop_reason"] is None for e in objects[:-1])
    assert objects[-1]["completion"] == whole["completion"]
    assert objects[-1]["stop_reason"] == whole["stop_reason"] == "stop_sequence"
    assert objects[-1]["stop"] == whole["stop"]
    assert len({e["log_id"] for e in objects}) == 1


def test_old_version_max_tokens(http: httpx.Client) -> None:
    body = {"model": "claude-2.0", "max_tokens_to_sample": 4, "prompt": PROMPT}
    whole = _plain(http, body, "2023-01-01")
    events = _events(http, body, "2023-01-01")
    last = json.loads(events[-2][1])
    assert last["completion"] == whole["completion"]
    assert last["stop_reason"] == "max_tokens" and last["stop"] is None
