"""README "Gateway testing": the serve line runs as written, and the SDK examples
run against a server started from it."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import openai
import pytest

from emulator.cli import build_parser
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.examples.docs import commands, doc_block


@pytest.fixture(scope="module")
def gateway_url() -> Iterator[str]:
    (argv,) = commands(doc_block("gateway-serve"), "llm-emulator")
    args = build_parser().parse_args([*argv[1:], "--port", "0"])
    with EmulatorThread(EmulatorConfig.from_args(args, {})) as server:
        yield server.base_url


def test_the_serve_line_sets_up_the_gateway_shape() -> None:
    (argv,) = commands(doc_block("gateway-serve"), "llm-emulator")
    config = EmulatorConfig.from_args(build_parser().parse_args(argv[1:]), {})
    assert config.route_prefixes == ("/anthropic", "/openai")
    assert not config.root_routes
    assert config.require_headers == ("X-Gateway-Auth=Bearer g1", "/openai:X-Tenant")
    assert config.rate_limits == ("rpm=600", "model=claude-opus-*,rpm=5")


def test_through_a_gateway(gateway_url: str) -> None:
    claude = anthropic.Anthropic(
        base_url=gateway_url + "/anthropic",
        api_key="test",
        default_headers={"X-Gateway-Auth": "Bearer g1"},
    )
    raw = claude.messages.with_raw_response.create(
        model="anthropic/claude-sonnet-4-6",  # provider-prefixed names are echoed back
        max_tokens=50,
        messages=[{"role": "user", "content": "Hello"}],
    )
    assert raw.parse().model == "anthropic/claude-sonnet-4-6"
    assert raw.headers["anthropic-ratelimit-requests-limit"] == "600"

    gpt = openai.OpenAI(
        base_url=gateway_url + "/openai/v1",
        api_key="test",
        default_headers={"X-Gateway-Auth": "Bearer g1", "X-Tenant": "acme"},
    )
    completion = gpt.chat.completions.with_raw_response.create(
        model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}]
    )
    assert completion.parse().model == "openai/gpt-4o-mini"
    assert completion.headers["x-ratelimit-limit-requests"] == "600"

    # Without the gateway's own header: the API's 401, naming the header.
    bare = anthropic.Anthropic(base_url=gateway_url + "/anthropic", api_key="test")
    with pytest.raises(anthropic.AuthenticationError, match="X-Gateway-Auth"):
        bare.messages.create(
            model="claude-sonnet-4-6", max_tokens=50, messages=[{"role": "user", "content": "Hi"}]
        )
    for client in (claude, gpt, bare):  # not in the README: closing spares ResourceWarnings
        client.close()


def test_limits_and_forced_faults(gateway_url: str) -> None:
    claude = anthropic.Anthropic(
        base_url=gateway_url + "/anthropic",
        api_key="key-of-this-test",  # buckets are per API key
        default_headers={"X-Gateway-Auth": "Bearer g1"},
        max_retries=0,
    )

    def ask(model: str, extra_headers: dict[str, str] | None = None) -> anthropic.types.Message:
        return claude.messages.create(
            model=model,
            max_tokens=20,
            messages=[{"role": "user", "content": "Hi"}],
            extra_headers=extra_headers,
        )

    for _ in range(5):  # claude-opus-* allows 5 requests a minute
        ask("claude-opus-4-6")
    with pytest.raises(anthropic.RateLimitError) as limited:
        ask("claude-opus-4-6")
    assert int(limited.value.response.headers["retry-after"]) > 0  # the true wait

    # One request's fate, forced by a header (off under --strict):
    with pytest.raises(anthropic.OverloadedError):
        ask("claude-sonnet-4-6", extra_headers={"x-emulator-force": "529"})
    with pytest.raises(anthropic.APIConnectionError):
        ask("claude-sonnet-4-6", extra_headers={"x-emulator-force": "drop"})
    claude.close()  # not in the README: closing spares a ResourceWarning
