"""A minimal HTTP/1.1 client on asyncio.Protocol, for reading many SSE streams at once.

aiohttp's client costs tens of microseconds per chunk; with 1,000 paced streams
one Python process reading through it lags by tens of milliseconds, and that
lag, not the server's, is what a pacing measurement would report. This client
does the least per chunk: de-chunk, note the arrival time, hand the bytes on.
One keep-alive connection per worker, to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from benchmarks.procs import LOOPBACK

# Called with each piece of the de-chunked body and when its bytes arrived.
OnBody = Callable[[bytes, float], None]

_CRLF = b"\r\n"
_HEAD_END = b"\r\n\r\n"


class ChunkedDecoder:
    """Transfer-Encoding: chunked, decoded incrementally. ``feed`` returns the body
    bytes the data completes; once the terminating chunk (and its trailers) has been
    read, ``done`` is true and ``rest`` holds what followed it on the wire."""

    __slots__ = ("_buffer", "_left", "_state", "done", "rest")

    def __init__(self) -> None:
        self._buffer = b""
        self._left = 0  # bytes of chunk data still to come
        self._state = "size"  # size | data | data_end | trailer
        self.done = False
        self.rest = b""

    def feed(self, data: bytes) -> bytes:
        if self.done:
            self.rest += data
            return b""
        buffer = self._buffer + data if self._buffer else data
        out: list[bytes] = []
        position = 0
        while not self.done:
            if self._state == "data":
                take = min(self._left, len(buffer) - position)
                if take == 0:
                    break
                out.append(buffer[position : position + take])
                position += take
                self._left -= take
                if self._left == 0:
                    self._state = "data_end"
                continue
            end = buffer.find(_CRLF, position)
            if end < 0:
                break
            line = buffer[position:end]
            position = end + 2
            if self._state == "size":
                self._left = int(line.split(b";", 1)[0].strip(), 16)
                self._state = "data" if self._left else "trailer"
            elif self._state == "data_end":
                if line:
                    raise ValueError("chunk data not followed by CRLF")
                self._state = "size"
            elif not line:  # trailer section ends with an empty line
                self.done = True
        self._buffer = buffer[position:]
        if self.done:
            self.rest, self._buffer = self._buffer, b""
        return b"".join(out)


class _Response:
    """What is known of the response being read."""

    __slots__ = ("chunked", "close", "left", "status")

    def __init__(self, status: int, chunked: bool, length: int | None, close: bool) -> None:
        self.status = status
        self.chunked = chunked
        self.left = length  # None: until the connection closes
        self.close = close


def _parse_head(head: bytes) -> _Response:
    lines = head.split(_CRLF)
    status = int(lines[0].split(b" ", 2)[1])
    chunked, length, close = False, None, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip().lower()
        if name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = value == b"close"
    return _Response(status, chunked, length, close)


class Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._head = b""
        self._response: _Response | None = None
        self._decoder: ChunkedDecoder | None = None
        self._on_body: OnBody | None = None
        self._done: asyncio.Future[int] | None = None
        self._arrived: list[tuple[bytes, float]] = []
        self.is_open = False

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        assert host == LOOPBACK, host
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(cls, host, port)
        return protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self.is_open = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.is_open = False
        self._take_arrived()
        response = self._response
        if response is not None and not response.chunked and response.left is None:
            self._finish()  # a body delimited by the connection's end
        elif self._done is not None and not self._done.done():
            self._done.set_exception(ConnectionError("connection closed mid-response"))

    def close(self) -> None:
        self.is_open = False
        if self._transport is not None:
            self._transport.close()

    def request(self, data: bytes, on_body: OnBody) -> asyncio.Future[int]:
        """Send ``data`` (a whole request); the future gives the status once the
        response has been read to its end."""
        assert self._transport is not None and self._done is None
        self._done = asyncio.get_running_loop().create_future()
        self._on_body = on_body
        self._transport.write(data)
        return self._done

    def data_received(self, data: bytes) -> None:
        # Only note when the bytes came: parsing them here would make every other
        # connection that became readable in the same poll wait for this one's
        # parse, and so stamp a burst of responses later the further down the
        # poll's list they are.
        if not self._arrived:
            asyncio.get_running_loop().call_soon(self._take_arrived)
        self._arrived.append((data, time.perf_counter()))

    def _take_arrived(self) -> None:
        arrived, self._arrived = self._arrived, []
        for data, at in arrived:
            self._consume(data, at)

    def _consume(self, data: bytes, now: float) -> None:
        if self._response is None:
            self._head += data
            end = self._head.find(_HEAD_END)
            if end < 0:
                return
            data = self._head[end + 4 :]
            self._response = _parse_head(self._head[:end])
            self._head = b""
            if self._response.chunked:
                self._decoder = ChunkedDecoder()
        self._body(data, now)

    def _body(self, data: bytes, now: float) -> None:
        response = self._response
        assert response is not None and self._on_body is not None
        if self._decoder is not None:
            piece = self._decoder.feed(data)
            if piece:
                self._on_body(piece, now)
            if self._decoder.done:
                self._finish()
            return
        if response.left is not None:
            data = data[: response.left]
            response.left -= len(data)
        if data:
            self._on_body(data, now)
        if response.left == 0:
            self._finish()

    def _finish(self) -> None:
        response, done = self._response, self._done
        self._response, self._decoder, self._done, self._on_body = None, None, None, None
        if response is not None and response.close:
            self.close()
        if done is not None and not done.done() and response is not None:
            done.set_result(response.status)


def encode_post(url: str, headers: Mapping[str, str], body: bytes) -> tuple[str, int, bytes]:
    """(host, port, request bytes) for a keep-alive POST of ``body`` to ``url``."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 80
    assert host == LOOPBACK, url
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"POST {target} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = "\r\n".join(lines).encode() + _HEAD_END
    return host, port, head + body
