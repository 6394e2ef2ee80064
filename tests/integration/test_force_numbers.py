"""``x-emulator-force`` amounts are plain, bounded numbers (issue 19, finding 3):
``drop:inf`` was a 500 and ``stall:nan`` never answered."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS, user

MESSAGE = {"model": CLAUDE, "max_tokens": 8, "messages": [user("hi")]}
CHAT = {"model": GPT, "messages": [user("hi")]}


@pytest.mark.parametrize(
    "force",
    [
        "drop:inf",
        "drop:nan",
        "stall:nan",
        "stall:inf",
        "stall:-1",
        "stall:1e3",
        "stall:3601",
        "stall:0x10",
        "error_event:1e999",
        "malformed:2.5",
        "drop:1000001",
        "stall:1_0",
    ],
)
def test_bad_amount_is_a_400_in_each_api(http: httpx.Client, force: str) -> None:
    for path, body, headers in (
        ("/v1/messages", MESSAGE, ANTHROPIC_HEADERS),
        ("/v1/chat/completions", CHAT, OPENAI_HEADERS),
    ):
        response = http.post(
            path, json=body, headers={**headers, "x-emulator-force": force}, timeout=10
        )
        assert response.status_code == 400, (path, force, response.text)
        assert "x-emulator-force" in response.json()["error"]["message"]


def test_json_reply_object_is_bounded_too(anthropic_client: anthropic.Anthropic) -> None:
    force = '{"fault": {"kind": "stall", "seconds": 1e300}}'
    with pytest.raises(anthropic.BadRequestError) as refused:
        anthropic_client.messages.create(
            model=CLAUDE,
            max_tokens=8,
            messages=[user("hi")],
            extra_headers={"x-emulator-force": force},
        )
    assert "fault.seconds" in refused.value.message


def test_good_amounts_still_work(openai_client: openai.OpenAI) -> None:
    with pytest.raises(openai.APIConnectionError):
        openai_client.chat.completions.create(
            model=GPT, messages=[user("hi")], extra_headers={"x-emulator-force": "drop:0"}
        )
    completion = openai_client.chat.completions.create(
        model=GPT, messages=[user("hi")], extra_headers={"x-emulator-force": "stall:0.05"}
    )
    assert completion.choices[0].message.content
