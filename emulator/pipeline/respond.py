"""Outcome → HTTP response, the same way for every generating surface.

A surface supplies a ``Renderer`` (its wire format); this module applies the
request's limits, the accounting, and streaming or JSON, and turns scripted
errors and faults into what a client of that API would see.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Protocol, assert_never

from aiohttp import web

from emulator.accounting.usage import PromptUsage, uncached
from emulator.core.completion import KeptChoices, finish_choice
from emulator.core.errors import ApiError
from emulator.core.neutral import OPENAI_APIS, Caller, NeutralRequest
from emulator.core.outcome import ErrorReply, FaultReply, FinishedChoice, Outcome, Reply, Timing
from emulator.faults.override import FORCE_HEADER, parse_force
from emulator.http import send
from emulator.http.answer_head import AnswerHead, answer_head
from emulator.http.headers import FamilyHeaders
from emulator.http.joined import JoinedFrames
from emulator.http.send import JSON_CONTENT_TYPE, EventStream, JitterRandom
from emulator.http.sse import Frame, StreamEvent
from emulator.pipeline import limits
from emulator.pipeline.keys import EXCHANGE, REQUEST_ID, RUNTIME
from emulator.pipeline.record_hook import replayed
from emulator.pipeline.runtime import Runtime
from emulator.scenario.engine import TEST_ID_HEADER, Pick
from emulator.scenario.generate import request_rng
from emulator.util.lru import IdentityMemo
from emulator.util.wire_text import dumps_any_text

# Salt that keeps the pacing jitter's random stream apart from the content's.
_PACING_SALT = 1_000_003


class Renderer(Protocol):
    def json_body(self, choices: list[FinishedChoice], prompt: PromptUsage) -> bytes:
        """The JSON answer, serialized (renderers keep templates of bodies served
        again)."""
        ...

    def frames(self, choices: list[FinishedChoice], prompt: PromptUsage) -> Iterable[Frame]:
        """The stream's events, framed (renderers keep the frames of streams served
        again)."""
        ...

    def error_event(self, error: ApiError, events_before: int = 0) -> StreamEvent:
        """The API's in-stream error event, sent after ``events_before`` events."""
        ...


def json_response(body: object, headers: Mapping[str, str], status: int = 200) -> web.Response:
    # Errors and the control API echo header values, which may hold bytes that are not UTF-8.
    return web.Response(
        body=dumps_any_text(body), status=status, headers=headers, content_type=JSON_CONTENT_TYPE
    )


def error_from_reply(reply: ErrorReply, limit_headers: Mapping[str, str] | None = None) -> ApiError:
    """The scripted error, with the rate-limit headers every answer carries (the
    reply's own headers win)."""
    headers = {**(limit_headers or {}), **reply.headers}
    if reply.retry_after_s is not None:
        headers["retry-after"] = f"{reply.retry_after_s:g}"
        headers["retry-after-ms"] = f"{reply.retry_after_s * 1000:g}"
    return ApiError(
        reply.status,
        reply.message,
        error_type=reply.error_type,
        code=reply.code,
        openai_type=reply.openai_type,
        headers=headers,
    )


def finish_all(request: NeutralRequest, reply: Reply) -> list[FinishedChoice]:
    """The reply's choices cut to the request's limits; for a reply the engine keeps,
    cut once per limits and kept too (``KeptChoices``)."""
    if reply.finished is not None:  # made for this request, finished for it
        return list(reply.finished)
    if not reply.kept:
        return _finished(request, reply)
    cut = (request.n, request.max_tokens, request.stop_sequences)
    memo = _FINISHED.get(reply.choices, cut)
    if memo is None:
        memo = KeptChoices(_finished(request, reply))
        _FINISHED.put(reply.choices, memo, cut)
    return memo


def _finished(request: NeutralRequest, reply: Reply) -> list[FinishedChoice]:
    choices = reply.choices or ((),)
    return [
        finish_choice(
            choices[i % len(choices)],
            max_tokens=request.max_tokens,
            stop_sequences=request.stop_sequences,
        )
        for i in range(max(1, request.n))
    ]


_FINISHED: IdentityMemo[list[FinishedChoice]] = IdentityMemo(1024)


