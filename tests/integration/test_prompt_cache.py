"""Prompt caching through the real SDKs, on a server whose clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest

from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from emulator.util.clock import ManualClock
from tests.support import ANTHROPIC_HEADERS, GPT, user

MODEL = "claude-sonnet-4-6"  # minimum cacheable prefix: 1,024 tokens
SYSTEM_TEXT = "word " * 1100  # 1,100 tokens: one per word
QUESTION = "What is up?"  # 3 (role) + 4 = 7 tokens


def cached_system(ttl: str | None = None) -> Any:
    marker: dict[str, str] = {"type": "ephemeral"}
    if ttl:
        marker["ttl"] = ttl
    return [{"type": "text", "text": SYSTEM_TEXT, "cache_control": marker}]


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def cache_server(clock: ManualClock) -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(port=0), clock=clock) as running:
        yield running


@pytest.fixture
def claude(cache_server: EmulatorThread) -> Iterator[anthropic.Anthropic]:
    cache_server.runtime.prompt_cache.clear()
    with anthropic.Anthropic(
        base_url=cache_server.base_url, api_key="key-a", max_retries=0
    ) as client:
        yield client


def usage_of(client: anthropic.Anthropic, **overrides: Any) -> tuple[int, int, int, int, int]:
    kwargs: Any = {
        "model": MODEL,
        "max_tokens": 20,
        "system": cached_system(),
        "messages": [user(QUESTION)],
    }
    kwargs.update(overrides)
    usage = client.messages.create(**kwargs).usage
    assert usage.cache_creation is not None
    return (
        usage.input_tokens,
        usage.cache_creation_input_tokens or 0,
        usage.cache_read_input_tokens or 0,
        usage.cache_creation.ephemeral_5m_input_tokens,
        usage.cache_creation.ephemeral_1h_input_tokens,
    )


class TestSeedScenario:
    def test_write_then_read_then_expire(
        self, claude: anthropic.Anthropic, clock: ManualClock
    ) -> None:
        assert usage_of(claude) == (7, 1100, 0, 1100, 0)
        clock.advance(60)
        assert usage_of(claude) == (7, 0, 1100, 0, 0)
        clock.advance(301)
        assert usage_of(claude) == (7, 1100, 0, 1100, 0)

    def test_hit_refreshes_ttl(self, claude: anthropic.Anthropic, clock: ManualClock) -> None:
        assert usage_of(claude)[1] == 1100
        clock.advance(240)
        assert usage_of(claude)[2] == 1100
        clock.advance(240)  # minute 8: alive because the hit at minute 4 refreshed it
        assert usage_of(claude)[2] == 1100

    def test_expires_exactly_at_ttl(self, claude: anthropic.Anthropic, clock: ManualClock) -> None:
        usage_of(claude)
        clock.advance(299.999)
        assert usage_of(claude)[2] == 1100
        clock.advance(300)
        assert usage_of(claude)[1] == 1100

    def test_one_hour_entry_survives_ten_minutes(
        self, claude: anthropic.Anthropic, clock: ManualClock
    ) -> None:
        assert usage_of(claude, system=cached_system("1h")) == (7, 1100, 0, 0, 1100)
        clock.advance(600)
        assert usage_of(claude, system=cached_system("1h")) == (7, 0, 1100, 0, 0)
        clock.advance(3601)
        assert usage_of(claude, system=cached_system("1h"))[4] == 1100

    def test_below_minimum_reports_zeros(self, claude: anthropic.Anthropic) -> None:
        short = [{"type": "text", "text": "word " * 500, "cache_control": {"type": "ephemeral"}}]
        assert usage_of(claude, system=short) == (507, 0, 0, 0, 0)
        assert usage_of(claude, system=short) == (507, 0, 0, 0, 0)

    def test_other_api_key_misses(
        self, claude: anthropic.Anthropic, cache_server: EmulatorThread
    ) -> None:
        usage_of(claude)
        with anthropic.Anthropic(
            base_url=cache_server.base_url, api_key="key-b", max_retries=0
        ) as other:
            assert usage_of(other) == (7, 1100, 0, 1100, 0)
        assert usage_of(claude)[2] == 1100

    def test_count_tokens_is_the_sum(self, claude: anthropic.Anthropic) -> None:
        counted = claude.messages.count_tokens(
            model=MODEL, system=cached_system(), messages=[user(QUESTION)]
        ).input_tokens
        for _ in range(2):
            fresh, created, read, _, _ = usage_of(claude)
            assert fresh + created + read == counted == 1107


def test_growing_conversation_moves_the_breakpoint(claude: anthropic.Anthropic) -> None:
    marked: Any = {"type": "ephemeral"}
    first = [
        {
            "role": "user",
            "content": [{"type": "text", "text": "Question one", "cache_control": marked}],
        }
    ]
    # system 1100 + "Question one" (3 + 2 + 1) = 1106, all written
    assert usage_of(claude, system=SYSTEM_TEXT, messages=first) == (0, 1106, 0, 1106, 0)
    second = [
        {"role": "user", "content": "Question one"},
        {"role": "assistant", "content": "Answer one"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "Question two", "cache_control": marked}],
        },
    ]
    # the old prefix (1106) is read through the lookback; the two new turns (6 + 6) are written
    assert usage_of(claude, system=SYSTEM_TEXT, messages=second) == (0, 12, 1106, 12, 0)


def test_mixed_ttls_split_the_writes(claude: anthropic.Anthropic) -> None:
    tools: Any = [
        {
            "name": "lookup",
            "description": "word " * 1200,
            "input_schema": {"type": "object"},
            "cache_control": {"type": "ephemeral", "ttl": "1h"},
        }
    ]
    tool_tokens = 2 + 1200 + 10  # "lookup" + description + {"type":"object"} (10 pieces)
    fresh, created, read, five, hour = usage_of(claude, tools=tools)
    assert (hour, five, read) == (tool_tokens, 1100, 0)
    assert created == tool_tokens + 1100 and fresh == 7


def test_streamed_usage_matches(claude: anthropic.Anthropic) -> None:
    usage_of(claude)
    with claude.messages.stream(
        model=MODEL, max_tokens=20, system=cached_system(), messages=[user(QUESTION)]
    ) as stream:
        events = list(stream)
        final = stream.get_final_message()
    start = next(e for e in events if e.type == "message_start")
    assert start.message.usage.cache_read_input_tokens == 1100
    assert start.message.usage.input_tokens == 7
    assert final.usage.cache_read_input_tokens == 1100
    assert final.usage.cache_creation_input_tokens == 0


class TestBreakpointRules:
    def test_more_than_four(self, claude: anthropic.Anthropic) -> None:
        blocks: Any = [
            {"type": "text", "text": f"part {i}", "cache_control": {"type": "ephemeral"}}
            for i in range(5)
        ]
        with pytest.raises(anthropic.BadRequestError) as raised:
            usage_of(claude, system=blocks)
        body: Any = raised.value.body
        assert (
            body["error"]["message"]
            == "A maximum of 4 blocks with cache_control may be provided. Found 5."
        )

    def test_one_hour_after_five_minutes(self, claude: anthropic.Anthropic) -> None:
        system: Any = [
            {"type": "text", "text": "a", "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": "b", "cache_control": {"type": "ephemeral", "ttl": "1h"}},
        ]
        with pytest.raises(anthropic.BadRequestError) as raised:
            usage_of(claude, system=system)
        body: Any = raised.value.body
        assert body["error"]["message"].startswith(
            "system.1.cache_control.ttl: a ttl='1h' cache_control block must not come after a "
            "ttl='5m' cache_control block."
        )

    def test_automatic_top_level_marker(self, claude: anthropic.Anthropic) -> None:
        kwargs: Any = {
            "system": SYSTEM_TEXT,
            "extra_body": {"cache_control": {"type": "ephemeral"}},
        }
        assert usage_of(claude, **kwargs) == (0, 1107, 0, 1107, 0)
        assert usage_of(claude, **kwargs) == (0, 0, 1107, 0, 0)


def test_old_beta_surface(cache_server: EmulatorThread) -> None:
    cache_server.runtime.prompt_cache.clear()
    body = {
        "model": MODEL,
        "max_tokens": 5,
        "system": cached_system(),
        "messages": [user(QUESTION)],
    }
    headers = {**ANTHROPIC_HEADERS, "anthropic-beta": "prompt-caching-2024-07-31"}
    with httpx.Client(base_url=cache_server.base_url) as http:
        first = http.post("/v1/messages?beta=prompt_caching", json=body, headers=headers).json()
        second = http.post("/v1/messages?beta=true", json=body, headers=headers).json()
    assert first["usage"]["cache_creation_input_tokens"] == 1100
    assert second["usage"]["cache_read_input_tokens"] == 1100


def test_control_api_shows_clears_and_advances(
    cache_server: EmulatorThread, claude: anthropic.Anthropic
) -> None:
    usage_of(claude)
    with httpx.Client(base_url=cache_server.base_url) as http:
        entries = http.get("/_emulator/cache").json()["entries"]
        assert [(e["model"], e["tokens"], e["ttl"]) for e in entries] == [(MODEL, 1100, "5m")]
        assert entries[0]["expires_in_s"] == 300
        assert entries[0]["owner"].startswith("key-") and "key-a" not in entries[0]["owner"]
        advanced = http.post("/_emulator/clock/advance", json={"seconds": 301})
        assert advanced.status_code == 200
        assert http.get("/_emulator/cache").json()["entries"] == []
        assert http.post("/_emulator/clock/advance", json={"seconds": -1}).status_code == 400
        usage_of(claude)
        assert http.delete("/_emulator/cache").status_code == 204
        assert http.get("/_emulator/cache").json()["entries"] == []


class TestOpenAIAutomaticCaching:
    LONG = "word " * 1300  # system message: 3 + 1300 tokens

    def _cached(self, client: openai.OpenAI, question: str, **extra: Any) -> tuple[int, int]:
        completion = client.chat.completions.create(
            model=GPT,
            messages=[{"role": "system", "content": self.LONG}, user(question)],
            **extra,
        )
        usage = completion.usage
        assert usage is not None and usage.prompt_tokens_details is not None
        return usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens or 0

    def test_cached_tokens_in_128_steps(self, cache_server: EmulatorThread) -> None:
        cache_server.runtime.prompt_cache.clear()
        with openai.OpenAI(
            base_url=cache_server.base_url + "/v1", api_key="k", max_retries=0
        ) as client:
            assert self._cached(client, "first question") == (1303 + 7, 0)
            # the shared prefix is the 1,303-token system message: 10 blocks of 128
            assert self._cached(client, "second question") == (1303 + 7, 1280)
            assert self._cached(client, "third", prompt_cache_key="other") == (1303 + 5, 0)

    def test_short_prompts_never_cache(self, cache_server: EmulatorThread) -> None:
        with openai.OpenAI(
            base_url=cache_server.base_url + "/v1", api_key="k", max_retries=0
        ) as client:
            for _ in range(2):
                usage = client.chat.completions.create(model=GPT, messages=[user("hi")]).usage
                assert usage is not None and usage.prompt_tokens_details is not None
                assert usage.prompt_tokens_details.cached_tokens == 0


def test_a_prefix_of_exactly_the_minimum_is_written(claude: anthropic.Anthropic) -> None:
    # docs/reference/tokens-and-caching.md: a prefix *reaching* the model's minimum is written
    # (anthropic-prompt-caching.md §5: 1,024 tokens for Sonnet 4.6); one token short is
    # not an error, just uncached (§2).
    def marked(words: int) -> Any:
        return [{"type": "text", "text": "word " * words, "cache_control": {"type": "ephemeral"}}]

    assert usage_of(claude, system=marked(1024)) == (7, 1024, 0, 1024, 0)
    assert usage_of(claude, system=marked(1023)) == (1030, 0, 0, 0, 0)


def test_lookback_reaches_twenty_blocks_and_no_further(
    claude: anthropic.Anthropic, cache_server: EmulatorThread
) -> None:
    # anthropic-prompt-caching.md §3: from a breakpoint the API walks back one block at a
    # time, checking at most 20 positions, the breakpoint itself the first.
    def turn(blocks: int) -> Any:
        content: list[dict[str, Any]] = [{"type": "text", "text": f"p{i}"} for i in range(blocks)]
        content[-1]["cache_control"] = {"type": "ephemeral"}
        return [{"role": "user", "content": content}]

    plain_system = [{"type": "text", "text": SYSTEM_TEXT}]
    # The system block (position 0) is written; then a breakpoint at position 19: the
    # 20th position back from it is the system block, read. The 19 new blocks (one
    # token each, and the message's 3) are written.
    assert usage_of(claude)[1] == 1100
    assert usage_of(claude, system=plain_system, messages=turn(19)) == (0, 22, 1100, 22, 0)
    # A breakpoint at position 20: the system block is the 21st position back, unseen,
    # so the whole prefix is written again.
    cache_server.runtime.prompt_cache.clear()
    assert usage_of(claude)[1] == 1100
    assert usage_of(claude, system=plain_system, messages=turn(20)) == (0, 1123, 0, 1123, 0)


def test_a_string_system_prompt_that_mentions_cache_control(claude: anthropic.Anthropic) -> None:
    # A system prompt given as a string is text: its words are not markers, whatever
    # they say (only a block's `cache_control` key is, anthropic-prompt-caching.md §1).
    kwargs: Any = {
        "system": "Explain what cache_control does.",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": SYSTEM_TEXT, "cache_control": {"type": "ephemeral"}}
                ],
            }
        ],
    }
    counted = claude.messages.count_tokens(model=MODEL, **kwargs).input_tokens
    assert usage_of(claude, **kwargs) == (0, counted, 0, counted, 0)
    assert usage_of(claude, **kwargs) == (0, 0, counted, 0, 0)


def test_cache_entries_show_what_readme_documents(
    cache_server: EmulatorThread, claude: anthropic.Anthropic, clock: ManualClock
) -> None:
    # docs/reference/control-api.md: a cache entry has hash, owner, model, tokens, ttl (5m, 1h,
    # or auto for OpenAI), written_at, expires_at and expires_in_s (to the millisecond);
    # docs/reference/tokens-and-caching.md: entries live 5 minutes from the request that wrote or
    # last read them.
    written_at = clock.now()
    usage_of(claude)
    clock.advance(60.5)
    assert usage_of(claude)[2] == 1100  # a read: the TTL starts again, the write time stays
    clock.advance(0.1234)
    with httpx.Client(base_url=cache_server.base_url) as http:
        listed = http.get("/_emulator/cache").json()
        (entry,) = listed["entries"]
        assert listed["now"] == clock.now()
        assert set(entry) == {
            "hash",
            "owner",
            "model",
            "tokens",
            "ttl",
            "written_at",
            "expires_at",
            "expires_in_s",
        }
        assert (entry["model"], entry["tokens"], entry["ttl"]) == (MODEL, 1100, "5m")
        assert entry["written_at"] == written_at
        assert entry["expires_at"] == written_at + 60.5 + 300
        assert entry["expires_in_s"] == 299.877  # 299.8766 s, to the millisecond

        # Gone from the list at the instant it expires, as a request then misses it
        # (TestSeedScenario.test_expires_exactly_at_ttl).
        cache_server.runtime.prompt_cache.clear()
        usage_of(claude)
        clock.advance(300)
        assert http.get("/_emulator/cache").json()["entries"] == []

        cache_server.runtime.prompt_cache.clear()
        with openai.OpenAI(
            base_url=cache_server.base_url + "/v1", api_key="key-a", max_retries=0
        ) as gpt:
            gpt.chat.completions.create(
                model=GPT, messages=[{"role": "system", "content": "word " * 1300}, user("q")]
            )
        entries = http.get("/_emulator/cache").json()["entries"]
    # OpenAI caches automatically every prefix of 1,024 tokens or more (the system
    # message, 3 + 1,300 tokens; with the question, 3 + 1 more), with no TTL to choose.
    assert sorted((e["tokens"], e["ttl"]) for e in entries) == [(1303, "auto"), (1307, "auto")]
    assert {e["written_at"] for e in entries} == {clock.now()}
