"""Token buckets on a ManualClock: refill math, exact waits, headers, 429 bodies."""

from __future__ import annotations

import re
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.accounting.rate_limit import (
    DEFAULT_REQUESTS_PER_MINUTE,
    DEFAULT_TOKENS_PER_MINUTE,
    RateLimiter,
    RateLimitSettings,
    RateLimitTable,
    anthropic_headers,
    anthropic_rate_limit_error,
    go_duration,
    openai_headers,
    openai_rate_limit_error,
    parse_rate_limit_table,
    parse_rate_limits,
    retry_headers,
    rfc3339,
)
from emulator.util.clock import ManualClock

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z, ManualClock's default
KEY = "sk-test"
MODEL = "claude-sonnet-4-6"


def limiter(
    rpm: int | None = None, itpm: int | None = None, otpm: int | None = None, **kwargs: int
) -> tuple[RateLimiter, ManualClock]:
    clock = ManualClock(START)
    table = RateLimitTable(RateLimitSettings(rpm, itpm, otpm))
    return RateLimiter(clock, table, **kwargs), clock


# --- parsing -------------------------------------------------------------------------


def test_parse_rate_limits() -> None:
    assert parse_rate_limits("rpm=60,itpm=20000,otpm=8000") == RateLimitSettings(60, 20000, 8000)
    assert parse_rate_limits(" itpm = 20_000 , ") == RateLimitSettings(None, 20000, None)
    assert parse_rate_limits("requests_per_minute=5") == RateLimitSettings(5)
    assert parse_rate_limits("output_tokens_per_minute=7") == RateLimitSettings(None, None, 7)
    assert parse_rate_limits("") == RateLimitSettings()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rpm", "rate limit item 'rpm' must look like name=value"),
        (
            "tpm=5",
            "unknown rate limit 'tpm' (known: input_tokens_per_minute, itpm, otpm,"
            " output_tokens_per_minute, requests_per_minute, rpm)",
        ),
        ("rpm=0", "rpm must be a positive integer, got '0'"),
        ("itpm=-3", "itpm must be a positive integer, got '-3'"),
        ("otpm=1.5", "otpm must be a positive integer, got '1.5'"),
        ("rpm=", "rpm must be a positive integer, got ''"),
        ("rpm=5,requests_per_minute=6", "rate limit requests_per_minute given twice"),
        ("model=x,rpm=5", "unknown rate limit 'model'"),
    ],
)
def test_parse_rate_limits_errors(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        parse_rate_limits(spec)


def test_settings_reject_non_positive_limits() -> None:
    with pytest.raises(ValueError, match="requests_per_minute must be a positive integer"):
        RateLimitSettings(requests_per_minute=0)


def test_parse_rate_limit_table() -> None:
    table = parse_rate_limit_table(["rpm=60", "model=claude-opus-*,rpm=5,otpm=4000"])
    assert table.default == RateLimitSettings(60)
    assert table.overrides == (("claude-opus-*", RateLimitSettings(5, None, 4000)),)
    assert table.lookup("claude-opus-4-1") == (
        "glob:claude-opus-*",
        RateLimitSettings(5, None, 4000),
    )
    assert table.lookup("gpt-4.1") == ("model:gpt-4.1", RateLimitSettings(60))
    assert parse_rate_limit_table([]) == RateLimitTable()


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["rpm=1", "rpm=2"], "more than one default rate limit spec (add model=<glob>)"),
        (["model=a,rpm"], "rate limit item 'rpm' must look like name=value"),
        (
            ["model=a,model=b,rpm=1"],
            "rate limit spec 'model=a,model=b,rpm=1' names more than one model glob",
        ),
        (["model=,rpm=1"], "rate limit spec 'model=,rpm=1' has an empty model glob"),
        (["model=a,rpm=x"], "rpm must be a positive integer, got 'x'"),
    ],
)
def test_parse_rate_limit_table_errors(specs: list[str], message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        parse_rate_limit_table(specs)


def test_first_matching_glob_wins() -> None:
    table = RateLimitTable(
        overrides=(("claude-*", RateLimitSettings(1)), ("claude-opus-*", RateLimitSettings(2)))
    )
    assert table.lookup("claude-opus-4") == ("glob:claude-*", RateLimitSettings(1))


# --- buckets -------------------------------------------------------------------------


def test_requests_refill_continuously() -> None:
    rate_limiter, clock = limiter(rpm=60)  # one request per second
    for _ in range(60):
        assert rate_limiter.check(KEY, MODEL, 0).is_allowed
    refused = rate_limiter.check(KEY, MODEL, 0)
    assert not refused.is_allowed
    assert refused.limited_by == "requests"
    assert refused.wait_s == pytest.approx(1.0)
    clock.advance(0.5)
    assert rate_limiter.check(KEY, MODEL, 0).wait_s == pytest.approx(0.5)
    clock.advance(0.5)
    assert rate_limiter.check(KEY, MODEL, 0).is_allowed
    assert not rate_limiter.check(KEY, MODEL, 0).is_allowed


def test_input_tokens_wait_is_exact() -> None:
    rate_limiter, clock = limiter(itpm=600)  # 10 tokens per second
    assert rate_limiter.check(KEY, MODEL, 500).is_allowed
    refused = rate_limiter.check(KEY, MODEL, 200)
    assert (refused.is_allowed, refused.limited_by, refused.requested) == (
        False,
        "input_tokens",
        200,
    )
    assert refused.wait_s == pytest.approx(10.0)
    clock.advance(9.99)
    assert not rate_limiter.check(KEY, MODEL, 200).is_allowed
    clock.advance(0.01)  # exactly the advertised wait after the first refusal
    allowed = rate_limiter.check(KEY, MODEL, 200)
    assert allowed.is_allowed
    assert allowed.state.input_tokens.remaining == pytest.approx(0.0, abs=1e-3)


def test_waiting_exactly_the_advertised_time_is_enough() -> None:
    rate_limiter, clock = limiter(rpm=7, itpm=1234)
    for tokens in (700, 300, 611, 97, 1000, 5):
        decision = rate_limiter.check(KEY, MODEL, tokens)
        if not decision.is_allowed:
            clock.advance(decision.wait_s)
            assert rate_limiter.check(KEY, MODEL, tokens).is_allowed


def test_a_refusal_takes_nothing() -> None:
    rate_limiter, _ = limiter(rpm=10, itpm=100)
    assert rate_limiter.check(KEY, MODEL, 90).is_allowed
    for _ in range(5):
        assert not rate_limiter.check(KEY, MODEL, 50).is_allowed
    state = rate_limiter.snapshot(KEY, MODEL)
    assert state.requests.remaining == pytest.approx(9)
    assert state.input_tokens.remaining == pytest.approx(10)


def test_the_longest_wait_is_the_binding_limit() -> None:
    rate_limiter, _ = limiter(rpm=1, itpm=60)  # 1/60 request/s, 1 token/s
    assert rate_limiter.check(KEY, MODEL, 60).is_allowed
    refused = rate_limiter.check(KEY, MODEL, 30)
    assert refused.limited_by == "requests"
    assert refused.wait_s == pytest.approx(60.0)


def test_output_debits_can_go_negative() -> None:
    rate_limiter, clock = limiter(otpm=60)  # 1 token per second
    assert rate_limiter.check(KEY, MODEL, 10).is_allowed
    state = rate_limiter.record_output(KEY, MODEL, 100)
    assert state.output_tokens.remaining == pytest.approx(-40)
    assert state.output_tokens.used == 100
    refused = rate_limiter.check(KEY, MODEL, 10)
    assert (refused.limited_by, refused.requested) == ("output_tokens", 1)
    assert refused.wait_s == pytest.approx(41.0)  # back to one whole token
    clock.advance(41.0)
    assert rate_limiter.check(KEY, MODEL, 10).is_allowed


def test_an_oversized_request_waits_for_a_full_bucket_and_empties_it() -> None:
    rate_limiter, clock = limiter(itpm=100)
    assert rate_limiter.check(KEY, MODEL, 250).is_allowed
    assert rate_limiter.snapshot(KEY, MODEL).input_tokens.remaining == pytest.approx(0)
    refused = rate_limiter.check(KEY, MODEL, 250)
    assert refused.wait_s == pytest.approx(60.0)
    assert refused.requested == 250
    clock.advance(60.0)
    assert rate_limiter.check(KEY, MODEL, 250).is_allowed


def test_negative_input_counts_as_zero() -> None:
    rate_limiter, _ = limiter(itpm=100)
    assert rate_limiter.check(KEY, MODEL, -5).state.input_tokens.remaining == 100


def test_keys_and_models_are_isolated() -> None:
    rate_limiter, _ = limiter(rpm=1)
    assert rate_limiter.check("a", MODEL, 0).is_allowed
    assert not rate_limiter.check("a", MODEL, 0).is_allowed
    assert rate_limiter.check("b", MODEL, 0).is_allowed
    assert rate_limiter.check("a", "claude-haiku-4-5", 0).is_allowed


def test_a_glob_shares_one_bucket_set() -> None:
    table = RateLimitTable(overrides=(("claude-*", RateLimitSettings(1)),))
    rate_limiter = RateLimiter(ManualClock(START), table)
    assert rate_limiter.check(KEY, "claude-opus-4-1", 0).is_allowed
    assert not rate_limiter.check(KEY, "claude-haiku-4-5", 0).is_allowed
    assert rate_limiter.check(KEY, "gpt-4.1", 0).is_allowed


def test_least_recently_used_bucket_sets_are_evicted() -> None:
    rate_limiter, _ = limiter(rpm=1, capacity=3)
    for key in ("a", "b", "c"):
        assert rate_limiter.check(key, MODEL, 0).is_allowed
    assert not rate_limiter.check("a", MODEL, 0).is_allowed  # "a" is now the most recent
    assert rate_limiter.check("d", MODEL, 0).is_allowed  # evicts "b"
    assert len(rate_limiter) == 3
    assert rate_limiter.check("b", MODEL, 0).is_allowed  # full again; evicts "c"
    assert not rate_limiter.check("a", MODEL, 0).is_allowed
    assert not rate_limiter.check("d", MODEL, 0).is_allowed
    assert len(rate_limiter) == 3


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"^capacity must be at least 1$"):
        limiter(capacity=0)
    one, _ = limiter(rpm=5, capacity=1)  # the smallest store: one bucket set
    assert one.check("k", "m", 1).is_allowed and len(one) == 1


