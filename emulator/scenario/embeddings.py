"""Deterministic embedding vectors that behave well enough for retrieval tests.

A text's vector is a sum of hashed word features: every word (lower-cased ``\\w+``
run, or token id for token input) adds ±1 at ``FEATURES_PER_WORD`` positions
chosen by a keyed hash of (seed, model, word), then the sum is scaled to unit
length. Texts that share words therefore have a positive cosine similarity, and
texts that share none are close to orthogonal, which is what a test of a
retrieval pipeline needs; the numbers are otherwise meaningless. The same
(model, text, seed) always gives the same vector. ``dimensions`` keeps the first
components and rescales them to unit length, as the text-embedding-3 models do.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from array import array
from collections.abc import Iterable

FEATURES_PER_WORD = 8

_WORD = re.compile(r"\w+")


def _features(word: str, key: bytes, dims: int) -> Iterable[tuple[int, float]]:
    digest = hashlib.blake2b(
        word.encode("utf-8", "surrogatepass"), key=key, digest_size=32
    ).digest()
    for i in range(FEATURES_PER_WORD):
        chunk = int.from_bytes(digest[4 * i : 4 * i + 4], "little")
        yield chunk % dims, 1.0 if chunk & 0x8000_0000 else -1.0


def _words(item: str | list[int]) -> list[str]:
    if isinstance(item, str):
        found = _WORD.findall(item.lower())
        return found or [item]  # no word at all: the text itself is the one feature
    return [f"#{token}" for token in item]


def embed(
    item: str | list[int], *, model: str, seed: int, native_dims: int, dims: int
) -> array[float]:
    """The unit-length float32 vector of ``item`` (``dims`` <= ``native_dims`` components)."""
    key = hashlib.blake2b(f"{seed}\x00{model}".encode(), digest_size=32).digest()
    vector = array("d", bytes(8 * native_dims))
    for word in _words(item):
        for index, sign in _features(word, key, native_dims):
            vector[index] += sign
    kept = vector[:dims]
    norm = math.sqrt(sum(v * v for v in kept))
    if norm == 0.0:  # every feature fell beyond ``dims`` or cancelled out
        kept[0], norm = 1.0, 1.0
    return array("f", (v / norm for v in kept))


def as_base64(vector: array[float]) -> str:
    """Little-endian float32 bytes, base64-encoded, as ``encoding_format: base64`` sends."""
    if array("f", [1.0]).tobytes() != b"\x00\x00\x80?":  # a big-endian machine
        vector = array("f", vector)
        vector.byteswap()
    return base64.b64encode(vector.tobytes()).decode("ascii")
