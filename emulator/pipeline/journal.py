"""The request journal: what was asked and what was answered, bounded.

Recording is an O(1) append, so it never holds a request up; past the capacity
in entries, or in bytes (``max_bytes``: bodies and headers as kept, plus a
fixed cost per entry), the oldest entries go and ``dropped`` counts them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from itertools import chain, count
from typing import TYPE_CHECKING, Any

from emulator.accounting.usage import PromptUsage
from emulator.pipeline.config import DEFAULT_JOURNAL_MAX_BYTES
from emulator.util import jsonvalue
from emulator.util.log_redaction import REDACTED

if TYPE_CHECKING:
    from emulator.scenario.engine import NearMiss

_SECRET_HEADERS = frozenset({"x-api-key", "authorization", "proxy-authorization", "cookie"})


def is_secret_header(name: str, also_secret: frozenset[str] = frozenset()) -> bool:
    """Credentials by name; ``also_secret`` adds lower-cased names (the headers that
    --require-header demands are a gateway's credentials, whatever they are called)."""
    lowered = name.lower()
    return (
        lowered in _SECRET_HEADERS
        or lowered in also_secret
        or lowered.endswith("-auth")
        or "api-key" in lowered
    )


def redact_headers(
    headers: Mapping[str, str], also_secret: frozenset[str] = frozenset()
) -> dict[str, str]:
    return {
        k.lower(): (REDACTED if is_secret_header(k, also_secret) else v) for k, v in headers.items()
    }


RawHeaders = tuple[tuple[bytes, bytes], ...]
# Names and values alternate, CRLF-separated: a parsed header holds no CR or LF.
_PACKED_SEPARATOR = b"\r\n"


def pack_headers(raw: RawHeaders) -> bytes:
    """Header pairs as received, as one object: an entry kept for thousands of
    requests should not keep a tuple and two bytes per header alive. Clients send
    the same headers again and again, so entries share one copy of each packing
    seen lately: an entry evicted thousands of requests later then frees no bytes
    of its own, whose memory has long left the CPU's caches."""
    packed = _PACKED_SEPARATOR.join(chain.from_iterable(raw))
    shared = _SHARED_PACKINGS.get(packed)
    if shared is not None:
        return shared
    if len(_SHARED_PACKINGS) >= _MAX_SHARED_PACKINGS:
        _SHARED_PACKINGS.clear()
    _SHARED_PACKINGS[packed] = packed
    return packed


_MAX_SHARED_PACKINGS = 256
_SHARED_PACKINGS: dict[bytes, bytes] = {}


def unpack_headers(packed: bytes) -> dict[str, str]:
    """The packed headers; a byte that is not UTF-8 reads as U+FFFD, so the journal
    stays valid JSON whatever a client sent."""
    if not packed:
        return {}
    parts = packed.decode("utf-8", "replace").split("\r\n")
    return dict(zip(parts[::2], parts[1::2], strict=True))


@dataclass(slots=True)
class Exchange:
    """One request and its answer. Filled in as the request goes through the app.

    An entry stays in memory long after its request and is freed cold, so it holds
    few objects: the headers packed in one bytes (decoded and redacted when the
    entry is read), the request body as the JSON bytes received (shared with the
    kept parse of the same bytes) and the response as the bytes sent, both decoded
    when the entry is read, the near misses as the engine found them."""

    time: float
    method: str
    path: str
    headers: bytes | Mapping[str, str]
    test_id: str | None = None
    secret_headers: frozenset[str] = field(default=frozenset(), metadata={"journal": False})
    id: int = 0
    api: str | None = None
    body: bytes | None = None
    scenario: str | None = None
    rule: str | None = None
    nearest_miss: Sequence[NearMiss] = ()
    status: int = 0
    response_body: bytes | None = None
    stream: bool = False
    stream_events: int | None = None
    # (the prompt's split, output tokens); shaped as the journal shows it when read.
    usage: tuple[PromptUsage, int] | None = None
    duration_ms: float = 0.0
    disconnected: bool = False
    error: str | None = None
    # What the entry weighs against the journal's byte budget, set when recorded.
    weight: int = field(default=0, metadata={"journal": False})

    def to_json(self) -> dict[str, Any]:
        entry = {name: getattr(self, name) for name in _EXCHANGE_FIELDS}
        for name in _REQUEST_TEXT_FIELDS:
            entry[name] = _valid_utf8(entry[name])
        headers = self.headers
        if isinstance(headers, bytes):
            headers = unpack_headers(headers)
        entry["headers"] = redact_headers(headers, self.secret_headers)
        entry["nearest_miss"] = [miss.to_json() for miss in self.nearest_miss]
        entry["body"] = None if self.body is None else jsonvalue.loads(self.body)
        entry["response_body"] = _parsed_body(self.response_body)
        entry["usage"] = _usage_json(self.usage)
        return entry


# Texts taken from the request: aiohttp keeps a header's non-UTF-8 bytes as lone
# surrogates, which the JSON encoder refuses, so one such request would make every
# later read of the journal fail.
_REQUEST_TEXT_FIELDS = ("method", "path", "test_id", "error")


def _valid_utf8(text: str | None) -> str | None:
    if text is None or text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate no byte was escaped to
        return text.encode("utf-8", "replace").decode("utf-8")


def _usage_json(usage: tuple[PromptUsage, int] | None) -> dict[str, int] | None:
    if usage is None:
        return None
    prompt, output_tokens = usage
    return {
        "input_tokens": prompt.input_tokens,
        "cache_creation_input_tokens": prompt.cache_creation_tokens,
        "cache_read_input_tokens": prompt.cache_read_tokens,
        "output_tokens": output_tokens,
    }


def _parsed_body(sent: bytes | None) -> Any:
    """The response as JSON when it was JSON (a cut-short body stays as text)."""
    if not sent:
        return None
    try:
        return jsonvalue.loads(sent)
    except jsonvalue.JSONDecodeError:
        return sent.decode("utf-8", "replace")


_EXCHANGE_FIELDS = tuple(f.name for f in fields(Exchange) if f.metadata.get("journal", True))


# An entry's own objects besides its bodies and headers, roughly.
ENTRY_OVERHEAD_BYTES = 512


def entry_weight(exchange: Exchange) -> int:
    headers = exchange.headers
    return (
        ENTRY_OVERHEAD_BYTES
        + (len(headers) if isinstance(headers, bytes) else 0)
        + len(exchange.body or b"")
        + len(exchange.response_body or b"")
    )


class Journal:
    """Entries are recorded on the server's loop only; readers on other threads copy
    the deque, which is atomic in CPython. The newest entry is kept whatever it
    weighs."""

    def __init__(self, capacity: int = 10_000, max_bytes: int = DEFAULT_JOURNAL_MAX_BYTES) -> None:
        self._capacity = max(1, capacity)
        self._max_bytes = max_bytes
        self._entries: deque[Exchange] = deque()
        self._bytes = 0
        self._ids = count(1)
        self._first_id = 1  # of the entries recorded since the last clear

    def record(self, exchange: Exchange) -> None:
        exchange.id = next(self._ids)
        exchange.weight = entry_weight(exchange)
        entries = self._entries
        entries.append(exchange)
        self._bytes += exchange.weight
        while len(entries) > self._capacity or (self._bytes > self._max_bytes and len(entries) > 1):
            self._bytes -= entries.popleft().weight

    @property
    def bytes(self) -> int:
        """What the kept entries weigh against ``max_bytes``."""
        return self._bytes

    @property
    def dropped(self) -> int:
        """Entries recorded since the last clear that are gone to make room."""
        try:
            oldest = self._entries[0].id
        except IndexError:
            return 0
        return max(0, oldest - self._first_id)

    def entries(
        self,
        *,
        api: str | None = None,
        path: str | None = None,
        test_id: str | None = None,
        since: float | None = None,
    ) -> list[Exchange]:
        found = list(self._entries)
        return [
            e
            for e in found
            if (api is None or e.api == api)
            and (path is None or e.path == path)
            and (test_id is None or e.test_id == test_id)
            and (since is None or e.time >= since)
        ]

    def clear(self) -> None:
        self._first_id = next(self._ids) + 1
        self._entries.clear()
        self._bytes = 0
