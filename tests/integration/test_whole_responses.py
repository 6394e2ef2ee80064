"""Answers sent whole with a kept head: the same bytes on the wire as aiohttp's own
way of sending them, read over raw HTTP/1.1 on loopback."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO

import pytest
from aiohttp import web

from emulator.app import create_app
from emulator.http import whole_response
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.integration.test_streaming_raw import parse_sse
from tests.support import (
    ANTHROPIC_HEADERS,
    CLAUDE,
    GPT,
    OPENAI_HEADERS,
    shrink_server_send_buffers,
    user,
)

# Headers whose values change from one answer to the next.
VARYING = {"request-id", "x-request-id", "date"}


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatorConfig(port=0, seed=3)) as running:
        yield running


def _request(path: str, body: Any, *, version: str = "1.1", extra: str = "") -> bytes:
    headers = (
        OPENAI_HEADERS if path.endswith("completions") and "chat" in path else ANTHROPIC_HEADERS
    )
    raw = json.dumps(body).encode()
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (
        f"POST {path} HTTP/{version}\r\nHost: 127.0.0.1\r\n{lines}{extra}"
        f"Content-Length: {len(raw)}\r\n\r\n"
    ).encode() + raw


class _Unclosable:
    """One buffered reader shared by responses read in turn from one connection."""

    def __init__(self, reader: BinaryIO) -> None:
        self._reader = reader

    def makefile(self, mode: str) -> _Unclosable:
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)

    def close(self) -> None:
        pass


def _exchange(port: int, *requests: bytes) -> list[tuple[http.client.HTTPResponse, bytes]]:
    """Send ``requests`` in one write on one connection (pipelined); read each answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"".join(requests))
        reader = _Unclosable(sock.makefile("rb"))
        answers = []
        for _ in requests:
            response = http.client.HTTPResponse(reader)  # type: ignore[arg-type]
            response.begin()
            answers.append((response, response.read()))
        return answers


CASES = [
    ("/v1/messages", {"model": CLAUDE, "max_tokens": 40, "messages": [user("hi")]}),
    (
        "/v1/complete",
        {
            "model": "claude-2.1",
            "max_tokens_to_sample": 40,
            "prompt": "\n\nHuman: hi\n\nAssistant:",
        },
    ),
    ("/v1/chat/completions", {"model": GPT, "max_tokens": 40, "messages": [user("hi")]}),
]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("path", "body"), CASES)
def test_a_whole_answer_has_the_head_aiohttp_gives_it(
    server: EmulatorThread, monkeypatch: pytest.MonkeyPatch, path: str, body: Any, stream: bool
) -> None:
    request = _request(path, {**body, "stream": stream})
    sent_whole: list[bytes] = []
    send_whole = whole_response.send_whole

    def noting_body(*args: Any, **kwargs: Any) -> Any:
        sent_whole.append(args[2])
        return send_whole(*args, **kwargs)

    monkeypatch.setattr(whole_response, "send_whole", noting_body)
    # A body is parsed for keeps on its second sighting, its reply kept on the next, and a
    # stream's events split into a template on the one after: from the fourth on, the
    # answer is sent whole, whatever this worker's server saw before.
    _exchange(server.port, request, request, request)
    [(kept, kept_body)] = _exchange(server.port, request)
    assert sent_whole[-1] == kept_body
    monkeypatch.setattr(whole_response, "can_send_whole", lambda _request: False)
    [(built, built_body)] = _exchange(server.port, request)

    assert kept.status == built.status == 200
    assert kept.version == built.version == 11
    kept_headers, built_headers = kept.getheaders(), built.getheaders()
    assert [name for name, _ in kept_headers] == [name for name, _ in built_headers]
    assert {n: v for n, v in kept_headers if n.lower() not in VARYING} == {
        n: v for n, v in built_headers if n.lower() not in VARYING
    }
    assert kept.getheader("Transfer-Encoding") == ("chunked" if stream else None)
    if stream:
        assert [name for name, _ in parse_sse(kept_body)] == [
            name for name, _ in parse_sse(built_body)
        ]
    else:
        assert int(kept.getheader("Content-Length", "-1")) == len(kept_body)
        kept_json, built_json = json.loads(kept_body), json.loads(built_body)
        assert kept_json.keys() == built_json.keys()
        assert kept_json.get("usage") == built_json.get("usage")


def test_pipelined_requests_are_answered_whole_and_in_order(server: EmulatorThread) -> None:
    requests = [
        _request("/v1/messages", {"model": CLAUDE, "max_tokens": n, "messages": [user("hi")]})
        for n in (3, 7)
    ] + [
        _request(
            "/v1/messages",
            {"model": CLAUDE, "max_tokens": 5, "messages": [user("hi")], "stream": True},
        )
    ]
    answers = _exchange(server.port, *requests)
    first, second = (json.loads(body) for _, body in answers[:2])
    assert first["usage"]["output_tokens"] <= 3
    assert 3 < second["usage"]["output_tokens"] <= 7
    events = [name for name, _ in parse_sse(answers[2][1])]
    assert events[0] == "message_start" and events[-1] == "message_stop"
    assert len({response.getheader("request-id") for response, _ in answers}) == 3


