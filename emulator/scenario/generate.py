"""Seeded default replies: what a request gets when no rule matches.

Faker runs once, at start-up, to fill a ``TextPool``; a request then only
picks from the pool with numbers drawn from the request's content and the
emulator's seed (hashed for a plain text reply, a seeded PRNG for the rest).
Same request and seed → the same reply, at a cost of a few microseconds.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import random
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from faker import Faker

from emulator.core.neutral import NeutralRequest, ToolSpec
from emulator.core.outcome import (
    NO_DELAY,
    FinishedChoice,
    Part,
    Reply,
    TextPart,
    ThinkingPart,
    Timing,
    ToolCallPart,
)
from emulator.core.tokenizer import count_tokens, truncate_to_tokens
from emulator.jsongen.instance import UnsatisfiableSchema, make_instance
from emulator.util import jsonvalue

_POOL_SENTENCES = 4096
_REPLY_MIN_TOKENS = 12
_REPLY_MAX_TOKENS = 120
_THINKING_MAX_TOKENS = 200
# json_object mode: an object with a few word keys, not just {}.
_ANY_OBJECT = {"type": "object", "minProperties": 2, "maxProperties": 4}


@dataclass(frozen=True, slots=True)
class TextPool:
    sentences: tuple[str, ...]
    sentence_tokens: tuple[int, ...]
    words: tuple[str, ...]

    @classmethod
    def build(cls, seed: int, size: int = _POOL_SENTENCES) -> TextPool:
        fake = Faker("en_US")
        fake.seed_instance(seed)
        sentences = tuple(fake.sentence(nb_words=fake.random_int(4, 16)) for _ in range(size))
        words = tuple(sorted({w.strip(".").lower() for s in sentences for w in s.split()}))
        return cls(sentences, tuple(count_tokens(s) for s in sentences), words)

    def text(self, rng: random.Random, target_tokens: int) -> str:
        chosen: list[str] = []
        total = 0
        count = len(self.sentences)
        while total < target_tokens:
            index = rng.randrange(count)
            chosen.append(self.sentences[index])
            total += self.sentence_tokens[index]
        return " ".join(chosen)

    def drawn_text(self, draws: Iterator[int], target_tokens: int, *, lead: str = "") -> TextPart:
        """As ``text``, the sentences picked by ``draws`` (32-bit numbers), after
        ``lead`` (whitespace), with where each sentence ends."""
        chosen: list[str] = []
        ends: list[tuple[int, int]] = []
        end = len(lead) - 1
        total = 0
        count = len(self.sentences)
        for draw in draws:
            index = draw % count
            sentence = self.sentences[index]
            chosen.append(sentence)
            end += 1 + len(sentence)
            total += self.sentence_tokens[index]
            ends.append((end, total))
            if total >= target_tokens:
                break
        return TextPart(lead + " ".join(chosen), tuple(ends))


def request_rng(request: NeutralRequest, seed: int, choice: int = 0) -> random.Random:
    digest = hashlib.blake2b(
        request.content_key, digest_size=8, key=seed.to_bytes(8, "big", signed=True)
    )
    return random.Random(int.from_bytes(digest.digest(), "big") + choice)


_DRAWS_PER_DIGEST = struct.Struct("<16I")


def request_draws(request: NeutralRequest, seed: int, choice: int = 0) -> Iterator[int]:
    """32-bit numbers drawn from the request's content and the seed, without end.

    A plain text reply needs a dozen numbers; seeding a ``random.Random`` for them
    cost more than the rest of making the reply, and hashing gives 16 at a time.
    The first 16 are iterated in C; a generator makes more only when asked."""
    key = _seed_key(seed)
    return itertools.chain(
        _draws(request.content_key, key, choice, 0), _more_draws(request.content_key, key, choice)
    )


def _draws(content: bytes, key: bytes, choice: int, block: int) -> tuple[int, ...]:
    salt = _SALT.pack(choice, block)
    return _DRAWS_PER_DIGEST.unpack(
        hashlib.blake2b(content, digest_size=64, key=key, salt=salt).digest()
    )


def _more_draws(content: bytes, key: bytes, choice: int) -> Iterator[int]:
    for block in itertools.count(1):
        yield from _draws(content, key, choice, block)


@lru_cache(maxsize=8)
def _seed_key(seed: int) -> bytes:
    return seed.to_bytes(8, "big", signed=True)


_SALT = struct.Struct("<qQ")


def signature_for(text: str) -> str:
    """An opaque, deterministic stand-in for a thinking block's signature."""
    digest = hashlib.sha256(text.encode()).digest()
    return "Eq" + base64.b64encode(digest * 3).decode()


