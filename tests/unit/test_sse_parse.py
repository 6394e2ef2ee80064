"""The tests' own SSE parser follows the HTML standard on the cases our streams never
produce, so that a stream that did produce them would be read as a client reads it."""

from __future__ import annotations

import pytest

from tests.sse_parse import Event, decode

RAW = (
    b"\xef\xbb\xbfevent: a\r\ndata: x\rdata:y\n: a comment\nid: 3\nretry: 10\n\n"
    b"data: \xc3\xa9\n\n"
    b"event: cut\ndata: never dispatched\n"
)


@pytest.mark.parametrize("size", range(1, 9))
def test_any_split_of_the_bytes_gives_the_same_events(size: int) -> None:
    pieces = [RAW[i : i + size] for i in range(0, len(RAW), size)]
    # BOM dropped; CRLF, CR and LF all end lines; one space after the colon removed;
    # data lines joined by LF; comments, id and retry ignored; é split across pieces;
    # an event without its blank line is not dispatched.
    assert list(decode(pieces)) == [Event("a", "x\ny"), Event(None, "é")]


def test_a_blank_line_without_data_dispatches_nothing() -> None:
    assert list(decode([b"event: ping\n\n", b"data: [DONE]\n\n"])) == [Event(None, "[DONE]")]
