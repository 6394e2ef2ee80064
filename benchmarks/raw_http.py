"""One HTTP/1.1 exchange over a raw socket: any bytes out, the answer parsed back.

httpx and aiohttp refuse to send header values of arbitrary bytes; the fuzzers
need exactly those. Every request says ``connection: close``, so the answer
ends where the server closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


class Hang(Exception):
    """No complete answer within the timeout."""


@dataclass
class Answer:
    status: int  # 0 when the connection closed before any status line
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def parse_answer(raw: bytes) -> Answer:
    while raw.startswith(b"HTTP/1.1 100 "):  # an interim answer to Expect: 100-continue
        raw = raw.partition(b"\r\n\r\n")[2]
    if not raw.startswith(b"HTTP/"):
        return Answer(0, body=raw)
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = dechunk(body)
    return Answer(int(status_line.split(" ")[1]), headers, body)


def dechunk(body: bytes) -> bytes:
    out = bytearray()
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return bytes(out)


async def exchange(host: str, port: int, request: bytes, timeout_s: float) -> Answer:
    """Send ``request``, read until the server closes; ``Hang`` after ``timeout_s``."""
    try:
        async with asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(request)
                # The server may answer and close before it reads the whole body.
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
                try:
                    raw = await reader.read(-1)
                except ConnectionError:
                    raw = b""
            finally:
                writer.close()
    except TimeoutError as err:
        raise Hang(f"no answer within {timeout_s} s") from err
    return parse_answer(raw)
