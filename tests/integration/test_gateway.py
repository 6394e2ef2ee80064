"""What gateway builders need: prefixes, extra auth headers, provider-prefixed models, forced faults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest

from conftest import Control
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS, user

GATEWAY = {"X-Gateway-Auth": "Bearer g1"}


@pytest.fixture(scope="module")
def gateway() -> Iterator[EmulatorThread]:
    config = EmulatorConfig(
        port=0,
        route_prefixes=("/anthropic", "/openai"),
        require_headers=("X-Gateway-Auth=Bearer g1", "/openai:X-Tenant"),
    )
    with EmulatorThread(config) as running:
        yield running


def test_prefixed_routes_with_gateway_header(gateway: EmulatorThread) -> None:
    with anthropic.Anthropic(
        base_url=gateway.base_url + "/anthropic",
        api_key="k",
        max_retries=0,
        default_headers=GATEWAY,
    ) as claude:
        message = claude.messages.create(
            model="anthropic/" + CLAUDE, max_tokens=20, messages=[user("hi")]
        )
        assert message.model == "anthropic/" + CLAUDE
        assert claude.messages.count_tokens(model=CLAUDE, messages=[user("hi")]).input_tokens == 4
    with openai.OpenAI(
        base_url=gateway.base_url + "/openai/v1",
        api_key="k",
        max_retries=0,
        default_headers={**GATEWAY, "X-Tenant": "acme"},
    ) as gpt:
        completion = gpt.chat.completions.create(model="openai/" + GPT, messages=[user("hi")])
        assert completion.model == "openai/" + GPT
        assert any(m.id == GPT for m in gpt.models.list())


def test_root_routes_kept_by_default(gateway: EmulatorThread) -> None:
    with httpx.Client(base_url=gateway.base_url) as http:
        body = {"model": CLAUDE, "max_tokens": 5, "messages": [user("x")]}
        response = http.post("/v1/messages", json=body, headers={**ANTHROPIC_HEADERS, **GATEWAY})
        assert response.status_code == 200


def test_missing_or_wrong_gateway_header_is_401_in_api_shape(gateway: EmulatorThread) -> None:
    with anthropic.Anthropic(
        base_url=gateway.base_url + "/anthropic", api_key="k", max_retries=0
    ) as claude:
        with pytest.raises(anthropic.AuthenticationError) as missing:
            claude.messages.create(model=CLAUDE, max_tokens=5, messages=[user("x")])
        body: Any = missing.value.body
        assert body["error"] == {
            "type": "authentication_error",
            "message": "X-Gateway-Auth header is required",
        }
        with pytest.raises(anthropic.AuthenticationError) as wrong:
            claude.messages.create(
                model=CLAUDE,
                max_tokens=5,
                messages=[user("x")],
                extra_headers={"X-Gateway-Auth": "Bearer nope"},
            )
        assert "invalid X-Gateway-Auth header" in wrong.value.message
    with openai.OpenAI(
        base_url=gateway.base_url + "/openai/v1",
        api_key="k",
        max_retries=0,
        default_headers=GATEWAY,
    ) as gpt:
        with pytest.raises(openai.AuthenticationError) as per_prefix:
            gpt.chat.completions.create(model=GPT, messages=[user("x")])
        assert per_prefix.value.body == {
            "message": "X-Tenant header is required",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }


def test_unknown_prefix_path_is_404(gateway: EmulatorThread) -> None:
    with httpx.Client(base_url=gateway.base_url) as http:
        response = http.post(
            "/azure/v1/chat/completions", json={}, headers={**OPENAI_HEADERS, **GATEWAY}
        )
        assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_url"


class TestForcedOutcomes:
    def test_force_status(
        self, anthropic_client: anthropic.Anthropic, openai_client: openai.OpenAI
    ) -> None:
        with pytest.raises(anthropic.OverloadedError):
            anthropic_client.messages.create(
                model=CLAUDE,
                max_tokens=5,
                messages=[user("x")],
                extra_headers={"x-emulator-force": "529"},
            )
        with pytest.raises(openai.RateLimitError):
            openai_client.chat.completions.create(
                model=GPT,
                messages=[user("x")],
                extra_headers={"x-emulator-force": '{"error": {"status": 429, "retry_after": 3}}'},
            )

    def test_force_stall_trips_the_sdk_timeout(self, base_url: str) -> None:
        with anthropic.Anthropic(
            base_url=base_url, api_key="k", max_retries=0, timeout=0.3
        ) as client:
            with pytest.raises(anthropic.APITimeoutError):
                client.messages.create(
                    model=CLAUDE,
                    max_tokens=5,
                    messages=[user("x")],
                    extra_headers={"x-emulator-force": "stall:2"},
                )

    def test_force_drop_before_headers(self, openai_client: openai.OpenAI) -> None:
        with pytest.raises(openai.APIConnectionError):
            openai_client.chat.completions.create(
                model=GPT, messages=[user("x")], extra_headers={"x-emulator-force": "drop"}
            )

    def test_bad_force_value_is_400(self, http: httpx.Client) -> None:
        body = {"model": CLAUDE, "max_tokens": 5, "messages": [user("x")]}
        response = http.post(
            "/v1/messages", json=body, headers={**ANTHROPIC_HEADERS, "x-emulator-force": "explode"}
        )
        assert response.status_code == 400
        assert response.json()["error"]["message"].startswith("x-emulator-force: expected a status")

    def test_ignored_under_strict(self) -> None:
        with (
            EmulatorThread(EmulatorConfig(port=0, strict=True)) as strict,
            httpx.Client(base_url=strict.base_url) as http,
        ):
            body = {"model": CLAUDE, "max_tokens": 5, "messages": [user("x")]}
            response = http.post(
                "/v1/messages", json=body, headers={**ANTHROPIC_HEADERS, "x-emulator-force": "529"}
            )
            assert response.status_code == 200


def test_overloaded_once_is_retried_by_the_anthropic_sdk(control: Control, base_url: str) -> None:
    control.load(
        {
            "name": "o",
            "rules": [
                {
                    "name": "busy",
                    "replies": [
                        {
                            "error": {
                                "status": 529,
                                "type": "overloaded_error",
                                "message": "Overloaded",
                                "retry_after": 0.01,
                            }
                        },
                        {"text": "Back again."},
                    ],
                }
            ],
        }
    )
    with anthropic.Anthropic(base_url=base_url, api_key="k", max_retries=2) as client:
        message = client.messages.create(
            model=CLAUDE,
            max_tokens=20,
            messages=[user("x")],
            extra_headers={"x-emulator-test-id": "overloaded"},
        )
    assert message.content[0].text == "Back again."  # type: ignore[union-attr]
    assert [e["status"] for e in control.journal(test_id="overloaded")] == [529, 200]


def test_required_headers_are_redacted_in_the_journal(gateway: EmulatorThread) -> None:
    with httpx.Client(base_url=gateway.base_url) as http:
        body = {"model": GPT, "messages": [user("x")]}
        headers = {
            **OPENAI_HEADERS,
            **GATEWAY,
            "X-Tenant": "acme-secret",
            "X-Trace": "t-1",
            "x-emulator-test-id": "redaction",
        }
        assert http.post("/openai/v1/chat/completions", json=body, headers=headers).is_success
        entries = http.get("/_emulator/journal", params={"test_id": "redaction"}).json()
    recorded = entries["entries"][0]["headers"]
    assert recorded["x-tenant"] == "[redacted]"  # demanded by --require-header
    assert recorded["x-gateway-auth"] == "[redacted]"
    assert recorded["authorization"] == "[redacted]"
    assert recorded["x-trace"] == "t-1"
    assert "secret_headers" not in entries["entries"][0]
