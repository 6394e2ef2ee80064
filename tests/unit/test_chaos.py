"""Chaos: parsing, scopes, the outcome of each fault, seeded determinism, frequencies."""

from __future__ import annotations

import math
import threading
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.core.outcome import ErrorReply, FaultReply
from emulator.faults.chaos import (
    FAULTS,
    ChaosDecision,
    ChaosMonkey,
    ChaosSettings,
    ChaosTable,
    FaultName,
    parse_chaos,
    parse_chaos_table,
    scope_seed,
)

MODEL = "claude-sonnet-4-6"


def monkey(spec: str, seed: int = 0) -> ChaosMonkey:
    return ChaosMonkey(ChaosTable(parse_chaos(spec)), seed)


def summary(decision: ChaosDecision | None) -> tuple[object, ...] | None:
    return None if decision is None else (decision.kind, decision.scope, decision.delay_ms)


# --- parsing -------------------------------------------------------------------------


def test_parse_chaos() -> None:
    parsed = parse_chaos(
        "rate_limit=0.1,overloaded=0.05,drop_mid_stream=0.02,after_events=5,stall_s=30,seed=7"
    )
    assert parsed == ChaosSettings(
        rate_limit=0.1, overloaded=0.05, drop_mid_stream=0.02, after_events=5, stall_s=30, seed=7
    )
    assert parse_chaos(" latency_ms = 20 , jitter_ms=5, ") == ChaosSettings(
        latency_ms=20, jitter_ms=5
    )
    assert parse_chaos("") == ChaosSettings()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rate_limit", "chaos item 'rate_limit' must look like name=value"),
        ("ratelimit=0.1", "unknown chaos setting 'ratelimit' (known: "),
        ("rate_limit=x", "chaos setting rate_limit must be a number, got 'x'"),
        ("after_events=2.5", "chaos setting after_events must be a whole number, got '2.5'"),
        ("seed=", "chaos setting seed must be a whole number, got ''"),
        ("overloaded=1.5", "overloaded must be a probability between 0 and 1, got 1.5"),
        ("timeout=-0.1", "timeout must be a probability between 0 and 1, got -0.1"),
        ("server_error=nan", "server_error must be a probability between 0 and 1, got nan"),
        ("rate_limit=0.6,overloaded=0.6", "chaos probabilities add up to 1.2; at most 1"),
        ("after_events=-1", "after_events must be a whole number >= 0, got -1"),
        ("stall_s=inf", "stall_s must be a finite number >= 0, got inf"),
        ("jitter_ms=-2", "jitter_ms must be a finite number >= 0, got -2.0"),
        ("rate_limit=0.1,rate_limit=0.2", "chaos setting 'rate_limit' given twice"),
        ("model=x,rate_limit=0.1", "unknown chaos setting 'model'"),
    ],
)
def test_parse_chaos_errors(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_chaos(spec)
    assert str(caught.value).startswith(message)


def test_probabilities_may_add_up_to_exactly_one() -> None:
    parsed = parse_chaos(",".join(f"{name}={1 / 7!r}" for name in FAULTS))
    assert math.isclose(parsed.total_probability, 1.0)


def test_parse_chaos_table() -> None:
    table = parse_chaos_table(
        ["rate_limit=0.1", "model=gpt-*,overloaded=0.2", "test_id=t1,server_error=1"]
    )
    assert table.default == ChaosSettings(rate_limit=0.1)
    assert table.by_model == (("gpt-*", ChaosSettings(overloaded=0.2)),)
    assert dict(table.by_test_id) == {"t1": ChaosSettings(server_error=1)}
    assert parse_chaos_table([]) == ChaosTable()


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["rate_limit=0.1", "overloaded=0.1"], "more than one global chaos spec"),
        (["model=a,test_id=b,timeout=1"], "names more than one scope"),
        (["test_id=,timeout=1"], "has an empty test_id"),
        (["test_id=a", "test_id=a,timeout=1"], "chaos for test_id 'a' given twice"),
    ],
)
def test_parse_chaos_table_errors(specs: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_chaos_table(specs)


# --- scopes --------------------------------------------------------------------------


def test_the_most_specific_scope_wins() -> None:
    table = ChaosTable(
        ChaosSettings(rate_limit=1),
        (("gpt-*", ChaosSettings(overloaded=1)), ("gpt-4*", ChaosSettings(timeout=1))),
        {"t1": ChaosSettings(server_error=1)},
    )
    assert table.select("gpt-4.1", "t1") == ("test:t1", ChaosSettings(server_error=1))
    assert table.select("gpt-4.1", "t2") == ("model:gpt-*", ChaosSettings(overloaded=1))
    assert table.select("claude-x", None) == ("global", ChaosSettings(rate_limit=1))
    assert ChaosTable().select("claude-x", "t1") is None


def test_with_test_adds_and_removes() -> None:
    table = ChaosTable().with_test("t1", ChaosSettings(timeout=1))
    assert table.select(MODEL, "t1") == ("test:t1", ChaosSettings(timeout=1))
    assert table.with_test("t1", None).select(MODEL, "t1") is None


def test_no_scope_or_a_quiet_scope_decides_nothing() -> None:
    assert ChaosMonkey().decide(model=MODEL, test_id=None, stream=True) is None
    quiet = monkey("")
    assert all(quiet.decide(model=MODEL, test_id=None, stream=True) is None for _ in range(50))


def test_a_monkey_is_idle_exactly_while_its_table_has_no_scope() -> None:
    chaos = ChaosMonkey()
    assert chaos.is_idle
    chaos.set_table(ChaosTable().with_test("t1", ChaosSettings(timeout=1)))
    assert not chaos.is_idle
    assert chaos.decide(model=MODEL, test_id="t1", stream=False) is not None
    chaos.set_table(chaos.table.with_test("t1", None))
    assert chaos.is_idle
    assert not ChaosMonkey(parse_chaos_table(["model=gpt-*,overloaded=0.5"])).is_idle
    assert not ChaosMonkey(ChaosTable(default=ChaosSettings())).is_idle


# --- outcomes ------------------------------------------------------------------------


def decide_one(fault: FaultName, *, stream: bool, extra: str = "") -> ChaosDecision:
    decision = monkey(f"{fault}=1,{extra}").decide(model="gpt-4.1", test_id=None, stream=stream)
    assert decision is not None
    assert (decision.kind, decision.scope) == (fault, "global")
    return decision


@pytest.mark.parametrize("stream", [False, True])
def test_rate_limit(stream: bool) -> None:
    decision = decide_one("rate_limit", stream=stream, extra="retry_after_s=2")
    assert decision.outcome == ErrorReply(
        429,
        # anthropic-messages.md §9 (429 example): "This request would exceed the rate
        # limit for your organization (…) of …"; a chaos 429 has no limit to name.
        "This request would exceed the rate limit for your organization.",
        "rate_limit_error",
        retry_after_s=2,
        rule="chaos:rate_limit",
    )
    openai = decision.outcome_for("chat")
    assert isinstance(openai, ErrorReply)
    assert (openai.status, openai.retry_after_s) == (429, 2)
    assert openai.message.startswith("Rate limit reached for gpt-4.1 on requests per min (RPM).")
    assert "Please try again in 2s." in openai.message
    assert decision.openai_status == 429


@pytest.mark.parametrize("stream", [False, True])
def test_server_error(stream: bool) -> None:
    decision = decide_one("server_error", stream=stream)
    assert decision.outcome_for("messages") == ErrorReply(
        500, "Internal server error", "api_error", rule="chaos:server_error"
    )
    assert decision.openai_status == 500
    assert isinstance(decision.openai_outcome, ErrorReply)
    assert decision.openai_outcome.message.startswith("The server had an error")


@pytest.mark.parametrize("stream", [False, True])
def test_overloaded_is_529_for_anthropic_and_503_for_openai(stream: bool) -> None:
    decision = decide_one("overloaded", stream=stream)
    anthropic = decision.outcome_for("complete")
    assert anthropic == ErrorReply(529, "Overloaded", "overloaded_error", rule="chaos:overloaded")
    assert decision.openai_status == 503
    assert isinstance(decision.openai_outcome, ErrorReply)
    assert decision.openai_outcome.message == "The server is overloaded or not ready yet."


@pytest.mark.parametrize("stream", [False, True])
def test_timeout_stalls(stream: bool) -> None:
    decision = decide_one("timeout", stream=stream, extra="stall_s=12")
    fault = FaultReply("stall", stall_s=12, rule="chaos:timeout")
    assert (decision.outcome, decision.openai_outcome) == (fault, fault)
    assert decision.openai_status is None


@pytest.mark.parametrize("stream", [False, True])
def test_drop_before_headers(stream: bool) -> None:
    decision = decide_one("drop_before_headers", stream=stream, extra="after_events=4")
    assert decision.outcome == FaultReply("drop", after_events=0, rule="chaos:drop_before_headers")


def test_mid_stream_faults_on_a_stream() -> None:
    drop = decide_one("drop_mid_stream", stream=True, extra="after_events=4")
    assert drop.outcome == FaultReply("drop", after_events=4, rule="chaos:drop_mid_stream")
    error = decide_one("error_mid_stream", stream=True, extra="after_events=2")
    fault = FaultReply("error_event", after_events=2, rule="chaos:error_mid_stream")
    assert (error.outcome, error.openai_outcome) == (fault, fault)


def test_mid_stream_faults_without_a_stream_become_their_equivalents() -> None:
    drop = decide_one("drop_mid_stream", stream=False, extra="after_events=4")
    assert drop.outcome == FaultReply("drop", after_events=0, rule="chaos:drop_mid_stream")
    error = decide_one("error_mid_stream", stream=False)
    assert error.outcome == ErrorReply(
        529, "Overloaded", "overloaded_error", rule="chaos:error_mid_stream"
    )
    assert error.openai_status == 500


def test_latency_is_added_with_jitter() -> None:
    chaos = monkey("latency_ms=100,jitter_ms=50")
    delays = []
    for _ in range(200):
        decision = chaos.decide(model=MODEL, test_id=None, stream=False)
        assert decision is not None
        assert (decision.kind, decision.outcome, decision.openai_status) == ("latency", None, None)
        delays.append(decision.delay_ms)
    assert all(100 <= delay <= 150 for delay in delays)
    assert len(set(delays)) > 100


def test_a_fault_carries_the_latency_too() -> None:
    decision = decide_one("server_error", stream=False, extra="latency_ms=30")
    assert decision.delay_ms == 30


# --- determinism ---------------------------------------------------------------------


def test_scope_seed_is_stable_across_runs() -> None:
    # Fixed value: Python's hash() would change with PYTHONHASHSEED.
    assert scope_seed(7, "global") == 5408740434327300539
    assert scope_seed(7, "global") != scope_seed(8, "global")
    assert scope_seed(7, "global") != scope_seed(7, "test:a")


probabilities = st.floats(min_value=0, max_value=0.14, allow_nan=False)
calls = st.lists(
    st.tuples(
        st.sampled_from(["claude-sonnet-4-6", "gpt-4.1", "gpt-4o-mini"]),
        st.sampled_from([None, "t1", "t2"]),
        st.booleans(),
    ),
    max_size=80,
)


def busy_table(values: list[float]) -> ChaosTable:
    spec = ",".join(f"{name}={value!r}" for name, value in zip(FAULTS, values, strict=True))
    base = parse_chaos(f"{spec},jitter_ms=10")
    return ChaosTable(
        base,
        (("gpt-*", ChaosSettings(overloaded=0.3, drop_mid_stream=0.3)),),
        {"t1": ChaosSettings(rate_limit=0.5, latency_ms=5)},
    )


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(probabilities, min_size=len(FAULTS), max_size=len(FAULTS)),
    seed=st.integers(min_value=0, max_value=2**32),
    sequence=calls,
)
def test_same_seed_and_calls_give_the_same_decisions(
    values: list[float], seed: int, sequence: list[tuple[str, str | None, bool]]
) -> None:
    first, second = ChaosMonkey(busy_table(values), seed), ChaosMonkey(busy_table(values), seed)
    for model, test_id, stream in sequence:
        a = first.decide(model=model, test_id=test_id, stream=stream)
        b = second.decide(model=model, test_id=test_id, stream=stream)
        assert a == b


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), sequence=calls)
def test_other_scopes_do_not_shift_a_scopes_sequence(
    seed: int, sequence: list[tuple[str, str | None, bool]]
) -> None:
    table = busy_table([0.1] * len(FAULTS))
    mixed, alone = ChaosMonkey(table, seed), ChaosMonkey(table, seed)
    seen = [mixed.decide(model=m, test_id=t, stream=s) for m, t, s in sequence]
    for (model, test_id, stream), decision in zip(sequence, seen, strict=True):
        if decision is not None and decision.scope == "test:t1":
            assert alone.decide(model=model, test_id="t1", stream=stream) == decision
        elif test_id == "t1":
            assert alone.decide(model=model, test_id="t1", stream=stream) is None


