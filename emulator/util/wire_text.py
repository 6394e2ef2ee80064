"""Text that arrived as bytes, safe wherever the app echoes or compares it.

aiohttp decodes header names and values as UTF-8 with ``surrogateescape``: a
byte that is not part of valid UTF-8 becomes a lone surrogate U+DC80..U+DCFF
(``b"\\xff"`` → ``"\\udcff"``). Python's UTF-8 codec, orjson and
``hmac.compare_digest`` refuse such text, so it is turned back into the bytes
the client sent before it is hashed or compared, and shown with U+FFFD where it
is echoed.
"""

from __future__ import annotations

import hmac

import orjson


def wire_bytes(text: str) -> bytes:
    """The bytes ``text`` was decoded from (any text gives some bytes: a surrogate
    that no decoding made is kept as its UTF-8-style three bytes)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def readable(text: str) -> str:
    """``text`` with each byte that was not UTF-8 shown as U+FFFD: what an echo of a
    header value looks like."""
    if text.isascii():
        return text
    return wire_bytes(text).decode("utf-8", "replace")


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a header value with a configured secret, on bytes:
    ``hmac.compare_digest`` refuses str with non-ASCII characters."""
    return hmac.compare_digest(wire_bytes(given), wire_bytes(expected))


def dumps_any_text(value: object) -> bytes:
    """JSON bytes of ``value``; strings holding decoded-bytes surrogates (which
    orjson refuses) are shown as ``readable`` text instead of failing."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return orjson.dumps(_readable_tree(value))


def _readable_tree(value: object) -> object:
    if isinstance(value, str):
        return readable(value)
    if isinstance(value, dict):
        return {readable(str(k)): _readable_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_readable_tree(v) for v in value]
    return value
