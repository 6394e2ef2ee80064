"""POST /v1/responses and the stored responses: retrieve, delete, input items, input tokens."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from aiohttp import web

from emulator.accounting.prompt_cache import owner_of
from emulator.accounting.usage import PromptUsage
from emulator.core import ids
from emulator.core.errors import ApiError, invalid_request
from emulator.core.neutral import Caller, NeutralRequest
from emulator.core.outcome import FinishedChoice
from emulator.http.headers import OPENAI, openai_headers
from emulator.http.sse import Frame, StreamEvent, framed
from emulator.pipeline.keys import EXCHANGE, REQUEST_ID, RUNTIME
from emulator.pipeline.record_hook import replayed
from emulator.pipeline.respond import answer, json_response
from emulator.pipeline.responses_store import ResponseStore, StoredResponse
from emulator.pipeline.runtime import Runtime
from emulator.render import responses as render
from emulator.render.templates import (
    BodyTemplates,
    Slot,
    StreamTemplates,
    draws_fresh_ids,
    is_kept,
)
from emulator.surfaces.auth import openai_api_key
from emulator.surfaces.common import page_limit
from emulator.surfaces.read_request import read_request
from emulator.surfaces.responses_parse import input_items, parse_responses_body
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject, JSONValue
from emulator.util.lru import IdentityMemo
from emulator.validation.schemas import openai_error_fields

DEFAULT_PAGE = 20
MAX_PAGE = 100
# Counting input tokens needs no model; one is assumed for the catalogue's limits.
DEFAULT_COUNT_MODEL = "gpt-4o"


# Made per answer: not frozen, whose __init__ costs several times more.
@dataclass(slots=True)
class ResponsesRenderer:
    """Renders one answer; a stored response is kept as rendered, with its input.

    Kept choices are rendered from templates (render.templates) with these slots:
    the response id, created_at, completed_at (its own slot: a stand-in occurs only
    once per frame) and the output items' ids. The stored copy is the kept response
    object copied with the same values, weighed by the body's joined bytes."""

    header: render.ResponseHeader
    store: ResponseStore | None
    owner: str
    inputs: tuple[JSONObject, ...]

    def _final(
        self, choice: FinishedChoice, prompt: PromptUsage, item_ids: Sequence[str]
    ) -> JSONObject:
        header = self.header
        return render.final_response(header, choice, prompt, item_ids, header.created_at)

    def _build_final(
        self, choice: FinishedChoice, prompt: PromptUsage
    ) -> Callable[[Sequence[Slot]], JSONObject]:
        header = self.header

        def build(slots: Sequence[Slot]) -> JSONObject:
            slotted = replace(header, id=str(slots[0]), created_at=int(slots[1]))
            item_ids = [str(slot) for slot in slots[3:]]
            return render.final_response(slotted, choice, prompt, item_ids, int(slots[2]))

        return build

    def _stored(
        self,
        choices: list[FinishedChoice],
        key: Hashable,
        prompt: PromptUsage,
        item_ids: list[str],
        size: int,
    ) -> None:
        """Store this answer's response: the kept one's copy with this answer's ids."""
        if self.store is None:
            return
        header = self.header
        kept = _FINALS.get(choices, key)
        if kept is None:
            final = self._final(choices[0], prompt, item_ids)
            _FINALS.put(choices, final, key)
        else:
            final = render.with_ids(kept, header.id, header.created_at, item_ids)
        self.store.put(self.owner, final, self.inputs, size)

    def json_body(self, choices: list[FinishedChoice], prompt: PromptUsage) -> bytes:
        choice = choices[0]
        item_ids = render.draw_item_ids(choice)
        if not is_kept(choices) or draws_fresh_ids(choices):
            final = self._final(choice, prompt, item_ids)
            body = jsonvalue.dumps(final)
            if self.store is not None:
                self.store.put(self.owner, final, self.inputs, len(body))
            return body
        header = self.header
        key = render.template_key(header, prompt)
        slots: tuple[Slot, ...] = (header.id, header.created_at, header.created_at, *item_ids)
        body = _BODIES.render(choices, key, slots, self._build_final(choice, prompt))
        self._stored(choices, key, prompt, item_ids, len(body))
        return body

    def frames(self, choices: list[FinishedChoice], prompt: PromptUsage) -> Iterable[Frame]:
        choice = choices[0]
        item_ids = render.draw_item_ids(choice)
        if not is_kept(choices) or draws_fresh_ids(choices):
            # Fresh call ids are drawn as the items are made: the stream and the
            # stored copy must be made of the same items.
            final = self._final(choice, prompt, item_ids)
            if self.store is not None:
                self.store.put(self.owner, final, self.inputs)
            return framed(self._events(final, render.reasoning_tokens(choice)))
        header = self.header
        key = render.template_key(header, prompt)
        slots: tuple[Slot, ...] = (header.id, header.created_at, header.created_at, *item_ids)
        build_final = self._build_final(choice, prompt)
        if self.store is not None:
            # Weighed as the JSON body it would be: the same response.
            size = len(_BODIES.render(choices, key, slots, build_final))
            self._stored(choices, key, prompt, item_ids, size)

        def build(slots: Sequence[Slot]) -> Iterator[StreamEvent]:
            return self._events(build_final(slots), render.reasoning_tokens(choice))

        return _STREAMS.frames(choices, key, slots, build)

    def _events(self, final: JSONObject, reasoning_tokens: int) -> Iterator[StreamEvent]:
        output = final["output"]
        assert isinstance(output, list)
        items = [item for item in output if isinstance(item, dict)]
        return render.stream_events(items, final, reasoning_tokens)

    def error_event(self, error: ApiError, events_before: int = 0) -> StreamEvent:
        code = error.code or ("server_error" if error.status >= 500 else "invalid_request_error")
        return render.error_event(code, error.message, events_before)