def test_different_seeds_differ() -> None:
    first, second = (monkey("rate_limit=0.5,jitter_ms=1", s) for s in (1, 2))
    a = [summary(first.decide(model=MODEL, test_id=None, stream=True)) for _ in range(40)]
    b = [summary(second.decide(model=MODEL, test_id=None, stream=True)) for _ in range(40)]
    assert a != b


def test_a_scope_seed_overrides_the_monkeys() -> None:
    scoped = ChaosTable(ChaosSettings(rate_limit=0.5, jitter_ms=1, seed=99))
    chaos_a, chaos_b = ChaosMonkey(scoped, 1), ChaosMonkey(scoped, 2)
    for _ in range(20):
        assert chaos_a.decide(model=MODEL, test_id=None, stream=True) == chaos_b.decide(
            model=MODEL, test_id=None, stream=True
        )


def run(chaos: ChaosMonkey, test_id: str | None) -> list[tuple[object, ...] | None]:
    return [summary(chaos.decide(model=MODEL, test_id=test_id, stream=True)) for _ in range(30)]


def test_reset_restarts_every_sequence() -> None:
    chaos = ChaosMonkey(busy_table([0.1] * len(FAULTS)), 5)
    global_first, t1_first = run(chaos, None), run(chaos, "t1")
    chaos.reset()
    assert (run(chaos, None), run(chaos, "t1")) == (global_first, t1_first)


