"""Hypothesis: the prompt cache against a naive reference model, on random call sequences.

Coverage of the strategies: prompts of 1-40 blocks (a request keeps any prefix of a
shared base and appends up to 26 blocks, so a breakpoint can sit more than the
20-block lookback past an earlier entry, and the lookback's edge is reached), 0-4
breakpoints with mixed 5m / 1h TTLs, clock steps around both TTLs, and calls from two
owners (API keys) on two models, whose entries must never serve one another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from emulator.accounting.prompt_cache import LOOKBACK_BLOCKS, PromptCacheStore
from emulator.core.neutral import CacheTtl, PromptBlock

MIN_TOKENS = 100
SCOPES = [("o1", "m1"), ("o1", "m2"), ("o2", "m1"), ("o2", "m2")]
TTL_S = {"5m": 300.0, "1h": 3600.0}


@dataclass
class ReferenceCache:
    """Prefixes kept as plain tuples of block texts; nothing hashed, nothing clever."""

    entries: dict[tuple[str, ...], tuple[float, float]] = field(default_factory=dict)
    beyond_lookback: bool = False  # a miss with a live entry further back (coverage)

    def call(
        self,
        scope: tuple[str, str],
        texts: list[str],
        tokens: list[int],
        breakpoints: list[tuple[int, CacheTtl]],
        now: float,
    ) -> tuple[int, int, int, int]:
        total = sum(tokens)
        if not breakpoints:
            return total, 0, 0, 0
        cumulative = [sum(tokens[: i + 1]) for i in range(len(tokens))]
        best = -1
        hits: list[tuple[str, ...]] = []
        for position, _ in breakpoints:
            for back in range(position, max(-1, position - LOOKBACK_BLOCKS), -1):
                key = (*scope, *texts[: back + 1])
                found = self.entries.get(key)
                if found is not None and found[0] > now:
                    hits.append(key)
                    best = max(best, back)
                    break
            else:
                self.beyond_lookback |= any(
                    (self.entries.get((*scope, *texts[: back + 1])) or (0.0,))[0] > now
                    for back in range(position - LOOKBACK_BLOCKS, -1, -1)
                )
        for key in hits:
            self.entries[key] = (now + self.entries[key][1], self.entries[key][1])
        read = cumulative[best] if best >= 0 else 0
        writes = [(p, t) for p, t in breakpoints if p > best and cumulative[p] >= MIN_TOKENS]
        hour = [p for p, t in writes if t == "1h"]
        level_1h = cumulative[hour[-1]] if hour else read
        level_all = cumulative[writes[-1][0]] if writes else read
        for position, ttl in writes:
            key = (*scope, *texts[: position + 1])
            old = self.entries.get(key)
            ttl_s = TTL_S[ttl]
            if old is not None and old[0] > now and old[1] > ttl_s:
                ttl_s = old[1]
            self.entries[key] = (now + ttl_s, ttl_s)
        return total - level_all, level_all - level_1h, level_1h - read, read


words = st.sampled_from(["alpha", "beta", "gamma", "delta"])
block_lists = st.lists(st.tuples(words, st.integers(1, 80)), min_size=1, max_size=14)
# Mostly short tails, sometimes longer than the lookback.
tail_lengths = st.one_of(st.integers(0, 4), st.integers(LOOKBACK_BLOCKS - 2, LOOKBACK_BLOCKS + 6))


@st.composite
def requests(
    draw: st.DrawFn, base: list[tuple[str, int]]
) -> tuple[list[tuple[str, int]], list[tuple[int, CacheTtl]]]:
    keep = draw(st.integers(0, len(base)))
    length = draw(tail_lengths)
    extra = draw(st.lists(st.tuples(words, st.integers(1, 80)), min_size=length, max_size=length))
    blocks = base[:keep] + extra or base[:1]
    count = draw(st.integers(0, min(4, len(blocks))))
    positions = sorted(
        draw(st.lists(st.integers(0, len(blocks) - 1), min_size=count, max_size=count, unique=True))
    )
    hours = draw(st.integers(0, len(positions)))
    marks: list[tuple[int, CacheTtl]] = [
        (p, "1h" if i < hours else "5m") for i, p in enumerate(positions)
    ]
    return blocks, marks


@settings(max_examples=200, deadline=None)
@given(data=st.data(), base=block_lists)
def test_store_agrees_with_reference_and_keeps_the_invariant(
    data: st.DataObject, base: list[tuple[str, int]]
) -> None:
    store = PromptCacheStore()
    reference = ReferenceCache()
    now = 1000.0
    for _ in range(data.draw(st.integers(1, 12))):
        now += data.draw(st.sampled_from([0.0, 1.0, 120.0, 299.0, 301.0, 3599.0, 4000.0]))
        blocks, marks = data.draw(requests(base))
        # Mostly one owner and model, so that calls meet each other's entries.
        owner, model = data.draw(st.just(("o1", "m1")) | st.sampled_from(SCOPES))
        texts = [json.dumps([i == 0, text]) for i, (text, _) in enumerate(blocks)]
        prompt = tuple(
            PromptBlock("text", {"type": "text", "text": t, "cache_control": None}, tokens)
            for t, (_, tokens) in zip(texts, blocks, strict=True)
        )
        usage = store.account_anthropic(
            owner=owner,
            model=model,
            blocks=prompt,
            breakpoints=marks,
            min_tokens=MIN_TOKENS,
            now=now,
        )
        expected = reference.call((owner, model), texts, [t for _, t in blocks], marks, now)
        event(f"blocks>{LOOKBACK_BLOCKS}: {len(blocks) > LOOKBACK_BLOCKS}")
        if expected[3]:
            event("a cache read")
        if reference.beyond_lookback:
            event("a live entry out of the lookback's reach")
            reference.beyond_lookback = False
        got = (
            usage.input_tokens,
            usage.cache_creation_5m_tokens,
            usage.cache_creation_1h_tokens,
            usage.cache_read_tokens,
        )
        assert got == expected
        assert usage.total_tokens == sum(t for _, t in blocks)
        assert min(got) >= 0


@pytest.mark.parametrize("appended", [LOOKBACK_BLOCKS - 1, LOOKBACK_BLOCKS, LOOKBACK_BLOCKS + 1])
def test_the_lookback_edge(appended: int) -> None:
    """README "Prompt caching": a read looks back up to 20 blocks before a breakpoint.
    An entry written at block 0, then a breakpoint ``appended`` blocks later: read
    when the entry is within the 20 blocks the lookback visits, missed beyond them."""
    store, reference = PromptCacheStore(), ReferenceCache()
    texts = [json.dumps([i == 0, f"block {i}"]) for i in range(appended + 1)]
    tokens = [MIN_TOKENS] + [1] * appended
    results = []
    for count, mark in ((1, 0), (appended + 1, appended)):
        prompt = tuple(
            PromptBlock("text", {"type": "text", "text": t, "cache_control": None}, n)
            for t, n in zip(texts[:count], tokens[:count], strict=True)
        )
        usage = store.account_anthropic(
            owner="o",
            model="m",
            blocks=prompt,
            breakpoints=[(mark, "5m")],
            min_tokens=MIN_TOKENS,
            now=1000.0,
        )
        expected = reference.call(("o", "m"), texts[:count], tokens[:count], [(mark, "5m")], 1000.0)
        assert usage.cache_read_tokens == expected[3]
        results.append(usage.cache_read_tokens)
    # anthropic-prompt-caching.md: at most 20 positions, the breakpoint itself the first.
    assert results == [0, MIN_TOKENS if appended < LOOKBACK_BLOCKS else 0]
