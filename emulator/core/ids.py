"""Identifiers in the shapes the real APIs use.

Ids are unique, not deterministic: the same request twice gets the same
content but new ids, as from the real service. They need not be secret, so they
come from one generator seeded from the OS at start-up rather than a system call
per id.
"""

from __future__ import annotations

import os
import random
import uuid

ORGANIZATION_ID = str(uuid.UUID(int=0x11ED_5EED))

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


_RANDOM = random.Random(os.urandom(32))


def _byte_table(alphabet: str) -> bytes:
    """Maps each byte value to a character of ``alphabet`` (near-uniformly)."""
    return bytes(ord(alphabet[value % len(alphabet)]) for value in range(256))


_TABLES = {alphabet: _byte_table(alphabet) for alphabet in (_BASE58, _ALNUM)}


def _encode(alphabet: str, length: int) -> str:
    # getrandbits rather than randbytes, which is a Python-level wrapper around it.
    raw = _RANDOM.getrandbits(length * 8).to_bytes(length, "little")
    return raw.translate(_TABLES[alphabet]).decode("ascii")


def _reseed_after_fork() -> None:
    """A forked worker must not repeat its parent's ids."""
    _RANDOM.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed_after_fork)


def anthropic_id(prefix: str) -> str:
    """``msg_01…``, ``toolu_01…``, ``req_01…``: prefix plus 24 base58 characters."""
    return f"{prefix}_01{_encode(_BASE58, 22)}"


def message_id() -> str:
    return anthropic_id("msg")


def tool_use_id() -> str:
    return anthropic_id("toolu")


def completion_id() -> str:
    return anthropic_id("compl")


def anthropic_request_id() -> str:
    return anthropic_id("req")


def chat_completion_id() -> str:
    return "chatcmpl-" + _encode(_ALNUM, 29)


def tool_call_id() -> str:
    return "call_" + _encode(_ALNUM, 24)


def openai_request_id() -> str:
    return "req_" + _RANDOM.randbytes(16).hex()


def log_id() -> str:
    return _RANDOM.randbytes(32).hex()


def openai_item_id(prefix: str) -> str:
    """Responses API ids: ``resp_…``, ``msg_…``, ``fc_…``, ``rs_…``: prefix plus 48 hex digits."""
    return f"{prefix}_{_RANDOM.randbytes(24).hex()}"
