"""Clients too slow to send their request lose the connection after the configured
timeouts, while everyone else is answered as usual."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import anthropic
import pytest

from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.support import CLAUDE, user

SLOW_CLIENTS = 40
_HANG_GUARD_S = 30.0
_BODY = json.dumps({"model": CLAUDE, "max_tokens": 5, "messages": [user("hi")]}).encode()
_HEAD = (
    b"POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nx-api-key: sk-ant-test\r\n"
    b"anthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n" % len(_BODY)
)


@pytest.fixture
def impatient_server() -> Iterator[EmulatorThread]:
    config = EmulatorConfig(port=0, head_timeout_s=0.5, body_timeout_s=0.5)
    with EmulatorThread(config) as running:
        yield running


def _connect(server: EmulatorThread, *sends: bytes) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=_HANG_GUARD_S)
    for data in sends:
        connection.sendall(data)
    return connection


def _read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes (a hang guard's timeout fails)."""
    received = b""
    with connection:
        while chunk := connection.recv(65536):
            received += chunk
    return received


def test_slow_heads_and_stalled_bodies_are_closed_while_others_are_answered(
    impatient_server: EmulatorThread,
) -> None:
    half_heads = [_connect(impatient_server, _HEAD[:60]) for _ in range(SLOW_CLIENTS)]
    silent = [_connect(impatient_server) for _ in range(SLOW_CLIENTS)]
    half_bodies = [_connect(impatient_server, _HEAD, _BODY[:20]) for _ in range(SLOW_CLIENTS)]
    # A kept-alive connection: one whole request answered, then half of the next head.
    kept_alive = _connect(impatient_server, _HEAD + _BODY)
    first_answer = kept_alive.recv(65536)
    assert first_answer.startswith(b"HTTP/1.1 200 ")
    kept_alive.sendall(_HEAD[:60])

    with anthropic.Anthropic(
        base_url=impatient_server.base_url, api_key="sk-ant-test", max_retries=0
    ) as client:
        reply = client.messages.create(model=CLAUDE, max_tokens=5, messages=[user("hi")])
    assert reply.type == "message" and reply.content

    for connection in [*half_heads, *silent, kept_alive]:
        assert _read_until_closed(connection) == b""
    for connection in half_bodies:
        answer = _read_until_closed(connection)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 ")
        assert json.loads(body)["error"]["type"] == "timeout_error"
    timed_out = [e for e in impatient_server.runtime.journal.entries() if e.status == 408]
    assert len(timed_out) == SLOW_CLIENTS


def test_a_connection_idle_between_requests_is_left_open() -> None:
    config = EmulatorConfig(port=0, head_timeout_s=0.2)
    with EmulatorThread(config) as running:
        connection = _connect(running, _HEAD + _BODY)
        assert connection.recv(65536).startswith(b"HTTP/1.1 200 ")
        # Idle: no byte of a next head. Long past the head timeout it still answers.
        connection.settimeout(1.0)
        with pytest.raises(TimeoutError):
            connection.recv(1)
        connection.sendall(_HEAD + _BODY)
        connection.settimeout(_HANG_GUARD_S)
        assert connection.recv(65536).startswith(b"HTTP/1.1 200 ")
        connection.close()
