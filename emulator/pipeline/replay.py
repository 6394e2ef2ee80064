"""Replay: send a recording again (fresh request id; the recorded status, replayed headers and
body, or the recorded events with their gaps scaled by ``--replay-timing``)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from emulator.core.paths import Family
from emulator.http import send
from emulator.http.headers import anthropic_headers, openai_headers
from emulator.http.send import EventStream
from emulator.http.sse import StreamEvent
from emulator.pipeline.keys import EXCHANGE, REQUEST_ID
from emulator.scenario.recorded import RecordedAnswer
from emulator.scenario.recorded_index import Found
from emulator.scenario.replay_timing import ReplayTiming
from emulator.util import jsonvalue


def _head(family: Family, request_id: str, answer: RecordedAnswer) -> dict[str, str]:
    headers = anthropic_headers(request_id) if family == "anthropic" else openai_headers(request_id)
    headers.update(answer.headers)
    return headers


async def send_recorded(
    http: web.Request, found: Found, family: Family, timing: ReplayTiming
) -> web.StreamResponse:
    """Answer ``http`` with a recording, noting the rule in the journal."""
    answer = found.answer
    exchange = http[EXCHANGE]
    exchange.rule = found.rule
    exchange.scenario = found.scenario
    headers = _head(family, http[REQUEST_ID], answer)
    if answer.events is None:
        body = answer.body
        data = body.encode() if isinstance(body, str) else jsonvalue.dumps(body)
        exchange.response_body = data
        return web.Response(
            status=answer.status, body=data, headers=headers, content_type="application/json"
        )
    exchange.stream = True
    stream = await EventStream.open(http, headers, hold_headers=timing.factor == 0)
    sent = 0
    try:
        for event in answer.events:
            delay = timing.delay_s(event.gap_ms)
            if delay > 0:
                await asyncio.sleep(delay)
            data = event.data
            text = data if isinstance(data, dict | str) else jsonvalue.dumps_str(data)
            await stream.send_event(StreamEvent(event.name, text))
            sent += 1
        await stream.finish()
    except send.ClientGone:
        exchange.disconnected = True
    exchange.stream_events = sent
    return stream.response
