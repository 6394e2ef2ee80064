"""POST /v1/messages and POST /v1/messages/count_tokens."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from aiohttp import web

from emulator.accounting.usage import PromptUsage
from emulator.core import ids
from emulator.core.errors import ApiError, anthropic_error_body, invalid_request
from emulator.core.neutral import Caller, NeutralRequest
from emulator.core.outcome import FinishedChoice
from emulator.http.headers import ANTHROPIC, anthropic_headers
from emulator.http.sse import Frame, StreamEvent
from emulator.pipeline.keys import EXCHANGE, REQUEST_ID, RUNTIME
from emulator.pipeline.record_hook import replayed
from emulator.pipeline.respond import answer, json_response
from emulator.pipeline.runtime import Runtime
from emulator.render import anthropic as render
from emulator.render.templates import BodyTemplates, Slot, StreamTemplates, is_kept, usage_key
from emulator.surfaces.anthropic_parse import parse_messages_body
from emulator.surfaces.auth import anthropic_caller_key
from emulator.surfaces.read_request import read_request
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject
from emulator.validation.schemas import anthropic_message


# Made per answer: not frozen, whose __init__ costs several times more.
@dataclass(slots=True)
class MessagesRenderer:
    model: str
    message_id: str
    request_id: str

    def json_body(self, choices: list[FinishedChoice], prompt: PromptUsage) -> bytes:
        model, choice = self.model, choices[0]
        if not is_kept(choices):
            return jsonvalue.dumps(render.message_body(model, choice, prompt, self.message_id))

        def build(slots: Sequence[Slot]) -> JSONObject:
            return render.message_body(model, choice, prompt, str(slots[0]))

        return _BODIES.render(choices, usage_key(model, prompt), (self.message_id,), build)

    def frames(self, choices: list[FinishedChoice], prompt: PromptUsage) -> Iterable[Frame]:
        model, choice = self.model, choices[0]

        def build(slots: Sequence[Slot]) -> Iterator[StreamEvent]:
            return render.message_events(model, choice, prompt, str(slots[0]))

        return _STREAMS.frames(choices, usage_key(model, prompt), (self.message_id,), build)

    def error_event(self, error: ApiError, events_before: int = 0) -> StreamEvent:
        return StreamEvent("error", anthropic_error_body(error, self.request_id))


_BODIES = BodyTemplates()
_STREAMS = StreamTemplates()


async def read_anthropic_request(
    http: web.Request, rt: Runtime, schema: str, *, count_only: bool
) -> tuple[NeutralRequest, Caller]:
    """Headers, body, schema and semantic checks, in the real API's order."""
    caller = rt.known_callers.let_in(
        "anthropic", http[EXCHANGE].headers, http.headers, anthropic_caller_key, rt.config
    )

    def parse(body: JSONObject) -> NeutralRequest:
        violation = rt.schemas.validate(schema, body)
        if violation is not None:
            raise invalid_request(anthropic_message(violation))
        return parse_messages_body(body, catalogue=rt.catalogue, count_only=count_only)

    request = await read_request(http, kind=schema, family="anthropic", parse=parse)
    return request, caller


async def create_message(http: web.Request) -> web.StreamResponse:
    rt = http.app[RUNTIME]
    request, caller = await read_anthropic_request(
        http, rt, "anthropic_messages_request", count_only=False
    )
    renderer = MessagesRenderer(request.model, ids.message_id(), http[REQUEST_ID])
    return await answer(http, request, caller, renderer, ANTHROPIC)


async def count_tokens(http: web.Request) -> web.StreamResponse:
    rt = http.app[RUNTIME]
    request, _ = await read_anthropic_request(
        http, rt, "anthropic_count_tokens_request", count_only=True
    )
    if rt.recorded_index():
        recorded = await replayed(http, "count_tokens", request.body)
        if recorded is not None:
            return recorded
    return json_response(
        {"input_tokens": request.prompt_tokens}, anthropic_headers(http[REQUEST_ID])
    )
