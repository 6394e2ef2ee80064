"""The floor the emulator is measured against: a bare aiohttp app doing the least work.

It answers the emulator's POST paths with pre-serialized bytes and never parses
JSON. The request body is read (any server must receive it) and dropped. What
to send is chosen by the query string alone:

* no query: a fixed JSON body (its size given per path by ``--body PATH=BYTES``);
* ``?stream=plain``: a fixed SSE stream of ``--events`` frames, sent with its
  headers and the end of the chunked body in one write (the least work; the
  emulator does the same for an unpaced stream); on ``/v1/responses`` a
  Responses-shaped one of ``--responses-events`` frames and about
  ``--responses-stream-bytes`` bytes, ending in ``response.completed``;
* ``?stream=paced``: the same frames, each content delta ``--tokens-per-event``
  tokens apart at ``--tokens-per-s``, against absolute deadlines;
* ``?stream=idle``: SSE headers, then nothing for two minutes.

    python -m benchmarks.baseline --port 0 --events 28 --tokens 64
"""

from __future__ import annotations

import argparse
import asyncio
import math
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from benchmarks.procs import LOOPBACK
from emulator.http.write_coalescing import CoalescingAppRunner

PATHS = ("/v1/messages", "/v1/chat/completions", "/v1/complete", "/v1/responses")
_JSON_HEADERS = {"Content-Type": "application/json"}
_SSE_HEADERS = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}
_IDLE_S = 120.0  # as IDLE_ARGS in workloads.py

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class BaselineConfig:
    port: int = 0
    events: int = 28
    tokens: int = 64
    tokens_per_event: int = 3
    tokens_per_s: float = 50.0
    stream_bytes: int = 0
    responses_events: int = 0
    responses_stream_bytes: int = 0
    coalesce_writes: bool = False
    body_bytes: dict[str, int] = field(default_factory=dict)


def json_body(size: int) -> bytes:
    """A JSON object of about ``size`` bytes (at least the empty shell)."""
    shell = b'{"id":"baseline","padding":""}'
    return shell[:-2] + b"x" * max(0, size - len(shell)) + shell[-2:]


def _frame(name: str, data: bytes) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + data + b"\n\n"


def stream_frames(config: BaselineConfig) -> list[tuple[bytes, int]]:
    """(frame, tokens it carries): start, fillers, deltas, message_delta, stop.

    ``events`` frames in all (at least one per delta plus three), padded so the
    stream is about ``stream_bytes`` long, like the emulator's.
    """
    per = max(1, config.tokens_per_event)
    deltas = [min(per, config.tokens - start) for start in range(0, config.tokens, per)]
    fillers = max(0, config.events - len(deltas) - 3)
    usage = b'{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},'
    usage += b'"usage":{"output_tokens":%d}}' % config.tokens
    body = [(_frame("ping", b'{"type":"ping"}'), 0) for _ in range(fillers)] + [
        (_frame("content_block_delta", _delta_data(n)), n) for n in deltas
    ]
    body += [
        (_frame("message_delta", usage), 0),
        (_frame("message_stop", b'{"type":"message_stop"}'), 0),
    ]
    rest = sum(len(f) for f, _ in body)
    start = _frame("message_start", json_body(config.stream_bytes - rest - 30))
    return [(start, 0), *body]


def _delta_data(tokens: int) -> bytes:
    text = b" word" * tokens
    return b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"%s"}}' % (
        text
    )


# The Responses stream's frames around its text deltas, in order (response.created,
# padded to the size asked for, comes first).
_RESPONSES_OPENING = (
    ("response.in_progress", b'{"type":"response.in_progress","sequence_number":1}'),
    ("response.output_item.added", b'{"type":"response.output_item.added","output_index":0}'),
    ("response.content_part.added", b'{"type":"response.content_part.added","output_index":0}'),
)
_RESPONSES_CLOSING = (
    ("response.output_text.done", b'{"type":"response.output_text.done","output_index":0}'),
    ("response.content_part.done", b'{"type":"response.content_part.done","output_index":0}'),
    ("response.output_item.done", b'{"type":"response.output_item.done","output_index":0}'),
    ("response.completed", b'{"type":"response.completed","response":{"status":"completed"}}'),
)


def responses_stream(config: BaselineConfig) -> bytes:
    """A Responses-shaped stream: ``responses_events`` frames (at least one text delta
    between the fixed ones), padded to about ``responses_stream_bytes``."""
    fixed = 1 + len(_RESPONSES_OPENING) + len(_RESPONSES_CLOSING)
    delta = b'{"type":"response.output_text.delta","output_index":0,"delta":" word"}'
    body = [_frame(name, data) for name, data in _RESPONSES_OPENING]
    body += [_frame("response.output_text.delta", delta)] * max(1, config.responses_events - fixed)
    body += [_frame(name, data) for name, data in _RESPONSES_CLOSING]
    rest = sum(len(f) for f in body)
    created = _frame("response.created", json_body(config.responses_stream_bytes - rest - 40))
    return created + b"".join(body)