def test_unlimited_is_never_refused_and_shows_all_remaining() -> None:
    rate_limiter, _ = limiter()
    for _ in range(DEFAULT_REQUESTS_PER_MINUTE + 5):
        decision = rate_limiter.check(KEY, MODEL, DEFAULT_TOKENS_PER_MINUTE)
        assert decision.is_allowed
    rate_limiter.record_output(KEY, MODEL, 10 * DEFAULT_TOKENS_PER_MINUTE)
    state = rate_limiter.snapshot(KEY, MODEL)
    assert (state.requests.limit, state.requests.remaining_whole) == (4000, 4000)
    assert (state.input_tokens.limit, state.input_tokens.remaining) == (4_000_000, 4_000_000)
    assert state.output_tokens.remaining == 4_000_000
    assert not state.requests.is_enforced
    assert len(rate_limiter) == 0  # nothing to track


def test_only_enforced_buckets_are_spent() -> None:
    rate_limiter, _ = limiter(rpm=10)
    rate_limiter.check(KEY, MODEL, 5000)
    state = rate_limiter.record_output(KEY, MODEL, 7000)
    assert state.requests.remaining_whole == 9
    assert state.input_tokens.remaining_whole == DEFAULT_TOKENS_PER_MINUTE
    assert state.output_tokens.remaining_whole == DEFAULT_TOKENS_PER_MINUTE


