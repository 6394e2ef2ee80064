"""Forwarding: a request goes to the upstream with the caller's own headers and
credentials, and the answer comes back to the caller as it arrives (a stream
event by event), while what was seen is kept as a ``RecordedAnswer``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from emulator.core.errors import ApiError
from emulator.scenario.recorded import (
    RecordedAnswer,
    RecordedEvent,
    decode_data,
    is_replayed_header,
)

# Hop-by-hop and framing headers: each leg of the proxy sets its own.
_NOT_FORWARDED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
    }
)
UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=600)


@dataclass(frozen=True, slots=True)
class Forwarded:
    response: web.StreamResponse
    answer: RecordedAnswer


def upstream_url(base: str, path: str, query: str) -> str:
    return base.rstrip("/") + path + (f"?{query}" if query else "")


async def _sse_events(
    content: aiohttp.StreamReader,
) -> AsyncIterator[tuple[bytes, str | None, str | None]]:
    """Each event's raw bytes, ``event:`` name and joined ``data:`` lines (None for
    a comment-only block); a last event without its blank line still counts."""
    raw: list[bytes] = []
    name: str | None = None
    data: list[str] = []
    async for line in content:
        raw.append(line)
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if text:
            field, _, value = text.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
            continue
        yield b"".join(raw), name, "\n".join(data) if data else None
        raw, name, data = [], None, []
    if raw:
        yield b"".join(raw), name, "\n".join(data) if data else None


def _kept_headers(upstream: aiohttp.ClientResponse) -> tuple[tuple[str, str], ...]:
    """The retry and rate-limit headers of an error (what a client acts on); a
    success's change with every recording and would only make noise in a diff."""
    if upstream.status < 400:
        return ()
    return tuple(
        sorted((k.lower(), v) for k, v in upstream.headers.items() if is_replayed_header(k))
    )


async def forward(
    http: web.Request, session: aiohttp.ClientSession, url: str, body: bytes
) -> Forwarded:
    """Send ``http`` (whose body was read as ``body``) to ``url`` and relay the answer.
    An upstream that cannot be reached is the API's 502, and nothing is recorded."""
    headers = {k: v for k, v in http.headers.items() if k.lower() not in _NOT_FORWARDED}
    started = time.monotonic()
    try:
        async with session.request(
            http.method, url, data=body, headers=headers, allow_redirects=False
        ) as upstream:
            relayed = {k: v for k, v in upstream.headers.items() if k.lower() not in _NOT_FORWARDED}
            kept = _kept_headers(upstream)
            if upstream.content_type == "text/event-stream":
                response = web.StreamResponse(status=upstream.status, headers=relayed)
                await response.prepare(http)
                events: list[RecordedEvent] = []
                last = started
                async for raw, name, data in _sse_events(upstream.content):
                    await response.write(raw)
                    if data is None:
                        continue  # a comment: kept alive, nothing to replay
                    now = time.monotonic()
                    gap_ms = round((now - last) * 1000)
                    events.append(RecordedEvent(name, decode_data(data), gap_ms))
                    last = now
                await response.write_eof()
                answer = RecordedAnswer(upstream.status, kept, events=tuple(events))
                return Forwarded(response, answer)
            payload = await upstream.read()
    except (aiohttp.ClientError, TimeoutError) as err:
        raise ApiError(
            502, f"llm-emulator record: the upstream did not answer ({type(err).__name__})"
        ) from err
    response = web.Response(status=upstream.status, body=payload, headers=relayed)
    text = payload.decode("utf-8", "replace")
    return Forwarded(response, RecordedAnswer(upstream.status, kept, body=decode_data(text)))