class _OneWriteStream(web.StreamResponse):
    """Headers held for the first write, as the emulator's unpaced streams do."""

    _send_headers_immediately = False


class Baseline:
    def __init__(self, config: BaselineConfig) -> None:
        self.config = config
        self.frames = stream_frames(config)
        self.whole_stream = b"".join(f for f, _ in self.frames)
        self.whole_responses_stream = responses_stream(config)
        self.rate = config.tokens_per_s if config.tokens_per_s > 0 else math.inf

    def handler(self, body: bytes, whole_stream: bytes) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            await request.read()
            mode = request.query_string
            if not mode:
                return web.Response(body=body, headers=_JSON_HEADERS)
            if mode == "stream=plain":
                whole = _OneWriteStream(headers=_SSE_HEADERS)
                await whole.prepare(request)
                await whole.write_eof(whole_stream)
                return whole
            response = web.StreamResponse(headers=_SSE_HEADERS)
            await response.prepare(request)
            if mode == "stream=paced":
                await self._paced(response)
            elif mode == "stream=idle":
                await _hold()
                return response
            await response.write_eof()
            return response

        return handle

    async def _paced(self, response: web.StreamResponse) -> None:
        """Each delta at its deadline, with the frames due before it in the same write
        (as the emulator does): one sleep and one write per wait."""
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        due: list[bytes] = []
        for frame, tokens in self.frames:
            if tokens:
                deadline += tokens / self.rate
                delay = deadline - loop.time()
                if delay > 0:
                    if due:
                        await response.write(b"".join(due))
                        due.clear()
                    await asyncio.sleep(delay)
            due.append(frame)
        if due:
            await response.write(b"".join(due))


async def _hold() -> None:
    """Keep the stream open, sending nothing (as the emulator waits out a long ttft)."""
    await asyncio.sleep(_IDLE_S)


async def _healthz(_: web.Request) -> web.Response:
    return web.Response(body=b'{"status":"ok"}', headers=_JSON_HEADERS)


def build_app(config: BaselineConfig) -> web.Application:
    baseline = Baseline(config)
    app = web.Application()
    app.router.add_get("/healthz", _healthz)
    for path in PATHS:
        body = json_body(config.body_bytes.get(path, 600))
        whole_stream = (
            baseline.whole_responses_stream if path == "/v1/responses" else baseline.whole_stream
        )
        app.router.add_post(path, baseline.handler(body, whole_stream))
    return app


async def serve(config: BaselineConfig) -> None:
    # --coalesce-writes: the emulator's own way of sending (for a ratio of the rest).
    runner_class = CoalescingAppRunner if config.coalesce_writes else web.AppRunner
    runner = runner_class(build_app(config), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, LOOPBACK, config.port, shutdown_timeout=1.0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"baseline listening on http://{LOOPBACK}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _body_size(spec: str) -> tuple[str, int]:
    path, sep, size = spec.partition("=")
    if not sep or path not in PATHS:
        raise argparse.ArgumentTypeError(f"expected PATH=BYTES with PATH in {PATHS}, got {spec!r}")
    return path, int(size)


def parse_args(argv: Sequence[str] | None = None) -> BaselineConfig:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.baseline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="loopback port; 0 picks a free one")
    parser.add_argument("--events", type=int, default=28, help="frames per SSE stream")
    parser.add_argument("--tokens", type=int, default=64, help="output tokens per stream")
    parser.add_argument("--tokens-per-event", type=int, default=3, help="tokens per delta")
    parser.add_argument("--tokens-per-s", type=float, default=50.0, help="pace of ?stream=paced")
    parser.add_argument("--stream-bytes", type=int, default=0, help="pad a stream to this size")
    parser.add_argument(
        "--responses-events", type=int, default=0, help="frames per /v1/responses stream"
    )
    parser.add_argument(
        "--responses-stream-bytes",
        type=int,
        default=0,
        help="pad a /v1/responses stream to this size",
    )
    parser.add_argument(
        "--body",
        type=_body_size,
        action="append",
        default=[],
        metavar="PATH=BYTES",
        help="JSON body size for a path (repeatable)",
    )
    parser.add_argument(
        "--coalesce-writes",
        action="store_true",
        help="send as the emulator does: each loop turn's writes together at its end",
    )
    args = parser.parse_args(argv)
    return BaselineConfig(
        port=args.port,
        events=args.events,
        tokens=args.tokens,
        tokens_per_event=args.tokens_per_event,
        tokens_per_s=args.tokens_per_s,
        stream_bytes=args.stream_bytes,
        responses_events=args.responses_events,
        responses_stream_bytes=args.responses_stream_bytes,
        body_bytes=dict(args.body),
        coalesce_writes=args.coalesce_writes,
    )


def main(argv: Sequence[str] | None = None) -> int:
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
