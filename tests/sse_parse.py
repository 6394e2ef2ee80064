"""An SSE parser written from the HTML standard's "interpreting an event stream"
(https://html.spec.whatwg.org/multipage/server-sent-events.html), fed bytes in any
pieces, as a client reads them off a socket. The tests use it instead of an SDK's
private decoder: it is what any conforming client sees."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

_LINE_END = re.compile(r"\r\n|\r|\n")


class Event(NamedTuple):
    event: str | None  # None: the field was absent (a client then calls it "message")
    data: str


def decode(pieces: Iterable[bytes]) -> Iterator[Event]:
    """The events a stream dispatches; an unterminated last event is not dispatched."""
    text = codecs.getincrementaldecoder("utf-8")()
    pending = ""
    at_start = True
    event: str | None = None
    data: list[str] = []
    for piece in pieces:
        pending += text.decode(piece)
        if at_start and pending:
            pending = pending.removeprefix("\ufeff")  # one leading BOM is ignored
            at_start = False
        # A lone CR at the end may be the first half of a CRLF: wait for more.
        lines = _LINE_END.split(pending[:-1] if pending.endswith("\r") else pending)
        pending = lines.pop() + ("\r" if pending.endswith("\r") else "")
        for line in lines:
            if line == "":
                if data:
                    yield Event(event, "\n".join(data))
                event, data = None, []
                continue
            if line.startswith(":"):
                continue  # a comment
            name, colon, value = line.partition(":")
            if colon:
                value = value.removeprefix(" ")
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
            # id, retry and unknown fields do not change the event's name or data.