def test_snapshot_takes_nothing_and_reset_refills() -> None:
    rate_limiter, _ = limiter(rpm=2)
    rate_limiter.check(KEY, MODEL, 0)
    assert rate_limiter.snapshot(KEY, MODEL).requests.remaining == pytest.approx(1)
    assert rate_limiter.snapshot(KEY, MODEL).requests.remaining == pytest.approx(1)
    rate_limiter.reset()
    assert rate_limiter.snapshot(KEY, MODEL).requests.remaining == 2


def test_set_table_applies_new_limits() -> None:
    rate_limiter, _ = limiter(rpm=1)
    rate_limiter.check(KEY, MODEL, 0)
    rate_limiter.set_table(RateLimitTable(RateLimitSettings(5)))
    assert rate_limiter.table.default.requests_per_minute == 5
    assert rate_limiter.snapshot(KEY, MODEL).requests.remaining == 5


def test_a_clock_moved_back_refills_nothing() -> None:
    rate_limiter, clock = limiter(rpm=60)
    clock.advance(100)
    rate_limiter.check(KEY, MODEL, 0)
    clock.set(START)
    assert rate_limiter.snapshot(KEY, MODEL).requests.remaining == pytest.approx(59)
    clock.advance(1)
    assert rate_limiter.snapshot(KEY, MODEL).requests.remaining == pytest.approx(60)