def _tool_input(spec: ToolSpec, rng: random.Random, pool: TextPool) -> jsonvalue.JSONObject:
    schema = spec.input_schema or {"type": "object"}
    try:
        value = make_instance(schema, rng, pool.words)
    except (UnsatisfiableSchema, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _forces_a_tool(request: NeutralRequest) -> bool:
    return bool(request.tools) and request.tool_choice.mode not in ("auto", "none")


def _forced_tool(request: NeutralRequest, rng: random.Random) -> ToolSpec | None:
    choice = request.tool_choice
    if not _forces_a_tool(request):
        return None
    if choice.mode == "tool" and choice.name:
        return request.tool(choice.name)
    return request.tools[rng.randrange(len(request.tools))]


def default_choice(
    request: NeutralRequest, pool: TextPool, seed: int, index: int
) -> tuple[Part, ...]:
    if _is_plain(request):
        return (_plain_text_choice(request, pool, seed, index),)
    rng = request_rng(request, seed, index)
    parts: list[Part] = []
    if request.thinking_budget is not None:
        budget = min(request.thinking_budget, _THINKING_MAX_TOKENS)
        thought = pool.text(rng, rng.randint(min(20, budget), budget))
        shown = "" if request.thinking_display == "omitted" else thought
        parts.append(ThinkingPart(shown, signature_for(thought)))
    forced = _forced_tool(request, rng)
    if forced is not None:
        parts.append(ToolCallPart(forced.name, _tool_input(forced, rng, pool)))
        return tuple(parts)
    fmt = request.output_format
    if fmt.kind != "text":
        schema = fmt.schema if fmt.kind == "json_schema" and fmt.schema else _ANY_OBJECT
        try:
            value = make_instance(schema, rng, pool.words)
        except (UnsatisfiableSchema, RecursionError):
            value = {}
        parts.append(TextPart(jsonvalue.dumps_str(value)))
        return tuple(parts)
    target = rng.randint(_REPLY_MIN_TOKENS, _REPLY_MAX_TOKENS)
    parts.append(_text_part(request, pool.text(rng, target)))
    return tuple(parts)


def _is_plain(request: NeutralRequest) -> bool:
    """Whether the default reply is plain text (no thinking, format or forced tool)."""
    plain = request.thinking_budget is None and request.output_format.kind == "text"
    return plain and not _forces_a_tool(request)


def _lead(request: NeutralRequest) -> str:
    # Legacy completions continue the prompt after "Assistant:", so they open with a space.
    return " " if request.api == "complete" else ""


def _text_part(request: NeutralRequest, text: str) -> TextPart:
    return TextPart(_lead(request) + text)


def _plain_text_choice(request: NeutralRequest, pool: TextPool, seed: int, index: int) -> Part:
    draws = request_draws(request, seed, index)
    target = _REPLY_MIN_TOKENS + next(draws) % (_REPLY_MAX_TOKENS - _REPLY_MIN_TOKENS + 1)
    return pool.drawn_text(draws, target, lead=_lead(request))


def finished_plain_choice(
    request: NeutralRequest, pool: TextPool, seed: int
) -> FinishedChoice | None:
    """What ``finish_choice`` makes of the request's default reply, for a request
    with one plain text choice, no stop sequences and room for a token; else None.

    Made for an answer that keeps nothing: only the sentences up to the request's
    ``max_tokens`` are drawn and joined, and the one the budget ends in is cut."""
    budget = request.max_tokens
    if request.n != 1 or budget < 1 or request.stop_sequences or not _is_plain(request):
        return None
    draws = request_draws(request, seed, 0)
    target = _REPLY_MIN_TOKENS + next(draws) % (_REPLY_MAX_TOKENS - _REPLY_MIN_TOKENS + 1)
    lead = _lead(request)
    sentences, token_counts = pool.sentences, pool.sentence_tokens
    count = len(sentences)
    chosen: list[str] = []
    total = 0
    for draw in draws:
        index = draw % count
        sentence = sentences[index]
        if total + token_counts[index] > budget:  # the budget ends in this sentence
            before = lead + " ".join(chosen) if chosen else ""
            rest = truncate_to_tokens((" " if chosen else lead) + sentence, budget - total)
            return FinishedChoice((TextPart(before + rest.text),), "max_tokens", None, budget)
        chosen.append(sentence)
        total += token_counts[index]
        if total >= target:
            break
    return FinishedChoice((TextPart(lead + " ".join(chosen)),), "end_turn", None, total)


def default_reply(
    request: NeutralRequest,
    pool: TextPool,
    seed: int,
    timing: Timing = NO_DELAY,
    *,
    kept: bool = False,
) -> Reply:
    if request.n == 1:
        return Reply((default_choice(request, pool, seed, 0),), timing, kept=kept)
    choices = tuple(default_choice(request, pool, seed, i) for i in range(request.n))
    return Reply(choices, timing, kept=kept)
