"""Identifiers in the shapes the real APIs use.

Ids are unique, not deterministic: the same request twice gets the same
content but new ids, as from the real service.
"""

from __future__ import annotations

import secrets
import uuid

ORGANIZATION_ID = str(uuid.UUID(int=0x11ED_5EED))

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _encode(alphabet: str, length: int) -> str:
    number = secrets.randbits(6 * length + 8)
    base = len(alphabet)
    chars = []
    for _ in range(length):
        number, digit = divmod(number, base)
        chars.append(alphabet[digit])
    return "".join(chars)


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
    return "req_" + secrets.token_hex(16)


def log_id() -> str:
    return secrets.token_hex(32)