def test_the_clock_is_used_when_now_is_not_given() -> None:
    rate_limiter, clock = limiter(rpm=60)
    assert rate_limiter.check(KEY, MODEL, 0, now=START + 5).state.at == START + 5
    assert rate_limiter.snapshot(KEY, MODEL).at == clock.now()


def test_concurrent_checks_never_overspend() -> None:
    rate_limiter, _ = limiter(rpm=500)
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(100):
            verdict = rate_limiter.check(KEY, MODEL, 1).is_allowed
            with lock:
                allowed.append(verdict)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 500


# --- headers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (-3, "0s"),
        (0.0004, "1ms"),
        (0.009, "9ms"),
        (0.012, "12ms"),
        (0.174, "174ms"),
        (0.999, "999ms"),
        (1, "1s"),
        (1.5, "1.5s"),
        (1.304, "1.304s"),
        (17.06, "17.06s"),
        (59.9999, "1m0s"),
        (60, "1m0s"),
        (61.5, "1m1.5s"),
        (360, "6m0s"),
        (3600, "1h0m0s"),
        (3723, "1h2m3s"),
        (90061.001, "25h1m1.001s"),
    ],
)
def test_go_duration(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def test_rfc3339_rounds_up_to_whole_seconds() -> None:
    assert rfc3339(START) == "2026-01-01T00:00:00Z"
    assert rfc3339(START + 0.2) == "2026-01-01T00:00:01Z"
    assert rfc3339(1_740_435_930) == "2025-02-24T22:25:30Z"


def test_rfc3339_shows_any_clock_value_as_a_date() -> None:
    # A reset time past what RFC 3339 can show is the nearest date it can.
    assert rfc3339(float("inf")) == "9999-12-31T23:59:59Z"
    assert rfc3339(float("-inf")) == "1970-01-01T00:00:00Z"
    assert rfc3339(1e300) == "9999-12-31T23:59:59Z"


def test_anthropic_headers() -> None:
    rate_limiter, clock = limiter(rpm=60, itpm=20000, otpm=8000)
    clock.advance(10)
    state = rate_limiter.check(KEY, MODEL, 1500).state
    headers = anthropic_headers(state, clock.now())
    assert headers == {
        "anthropic-ratelimit-requests-limit": "60",
        "anthropic-ratelimit-requests-remaining": "59",
        "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:11Z",
        # 8,000 output tokens left is less than 18,500 input tokens left.
        "anthropic-ratelimit-tokens-limit": "8000",
        "anthropic-ratelimit-tokens-remaining": "8000",
        "anthropic-ratelimit-tokens-reset": "2026-01-01T00:00:10Z",
        "anthropic-ratelimit-input-tokens-limit": "20000",
        "anthropic-ratelimit-input-tokens-remaining": "18000",
        "anthropic-ratelimit-input-tokens-reset": "2026-01-01T00:00:15Z",  # 4.5 s, rounded up
        "anthropic-ratelimit-output-tokens-limit": "8000",
        "anthropic-ratelimit-output-tokens-remaining": "8000",
        "anthropic-ratelimit-output-tokens-reset": "2026-01-01T00:00:10Z",
    }
    exact = anthropic_headers(state, clock.now(), round_tokens=False)
    assert exact["anthropic-ratelimit-input-tokens-remaining"] == "18500"
    assert exact["anthropic-ratelimit-requests-remaining"] == "59"


def test_anthropic_tokens_follow_the_most_restrictive_bucket() -> None:
    rate_limiter, clock = limiter(itpm=20000, otpm=8000)
    rate_limiter.check(KEY, MODEL, 15000)
    headers = anthropic_headers(rate_limiter.snapshot(KEY, MODEL), clock.now())
    assert headers["anthropic-ratelimit-tokens-limit"] == "20000"
    assert headers["anthropic-ratelimit-tokens-remaining"] == "5000"


def test_openai_headers() -> None:
    rate_limiter, clock = limiter(rpm=60, itpm=20000)
    state = rate_limiter.check(KEY, "gpt-4.1", 1500).state
    assert openai_headers(state, clock.now()) == {
        "x-ratelimit-limit-requests": "60",
        "x-ratelimit-limit-tokens": "20000",
        "x-ratelimit-remaining-requests": "59",
        "x-ratelimit-remaining-tokens": "18500",
        "x-ratelimit-reset-requests": "1s",
        "x-ratelimit-reset-tokens": "4.5s",
    }
    clock.advance(0.988)
    later = openai_headers(state, clock.now())
    assert later["x-ratelimit-reset-requests"] == "12ms"
    assert later["x-ratelimit-reset-tokens"] == "3.512s"


def test_generous_defaults_in_headers() -> None:
    rate_limiter, clock = limiter()
    state = rate_limiter.check(KEY, "gpt-4.1", 100).state
    headers = openai_headers(state, clock.now())
    assert headers["x-ratelimit-limit-requests"] == "4000"
    assert headers["x-ratelimit-limit-tokens"] == "4000000"
    assert headers["x-ratelimit-remaining-tokens"] == "4000000"
    assert headers["x-ratelimit-reset-requests"] == "0s"


# --- 429 errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wait_s", "after", "after_ms"),
    [(0.0, "1", "1"), (0.174, "1", "174"), (1.0, "1", "1000"), (2.0001, "3", "2001")],
)
def test_retry_headers(wait_s: float, after: str, after_ms: str) -> None:
    assert retry_headers(wait_s) == {"retry-after": after, "retry-after-ms": after_ms}


