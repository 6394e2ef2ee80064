"""README options, each set the way a user sets it (a command-line flag or an
LLM_EMULATOR_* variable, read by the CLI's own parser) and observed over loopback
HTTP through the SDKs or raw requests."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
from aiohttp import web

from emulator.app import create_app
from emulator.cli import build_parser
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from emulator.util.clock import ManualClock
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS, user


def _config(argv: list[str], env: Mapping[str, str] | None = None) -> EmulatorConfig:
    args = build_parser().parse_args(["serve", "--port", "0", *argv])
    return EmulatorConfig.from_args(args, env or {})


@contextmanager
def serving(
    argv: list[str], env: Mapping[str, str] | None = None, clock: ManualClock | None = None
) -> Iterator[EmulatorThread]:
    with EmulatorThread(_config(argv, env), clock=clock) as running:
        yield running


def _claude(base_url: str, **kwargs: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=base_url, api_key="sk-ant-test", max_retries=0, **kwargs)


def _gpt(base_url: str, **kwargs: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url + "/v1", api_key="sk-test", max_retries=0, **kwargs)


# --- routes -------------------------------------------------------------------------


def _routes_only_under_prefix(server: EmulatorThread, prefix: str) -> None:
    body: Any = {"model": CLAUDE, "max_tokens": 5, "messages": [user("Hi")]}
    with httpx.Client(base_url=server.base_url) as http:
        root = http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS)
        assert root.status_code == 404
        assert root.json()["error"]["type"] == "not_found_error"
    with _claude(server.base_url + prefix) as client:
        assert client.messages.create(**body).type == "message"


def test_no_root_serves_the_apis_only_under_the_prefixes() -> None:
    with serving(["--route-prefix", "/anthropic", "--no-root"]) as server:
        _routes_only_under_prefix(server, "/anthropic")


def test_root_routes_false_in_the_environment_is_no_root() -> None:
    env = {"LLM_EMULATOR_ROOT_ROUTES": "false", "LLM_EMULATOR_ROUTE_PREFIXES": "/gw,/other"}
    with serving([], env) as server:
        _routes_only_under_prefix(server, "/gw")
        _routes_only_under_prefix(server, "/other")


# --- ;-separated specs in the environment --------------------------------------------


def test_semicolon_separated_rate_limits_in_the_environment() -> None:
    env = {"LLM_EMULATOR_RATE_LIMITS": "rpm=600;model=claude-opus-*,rpm=5"}
    with serving([], env) as server, _claude(server.base_url) as client:
        for model, limit in (("claude-sonnet-4-6", "600"), ("claude-opus-4-6", "5")):
            raw = client.messages.with_raw_response.create(
                model=model, max_tokens=5, messages=[user("Hi")]
            )
            assert raw.headers["anthropic-ratelimit-requests-limit"] == limit


def test_semicolon_separated_required_headers_in_the_environment() -> None:
    env = {
        "LLM_EMULATOR_ROUTE_PREFIXES": "/openai",
        "LLM_EMULATOR_REQUIRE_HEADERS": "X-Gateway-Auth=g1;/openai:X-Tenant",
    }
    with serving([], env) as server:
        with _gpt(server.base_url + "/openai", default_headers={"X-Gateway-Auth": "g1"}) as bare:
            with pytest.raises(openai.AuthenticationError, match="X-Tenant"):
                bare.chat.completions.create(model=GPT, messages=[user("Hi")])
        both = {"X-Gateway-Auth": "g1", "X-Tenant": "acme"}
        with _gpt(server.base_url + "/openai", default_headers=both) as client:
            assert client.chat.completions.create(model=GPT, messages=[user("Hi")]).choices
        with _claude(server.base_url, default_headers={"X-Gateway-Auth": "g1"}) as claude:
            # The /openai-only header is not asked at the root.
            assert claude.messages.create(model=CLAUDE, max_tokens=5, messages=[user("Hi")]).id


def test_chaos_scoped_to_a_model_glob_from_semicolon_separated_specs() -> None:
    env = {"LLM_EMULATOR_CHAOS": "overloaded=0;model=gpt-4o*,server_error=1"}
    with serving([], env) as server:
        with _gpt(server.base_url) as gpt:
            with pytest.raises(openai.InternalServerError):
                gpt.chat.completions.create(model="gpt-4o-mini", messages=[user("Hi")])
            assert gpt.chat.completions.create(model="gpt-4.1", messages=[user("Hi")]).choices
        with _claude(server.base_url) as claude:
            assert claude.messages.create(model=CLAUDE, max_tokens=5, messages=[user("Hi")]).id
        rules = [e.rule for e in server.runtime.journal.entries()]
        assert rules == ["chaos:server_error", None, None]


# --- the model catalogue -------------------------------------------------------------


def _catalogue(tmp_path: Path) -> Path:
    entry = {
        "provider": "anthropic",
        "aliases": ["acme-latest"],
        "display_name": "Acme 1",
        "created_at": "2026-01-01T00:00:00Z",
        "context_window": 60,
        "max_output_tokens": 100,
        "legacy_completions": False,
        "supports_prefill": True,
    }
    gpt_entry = {**entry, "provider": "openai", "aliases": [], "display_name": "Acme GPT"}
    catalogue = {
        "default_cache_min_tokens": 1024,
        "models": [{"id": "acme-1", **entry}, {"id": "acme-gpt", **gpt_entry}],
    }
    path = tmp_path / "models.json"
    path.write_text(json.dumps(catalogue))
    return path


def test_models_file_replaces_the_catalogue(tmp_path: Path) -> None:
    with serving(["--models-file", str(_catalogue(tmp_path))]) as server:
        with _claude(server.base_url) as client:
            listed = [m.id for m in client.models.list()]
            assert listed == ["acme-1"]
            assert client.messages.create(model="acme-latest", max_tokens=5, messages=[user("Hi")])
            with pytest.raises(anthropic.NotFoundError):
                client.messages.create(model=CLAUDE, max_tokens=5, messages=[user("Hi")])
            # anthropic-messages.md §4: max_tokens over the model's maximum is a 400.
            with pytest.raises(anthropic.BadRequestError) as too_many:
                client.messages.create(model="acme-1", max_tokens=101, messages=[user("Hi")])
            assert too_many.value.body["error"]["message"] == (  # type: ignore[index]
                "max_tokens: 101 > 100, which is the maximum allowed number of output tokens"
                " for acme-1"
            )
        with _gpt(server.base_url) as gpt:
            assert {m.id for m in gpt.models.list()} == {"acme-1", "acme-gpt"}


def test_a_prompt_over_the_context_window_is_the_real_400(tmp_path: Path) -> None:
    # README "How tokens are counted": 80 one-token words and 3 for the turn's role
    # markers, 83 tokens, over the 60 of acme-1.
    long_prompt = "word " * 80
    with (
        serving(["--models-file", str(_catalogue(tmp_path))]) as server,
        _claude(server.base_url) as client,
    ):
        with pytest.raises(anthropic.BadRequestError) as too_long:
            client.messages.create(model="acme-1", max_tokens=5, messages=[user(long_prompt)])
    # anthropic-messages.md §4: "prompt is too long: 208656 tokens > 200000 maximum".
    assert too_long.value.body == {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "prompt is too long: 83 tokens > 60 maximum",
        },
        "request_id": too_long.value.request_id,
    }


def test_accept_any_model_answers_for_unknown_names() -> None:
    with serving(["--accept-any-model"]) as server:
        with _claude(server.base_url) as client:
            message = client.messages.create(
                model="claude-from-the-future", max_tokens=5, messages=[user("Hi")]
            )
            assert message.model == "claude-from-the-future"
            assert message.content
            listed = [m.id for m in client.models.list()]
            assert CLAUDE in listed and "claude-from-the-future" not in listed  # the catalogue
        with _gpt(server.base_url) as gpt:
            completion = gpt.chat.completions.create(model="gpt-unheard-of", messages=[user("Hi")])
            assert completion.model == "gpt-unheard-of"
            assert completion.choices[0].message.content
            embedded = gpt.embeddings.create(model="embed-unheard-of", input="Hi")
            assert embedded.model == "embed-unheard-of"
            assert len(embedded.data[0].embedding) == 1536  # text-embedding-3-small's


# --- latency -------------------------------------------------------------------------


def test_a_non_streamed_reply_waits_for_the_paced_generation_under_latency() -> None:
    # README "Local SDK work": non-streamed replies wait the same total time as the
    # stream. The journal's duration is a lower bound: unpaced, a few milliseconds.
    with (
        serving(["--latency", "ttft_ms=300,tokens_per_s=100"]) as server,
        _claude(server.base_url) as client,
    ):
        message = client.messages.create(model=CLAUDE, max_tokens=10, messages=[user("Hi")])
        (entry,) = server.runtime.journal.entries()
    assert entry.stream is False
    assert entry.duration_ms >= 300 + 1000 * message.usage.output_tokens / 100


# --- token rate limits ---------------------------------------------------------------


def test_input_tokens_per_minute_refuse_with_the_real_429() -> None:
    prompt = [user("word " * 60)]  # 63 input tokens
    with (
        serving(["--rate-limit", "itpm=100"], clock=ManualClock()) as server,
        _claude(server.base_url) as client,
    ):
        client.messages.create(model=CLAUDE, max_tokens=5, messages=prompt)
        with pytest.raises(anthropic.RateLimitError) as refused:
            client.messages.create(model=CLAUDE, max_tokens=5, messages=prompt)
    body: Any = refused.value.body
    assert body["error"]["type"] == "rate_limit_error"
    # anthropic-messages.md §9's 429: "... of 20,000 input tokens per minute."
    assert " of 100 input tokens per minute." in body["error"]["message"]
    # 26 tokens short, at 100 a minute: 15.6 s, in whole seconds rounded up.
    assert refused.value.response.headers["retry-after"] == "16"


def test_output_tokens_are_debited_after_the_answer_and_then_refuse() -> None:
    text = "word " * 40  # 40 output tokens
    scenario = {"name": "long", "rules": [{"name": "long", "reply": {"text": text}}]}
    with (
        serving(["--rate-limit", "otpm=50,itpm=100000"], clock=ManualClock()) as server,
        httpx.Client(base_url=server.base_url) as http,
        _gpt(server.base_url) as gpt,
    ):
        assert http.post("/_emulator/scenarios", json=scenario).status_code == 201
        first = gpt.chat.completions.with_raw_response.create(model=GPT, messages=[user("a")])
        assert first.parse().usage.completion_tokens == 40  # type: ignore[union-attr]
        # x-ratelimit-*-tokens is the most restrictive token bucket, exact: the 40
        # output tokens of the first answer are gone from the 50 (the manual clock
        # stands still: nothing refills).
        assert first.headers["x-ratelimit-remaining-tokens"] == "50"
        # README: a limit that is not set (rpm here) shows the default 4,000, never spent.
        assert first.headers["x-ratelimit-limit-requests"] == "4000"
        assert first.headers["x-ratelimit-remaining-requests"] == "4000"
        second = gpt.chat.completions.with_raw_response.create(model=GPT, messages=[user("b")])
        assert second.headers["x-ratelimit-remaining-tokens"] == "10"
        # The second answer's 40 take the bucket below zero: the next one waits.
        with pytest.raises(openai.RateLimitError) as refused:
            gpt.chat.completions.create(model=GPT, messages=[user("c")])
    assert refused.value.type == "tokens" and refused.value.code == "rate_limit_exceeded"


# --- the control API's loopback guard --------------------------------------------------


def _non_loopback_address() -> str | None:
    """This machine's address on its default route (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only the route is looked up
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") or address == "0.0.0.0" else address


