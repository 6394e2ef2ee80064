"""A recorded answer, as a scenario file's ``reply.recorded`` holds it: the status,
the headers worth replaying (retry and rate-limit headers), and either the whole
body or the stream's events with the gap before each."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONValue

# Headers a client acts on: kept with the recording (ids, dates and framing are
# made afresh on replay).
_REPLAYED_HEADER = re.compile(r"retry-after(-ms)?|x-should-retry|.*ratelimit.*", re.IGNORECASE)


def is_replayed_header(name: str) -> bool:
    return _REPLAYED_HEADER.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """One SSE event: its ``event:`` name (None for a data-only stream), its data (a
    JSON value, or the raw string when it is not JSON, e.g. ``[DONE]``), and the
    milliseconds since the previous event (since the request, for the first)."""

    name: str | None
    data: JSONValue
    gap_ms: float = 0.0

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {"data": self.data, "gap_ms": self.gap_ms}
        if self.name is not None:
            out["event"] = self.name
        return out


@dataclass(frozen=True, slots=True)
class RecordedAnswer:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: JSONValue = None
    events: tuple[RecordedEvent, ...] | None = None

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {"status": self.status}
        if self.headers:
            out["headers"] = dict(self.headers)
        if self.events is not None:
            out["events"] = [event.to_json() for event in self.events]
        else:
            out["body"] = self.body
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, JSONValue]) -> RecordedAnswer:
        headers = raw.get("headers")
        events = raw.get("events")
        return cls(
            int(str(raw["status"])),
            tuple(sorted((str(k), str(v)) for k, v in headers.items()))
            if isinstance(headers, dict)
            else (),
            raw.get("body"),
            tuple(_event(e) for e in events if isinstance(e, dict))
            if isinstance(events, list)
            else None,
        )


def _event(raw: Mapping[str, JSONValue]) -> RecordedEvent:
    name = raw.get("event")
    gap = raw.get("gap_ms", 0)
    return RecordedEvent(
        str(name) if name is not None else None,
        raw.get("data"),
        float(gap) if isinstance(gap, int | float) else 0.0,
    )


def decode_data(data: str) -> JSONValue:
    """An event's or body's text: its JSON value, else the text as it is."""
    try:
        return jsonvalue.loads(data)
    except jsonvalue.JSONDecodeError:
        return data