_BODIES = BodyTemplates()
_STREAMS = StreamTemplates()
# The response object of a kept answer, by (choices, template key): later answers
# store a copy of it with their own ids rather than build it again.
_FINALS: IdentityMemo[JSONObject] = IdentityMemo(1024)


def _history(rt: Runtime, owner: str, previous: object) -> tuple[JSONObject, ...]:
    if previous is None:
        return ()
    stored = rt.responses.get(owner, str(previous))
    if stored is None:
        raise ApiError(
            400,
            f"Previous response with id '{previous}' not found.",
            param="previous_response_id",
            code="previous_response_not_found",
        )
    return _conversation(stored)


def _conversation(stored: StoredResponse) -> tuple[JSONObject, ...]:
    """A stored response's input items and its output, as the next turn's history."""
    output = stored.response.get("output")
    produced = tuple(i for i in output if isinstance(i, dict)) if isinstance(output, list) else ()
    return (*stored.input_items, *produced)


def _with_ids(items: list[JSONObject]) -> tuple[JSONObject, ...]:
    """Input items as ``input_items`` lists them: each with an id, messages with parts."""
    listed: list[JSONObject] = []
    for item in items:
        kind = item.get("type", "message")
        entry = dict(item)
        if kind == "message":
            content = item.get("content")
            if isinstance(content, str):
                part = "output_text" if item.get("role") == "assistant" else "input_text"
                entry["content"] = [{"type": part, "text": content}]
            entry["type"] = "message"
            entry.setdefault("status", "completed")
        prefix = {"message": "msg", "function_call": "fc", "reasoning": "rs"}.get(str(kind), "item")
        entry.setdefault("id", ids.openai_item_id(prefix))
        listed.append(entry)
    return tuple(listed)


def _parse(rt: Runtime, body: JSONObject, history: tuple[JSONObject, ...]) -> NeutralRequest:
    violation = rt.schemas.validate("openai_responses_request", body)
    if violation is not None:
        message, param, code = openai_error_fields(violation)
        raise invalid_request(message, param=param, code=code)
    return parse_responses_body(body, catalogue=rt.catalogue, history=history)


async def _read(
    http: web.Request, kind: str, defaults: JSONObject
) -> tuple[Runtime, Caller, NeutralRequest]:
    """Let the caller in, then read and parse the body (with ``defaults`` under it)."""
    rt = http.app[RUNTIME]
    caller = rt.known_callers.let_in(
        "openai", http[EXCHANGE].headers, http.headers, openai_api_key, rt.config
    )
    request = await read_request(
        http,
        kind=kind,
        family="openai",
        parse=lambda body: _parse(rt, {**defaults, **body} if defaults else body, ()),
    )
    return rt, caller, request