async def answer(
    http: web.Request,
    request: NeutralRequest,
    caller: Caller,
    renderer: Renderer,
    family: FamilyHeaders,
) -> web.StreamResponse:
    """Choose the outcome for ``request``, account for it, note it in the journal, send it.

    The outcome is the ``x-emulator-force`` header's, else a chaos fault's, else the
    scenario engine's. Only an answer that generates reads or writes the prompt cache
    and takes from the rate limits, as a refused request would not."""
    runtime = http.app[RUNTIME]
    if runtime.recorded_index():
        recorded = await replayed(http, request.api, request.body)
        if recorded is not None:
            return recorded
    picked = _choose_calmly(runtime, http, request, caller)
    if picked is None:
        picked = await _choose_with_chaos(runtime, http, request, caller)
    exchange = http[EXCHANGE]
    exchange.api = request.api
    exchange.stream = request.stream
    exchange.rule = picked.rule
    exchange.scenario = picked.scenario
    exchange.nearest_miss = picked.nearest_miss
    if isinstance(picked.outcome, ErrorReply):
        prompt = uncached(request.prompt_tokens)
        limit_headers = limits.peek(runtime, request, caller.api_key)
    else:
        prompt = runtime.prompt_usage(request, caller.api_key)
        limit_headers = limits.take(runtime, request, caller.api_key, prompt)
    head = answer_head(family, http[REQUEST_ID], limit_headers, request.stream)
    outcome = picked.outcome
    if isinstance(outcome, Reply) and not request.stream and not outcome.timing.is_paced:
        # Most answers under load: nothing to wait for.
        response: web.StreamResponse = await _json_reply(
            http, request, outcome, renderer=renderer, prompt=prompt, head=head
        )
    else:
        response = await respond(
            http,
            request=request,
            outcome=outcome,
            renderer=renderer,
            prompt=prompt,
            head=head,
            rng=partial(request_rng, request, runtime.config.seed, _PACING_SALT),
        )
    if exchange.usage is not None:
        limits.record_output(runtime, request, caller.api_key, exchange.usage[1])
    return response


def _choose_calmly(
    runtime: Runtime, http: web.Request, request: NeutralRequest, caller: Caller
) -> Pick | None:
    """The ``x-emulator-force`` header's pick, else the engine's when no chaos is
    configured; None when chaos has to decide first."""
    force = http.headers.get(FORCE_HEADER)
    if force is not None and not runtime.config.strict:
        return runtime.engine.forced(request, parse_force(force))
    if runtime.chaos is not None and not runtime.chaos.is_idle:
        return None
    return runtime.engine.pick(request, caller.headers)


async def _choose_with_chaos(
    runtime: Runtime, http: web.Request, request: NeutralRequest, caller: Caller
) -> Pick:
    """A chaos fault's pick (after its added latency), else the engine's."""
    assert runtime.chaos is not None
    decision = runtime.chaos.decide(
        model=request.model, test_id=http.headers.get(TEST_ID_HEADER), stream=request.stream
    )
    if decision is not None:
        if decision.delay_ms > 0:
            await asyncio.sleep(decision.delay_ms / 1000)
        outcome = decision.outcome_for(request.api)
        if outcome is not None:
            return Pick(runtime.engine.with_content(request, outcome), outcome.rule)
    return runtime.engine.pick(request, caller.headers)


def _note_usage(http: web.Request, prompt: PromptUsage, choices: list[FinishedChoice]) -> int:
    """Put the answer's usage in the journal; return its output tokens."""
    if len(choices) == 1:
        output_tokens = choices[0].output_tokens
    else:
        output_tokens = sum(c.output_tokens for c in choices)
    http[EXCHANGE].usage = (prompt, output_tokens)
    return output_tokens


async def respond(
    http: web.Request,
    *,
    request: NeutralRequest,
    outcome: Outcome,
    renderer: Renderer,
    prompt: PromptUsage,
    head: AnswerHead,
    rng: JitterRandom,
) -> web.StreamResponse:
    if isinstance(outcome, ErrorReply):
        if outcome.timing.is_paced:
            await _delay(outcome.timing)
        raise error_from_reply(outcome, head.limit_headers)
    if isinstance(outcome, Reply):
        if not request.stream:
            if outcome.timing.is_paced:
                choices = finish_all(request, outcome)
                await _delay(outcome.timing, sum(c.output_tokens for c in choices))
            return await _json_reply(
                http, request, outcome, renderer=renderer, prompt=prompt, head=head
            )
        choices = finish_all(request, outcome)
        _note_usage(http, prompt, choices)
        frames = renderer.frames(choices, prompt)
        if isinstance(frames, JoinedFrames) and not outcome.timing.is_paced:
            return await _stream_whole(http, frames, head)
        return await _stream(
            http,
            frames,
            outcome.timing,
            head.headers(),
            rng,
            interrupted=partial(renderer.error_event, mid_stream_error(request.api)),
        )
    if isinstance(outcome, FaultReply):
        return await _fault(
            http,
            request=request,
            fault=outcome,
            renderer=renderer,
            prompt=prompt,
            head=head,
            rng=rng,
        )
    assert_never(outcome)


async def _json_reply(
    http: web.Request,
    request: NeutralRequest,
    reply: Reply,
    *,
    renderer: Renderer,
    prompt: PromptUsage,
    head: AnswerHead,
) -> web.StreamResponse:
    choices = finish_all(request, reply)
    _note_usage(http, prompt, choices)
    body = renderer.json_body(choices, prompt)
    http[EXCHANGE].response_body = body
    return await send.send_json(http, head, body)