@pytest.mark.parametrize("admin_token", [None, "s3cret"])
async def test_control_api_refuses_a_real_non_loopback_peer(admin_token: str | None) -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to connect from")
    app = create_app(EmulatorConfig(port=0, admin_token=admin_token))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "0.0.0.0", 0)
        await site.start()
        port = runner.addresses[0][1]
        async with httpx.AsyncClient(base_url=f"http://{address}:{port}") as remote:
            refused = await remote.get("/_emulator/scenarios")
            authorized = await remote.get(
                "/_emulator/scenarios", headers={"authorization": f"Bearer {admin_token}"}
            )
            api = await remote.post(
                "/v1/chat/completions",
                json={"model": GPT, "messages": [user("Hi")]},
                headers=OPENAI_HEADERS,
            )
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as local:
            from_loopback = await local.get("/_emulator/scenarios")
    finally:
        await runner.cleanup()
    assert api.status_code == 200  # the APIs answer any peer
    if admin_token is None:
        # Without a token only loopback peers get the control API.
        assert refused.status_code == 403
        assert authorized.status_code == 403
        assert from_loopback.status_code == 200
    else:
        # With one, every caller needs it, loopback included (README "Control API").
        assert refused.status_code == 401
        assert authorized.status_code == 200
        assert from_loopback.status_code == 401