def _continued(
    rt: Runtime, owner: str, request: NeutralRequest
) -> tuple[NeutralRequest, tuple[JSONObject, ...]]:
    """``request`` continuing the stored conversation its ``previous_response_id`` names,
    and that conversation's items."""
    history = _history(rt, owner, request.body.get("previous_response_id"))
    if history:
        # Never kept: the same bytes continue whatever that id holds for this caller.
        request = parse_responses_body(request.body, catalogue=rt.catalogue, history=history)
    return request, history


async def create_response(http: web.Request) -> web.StreamResponse:
    rt, caller, request = await _read(http, "openai_responses_request", {})
    owner = owner_of(caller.api_key)
    previous = request.body.get("previous_response_id")
    request, history = _continued(rt, owner, request)
    stored_inputs = (*history, *_with_ids(input_items(request.body)))
    header = render.ResponseHeader(
        ids.openai_item_id("resp"),
        int(rt.clock.now()),
        request.model,
        request.body,
        str(previous) if previous is not None else None,
    )
    store = rt.responses if request.body.get("store") is not False else None
    renderer = ResponsesRenderer(header, store, owner, stored_inputs)
    return await answer(http, request, caller, renderer, OPENAI)


def _stored(http: web.Request) -> tuple[Runtime, str, StoredResponse]:
    rt = http.app[RUNTIME]
    owner = owner_of(openai_api_key(http.headers, rt.config))
    response_id = http.match_info["response_id"]
    stored = rt.responses.get(owner, response_id)
    if stored is None:
        raise ApiError(
            404,
            f"Response with id '{response_id}' not found.",
            param="response_id",
            openai_type="invalid_request_error",
        )
    return rt, owner, stored


async def retrieve_response(http: web.Request) -> web.StreamResponse:
    _, _, stored = _stored(http)
    return json_response(stored.response, openai_headers(http[REQUEST_ID]))


async def delete_response(http: web.Request) -> web.StreamResponse:
    rt, owner, stored = _stored(http)
    response_id = str(stored.response["id"])
    rt.responses.delete(owner, response_id)
    body = {"id": response_id, "object": "response", "deleted": True}
    return json_response(body, openai_headers(http[REQUEST_ID]))


def _page_limit(raw: str | None) -> int:
    return page_limit(
        raw,
        default=DEFAULT_PAGE,
        maximum=MAX_PAGE,
        not_an_integer=lambda raw: invalid_request(
            f"Invalid 'limit': expected an integer, but got '{raw}' instead.", param="limit"
        ),
        out_of_range=lambda limit: invalid_request(
            f"Invalid 'limit': integer out of range. Expected a value between 1 and {MAX_PAGE}, "
            f"but got {limit} instead.",
            param="limit",
            code="integer_out_of_range",
        ),
    )


async def list_input_items(http: web.Request) -> web.StreamResponse:
    _, _, stored = _stored(http)
    limit = _page_limit(http.query.get("limit"))
    order = http.query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise invalid_request(
            f"Invalid value for 'order': expected one of 'asc' or 'desc', but got '{order}'.",
            param="order",
        )
    items = list(stored.input_items)
    if order == "desc":
        items.reverse()
    after = http.query.get("after")
    if after is not None:
        positions = [i for i, item in enumerate(items) if item.get("id") == after]
        items = items[positions[0] + 1 :] if positions else []
    page = items[:limit]
    data: list[JSONValue] = list(page)
    body: JSONObject = {
        "object": "list",
        "data": data,
        "first_id": page[0].get("id") if page else None,
        "last_id": page[-1].get("id") if page else None,
        "has_more": len(items) > limit,
    }
    return json_response(body, openai_headers(http[REQUEST_ID]))


async def count_input_tokens(http: web.Request) -> web.StreamResponse:
    defaults: JSONObject = {"model": DEFAULT_COUNT_MODEL}
    rt, caller, request = await _read(http, "openai_responses_input_tokens", defaults)
    sent = http[EXCHANGE].body
    if rt.recorded_index() and sent is not None:
        recorded = await replayed(http, "input_tokens", _object(jsonvalue.loads(sent)))
        if recorded is not None:
            return recorded
    request, _ = _continued(rt, owner_of(caller.api_key), request)
    body = {"object": "response.input_tokens", "input_tokens": request.prompt_tokens}
    return json_response(body, openai_headers(http[REQUEST_ID]))


def _object(value: JSONValue) -> JSONObject:
    return value if isinstance(value, dict) else {}
