"""Answers sent whole in one write, their heads mostly serialized ahead.

aiohttp builds each response's head afresh: a multidict of its headers, the
framing and date headers added to it, every name and value checked and then
serialized. An answer carries about twenty headers, and all but its request id
are the same from one answer to the next (the rate-limit headers change once a
second). Building them cost about 10 µs per answer, an eighth of a whole stream
answer's cost, so the shared lines are serialized once (``head_lines``) and an
answer with nothing to wait for goes out as one write of status line, those
lines, its own lines and its body (``send_whole``).

This is only for what aiohttp would send the same way: HTTP/1.1 keep-alive
requests to an app with no response-prepare hooks (``can_send_whole``). Anything
else goes aiohttp's own way, as every answer that waits (paced streams, faults,
errors) does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from email.utils import formatdate

from aiohttp import web
from aiohttp.http import SERVER_SOFTWARE, HttpVersion11

STATUS_LINE_OK = b"HTTP/1.1 200 OK\r\n"
CHUNKED = b"Transfer-Encoding: chunked\r\n"
JSON_CONTENT_TYPE = b"Content-Type: application/json\r\n"
_LAST_CHUNK = b"\r\n0\r\n\r\n"
_SERVER = b"Server: " + SERVER_SOFTWARE.encode() + b"\r\n"
# aiohttp's default high-water mark: above it, its own writes would wait for the drain.
_DRAIN_ABOVE = 64 * 1024

# What aiohttp refuses in a header (CR, LF and the other controls but tab), and
# what HTTP allows in a name.
_FORBIDDEN_IN_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def head_lines(headers: Iterable[tuple[str, str]]) -> bytes | None:
    """``headers`` as the lines of a head, in order; None when one of them could not
    be sent as it is (aiohttp would refuse it, so it must have the chance to)."""
    lines = []
    for name, value in headers:
        if not _TOKEN.fullmatch(name) or _FORBIDDEN_IN_VALUE.search(value):
            return None
        lines.append(f"{name}: {value}\r\n")
    return "".join(lines).encode()  # aiohttp sends UTF-8 too


def header_line(name: str, value: str) -> bytes:
    """One generated header (a request id: no character to check)."""
    return f"{name}: {value}\r\n".encode()


class _DateLine:
    """The ``Date`` line, made once a second (as aiohttp keeps its date)."""

    __slots__ = ("_line", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._line = b""

    def __call__(self) -> bytes:
        second = int(time.time())
        if second != self._second:
            self._line = b"Date: " + formatdate(second, usegmt=True).encode() + b"\r\n"
            self._second = second
        return self._line


date_line = _DateLine()


def can_send_whole(request: web.Request) -> bool:
    """Whether aiohttp would send this request's answer as ``send_whole`` does."""
    transport = request.transport
    return (
        request.version == HttpVersion11
        and request.keep_alive
        and transport is not None
        and not transport.is_closing()
        # Every app the request went through (a parent, when mounted as a sub-app).
        and not any(app.on_response_prepare for app in request.match_info.apps)
    )


class SentResponse(web.StreamResponse):
    """What a handler returns for an answer already sent whole: aiohttp's own
    finishing of it (prepare, then end) finds nothing left to do."""

    def __init__(self, body_length: int) -> None:
        super().__init__(status=200)
        self._sent_bytes = body_length

    async def prepare(self, request: web.BaseRequest) -> None:
        return None

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        raise RuntimeError("this response was sent whole")

    async def write_eof(self, data: bytes = b"") -> None:
        return None

    @property
    def prepared(self) -> bool:
        return True

    @property
    def keep_alive(self) -> bool:
        return True

    @property
    def body_length(self) -> int:
        return self._sent_bytes


async def send_whole(
    request: web.Request, lines: bytes, body: bytes, *, chunked: bool
) -> SentResponse:
    """Send a 200 answer: its head (``lines``, then the framing, date and server
    lines aiohttp would add) and ``body`` in one write. Only where
    ``can_send_whole``. ``lines`` carry the content type; a JSON body is framed by
    its length, a stream's by chunked encoding, as aiohttp frames them."""
    if chunked:
        framed = (b"%x\r\n" % len(body), body, _LAST_CHUNK) if body else (b"0\r\n\r\n",)
        data = b"".join((STATUS_LINE_OK, lines, CHUNKED, date_line(), _SERVER, b"\r\n", *framed))
    else:
        data = b"".join(
            (
                STATUS_LINE_OK,
                lines,
                b"Content-Length: %d\r\n" % len(body),
                date_line(),
                _SERVER,
                b"\r\n",
                body,
            )
        )
    transport = request.transport
    assert transport is not None  # can_send_whole saw it open
    transport.write(data)
    if transport.get_write_buffer_size() > _DRAIN_ABOVE:
        await request.writer.drain()  # a client that reads slowly holds up its own next answer
    return SentResponse(len(body))