def test_set_table_restarts_only_the_changed_scopes() -> None:
    table = busy_table([0.1] * len(FAULTS))
    chaos = ChaosMonkey(table, 5)
    run(chaos, None), run(chaos, "t1")
    changed = ChaosTable(ChaosSettings(rate_limit=0.2), table.by_model, table.by_test_id)
    chaos.set_table(changed)
    assert chaos.table == changed
    fresh = ChaosMonkey(changed, 5)
    assert run(chaos, None) == run(fresh, None)  # the global scope starts again
    fresh_t1 = run(fresh, "t1")
    continued = run(chaos, "t1")  # test t1's scope goes on where it was
    assert continued != fresh_t1
    assert continued == run(fresh, "t1")


@settings(max_examples=20, deadline=None)
@given(
    fault=st.sampled_from(FAULTS),
    probability=st.floats(min_value=0.01, max_value=0.99),
    seed=st.integers(min_value=0, max_value=2**32),
    stream=st.booleans(),
)
def test_observed_frequency_matches_the_probability(
    fault: FaultName, probability: float, seed: int, stream: bool
) -> None:
    chaos = monkey(f"{fault}={probability!r}", seed)
    n = 5000
    hits = sum(
        1
        for _ in range(n)
        if (d := chaos.decide(model=MODEL, test_id=None, stream=stream)) and d.kind == fault
    )
    tolerance = 5 * math.sqrt(probability * (1 - probability) / n)  # five standard deviations
    assert abs(hits / n - probability) <= tolerance


