"""The normalised fingerprint a recorded rule matches a request by.

A request is reduced to its endpoint and, for each match key, a short digest of
that key's value in the body. Before digesting, the ids an API made up and the
client sends back (``tool_use_id``, ``call_id``, ``previous_response_id``...) are
replaced by their order of first appearance, so a conversation replayed with
fresh ids still matches. Keys absent from the body take part too (absent is a
value), so a request that adds ``temperature`` does not match a recording
without it. Volatile fields (metadata, user, stream_options...) are not match
keys unless asked for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONValue

# The endpoints a fingerprint names; the generating ones are the neutral request's api.
ENDPOINTS = (
    "messages",
    "count_tokens",
    "complete",
    "chat",
    "responses",
    "input_tokens",
    "embeddings",
)

# Model, conversation, system, tools and generation parameters of every surface.
DEFAULT_MATCH_KEYS: tuple[str, ...] = (
    "audio",
    "dimensions",
    "encoding_format",
    "frequency_penalty",
    "include",
    "input",
    "instructions",
    "logit_bias",
    "logprobs",
    "max_completion_tokens",
    "max_output_tokens",
    "max_tokens",
    "max_tokens_to_sample",
    "messages",
    "modalities",
    "model",
    "n",
    "output_config",
    "parallel_tool_calls",
    "presence_penalty",
    "previous_response_id",
    "prompt",
    "reasoning",
    "reasoning_effort",
    "response_format",
    "seed",
    "stop",
    "stop_sequences",
    "stream",
    "system",
    "temperature",
    "text",
    "thinking",
    "tool_choice",
    "tools",
    "top_k",
    "top_logprobs",
    "top_p",
    "truncation",
)

# Fields whose values an API made up and a client echoes back.
_ID_FIELDS = frozenset({"id", "tool_use_id", "tool_call_id", "call_id", "previous_response_id"})
_ABSENT = b"\x00absent"
_DIGEST_HEX = 16


def normalise(body: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    """``body`` with made-up ids replaced by ``id-1``, ``id-2``... in order of first
    appearance (the same id gets the same placeholder everywhere)."""
    seen: dict[str, str] = {}

    def walk(value: JSONValue, key: str | None) -> JSONValue:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, None) for v in value]
        if key in _ID_FIELDS and isinstance(value, str):
            return seen.setdefault(value, f"id-{len(seen) + 1}")
        return value

    return {k: walk(v, k) for k, v in body.items()}


def _digest(value: JSONValue | bytes) -> str:
    data = value if isinstance(value, bytes) else jsonvalue.canonical(value)
    return hashlib.sha256(data).hexdigest()[:_DIGEST_HEX]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """An endpoint and, per match key, the digest of its normalised value."""

    endpoint: str
    digests: tuple[tuple[str, str], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.digests)

    def differences(self, other: Fingerprint) -> list[str]:
        """The match keys (or the endpoint) on which ``other`` differs."""
        if other.endpoint != self.endpoint:
            return ["endpoint"]
        theirs = dict(other.digests)
        return [key for key, digest in self.digests if theirs.get(key) != digest]

    def to_json(self, default_keys: bool) -> dict[str, JSONValue]:
        """As a scenario file holds it: digests of absent keys are left out (the
        key list says which were asked for, when they are not the default ones)."""
        absent = _digest(_ABSENT)
        out: dict[str, JSONValue] = {
            "endpoint": self.endpoint,
            "digests": {k: d for k, d in self.digests if d != absent},
        }
        if not default_keys:
            out["keys"] = list(self.keys)
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, JSONValue]) -> Fingerprint:
        keys = raw.get("keys")
        wanted = tuple(str(k) for k in keys) if isinstance(keys, list) else DEFAULT_MATCH_KEYS
        given = raw.get("digests")
        digests = given if isinstance(given, dict) else {}
        absent = _digest(_ABSENT)
        return cls(
            str(raw["endpoint"]),
            tuple((key, str(digests.get(key, absent))) for key in sorted(wanted)),
        )


def fingerprint(
    endpoint: str, body: Mapping[str, JSONValue], keys: Sequence[str] = DEFAULT_MATCH_KEYS
) -> Fingerprint:
    normal = normalise(body)
    return Fingerprint(
        endpoint,
        tuple(
            (key, _digest(normal[key]) if key in normal else _digest(_ABSENT))
            for key in sorted(keys)
        ),
    )


def parse_match_keys(spec: str) -> tuple[str, ...]:
    """``model,messages,...``; ``+key`` or ``-key`` items add to or take from the default."""
    items = [item.strip() for item in spec.split(",") if item.strip()]
    if not items:
        raise ValueError("no match keys given")
    if all(item[0] in "+-" for item in items):
        keys = set(DEFAULT_MATCH_KEYS)
        for item in items:
            (keys.add if item[0] == "+" else keys.discard)(item[1:])
        return tuple(sorted(keys))
    if any(item[0] in "+-" for item in items):
        raise ValueError("give either a full list of keys or only +key/-key changes")
    return tuple(sorted(set(items)))