def test_openai_error_matches_the_reference_example() -> None:
    rate_limiter, _ = limiter(itpm=30000)  # 500 tokens per second
    assert rate_limiter.check(KEY, "gpt-4.1", 18928).is_allowed
    refused = rate_limiter.check(KEY, "gpt-4.1", 11159)
    error = openai_rate_limit_error(refused, "gpt-4.1", organization="org-abc")
    assert error.status == 429
    assert error.message == (
        "Rate limit reached for gpt-4.1 in organization org-abc on tokens per min (TPM):"
        " Limit 30000, Used 18928, Requested 11159. Please try again in 174ms."
        " Visit https://platform.openai.com/account/rate-limits to learn more."
    )
    assert (error.openai_error_type(), error.code, error.param) == (
        "tokens",
        "rate_limit_exceeded",
        None,
    )
    assert error.headers["retry-after"] == "1"
    assert error.headers["retry-after-ms"] == "174"
    assert error.headers["x-ratelimit-remaining-tokens"] == "11072"


def test_openai_error_for_requests() -> None:
    rate_limiter, _ = limiter(rpm=3)
    for _ in range(3):
        rate_limiter.check(KEY, "gpt-4.1", 1)
    error = openai_rate_limit_error(rate_limiter.check(KEY, "gpt-4.1", 1), "gpt-4.1")
    assert error.openai_error_type() == "requests"
    assert error.message.startswith(
        "Rate limit reached for gpt-4.1 in organization org-llm-emulator on requests per min"
        " (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s."
    )
    assert error.headers["retry-after"] == "20"
    assert error.headers["retry-after-ms"] == "20000"


