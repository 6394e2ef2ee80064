"""The shape of an API answer: what a client's parser depends on, not the text.

A JSON value's shape is the set of its paths with their JSON types
(``$.content[].input: object``); the items of an array share one path, so the
shape does not depend on how many there are. A stream's shape is its sequence of
event types (a run of one type counted once: the number of text deltas follows
the text) and the shape of each type's data, merged over its events.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.scenario.recorded import RecordedAnswer, RecordedEvent
from emulator.util.jsonvalue import JSONValue


def json_type(value: JSONValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def paths(value: JSONValue, at: str = "$") -> set[str]:
    found = {f"{at}: {json_type(value)}"}
    if isinstance(value, dict):
        for key, item in value.items():
            found |= paths(item, f"{at}.{key}")
    elif isinstance(value, list):
        for item in value:
            found |= paths(item, f"{at}[]")
    return found


def event_type(event: RecordedEvent) -> str:
    """The ``event:`` name, else the data's ``type`` or ``object`` (OpenAI's data-only
    streams), else the data itself when it is a string such as ``[DONE]``."""
    if event.name is not None:
        return event.name
    data = event.data
    if isinstance(data, dict):
        for key in ("type", "object"):
            if isinstance(data.get(key), str):
                return str(data[key])
        return "message"
    return data if isinstance(data, str) else json_type(data)


@dataclass(frozen=True, slots=True)
class Shape:
    status: int
    # For a stream: each event's paths prefixed by its type.
    paths: frozenset[str]
    events: tuple[str, ...] | None = None


def shape_of(answer: RecordedAnswer) -> Shape:
    if answer.events is None:
        return Shape(answer.status, frozenset(paths(answer.body)))
    sequence: list[str] = []
    found: set[str] = set()
    for event in answer.events:
        kind = event_type(event)
        if not sequence or sequence[-1] != kind:
            sequence.append(kind)
        found |= {f"{kind} {path}" for path in paths(event.data)}
    return Shape(answer.status, frozenset(found), tuple(sequence))


def differences(recorded: Shape, now: Shape) -> list[str]:
    """What changed from ``recorded`` to ``now``, one line each (empty: the same shape).
    A changed status says it all: the bodies of two statuses are not compared."""
    if recorded.status != now.status:
        return [f"status {recorded.status} -> {now.status}"]
    if (recorded.events is None) != (now.events is None):
        was, is_ = (
            ("a stream", "a whole body") if now.events is None else ("a whole body", "a stream")
        )
        return [f"{was} -> {is_}"]
    lines = []
    if recorded.events != now.events:
        before = ", ".join(recorded.events or ())
        after = ", ".join(now.events or ())
        lines.append(f"events {before} -> {after}")
    lines += [f"gone {path}" for path in sorted(recorded.paths - now.paths)]
    lines += [f"new {path}" for path in sorted(now.paths - recorded.paths)]
    return lines
