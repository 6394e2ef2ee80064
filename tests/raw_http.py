"""One HTTP/1.1 exchange over a raw loopback socket, for tests where the bytes matter."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

_TIMEOUT_S = 30


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def exchange(
    base_url: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
    *,
    method: bytes = b"POST",
) -> RawAnswer:
    """Send one request with exactly these header bytes (and Host, Content-Length,
    Connection: close) and read the whole final answer."""
    host, port = base_url.removeprefix("http://").split(":")
    lines = [method + b" " + path.encode() + b" HTTP/1.1", b"Host: " + host.encode()]
    lines += [name + b": " + value for name, value in headers]
    lines += [b"Content-Length: %d" % len(body), b"Connection: close", b"", b""]
    with socket.create_connection((host, int(port)), timeout=_TIMEOUT_S) as raw:
        raw.sendall(b"\r\n".join(lines) + body)
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    head, _, payload = received.partition(b"\r\n\r\n")
    while head.startswith(b"HTTP/1.1 1"):  # an interim answer (100 Continue) first
        head, _, payload = payload.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    answer_headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        answer_headers[name.strip().lower()] = value.strip()
    return RawAnswer(int(status_line.split()[1]), answer_headers, payload)
