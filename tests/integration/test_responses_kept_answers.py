"""Responses answers served again from kept templates: what differs between two
requests with the same reply is never shared between them (each echoes its own
request, usage and previous response), and what is stored is what was sent."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from conftest import Control
from tests.support import GPT, OPENAI_HEADERS

# Enough sends of one request for its answer to be rendered fresh, split into a
# template and joined from it (a generated reply is kept from its second sighting).
SENDS = 4
_REPLY = {
    "name": "kept",
    "rules": [
        {"name": "same", "match": {"last_user_text": "same reply"}, "reply": {"text": "Same."}},
        {
            "name": "every-item",
            "match": {"last_user_text": "every item"},
            "reply": {
                "thinking": "Look it up.",
                "text": "Looking.",
                "tool_calls": [
                    {"name": "get_weather", "id": "call_fixed", "input": {"city": "Rome"}}
                ],
            },
        },
    ],
}
# Well over the 1,024 tokens from which OpenAI caches a prompt prefix automatically.
_LONG = "You answer questions about the weather in great detail. " * 140


def _final(
    http: httpx.Client, body: dict[str, Any], stream: bool, key: str = "sk-test"
) -> dict[str, Any]:
    """The response as sent (the JSON body or the stream's last event), checked
    against the stored one."""
    headers = {**OPENAI_HEADERS, "authorization": f"Bearer {key}"}
    raw = http.post("/v1/responses", json={**body, "stream": stream}, headers=headers)
    assert raw.status_code == 200, raw.text
    if stream:
        last = raw.text.strip().rsplit("\n\n", 1)[-1]
        final: dict[str, Any] = json.loads(last.split("\ndata: ", 1)[1])["response"]
    else:
        final = raw.json()
    stored = http.get(f"/v1/responses/{final['id']}", headers=headers)
    if body.get("store") is False:
        assert stored.status_code == 404
    else:
        assert stored.json() == final
    return final


def _interleaved(
    http: httpx.Client, bodies: list[dict[str, Any]], stream: bool
) -> list[list[dict[str, Any]]]:
    """Each of ``bodies`` sent ``SENDS`` times, in turn: their answers, by body."""
    answers: list[list[dict[str, Any]]] = [[] for _ in bodies]
    for _ in range(SENDS):
        for sent, body in zip(answers, bodies, strict=True):
            sent.append(_final(http, body, stream))
    return answers


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("top_logprobs", [2, 5]),  # not part of what was asked: the same reply object
        ("metadata", [{"a": "1", "b": "2"}, {"b": "2", "a": "1"}]),  # nor the key order
        ("metadata", [{"team": "qa"}, {"team": "ops"}]),
        ("instructions", ["Be brief.", "Be kind."]),
        ("store", [True, False]),
        ("temperature", [0.2, 0.7]),
    ],
)
def test_requests_with_the_same_reply_echo_their_own_fields(
    http: httpx.Client, control: Control, stream: bool, field: str, values: list[Any]
) -> None:
    control.load(_REPLY)
    bodies = [{"model": GPT, "input": "same reply", field: value} for value in values]
    for body, sent in zip(bodies, _interleaved(http, bodies, stream), strict=True):
        for final in sent:
            assert final["output"][0]["content"][0]["text"] == "Same."
            echoed = final[field]
            assert echoed == body[field]
            # Byte order too: the echo is the request's own.
            assert json.dumps(echoed) == json.dumps(body[field])


@pytest.mark.parametrize("stream", [False, True])
def test_continuations_of_different_responses_name_their_own(
    http: httpx.Client, control: Control, stream: bool
) -> None:
    control.load(_REPLY)
    first = [_final(http, {"model": GPT, "input": "same reply"}, False) for _ in range(2)]
    bodies = [
        {"model": GPT, "input": "same reply", "previous_response_id": answer["id"]}
        for answer in first
    ]
    for body, sent in zip(bodies, _interleaved(http, bodies, stream), strict=True):
        assert {final["previous_response_id"] for final in sent} == {body["previous_response_id"]}


@pytest.mark.parametrize("stream", [False, True])
def test_the_same_request_gets_the_usage_of_each_send(
    http: httpx.Client, control: Control, stream: bool
) -> None:
    """The prompt cache is each API key's: the same body and reply, sent by a second
    key after the first key's answers are kept, writes the cache again."""
    control.load(_REPLY)
    body = {"model": GPT, "input": "same reply", "instructions": _LONG + str(stream)}
    [sent] = _interleaved(http, [body], stream)
    cached = [final["usage"]["input_tokens_details"]["cached_tokens"] for final in sent]
    assert cached[0] == 0
    assert cached[1] > 0 and len(set(cached[1:])) == 1
    other = _final(http, body, stream, key=f"sk-other-{stream}")
    assert other["usage"] == sent[0]["usage"] != sent[1]["usage"]


@pytest.mark.parametrize("stream", [False, True])
def test_every_send_has_ids_of_its_own_and_they_are_stored(
    http: httpx.Client, control: Control, stream: bool
) -> None:
    control.load(_REPLY)
    body = {"model": GPT, "input": "every item", "reasoning": {"summary": "auto"}}
    [sent] = _interleaved(http, [body], stream)
    for final in sent:
        kinds = [item["type"] for item in final["output"]]
        assert kinds == ["reasoning", "message", "function_call"]
        assert final["output"][2]["call_id"] == "call_fixed"
        assert final["completed_at"] == final["created_at"]
    ids = [final["id"] for final in sent]
    ids += [item["id"] for final in sent for item in final["output"]]
    assert len(set(ids)) == len(ids)