@pytest.mark.parametrize(
    ("kwargs", "tokens", "words"),
    [
        ({"itpm": 20000}, 30000, "of 20,000 input tokens per minute."),
        ({"rpm": 1}, 0, "of 1 requests per minute."),
    ],
)
def test_anthropic_error(kwargs: dict[str, int], tokens: int, words: str) -> None:
    rate_limiter, _ = limiter(**kwargs)
    rate_limiter.check(KEY, MODEL, tokens)
    error = anthropic_rate_limit_error(
        rate_limiter.check(KEY, MODEL, tokens), organization_id="org-1"
    )
    assert (error.status, error.error_type) == (429, "rate_limit_error")
    # anthropic-messages.md §9 (429 example): "This request would exceed the rate limit
    # for your organization (…) of 20,000 input tokens per minute. …".
    assert error.message.startswith(
        f"This request would exceed the rate limit for your organization (org-1) {words}"
    )
    assert error.headers["retry-after"] == "60"
    assert error.headers["retry-after-ms"] == "60000"
    assert "anthropic-ratelimit-requests-limit" in error.headers


def test_anthropic_error_for_output_tokens() -> None:
    rate_limiter, _ = limiter(otpm=8000)
    rate_limiter.record_output(KEY, MODEL, 8000)
    error = anthropic_rate_limit_error(rate_limiter.check(KEY, MODEL, 1))
    assert "of 8,000 output tokens per minute." in error.message
    assert error.headers["retry-after-ms"] == "8"  # one token at 133.3 tokens/s: 7.5 ms
    assert error.headers["retry-after"] == "1"


def test_an_allowed_decision_has_no_error() -> None:
    rate_limiter, _ = limiter()
    allowed = rate_limiter.check(KEY, MODEL, 1)
    assert allowed.limit is None
    with pytest.raises(ValueError, match="allowed the request"):
        anthropic_rate_limit_error(allowed)
    with pytest.raises(ValueError, match="allowed the request"):
        openai_rate_limit_error(allowed, MODEL)


# --- property: never more than capacity + rate x elapsed -----------------------------

steps = st.lists(
    st.tuples(st.floats(min_value=0, max_value=30), st.integers(min_value=0, max_value=2500)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(
    rpm=st.integers(min_value=1, max_value=120),
    itpm=st.integers(min_value=1, max_value=5000),
    schedule=steps,
)
def test_buckets_never_allow_more_than_capacity_plus_refill(
    rpm: int, itpm: int, schedule: list[tuple[float, int]]
) -> None:
    rate_limiter, clock = limiter(rpm=rpm, itpm=itpm)
    taken: list[tuple[float, int]] = []  # (time, input tokens charged) of allowed requests
    for gap, tokens in schedule:
        clock.advance(gap)
        if rate_limiter.check(KEY, MODEL, tokens).is_allowed:
            taken.append((clock.now(), min(tokens, itpm)))
    slack = 1e-5  # seconds: the limiter's float tolerance, with room to spare
    for first in range(len(taken)):
        requests, tokens = 0, 0
        for last in range(first, len(taken)):
            requests, tokens = requests + 1, tokens + taken[last][1]
            elapsed = taken[last][0] - taken[first][0] + slack
            assert requests <= rpm + rpm / 60 * elapsed
            assert tokens <= itpm + itpm / 60 * elapsed


def test_a_group_without_limits_shows_the_generous_defaults_never_spent() -> None:
    # README "Gateway testing": a limit that is not set shows a generous default,
    # never spent.
    rate_limiter, _ = limiter()
    for _ in range(3):
        decision = rate_limiter.check(KEY, MODEL, 5000)
        assert decision.is_allowed
    state = decision.state
    assert (state.requests.limit, state.requests.remaining_whole) == (4_000, 4_000)
    for bucket in (state.input_tokens, state.output_tokens, state.tokens):
        assert (bucket.limit, bucket.remaining_whole) == (4_000_000, 4_000_000)
