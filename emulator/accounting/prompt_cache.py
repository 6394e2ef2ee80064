"""Prompt-cache accounting: which prompt tokens are written to and read from cache.

Anthropic (explicit breakpoints): the prompt is a list of blocks in the order
tools → system → messages. Each block position has a cumulative prefix hash.
A breakpoint reads the longest prefix some earlier request wrote, looking at
the breakpoint and up to 19 positions before it; then every breakpoint after
the hit whose prefix reaches the model's minimum is written. With A the tokens
read, B the tokens at the last 1-hour breakpoint after A and C those at the
last written breakpoint: read = A, 1h write = B - A, 5m write = C - B, and the
rest of the prompt is ``input_tokens``.

OpenAI (automatic): every prompt of 1,024 tokens or more is cached at each of
its block positions; a later prompt sharing a prefix with one reports the
shared tokens, rounded down to 128, as ``cached_tokens``.

Entries are keyed by API key and model, expire ``ttl`` after the start of the
request that wrote or last read them, and are evicted least-recently-used
past ``capacity``.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from emulator.accounting.usage import PromptUsage, shared_usage, uncached
from emulator.core.neutral import CacheTtl, PromptBlock
from emulator.util import jsonvalue
from emulator.util.lru import IdentityMemo
from emulator.util.wire_text import wire_bytes

LOOKBACK_BLOCKS = 20
TTL_SECONDS: dict[CacheTtl, float] = {"5m": 300.0, "1h": 3600.0}
OPENAI_MIN_TOKENS = 1024
OPENAI_STEP_TOKENS = 128
OPENAI_TTL_SECONDS = 600.0
DEFAULT_CAPACITY = 100_000


@dataclass(slots=True)
class CacheEntry:
    owner: str
    model: str
    prefix_hash: str
    tokens: int
    ttl: CacheTtl | None
    ttl_s: float
    written_at: float
    expires_at: float

    def to_json(self, now: float) -> dict[str, object]:
        return {
            "hash": self.prefix_hash,
            "owner": self.owner,
            "model": self.model,
            "tokens": self.tokens,
            "ttl": self.ttl or "auto",
            "written_at": self.written_at,
            "expires_at": self.expires_at,
            "expires_in_s": round(self.expires_at - now, 3),
        }


@functools.lru_cache(maxsize=4096)
def owner_of(api_key: str, partition: str = "") -> str:
    """A stable, non-secret label of an API key (the journal and control API show it)."""
    digest = hashlib.blake2b(wire_bytes(f"{api_key}\x00{partition}"), digest_size=6).hexdigest()
    return f"key-{digest}"


def _strip_cache_control(source: object) -> object:
    if isinstance(source, dict) and "cache_control" in source:
        return {k: v for k, v in source.items() if k != "cache_control"}
    return source


def prefix_hashes(blocks: Sequence[PromptBlock]) -> list[str]:
    """Cumulative hash of the prompt up to and including each block."""
    hashes: list[str] = []
    running = hashlib.blake2b(digest_size=16)
    for block in blocks:
        running.update(block.kind.encode())
        running.update(b"\x00")
        running.update(jsonvalue.canonical(_strip_cache_control(block.source)))
        running.update(b"\x01")
        hashes.append(running.copy().hexdigest())
    return hashes


def cumulative_tokens(blocks: Sequence[PromptBlock]) -> list[int]:
    total = 0
    out: list[int] = []
    for block in blocks:
        total += block.tokens
        out.append(total)
    return out


@dataclass(frozen=True, slots=True)
class _Prefixes:
    """Each prefix of a prompt: its hash and its tokens; the last is the whole prompt."""

    hashes: list[str]
    tokens: list[int]

    @property
    def total(self) -> int:
        return self.tokens[-1] if self.tokens else 0


def _prefixes(blocks: Sequence[PromptBlock]) -> _Prefixes:
    known = _PREFIXES.get(blocks)
    if known is None:
        known = _Prefixes(prefix_hashes(blocks), cumulative_tokens(blocks))
        _PREFIXES.put(blocks, known)
    return known


# Hashing a long prompt costs more than the rest of a request; a parsed request's
# blocks are reused when the same body comes again.
_PREFIXES: IdentityMemo[_Prefixes] = IdentityMemo(1024)


class PromptCacheStore:
    """The TTL store of prompt prefixes, bounded and safe under concurrent requests."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: OrderedDict[tuple[str, str, str], CacheEntry] = OrderedDict()
        self._lock = threading.Lock()
        self.capacity = max(1, capacity)

    def _live(self, key: tuple[str, str, str], now: float) -> CacheEntry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= now:
            del self._entries[key]
            return None
        return entry

    def _refresh(self, key: tuple[str, str, str], entry: CacheEntry, now: float) -> None:
        entry.expires_at = now + entry.ttl_s
        self._entries.move_to_end(key)

    def _write(self, entry: CacheEntry) -> None:
        key = (entry.owner, entry.model, entry.prefix_hash)
        existing = self._entries.get(key)
        if (
            existing is not None
            and existing.ttl_s > entry.ttl_s
            and existing.expires_at > entry.written_at
        ):
            entry.ttl_s, entry.ttl = existing.ttl_s, existing.ttl
            entry.expires_at = entry.written_at + entry.ttl_s
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    # -- Anthropic ---------------------------------------------------------------
    def account_anthropic(
        self,
        *,
        owner: str,
        model: str,
        blocks: Sequence[PromptBlock],
        breakpoints: Sequence[tuple[int, CacheTtl]],
        min_tokens: int,
        now: float,
    ) -> PromptUsage:
        """Usage of one Messages request; ``breakpoints`` are (block position, TTL), in order."""
        prefixes = _prefixes(blocks)
        hashes, tokens, total = prefixes.hashes, prefixes.tokens, prefixes.total
        if not breakpoints:
            return uncached(total)
        ttl_at = dict(breakpoints)
        positions = [position for position, _ in breakpoints]
        with self._lock:
            hit = self._longest_hit(owner, model, hashes, positions, now)
            read = tokens[hit] if hit is not None else 0
            writes = [p for p in positions if (hit is None or p > hit) and tokens[p] >= min_tokens]
            one_hour_after_hit = [p for p in writes if ttl_at[p] == "1h"]
            level_1h = tokens[one_hour_after_hit[-1]] if one_hour_after_hit else read
            level_all = tokens[writes[-1]] if writes else read
            for position in writes:
                ttl = ttl_at[position]
                self._write(
                    CacheEntry(
                        owner,
                        model,
                        hashes[position],
                        tokens[position],
                        ttl,
                        TTL_SECONDS[ttl],
                        now,
                        now + TTL_SECONDS[ttl],
                    )
                )
        return shared_usage(total - level_all, level_all - level_1h, level_1h - read, read)

    def _longest_hit(
        self,
        owner: str,
        model: str,
        hashes: Sequence[str],
        breakpoints: Sequence[int],
        now: float,
    ) -> int | None:
        best: int | None = None
        hit_keys: list[tuple[str, str, str]] = []
        for breakpoint in breakpoints:
            lowest = max(0, breakpoint - LOOKBACK_BLOCKS + 1)
            for position in range(breakpoint, lowest - 1, -1):
                key = (owner, model, hashes[position])
                entry = self._live(key, now)
                if entry is not None:
                    hit_keys.append(key)
                    if best is None or position > best:
                        best = position
                    break
        for key in hit_keys:
            entry = self._entries.get(key)
            if entry is not None:
                self._refresh(key, entry, now)
        return best

    # -- OpenAI ------------------------------------------------------------------
    def account_openai(
        self, *, owner: str, model: str, blocks: Sequence[PromptBlock], now: float
    ) -> PromptUsage:
        prefixes = _prefixes(blocks)
        hashes, tokens, total = prefixes.hashes, prefixes.tokens, prefixes.total
        if total < OPENAI_MIN_TOKENS:
            return uncached(total)
        with self._lock:
            shared = 0
            for position in range(len(blocks) - 1, -1, -1):
                key = (owner, model, hashes[position])
                entry = self._live(key, now)
                if entry is not None:
                    self._refresh(key, entry, now)
                    shared = tokens[position]
                    break
            for position, prefix_tokens in enumerate(tokens):
                if prefix_tokens >= OPENAI_MIN_TOKENS:
                    self._write(
                        CacheEntry(
                            owner,
                            model,
                            hashes[position],
                            prefix_tokens,
                            None,
                            OPENAI_TTL_SECONDS,
                            now,
                            now + OPENAI_TTL_SECONDS,
                        )
                    )
        cached = 0
        if shared >= OPENAI_MIN_TOKENS:
            cached = shared // OPENAI_STEP_TOKENS * OPENAI_STEP_TOKENS
        return shared_usage(total - cached, 0, 0, cached)

    # -- inspection --------------------------------------------------------------
    def entries(self, now: float) -> list[CacheEntry]:
        with self._lock:
            for key in [k for k, e in self._entries.items() if e.expires_at <= now]:
                del self._entries[key]
            return list(self._entries.values())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
