"""Rate limits and chaos through both SDKs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest

from conftest import Control
from emulator.clock import ManualClock
from emulator.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS, user


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
        assert headers["anthropic-ratelimit-requests-reset"].endswith("Z")
        assert headers["anthropic-ratelimit-input-tokens-limit"] == "100000"
        assert "anthropic-ratelimit-output-tokens-remaining" in headers
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
        assert raw.headers["x-ratelimit-reset-requests"].endswith("s")
        for _ in range(2):
            client.chat.completions.create(model=GPT, messages=[user("x")])
        with pytest.raises(openai.RateLimitError) as refused:
            client.chat.completions.create(model=GPT, messages=[user("x")])
        assert refused.value.code == "rate_limit_exceeded"
        assert refused.value.type == "requests"
        assert "Rate limit reached for gpt-4o-mini" in refused.value.message


def test_sdk_honours_retry_after_before_succeeding() -> None:
    # rpm=60 refills one request a second: the 429 says retry-after-ms ≈ 1000, and the
    # SDK's first try comes well within that second of the drain (at rpm=600, a slow
    # machine could let the bucket refill in between, and the test saw no 429).
    with EmulatorThread(EmulatorConfig(port=0, rate_limits=("rpm=60",))) as server:
        with httpx.Client(base_url=server.base_url) as http:
            body = {"model": GPT, "messages": [user("x")], "max_tokens": 5}
            for _ in range(2000):  # drain the bucket: stop at the first refusal
                if (
                    http.post("/v1/chat/completions", json=body, headers=OPENAI_HEADERS).status_code
                    == 429
                ):
                    break
            else:
                pytest.fail("the bucket never emptied")
        with openai.OpenAI(
            base_url=server.base_url + "/v1", api_key="sk-test", max_retries=3
        ) as client:
            completion = client.chat.completions.create(
                model=GPT,
                messages=[user("x")],
                max_tokens=5,
                extra_headers={"x-emulator-test-id": "honoured"},
            )
        assert completion.choices[0].message.content
        statuses_seen = [e.status for e in server.runtime.journal.entries(test_id="honoured")]
        assert statuses_seen[-1] == 200 and 429 in statuses_seen


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
    with pytest.raises(Exception) as raised:
        for _ in openai_client.chat.completions.create(
            model=GPT, messages=[user("x")], stream=True
        ):
            pass
    # Dropped before the SDK read the headers, or while it read the body.
    assert type(raised.value).__name__ in {"APIConnectionError", "RemoteProtocolError"}
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
