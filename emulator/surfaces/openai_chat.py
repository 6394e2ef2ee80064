"""POST /v1/chat/completions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from aiohttp import web

from emulator.accounting.usage import PromptUsage
from emulator.core import ids
from emulator.core.errors import ApiError, invalid_request, openai_error_body
from emulator.core.neutral import NeutralRequest
from emulator.core.outcome import FinishedChoice
from emulator.http.headers import OPENAI
from emulator.http.sse import Frame, StreamEvent, framed
from emulator.pipeline.keys import EXCHANGE, RUNTIME
from emulator.pipeline.respond import answer
from emulator.render import openai as render
from emulator.render.logprobs import LogprobOptions, logprob_options
from emulator.render.templates import BodyTemplates, Slot, StreamTemplates, is_kept, usage_key
from emulator.surfaces.auth import openai_api_key
from emulator.surfaces.openai_parse import parse_chat_body
from emulator.surfaces.read_request import read_request
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject
from emulator.validation.schemas import openai_error_fields


# Made per answer: not frozen, whose __init__ costs several times more.
@dataclass(slots=True)
class ChatRenderer:
    header: render.ChatHeader
    include_usage: bool
    logprobs: LogprobOptions | None = None  # an answer with logprobs is not kept

    def json_body(self, choices: list[FinishedChoice], prompt: PromptUsage) -> bytes:
        model = self.header.model
        if self.logprobs is not None or not is_kept(choices):
            body = render.completion_body(self.header, choices, prompt, self.logprobs)
            return jsonvalue.dumps(body)

        def build(slots: Sequence[Slot]) -> JSONObject:
            header = render.ChatHeader(str(slots[0]), int(slots[1]), model)
            return render.completion_body(header, choices, prompt)

        slots = (self.header.id, self.header.created)
        return _BODIES.render(choices, usage_key(model, prompt), slots, build)

    def frames(self, choices: list[FinishedChoice], prompt: PromptUsage) -> Iterable[Frame]:
        model, include_usage = self.header.model, self.include_usage
        if self.logprobs is not None:
            return framed(
                render.chunk_events(
                    self.header,
                    choices,
                    prompt,
                    include_usage=include_usage,
                    logprobs=self.logprobs,
                )
            )

        def build(slots: Sequence[Slot]) -> Iterator[StreamEvent]:
            header = render.ChatHeader(str(slots[0]), int(slots[1]), model)
            return render.chunk_events(header, choices, prompt, include_usage=include_usage)

        key = (usage_key(model, prompt), include_usage)
        return _STREAMS.frames(choices, key, (self.header.id, self.header.created), build)

    def error_event(self, error: ApiError, events_before: int = 0) -> StreamEvent:
        return StreamEvent(None, openai_error_body(error))


def _logprobs(request: NeutralRequest, seed: int) -> LogprobOptions | None:
    body = request.body
    if body.get("logprobs") is not True:
        return None
    return logprob_options(request.content_key, seed, int(body.get("top_logprobs") or 0))


_BODIES = BodyTemplates()
_STREAMS = StreamTemplates()


async def create_chat_completion(http: web.Request) -> web.StreamResponse:
    rt = http.app[RUNTIME]
    caller = rt.known_callers.let_in(
        "openai", http[EXCHANGE].headers, http.headers, openai_api_key, rt.config
    )

    def parse(body: JSONObject) -> NeutralRequest:
        violation = rt.schemas.validate("openai_chat_request", body)
        if violation is not None:
            message, param, code = openai_error_fields(violation)
            raise invalid_request(message, param=param, code=code)
        return parse_chat_body(body, catalogue=rt.catalogue)

    request = await read_request(http, kind="openai_chat_request", family="openai", parse=parse)
    options = request.body.get("stream_options") or {}
    header = render.ChatHeader(ids.chat_completion_id(), int(rt.clock.now()), request.model)
    renderer = ChatRenderer(
        header, bool(options.get("include_usage")), _logprobs(request, rt.config.seed)
    )
    return await answer(http, request, caller, renderer, OPENAI)