def test_faults_share_one_draw_in_proportion() -> None:
    chaos = monkey("rate_limit=0.2,overloaded=0.3,timeout=0.1", 3)
    kinds = Counter(
        d.kind if (d := chaos.decide(model=MODEL, test_id=None, stream=True)) else None
        for _ in range(5000)
    )
    assert abs(kinds["rate_limit"] / 5000 - 0.2) < 0.03
    assert abs(kinds["overloaded"] / 5000 - 0.3) < 0.03
    assert abs(kinds["timeout"] / 5000 - 0.1) < 0.03
    assert abs(kinds[None] / 5000 - 0.4) < 0.03


def test_concurrent_decisions_are_the_sequential_ones() -> None:
    sequential = monkey("rate_limit=0.3,server_error=0.2,jitter_ms=3", 11)
    expected = Counter(
        summary(sequential.decide(model=MODEL, test_id=None, stream=True)) for _ in range(2000)
    )
    shared = monkey("rate_limit=0.3,server_error=0.2,jitter_ms=3", 11)
    seen: Counter[tuple[object, ...] | None] = Counter()
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(250):
            decision = summary(shared.decide(model=MODEL, test_id=None, stream=True))
            with lock:
                seen[decision] += 1

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == expected


def test_probabilities_adding_up_to_one_always_fault() -> None:
    thirds = parse_chaos("rate_limit=0.1,overloaded=0.2,timeout=0.7")
    assert thirds.pick(0.0) == "rate_limit"
    assert thirds.pick(0.15) == "overloaded"
    assert thirds.pick(0.999999999999) == "timeout"
    assert parse_chaos("timeout=0.5").pick(0.75) is None
