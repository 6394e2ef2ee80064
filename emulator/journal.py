"""The request journal: what was asked and what was answered, bounded.

Recording is an O(1) append under a lock, so it never holds a request up;
past the capacity the oldest entries go and ``dropped`` counts them.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from emulator import jsonvalue

REDACTED = "[redacted]"
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


@dataclass(slots=True)
class Exchange:
    """One request and its answer. Filled in as the request goes through the app.

    ``headers`` are the request's own, redacted when the entry is read rather than on
    every request; ``body`` may be shared with the kept parse of the same bytes, so
    readers get copies."""

    time: float
    method: str
    path: str
    headers: Mapping[str, str]
    test_id: str | None = None
    id: int = 0
    api: str | None = None
    body: Any = None
    scenario: str | None = None
    rule: str | None = None
    nearest_miss: list[dict[str, Any]] = field(default_factory=list)
    status: int = 0
    response_body: Any = None
    stream: bool = False
    stream_events: int | None = None
    usage: dict[str, int] | None = None
    duration_ms: float = 0.0
    disconnected: bool = False
    error: str | None = None
    secret_headers: frozenset[str] = field(default=frozenset(), metadata={"journal": False})

    def to_json(self) -> dict[str, Any]:
        entry = {name: _copy(getattr(self, name)) for name in _EXCHANGE_FIELDS}
        entry["headers"] = redact_headers(self.headers, self.secret_headers)
        return entry


_EXCHANGE_FIELDS = tuple(f.name for f in fields(Exchange) if f.metadata.get("journal", True))


def _copy(value: Any) -> Any:
    if isinstance(value, dict | list):
        return jsonvalue.loads(jsonvalue.dumps(value))
    return value


class Journal:
    def __init__(self, capacity: int = 10_000) -> None:
        self._entries: deque[Exchange] = deque(maxlen=max(1, capacity))
        self._lock = threading.Lock()
        self._next_id = 1
        self.dropped = 0

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            exchange.id = self._next_id
            self._next_id += 1
            if len(self._entries) == self._entries.maxlen:
                self.dropped += 1
            self._entries.append(exchange)

    def entries(
        self,
        *,
        api: str | None = None,
        path: str | None = None,
        test_id: str | None = None,
        since: float | None = None,
    ) -> list[Exchange]:
        with self._lock:
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
        with self._lock:
            self._entries.clear()
            self.dropped = 0