async def _delay(timing: Timing, output_tokens: int = 0) -> None:
    """A non-streamed answer arrives when the whole generation would have finished."""
    seconds = timing.ttft_ms / 1000
    if timing.tokens_per_s > 0:
        seconds += output_tokens / timing.tokens_per_s
    if seconds > 0:
        await asyncio.sleep(seconds)


async def _stream_whole(
    http: web.Request, frames: JoinedFrames, head: AnswerHead
) -> web.StreamResponse:
    """A kept stream with nothing to wait for: headers, every event and the end of the
    body in one write (most streams under load)."""
    exchange = http[EXCHANGE]
    sent = await send.send_stream_at_once(http, head, frames)
    exchange.stream_events = sent.events_sent
    if sent.client_gone:
        exchange.disconnected = True
    return sent.response


async def _stream(
    http: web.Request,
    frames: Iterable[Frame],
    timing: Timing,
    headers: Mapping[str, str],
    rng: JitterRandom,
    *,
    interrupted: Callable[[int], StreamEvent],
    stop_after: int | None = None,
    then: StreamEvent | bytes | None = None,
    finish: bool = True,
) -> web.StreamResponse:
    """Stream ``frames``; ``finish=False`` drops the connection instead of ending the
    stream cleanly, as an upstream that died would. A stream cancelled while open
    (at shutdown) ends with ``interrupted(events sent)``, the API's mid-stream error
    event numbered after the events before it."""
    stream = await EventStream.open(http, headers, hold_headers=timing.first_event_at_once)
    exchange = http[EXCHANGE]
    try:
        end = finish and then is None
        await stream.send(frames, timing=timing, rng=rng, stop_after=stop_after, end=end)
        if isinstance(then, StreamEvent):
            await stream.send_event(then, end=finish)
        elif isinstance(then, bytes):
            await stream.write(then)
    except send.ClientGone:
        exchange.disconnected = True
        exchange.stream_events = stream.events_sent
        send.log.info("client disconnected from %s after %d events", http.path, stream.events_sent)
        return stream.response
    except asyncio.CancelledError:
        exchange.stream_events = stream.events_sent
        exchange.error = "stream interrupted: the server is shutting down"
        await stream.interrupt(interrupted(stream.events_sent))
        raise
    exchange.stream_events = stream.events_sent
    if not finish:
        exchange.disconnected = True
        stream.drop()
    elif isinstance(then, bytes):
        await stream.finish()
    return stream.response


async def _fault(
    http: web.Request,
    *,
    request: NeutralRequest,
    fault: FaultReply,
    renderer: Renderer,
    prompt: PromptUsage,
    head: AnswerHead,
    rng: JitterRandom,
) -> web.StreamResponse:
    if fault.kind == "stall":
        await asyncio.sleep(fault.stall_s)
        return await respond(
            http,
            request=request,
            outcome=Reply((fault.parts,), fault.timing),
            renderer=renderer,
            prompt=prompt,
            head=head,
            rng=rng,
        )
    headers = head.headers()
    if fault.kind == "drop" and (fault.after_events == 0 or not request.stream):
        send.drop_connection(http)
        raise ConnectionResetError("connection dropped by a scripted fault")
    if fault.kind == "empty":
        if request.stream:
            stream = await EventStream.open(http, headers, hold_headers=True)
            await stream.finish()
            return stream.response
        return web.Response(status=200, headers=headers, content_type=JSON_CONTENT_TYPE)
    choices = finish_all(request, Reply((fault.parts,)))
    if not request.stream:
        # A non-streamed body cut short: what a proxy that lost the upstream sends.
        whole = renderer.json_body(choices, prompt)
        return web.Response(
            body=whole[: max(1, len(whole) // 2)], headers=headers, content_type=JSON_CONTENT_TYPE
        )
    frames = renderer.frames(choices, prompt)
    error = mid_stream_error(request.api)
    cut = partial(
        _stream,
        http,
        frames,
        fault.timing,
        headers,
        rng,
        interrupted=partial(renderer.error_event, error),
        stop_after=fault.after_events,
    )
    if fault.kind == "drop":
        return await cut(finish=False)
    if fault.kind == "malformed":
        return await cut(then=b'data: {"type": "content_block_delta", "ind\n\n')
    return await cut(then=renderer.error_event(error, fault.after_events))


def mid_stream_error(api: str) -> ApiError:
    """The error a stream of ``api`` ends with when the server fails mid-way: the
    ``error_event`` fault's, and what a stream still open at shutdown gets."""
    if api in OPENAI_APIS:
        return ApiError(
            500, "The server had an error while processing your request. Sorry about that!"
        )
    return ApiError(529, "Overloaded")