def test_an_http_1_0_request_is_answered_aiohttp_s_way(server: EmulatorThread) -> None:
    body = {"model": CLAUDE, "max_tokens": 5, "messages": [user("hi")], "stream": True}
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(_request("/v1/messages", body, version="1.0"))
        received = b""
        while chunk := sock.recv(65536):  # the server closes: no chunking in HTTP/1.0
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 OK\r\n")
    assert b"transfer-encoding" not in head.lower()
    events = [name for name, _ in parse_sse(rest)]
    assert events[0] == "message_start" and events[-1] == "message_stop"


@pytest.mark.parametrize("stream", [False, True])
def test_a_request_to_close_gets_its_answer_and_a_closed_connection(
    server: EmulatorThread, stream: bool
) -> None:
    body = {"model": CLAUDE, "max_tokens": 5, "messages": [user("hi")], "stream": stream}
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(_request("/v1/messages", body, extra="Connection: close\r\n"))
        response = http.client.HTTPResponse(sock)
        response.begin()
        received = response.read()
        assert response.getheader("Connection") == "close"
        assert sock.recv(1) == b""  # closed after the answer
    if stream:
        assert parse_sse(received)[-1][0] == "message_stop"
    else:
        assert json.loads(received)["type"] == "message"


def test_pipelined_answers_to_a_client_that_reads_nothing_wait_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Answers sent whole still wait for a slow reader: once the connection's buffer
    is past aiohttp's mark, the next answer waits for the drain (so the server stops
    reading more requests), and then every answer arrives, whole and in order."""
    buffered_at_drain: list[int] = []
    waited = threading.Event()

    @web.middleware
    async def noting_drains(request: web.Request, handler: Any) -> web.StreamResponse:
        """Each request's writer notes the bytes buffered when the answer waits for
        the drain (public surface only: request.writer, request.transport)."""
        writer, transport = request.writer, request.transport
        drain = writer.drain

        async def noting_drain() -> None:
            assert transport is not None
            buffered_at_drain.append(transport.get_write_buffer_size())
            waited.set()
            await drain()

        writer.drain = noting_drain  # type: ignore[method-assign]
        response: web.StreamResponse = await handler(request)
        return response

    shrink_server_send_buffers(monkeypatch)
    requests = [
        _request(
            "/v1/messages",
            {"model": CLAUDE, "max_tokens": 400, "messages": [user("w " * (i + 1))]},
        )
        for i in range(300)
    ]
    emulator = EmulatorThread(EmulatorConfig(port=0, seed=1))
    emulator.app.middlewares.append(noting_drains)
    with emulator as running:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(20)
        sock.connect(("127.0.0.1", running.port))
        with sock:
            sender = threading.Thread(target=sock.sendall, args=(b"".join(requests),))
            sender.start()
            # Until an answer waits for the client (the timeout only guards a hang).
            assert waited.wait(60), "no answer waited for the client"
            reader = _Unclosable(sock.makefile("rb"))
            usages = []
            for _ in requests:
                response = http.client.HTTPResponse(reader)  # type: ignore[arg-type]
                response.begin()
                usages.append(json.loads(response.read())["usage"])
            sender.join(timeout=20)

    inputs = [usage["input_tokens"] for usage in usages]
    assert inputs == sorted(inputs) and len(set(inputs)) > 100  # in the order asked
    assert all(usage["output_tokens"] > 0 for usage in usages)
    largest_answer = 8 * 1024
    # Waits start once past the mark the emulator drains above, never much later.
    assert min(buffered_at_drain) > whole_response._DRAIN_ABOVE
    assert max(buffered_at_drain) <= whole_response._DRAIN_ABOVE + largest_answer


@pytest.mark.parametrize("stream", [False, True])
async def test_a_parent_app_s_response_hooks_see_every_answer(
    aiohttp_client: Any, stream: bool
) -> None:
    """Mounted as a sub-app, the emulator's answers go through the parent's
    on_response_prepare hooks: whole sending gives way to them."""
    parent = web.Application()

    async def stamp(request: web.Request, response: web.StreamResponse) -> None:
        response.headers["X-Parent-Hook"] = "seen"

    parent.on_response_prepare.append(stamp)
    parent.add_subapp("/emulator", create_app(EmulatorConfig(seed=3)))
    client = await aiohttp_client(parent)
    body = {"model": CLAUDE, "max_tokens": 40, "messages": [user("hi")], "stream": stream}
    for _ in range(3):  # streams are sent whole from the second answer on
        response = await client.post("/emulator/v1/messages", json=body, headers=ANTHROPIC_HEADERS)
        assert response.status == 200
        assert response.headers.get("X-Parent-Hook") == "seen"
        await response.read()
