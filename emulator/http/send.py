"""Sending an answer: the one interface the pipeline puts JSON bodies and event streams
on the wire with, reading as plain aiohttp would. Behind it: the whole answer in one
write when nothing has to wait (``whole_response``), framed events written in batches
(``sse``), and pacing on one timer for all streams (``paced_writer``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aiohttp import web

from emulator.core.outcome import Timing
from emulator.http import paced_writer, sse, whole_response
from emulator.http.answer_head import AnswerHead
from emulator.http.joined import JoinedFrames
from emulator.http.paced_writer import JitterRandom
from emulator.http.sse import ClientGone, Frame, StreamEvent

JSON_CONTENT_TYPE = "application/json"
log = sse.log

__all__ = [
    "JSON_CONTENT_TYPE",
    "ClientGone",
    "EventStream",
    "JitterRandom",
    "SentStream",
    "drop_connection",
    "send_json",
    "send_stream_at_once",
]


async def send_json(http: web.Request, head: AnswerHead, body: bytes) -> web.StreamResponse:
    """A 200 JSON answer."""
    lines = head.lines()
    if lines is not None and whole_response.can_send_whole(http):
        lines += whole_response.JSON_CONTENT_TYPE
        return await whole_response.send_whole(http, lines, body, chunked=False)
    return web.Response(body=body, headers=head.headers(), content_type=JSON_CONTENT_TYPE)


@dataclass(frozen=True, slots=True)
class SentStream:
    response: web.StreamResponse
    events_sent: int
    client_gone: bool = False


async def send_stream_at_once(
    http: web.Request, head: AnswerHead, frames: JoinedFrames
) -> SentStream:
    """A stream with nothing to wait for: its head, every event and its end together."""
    lines = head.lines()
    if lines is not None and whole_response.can_send_whole(http):
        response = await whole_response.send_whole(http, lines, frames.whole(), chunked=True)
        return SentStream(response, len(frames))
    stream = await EventStream.open(http, head.headers(), hold_headers=True)
    try:
        await stream.write(frames.whole(), end=True)
    except ClientGone:
        log.info("client disconnected from %s before the stream", http.path)
        return SentStream(stream.response, 0, client_gone=True)
    return SentStream(stream.response, len(frames))


def drop_connection(http: web.Request) -> None:
    """Drop the TCP connection with no answer, as a failing upstream does."""
    sse.abort_connection(http)


class EventStream:
    """An open server-sent-event stream. Its writes raise ``ClientGone`` once the
    client has closed the connection."""

    __slots__ = ("_http", "_report", "response")

    def __init__(self, http: web.Request, response: web.StreamResponse) -> None:
        self._http = http
        self.response = response
        self._report = sse.StreamReport()

    @classmethod
    async def open(
        cls, http: web.Request, headers: Mapping[str, str], *, hold_headers: bool
    ) -> EventStream:
        """Start the stream; ``hold_headers`` sends the headers with the first events
        (only for a stream whose first event is due at once)."""
        return cls(http, await sse.open_stream(http, headers, hold_headers=hold_headers))

    @property
    def events_sent(self) -> int:
        return self._report.events_sent

    async def send(
        self,
        frames: Iterable[Frame],
        *,
        timing: Timing,
        rng: JitterRandom,
        stop_after: int | None = None,
        end: bool = False,
    ) -> None:
        """Send ``frames`` as ``timing`` paces them (as fast as the client reads when
        unpaced); stop after ``stop_after`` events; ``end`` ends the stream with the
        last write."""
        if timing.is_paced:
            await paced_writer.send_paced(
                self._http,
                self.response,
                frames,
                timing=timing,
                rng=rng,
                report=self._report,
                stop_after=stop_after,
                end=end,
            )
        else:
            await sse.send_events(
                self._http,
                self.response,
                frames,
                report=self._report,
                stop_after=stop_after,
                end=end,
            )

    async def send_event(self, event: StreamEvent, *, end: bool = False) -> None:
        await sse.send_events(
            self._http, self.response, sse.framed([event]), report=self._report, end=end
        )

    async def write(self, data: bytes, *, end: bool = False) -> None:
        """Write bytes as they are (already framed, or deliberately malformed)."""
        await sse.write_raw(self._http, self.response, data, end=end)

    async def finish(self) -> None:
        """End the stream cleanly (a client already gone is only logged)."""
        await sse.finish(self._http, self.response)

    async def interrupt(self, event: StreamEvent) -> None:
        """End the stream now with ``event`` without waiting for the client to read
        it, then close the connection: a stream still open at shutdown."""
        await sse.interrupt(self._http, self.response, sse.frame(event))

    def drop(self) -> None:
        """Drop the connection with no terminal event."""
        sse.abort_connection(self._http)
