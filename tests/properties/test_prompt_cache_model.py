"""Hypothesis: the prompt cache against a naive reference model, on random call sequences."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.accounting.prompt_cache import LOOKBACK_BLOCKS, PromptCacheStore
from emulator.neutral import CacheTtl, PromptBlock

MIN_TOKENS = 100
TTL_S = {"5m": 300.0, "1h": 3600.0}


@dataclass
class ReferenceCache:
    """Prefixes kept as plain tuples of block texts; nothing hashed, nothing clever."""

    entries: dict[tuple[str, ...], tuple[float, float]] = field(default_factory=dict)

    def call(
        self,
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
                key = tuple(texts[: back + 1])
                found = self.entries.get(key)
                if found is not None and found[0] > now:
                    hits.append(key)
                    best = max(best, back)
                    break
        for key in hits:
            self.entries[key] = (now + self.entries[key][1], self.entries[key][1])
        read = cumulative[best] if best >= 0 else 0
        writes = [(p, t) for p, t in breakpoints if p > best and cumulative[p] >= MIN_TOKENS]
        hour = [p for p, t in writes if t == "1h"]
        level_1h = cumulative[hour[-1]] if hour else read
        level_all = cumulative[writes[-1][0]] if writes else read
        for position, ttl in writes:
            key = tuple(texts[: position + 1])
            old = self.entries.get(key)
            ttl_s = TTL_S[ttl]
            if old is not None and old[0] > now and old[1] > ttl_s:
                ttl_s = old[1]
            self.entries[key] = (now + ttl_s, ttl_s)
        return total - level_all, level_all - level_1h, level_1h - read, read


words = st.sampled_from(["alpha", "beta", "gamma", "delta"])
block_lists = st.lists(st.tuples(words, st.integers(1, 80)), min_size=1, max_size=8)


@st.composite
def requests(
    draw: st.DrawFn, base: list[tuple[str, int]]
) -> tuple[list[tuple[str, int]], list[tuple[int, CacheTtl]]]:
    keep = draw(st.integers(0, len(base)))
    extra = draw(st.lists(st.tuples(words, st.integers(1, 80)), max_size=4))
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


@settings(max_examples=150, deadline=None)
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
        texts = [json.dumps([i == 0, text]) for i, (text, _) in enumerate(blocks)]
        prompt = tuple(
            PromptBlock("text", {"type": "text", "text": t, "cache_control": None}, tokens)
            for t, (_, tokens) in zip(texts, blocks, strict=True)
        )
        usage = store.account_anthropic(
            owner="o", model="m", blocks=prompt, breakpoints=marks, min_tokens=MIN_TOKENS, now=now
        )
        expected = reference.call(texts, [t for _, t in blocks], marks, now)
        got = (
            usage.input_tokens,
            usage.cache_creation_5m_tokens,
            usage.cache_creation_1h_tokens,
            usage.cache_read_tokens,
        )
        assert got == expected
        assert usage.total_tokens == sum(t for _, t in blocks)
        assert min(got) >= 0
