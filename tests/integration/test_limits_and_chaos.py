"""Rate limits and chaos through both SDKs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import anthropic
import httpx
import openai
import pytest

from conftest import Control
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from emulator.util.clock import ManualClock
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS, user


def _rfc3339(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def limited(clock: ManualClock) -> Iterator[EmulatorThread]:
    config = EmulatorConfig(
        port=0, rate_limits=("rpm=2,itpm=100000,otpm=100000", "model=gpt-*,rpm=3")
    )
    with EmulatorThread(config, clock=clock) as running:
        yield running


def test_anthropic_headers_and_429_with_true_wait(
    limited: EmulatorThread, clock: ManualClock
) -> None:
    limited.runtime.reset()
    with anthropic.Anthropic(base_url=limited.base_url, api_key="key-1", max_retries=0) as client:
        raw = client.messages.with_raw_response.create(
            model=CLAUDE, max_tokens=10, messages=[user("x")]
        )
        headers = raw.headers
        assert headers["anthropic-ratelimit-requests-limit"] == "2"
        assert headers["anthropic-ratelimit-requests-remaining"] == "1"
        # anthropic-messages.md §10: reset is the RFC 3339 time of full replenishment:
        # one request of 2 a minute used, back 30 s after the (manual) clock's now.
        assert headers["anthropic-ratelimit-requests-reset"] == _rfc3339(clock.now() + 30)
        assert headers["anthropic-ratelimit-input-tokens-limit"] == "100000"
        # Remaining token counts are rounded (down) to thousands (§10): 4 input tokens
        # spent leave 99,000 shown; output is debited when known, after these headers.
        assert headers["anthropic-ratelimit-input-tokens-remaining"] == "99000"
        assert headers["anthropic-ratelimit-output-tokens-remaining"] == "100000"
        client.messages.create(model=CLAUDE, max_tokens=10, messages=[user("x")])
        with pytest.raises(anthropic.RateLimitError) as refused:
            client.messages.create(model=CLAUDE, max_tokens=10, messages=[user("x")])
        assert refused.value.response.headers["retry-after"] == "30"
        body: Any = refused.value.body
        assert body["error"]["type"] == "rate_limit_error"
        clock.advance(30)
        assert client.messages.create(model=CLAUDE, max_tokens=10, messages=[user("x")]).id
    with anthropic.Anthropic(base_url=limited.base_url, api_key="key-2", max_retries=0) as other:
        assert other.messages.create(model=CLAUDE, max_tokens=10, messages=[user("x")]).id


def test_openai_headers_and_429_per_model_limits(limited: EmulatorThread) -> None:
    limited.runtime.reset()
    with openai.OpenAI(base_url=limited.base_url + "/v1", api_key="k", max_retries=0) as client:
        raw = client.chat.completions.with_raw_response.create(model=GPT, messages=[user("x")])
        assert raw.headers["x-ratelimit-limit-requests"] == "3"
        assert raw.headers["x-ratelimit-remaining-requests"] == "2"
        # openai-chat-completions.md (rate-limit headers): a Go-style duration until the
        # full reset; one request of 3 a minute used comes back in 20 s.
        assert raw.headers["x-ratelimit-reset-requests"] == "20s"
        for _ in range(2):
            client.chat.completions.create(model=GPT, messages=[user("x")])
        with pytest.raises(openai.RateLimitError) as refused:
            client.chat.completions.create(model=GPT, messages=[user("x")])
        assert refused.value.code == "rate_limit_exceeded"
        assert refused.value.type == "requests"
        assert "Rate limit reached for gpt-4o-mini" in refused.value.message


def test_unset_limits_show_the_generous_default_never_spent(
    limited: EmulatorThread, server: EmulatorThread
) -> None:
    # README "Validation and errors": every response carries the rate-limit headers; a
    # limit that is not set shows a generous default (4,000 requests or 4,000,000
    # tokens a minute), never spent.
    limited.runtime.reset()
    with openai.OpenAI(base_url=limited.base_url + "/v1", api_key="k-d", max_retries=0) as gpt:
        for _ in range(2):  # gpt-* sets rpm=3 only: its token buckets are not limited
            raw = gpt.chat.completions.with_raw_response.create(
                model=GPT, messages=[user("word " * 50)]
            )
    assert raw.headers["x-ratelimit-remaining-requests"] == "1"
    assert raw.headers["x-ratelimit-limit-tokens"] == "4000000"
    assert raw.headers["x-ratelimit-remaining-tokens"] == "4000000"
    assert raw.headers["x-ratelimit-reset-tokens"] == "0s"
    # A server with no limit at all: every bucket at the default, full.
    with anthropic.Anthropic(base_url=server.base_url, api_key="k-d", max_retries=0) as claude:
        headers = claude.messages.with_raw_response.create(
            model=CLAUDE, max_tokens=10, messages=[user("x")]
        ).headers
    assert headers["anthropic-ratelimit-requests-limit"] == "4000"
    assert headers["anthropic-ratelimit-requests-remaining"] == "4000"
    for name in ("tokens", "input-tokens", "output-tokens"):
        assert headers[f"anthropic-ratelimit-{name}-limit"] == "4000000"
        assert headers[f"anthropic-ratelimit-{name}-remaining"] == "4000000"


def test_a_scripted_error_on_a_model_with_its_own_limits_takes_nothing(
    limited: EmulatorThread,
) -> None:
    # A scripted error is not an answer the API would charge: the requests it answers
    # take nothing from the model's bucket set (gpt-* allows 3 requests a minute).
    limited.runtime.reset()
    scenario = {
        "name": "broken",
        "rules": [{"name": "down", "reply": {"error": {"status": 500, "message": "Down."}}}],
    }
    body = {"model": GPT, "messages": [user("x")]}
    headers = {**OPENAI_HEADERS, "authorization": "Bearer k-scripted"}
    with httpx.Client(base_url=limited.base_url) as http:
        assert http.post("/_emulator/scenarios", json=scenario).status_code == 201
        for _ in range(3):
            answer = http.post("/v1/chat/completions", json=body, headers=headers)
            assert answer.status_code == 500
            assert answer.json()["error"]["message"] == "Down."
            # docs/guides/gateway.md: every response carries the rate-limit headers,
            # an error too; this one took nothing.
            assert answer.headers["x-ratelimit-limit-requests"] == "3"
            assert answer.headers["x-ratelimit-remaining-requests"] == "3"
        assert http.delete("/_emulator/scenarios/broken").status_code == 204
        answer = http.post("/v1/chat/completions", json=body, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["x-ratelimit-limit-requests"] == "3"
    assert answer.headers["x-ratelimit-remaining-requests"] == "2"


def test_sdk_honours_retry_after_before_succeeding(control: Control, base_url: str) -> None:
    # A scripted 429 with a wait of 1.5 s, then a reply. The SDK's own backoff before
    # its first retry is at most 0.5 s (sdk-expectations.md §7), so a retry at least
    # 1.5 s after the 429 (the journal's timestamps) is one that honoured retry-after.
    wait_s = 1.5
    control.load(
        {
            "name": "limited-once",
            "rules": [
                {
                    "name": "429-then-ok",
                    "replies": [
                        {"error": {"status": 429, "message": "Slow down.", "retry_after": wait_s}},
                        {"text": "Worked."},
                    ],
                }
            ],
        }
    )
    with openai.OpenAI(base_url=base_url + "/v1", api_key="sk-test", max_retries=1) as client:
        completion = client.chat.completions.create(
            model=GPT, messages=[user("x")], extra_headers={"x-emulator-test-id": "honoured"}
        )
    assert completion.choices[0].message.content == "Worked."
    refused, retried = control.journal(test_id="honoured")
    assert (refused["status"], retried["status"]) == (429, 200)
    assert retried["time"] - refused["time"] >= wait_s


def test_chaos_per_test_id_via_control_api(
    control: Control, http: httpx.Client, anthropic_client: anthropic.Anthropic
) -> None:
    response = http.put(
        "/_emulator/chaos", json={"test_id": "chaotic", "specs": ["overloaded=1.0"]}
    )
    assert response.status_code == 204
    with pytest.raises(anthropic.OverloadedError):
        anthropic_client.messages.create(
            model=CLAUDE,
            max_tokens=5,
            messages=[user("x")],
            extra_headers={"x-emulator-test-id": "chaotic"},
        )
    calm = anthropic_client.messages.create(model=CLAUDE, max_tokens=5, messages=[user("x")])
    assert calm.id
    assert control.journal(test_id="chaotic")[0]["rule"] == "chaos:overloaded"
    assert http.put("/_emulator/chaos", json={"specs": ["overloaded=2"]}).status_code == 400


def test_chaos_drop_mid_stream_surfaces_in_openai(
    control: Control, http: httpx.Client, openai_client: openai.OpenAI
) -> None:
    http.put("/_emulator/chaos", json={"specs": ["drop_mid_stream=1.0,after_events=3"]})
    # Dropped before the SDK read the headers (the SDK's connection error), or while it
    # read the body (httpx's transport error, which the SDK's stream lets through).
    with pytest.raises((openai.APIConnectionError, httpx.TransportError)):
        for _ in openai_client.chat.completions.create(
            model=GPT, messages=[user("x")], stream=True
        ):
            pass
    assert control.journal()[-1]["rule"] == "chaos:drop_mid_stream"


def _statuses(seed: int) -> list[tuple[int, str | None]]:
    config = EmulatorConfig(
        port=0, seed=seed, chaos=("rate_limit=0.2,server_error=0.2,overloaded=0.1",)
    )
    with EmulatorThread(config) as server, httpx.Client(base_url=server.base_url) as client:
        results = []
        for index in range(40):
            path, headers, body = (
                ("/v1/chat/completions", OPENAI_HEADERS, {"model": GPT, "messages": [user("x")]})
                if index % 2
                else (
                    "/v1/messages",
                    ANTHROPIC_HEADERS,
                    {"model": CLAUDE, "max_tokens": 5, "messages": [user("x")]},
                )
            )
            response = client.post(path, json=body, headers=headers)
            results.append((response.status_code, response.headers.get("retry-after")))
        return results


def test_same_seed_same_faults() -> None:
    first, second, other = _statuses(11), _statuses(11), _statuses(12)
    assert first == second
    assert {s for s, _ in first} >= {200, 429, 500}
    assert first != other
