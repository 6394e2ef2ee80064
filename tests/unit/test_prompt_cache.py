from __future__ import annotations

import threading
from typing import Any

from emulator.accounting.prompt_cache import PromptCacheStore, owner_of
from emulator.core.neutral import PromptBlock


def _blocks(*texts: str, tokens: int = 600) -> tuple[PromptBlock, ...]:
    return tuple(PromptBlock("text", {"type": "text", "text": t}, tokens) for t in texts)


def test_lru_capacity_evicts_oldest() -> None:
    store = PromptCacheStore(capacity=2)
    for name in ("a", "b", "c"):
        store.account_anthropic(
            owner="o",
            model="m",
            blocks=_blocks(name, "x"),
            breakpoints=[(1, "5m")],
            min_tokens=1,
            now=0,
        )
    assert len(store.entries(0)) == 2
    again = store.account_anthropic(
        owner="o", model="m", blocks=_blocks("a", "x"), breakpoints=[(1, "5m")], min_tokens=1, now=1
    )
    assert again.cache_read_tokens == 0 and again.cache_creation_tokens == 1200


def test_openai_prefix_and_partition() -> None:
    store = PromptCacheStore()
    first = store.account_openai(owner="o", model="m", blocks=_blocks("s", "q1"), now=0)
    assert (first.input_tokens, first.cache_read_tokens) == (1200, 0)
    second = store.account_openai(owner="o", model="m", blocks=_blocks("s", "q2"), now=10)
    assert second.cache_read_tokens == 0  # the shared prefix (600) is under 1,024 tokens
    third = store.account_openai(owner="o", model="m", blocks=_blocks("s", "q1", "q3"), now=20)
    assert third.cache_read_tokens == 1152  # 1,200 shared: 9 blocks of 128
    other = store.account_openai(owner="p", model="m", blocks=_blocks("s", "q1", "q3"), now=20)
    assert other.cache_read_tokens == 0
    expired = store.account_openai(
        owner="o", model="m", blocks=_blocks("s", "q1", "q3"), now=20 + 601
    )
    assert expired.cache_read_tokens == 0


def test_owner_labels_hide_keys_and_partition() -> None:
    assert owner_of("sk-1") != owner_of("sk-2")
    assert owner_of("sk-1", "a") != owner_of("sk-1", "b")
    assert "sk-1" not in owner_of("sk-1")


def test_concurrent_requests_keep_the_invariant() -> None:
    store = PromptCacheStore(capacity=50)
    failures: list[str] = []

    def worker(index: int) -> None:
        for step in range(200):
            blocks = _blocks("shared", f"t{index}-{step % 7}", tokens=300)
            usage = store.account_anthropic(
                owner="o",
                model="m",
                blocks=blocks,
                breakpoints=[(0, "5m"), (1, "5m")],
                min_tokens=100,
                now=float(step),
            )
            if usage.total_tokens != 600:
                failures.append(repr(usage))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_prompt_sent_again_reads_its_prefix_and_shares_its_usage() -> None:
    """The same parsed blocks (as a kept parse serves them) are hashed once; the same
    split of tokens is the same object, so bodies kept by usage are found again."""
    store = PromptCacheStore()
    blocks = _blocks("system", "question")
    usages = [
        store.account_anthropic(
            owner="o", model="m", blocks=blocks, breakpoints=[(0, "5m")], min_tokens=1, now=t
        )
        for t in (0, 1, 2)
    ]
    assert (usages[0].cache_creation_5m_tokens, usages[0].input_tokens) == (600, 600)
    assert (usages[1].cache_read_tokens, usages[1].input_tokens) == (600, 600)
    assert usages[2] is usages[1] and usages[0] is not usages[1]
    other_blocks = _blocks("system", "question")  # equal, not the same objects
    fourth = store.account_anthropic(
        owner="o", model="m", blocks=other_blocks, breakpoints=[(0, "5m")], min_tokens=1, now=3
    )
    assert fourth is usages[1]


# OpenAI (openai-chat-completions.md, prompt caching): automatic from 1,024 prompt
# tokens; cached_tokens is 0 below that, else whole 128-token steps (1024, 1152, …) of
# the longest exact prefix seen before; nothing is ever "written" in usage.
def _openai(store: PromptCacheStore, blocks: tuple[PromptBlock, ...], now: float = 0) -> Any:
    return store.account_openai(owner="o", model="m", blocks=blocks, now=now)


def test_openai_below_1024_tokens_never_caches() -> None:
    store = PromptCacheStore()
    prompt = _blocks("a", "b", tokens=1023 // 2) + _blocks("c", tokens=1)  # 1,023 tokens
    for _ in range(2):
        usage = _openai(store, prompt)
        assert (usage.input_tokens, usage.cache_read_tokens) == (1023, 0)
        assert usage.cache_creation_tokens == 0
    assert store.entries(0) == []


def test_openai_exactly_1024_tokens_caches_all_of_them() -> None:
    store = PromptCacheStore()
    prompt = _blocks("a", "b", tokens=512)
    first, second = _openai(store, prompt), _openai(store, prompt, now=1)
    assert (first.input_tokens, first.cache_read_tokens, first.cache_creation_tokens) == (
        1024,
        0,
        0,
    )
    assert (second.input_tokens, second.cache_read_tokens) == (0, 1024)
    assert second.cache_creation_tokens == 0 and second.total_tokens == 1024


def test_openai_reads_whole_128_token_steps_of_the_longest_shared_prefix() -> None:
    store = PromptCacheStore()
    _openai(store, _blocks("a", tokens=1100) + _blocks("b", tokens=100))
    # The longest prefix seen is "a" (1,100 tokens): 8 steps of 128 = 1,024 read.
    usage = _openai(store, _blocks("a", tokens=1100) + _blocks("other", tokens=100), now=1)
    assert (usage.input_tokens, usage.cache_read_tokens) == (1200 - 1024, 1024)
    # The whole earlier prompt again: 1,200 tokens shared, 9 steps = 1,152.
    usage = _openai(store, _blocks("a", tokens=1100) + _blocks("b", tokens=100), now=2)
    assert (usage.input_tokens, usage.cache_read_tokens) == (1200 - 1152, 1152)
    # Another owner shares nothing.
    other = store.account_openai(
        owner="p", model="m", blocks=_blocks("a", tokens=1100) + _blocks("b", tokens=100), now=3
    )
    assert other.cache_read_tokens == 0


def test_no_breakpoints_neither_reads_nor_writes() -> None:
    # The runtime asks only with breakpoints; a direct call without any is the whole
    # prompt as fresh input, nothing stored.
    store = PromptCacheStore()
    usage = store.account_anthropic(
        owner="o", model="m", blocks=_blocks("a", "b"), breakpoints=[], min_tokens=1, now=0
    )
    assert (usage.input_tokens, usage.cache_creation_tokens, usage.cache_read_tokens) == (
        1200,
        0,
        0,
    )
    assert store.entries(0) == []


def test_a_capacity_below_one_keeps_one_entry() -> None:
    for capacity in (0, 1):
        store = PromptCacheStore(capacity=capacity)
        for name in ("a", "b"):
            store.account_anthropic(
                owner="o",
                model="m",
                blocks=_blocks(name),
                breakpoints=[(0, "5m")],
                min_tokens=1,
                now=0,
            )
        assert [e.tokens for e in store.entries(0)] == [600]
