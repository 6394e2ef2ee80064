"""Chat Completions ``logprobs``: a log probability per output token, deterministic.

Tokens are the tokenizer's pieces of the output (``split_into_tokens``), so that joined
they give back the text, in JSON as in a stream's deltas. Each chosen token gets a
probability of at least one half; the requested alternatives share what is left, each
less than half the one before, so the chosen token leads its ``top_logprobs`` and the
probabilities at a position never add up to more than one.

The values come from the request's content, the seed and the choice's index, drawn per
position in a fixed order: the same request gets the same values whatever
``top_logprobs`` asks for, and fewer alternatives are a prefix of more.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from emulator.core.tokenizer import split_into_tokens
from emulator.util.jsonvalue import JSONObject

# What alternatives are drawn from: common tokens, more than the 20 the API allows.
_ALTERNATIVES = (
    "the", "a", "and", "to", "of", "in", "is", "it", "that", "for", "on", "with",
    "as", "this", "be", "at", "by", "or", "not", "but", "we", ",", ".", "!", "?",
)  # fmt: skip
# Bounds that keep every logprob finite and below zero.
_MIN_CHOSEN_P = 0.5
_MAX_CHOSEN_P = 0.999_999
_SALT = b"logprobs"


@dataclass(frozen=True, slots=True)
class LogprobOptions:
    """What the request asked for: ``top`` alternatives per position (0 to 20)."""

    top: int
    key: bytes  # the request's content, keyed by the seed: where the values come from


def logprob_options(content_key: bytes, seed: int, top: int) -> LogprobOptions:
    digest = hashlib.blake2b(
        content_key, digest_size=16, key=seed.to_bytes(8, "big", signed=True), salt=_SALT
    )
    return LogprobOptions(top, digest.digest())


def token_logprobs(text: str, options: LogprobOptions, choice: int) -> list[JSONObject]:
    """One entry per token of ``text``, for the choice at index ``choice``."""
    rng = random.Random(options.key + choice.to_bytes(4, "big"))
    return [_entry(token, rng, options.top) for token in split_into_tokens(text)]


def split_by_counts(entries: Sequence[JSONObject], counts: Sequence[int]) -> list[list[JSONObject]]:
    """``entries`` cut into consecutive runs of ``counts[i]`` each (a stream's deltas)."""
    runs: list[list[JSONObject]] = []
    start = 0
    for count in counts:
        runs.append(list(entries[start : start + count]))
        start += count
    return runs


def _entry(token: str, rng: random.Random, top: int) -> JSONObject:
    chosen_p = _MIN_CHOSEN_P + rng.random() * (_MAX_CHOSEN_P - _MIN_CHOSEN_P)
    alternatives_seed = rng.getrandbits(32)  # drawn whatever ``top`` is: values stay put
    logprob = math.log(chosen_p)
    entry: JSONObject = {"token": token, "logprob": logprob, "bytes": list(token.encode())}
    tops: list[JSONObject] = []
    if top > 0:
        tops.append({"token": token, "logprob": logprob, "bytes": entry["bytes"]})
        tops += _alternatives(token, 1 - chosen_p, random.Random(alternatives_seed), top - 1)
    entry["top_logprobs"] = tops
    return entry


def _alternatives(chosen: str, rest: float, rng: random.Random, count: int) -> list[JSONObject]:
    lead = chosen[: len(chosen) - len(chosen.lstrip())]
    stripped = chosen.strip()
    pool = [t for t in _ALTERNATIVES if t != stripped]
    found: list[JSONObject] = []
    share = rest
    for _ in range(count):  # one draw after another: fewer are a prefix of more
        word = pool.pop(rng.randrange(len(pool)))
        share /= 2
        token = lead + word
        found.append(
            {
                "token": token,
                "logprob": math.log(share * (0.5 + rng.random() / 2)),
                "bytes": list(token.encode()),
            }
        )
    return found
