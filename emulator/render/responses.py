"""Responses API wire format: a finished choice → the response object or its events.

The output items' ids are drawn once per answer (``draw_item_ids``) and passed in;
the JSON body, the stream's events and the stored copy are all made with the same
ids, so a streamed response accumulates to exactly the one ``GET
/v1/responses/{id}`` returns. ``template_key`` is what else an answer's rendering
reads besides its choices and those per-answer values (render.templates).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from emulator.accounting.usage import PromptUsage
from emulator.core import ids
from emulator.core.outcome import FinishedChoice, RefusalPart, TextPart, ThinkingPart, ToolCallPart
from emulator.core.tokenizer import count_tokens
from emulator.http.sse import StreamEvent
from emulator.render.events import token_groups
from emulator.render.templates import usage_key
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject, JSONValue
from emulator.util.lru import IdentityMemo

Status = Literal["completed", "incomplete", "in_progress"]


@dataclass(slots=True)
class ResponseHeader:
    """What the response repeats of its request, and its own id and time."""

    id: str
    created_at: int
    model: str
    body: JSONObject
    previous_response_id: str | None = None

    @property
    def wants_summary(self) -> bool:
        reasoning = self.body.get("reasoning")
        return isinstance(reasoning, dict) and reasoning.get("summary") is not None

    @property
    def wants_encrypted_reasoning(self) -> bool:
        return "reasoning.encrypted_content" in (self.body.get("include") or ())


def _encrypted(thinking: str) -> str:
    # An opaque, deterministic stand-in: what comes back is only ever passed back.
    digest = hashlib.sha256(thinking.encode("utf-8", "surrogatepass")).digest()
    return "gAAAAA" + base64.urlsafe_b64encode(digest * 4).decode()


def _message_content(choice: FinishedChoice) -> list[JSONValue]:
    """The message item's content; empty when the answer is only function calls."""
    text = "".join(p.text for p in choice.parts if isinstance(p, TextPart))
    refusal = "".join(p.text for p in choice.parts if isinstance(p, RefusalPart))
    if refusal:
        return [{"type": "refusal", "refusal": refusal}]
    if text or not choice.tool_calls:
        return [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    return []


def draw_item_ids(choice: FinishedChoice) -> list[str]:
    """Fresh ids for the output items ``output_items`` makes of ``choice``, in order:
    one per thinking part, the message's (unless the answer is only function calls),
    one per function call."""
    drawn: list[str] = []
    calls = 0
    said = False
    for part in choice.parts:
        if isinstance(part, ThinkingPart):
            drawn.append(ids.openai_item_id("rs"))
        elif isinstance(part, ToolCallPart):
            calls += 1
        elif part.text:
            said = True
    if said or not calls:
        drawn.append(ids.openai_item_id("msg"))
    drawn.extend(ids.openai_item_id("fc") for _ in range(calls))
    return drawn


def output_items(
    header: ResponseHeader, choice: FinishedChoice, item_ids: Sequence[str]
) -> list[JSONObject]:
    """The response's ``output``: reasoning, then the message, then function calls,
    with ``item_ids`` (``draw_item_ids``) in that order."""
    items: list[JSONObject] = []
    next_id = iter(item_ids).__next__
    incomplete = choice.stop_reason == "max_tokens"
    for part in choice.parts:
        if isinstance(part, ThinkingPart):
            item: JSONObject = {"id": next_id(), "type": "reasoning", "summary": []}
            if header.wants_summary and part.thinking:
                item["summary"] = [{"type": "summary_text", "text": part.thinking}]
            if header.wants_encrypted_reasoning:
                item["encrypted_content"] = _encrypted(part.thinking)
            items.append(item)
    content = _message_content(choice)
    if content:
        items.append(
            {
                "id": next_id(),
                "type": "message",
                "status": "incomplete" if incomplete else "completed",
                "content": content,
                "role": "assistant",
            }
        )
    for call in choice.tool_calls:
        items.append(_function_call(call, next_id()))
    return items


def _function_call(call: ToolCallPart, item_id: str) -> JSONObject:
    return {
        "id": item_id,
        "type": "function_call",
        "status": "completed",
        "arguments": jsonvalue.dumps_str(call.input),
        "call_id": call.id or ids.tool_call_id(),
        "name": call.name,
    }


def reasoning_tokens(choice: FinishedChoice) -> int:
    return sum(count_tokens(p.thinking) for p in choice.parts if isinstance(p, ThinkingPart))


def usage_json(prompt: PromptUsage, choice: FinishedChoice) -> JSONObject:
    reasoning = reasoning_tokens(choice)
    return {
        "input_tokens": prompt.total_tokens,
        "input_tokens_details": {
            "cached_tokens": prompt.cache_read_tokens,
            "cache_write_tokens": prompt.cache_creation_tokens,
        },
        "output_tokens": choice.output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": prompt.total_tokens + choice.output_tokens,
    }


def status_of(choice: FinishedChoice) -> Status:
    return "incomplete" if choice.stop_reason == "max_tokens" else "completed"


# Compared and hashed by identity: an echo is made once per parsed body (``_echo``),
# so it stands for that body in a memo key, and a key holding it keeps it alive.
@dataclass(frozen=True, slots=True, eq=False)
class _Echo:
    """What a response repeats of its request's body, in the response's key order
    around the values of its own (model, output, previous id, usage)."""

    before_model: JSONObject
    before_previous: JSONObject
    before_usage: JSONObject
    after_usage: JSONObject


def _echo_of(body: JSONObject) -> _Echo:
    text = body.get("text") if isinstance(body.get("text"), dict) else {}
    assert isinstance(text, dict)
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    assert isinstance(reasoning, dict)
    return _Echo(
        {
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "max_tool_calls": body.get("max_tool_calls"),
        },
        {"parallel_tool_calls": body.get("parallel_tool_calls") is not False},
        {
            "prompt_cache_key": body.get("prompt_cache_key"),
            "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
            "safety_identifier": body.get("safety_identifier"),
            "service_tier": "default",
            "store": body.get("store") is not False,
            "temperature": body.get("temperature", 1.0),
            "text": {
                "format": text.get("format") or {"type": "text"},
                "verbosity": text.get("verbosity") or "medium",
            },
            "tool_choice": body.get("tool_choice") or "auto",
            "tools": _echoed_tools(body),
            "top_logprobs": body.get("top_logprobs") or 0,
            "top_p": body.get("top_p", 1.0),
            "truncation": body.get("truncation") or "disabled",
        },
        {"user": body.get("user"), "metadata": body.get("metadata") or {}},
    )


# Parsed bodies are kept and served again (read_request): their echo is made once.
# Its values are shared by the responses that echo them; nothing changes a response
# once made.
_ECHOES: IdentityMemo[_Echo] = IdentityMemo(1024)


def _echo(body: JSONObject) -> _Echo:
    echo = _ECHOES.get(body)
    if echo is None:
        echo = _echo_of(body)
        _ECHOES.put(body, echo)
    return echo


def template_key(header: ResponseHeader, prompt: PromptUsage) -> Hashable:
    """Everything an answer's rendering reads besides its choices and its per-answer
    ids and times: the model and usage, the request body (through its echo, which
    stands for it) and the response it continues."""
    return (usage_key(header.model, prompt), _echo(header.body), header.previous_response_id)


def final_response(
    header: ResponseHeader,
    choice: FinishedChoice,
    prompt: PromptUsage,
    item_ids: Sequence[str],
    completed_at: int,
) -> JSONObject:
    """The finished response object, as the JSON body, the stream's last event and
    the store have it (``completed_at`` is the header's time when it completes)."""
    return response_object(
        header,
        output_items(header, choice, item_ids),
        status=status_of(choice),
        usage=usage_json(prompt, choice),
        completed_at=completed_at,
    )


def with_ids(
    final: JSONObject, response_id: str, created_at: int, item_ids: Sequence[str]
) -> JSONObject:
    """``final_response``'s object made again with other ids and time: a copy that
    shares all else with ``final`` (nothing changes a response once made)."""
    copy = dict(final)
    copy["id"] = response_id
    copy["created_at"] = created_at
    if copy["completed_at"] is not None:
        copy["completed_at"] = created_at
    output = final["output"]
    assert isinstance(output, list)
    copy["output"] = [
        {**item, "id": item_id}
        for item, item_id in zip(output, item_ids, strict=True)
        if isinstance(item, dict)
    ]
    return copy


def response_object(
    header: ResponseHeader,
    items: list[JSONObject],
    *,
    status: Status,
    usage: JSONObject | None,
    completed_at: int,
) -> JSONObject:
    echo = _echo(header.body)
    return {
        "id": header.id,
        "object": "response",
        "created_at": header.created_at,
        "status": status,
        "background": False,
        "completed_at": completed_at if status == "completed" else None,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        **echo.before_model,
        "model": header.model,
        "output": items,
        **echo.before_previous,
        "previous_response_id": header.previous_response_id,
        **echo.before_usage,
        "usage": usage,
        **echo.after_usage,
    }


def _echoed_tools(body: JSONObject) -> list[JSONValue]:
    tools: list[JSONValue] = []
    for tool in body.get("tools") or ():
        if tool.get("type") == "function":
            tools.append(
                {
                    "type": "function",
                    "name": tool.get("name"),
                    "description": tool.get("description"),
                    "parameters": tool.get("parameters"),
                    "strict": tool.get("strict", True),
                }
            )
        else:
            tools.append(tool)
    return tools


class _Sequence:
    """Numbers the events of one stream from 0, as ``sequence_number``."""

    def __init__(self) -> None:
        self.next = 0

    def event(self, name: str, fields: JSONObject, tokens: int = 0) -> StreamEvent:
        data: JSONObject = {"type": name, **fields, "sequence_number": self.next}
        self.next += 1
        return StreamEvent(name, data, tokens)


def _skeleton(item: JSONObject) -> JSONObject:
    """An item as ``response.output_item.added`` announces it, before its content."""
    kind = item["type"]
    if kind == "message":
        return {**item, "status": "in_progress", "content": []}
    if kind == "function_call":
        return {**item, "status": "in_progress", "arguments": ""}
    return {**item, "summary": []}


def _message_events(seq: _Sequence, item: JSONObject, index: int) -> Iterator[StreamEvent]:
    where: JSONObject = {"item_id": item["id"], "output_index": index, "content_index": 0}
    for part in item["content"]:
        assert isinstance(part, dict)
        if part["type"] == "refusal":
            empty: JSONObject = {"type": "refusal", "refusal": ""}
            yield seq.event("response.content_part.added", {**where, "part": empty})
            refusal = str(part["refusal"])
            for piece, tokens in token_groups(refusal):
                yield seq.event("response.refusal.delta", {**where, "delta": piece}, tokens)
            yield seq.event("response.refusal.done", {**where, "refusal": refusal})
        else:
            empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            yield seq.event("response.content_part.added", {**where, "part": empty})
            text = str(part["text"])
            for piece, tokens in token_groups(text):
                fields: JSONObject = {**where, "delta": piece, "logprobs": []}
                yield seq.event("response.output_text.delta", fields, tokens)
            yield seq.event("response.output_text.done", {**where, "text": text, "logprobs": []})
        yield seq.event("response.content_part.done", {**where, "part": part})


def _call_events(seq: _Sequence, item: JSONObject, index: int) -> Iterator[StreamEvent]:
    where: JSONObject = {"item_id": item["id"], "output_index": index}
    arguments = str(item["arguments"])
    for piece, tokens in token_groups(arguments):
        yield seq.event("response.function_call_arguments.delta", {**where, "delta": piece}, tokens)
    done: JSONObject = {**where, "name": item["name"], "arguments": arguments}
    yield seq.event("response.function_call_arguments.done", done)


def _reasoning_events(seq: _Sequence, item: JSONObject, index: int) -> Iterator[StreamEvent]:
    for position, part in enumerate(item["summary"]):
        assert isinstance(part, dict)
        where: JSONObject = {
            "item_id": item["id"],
            "output_index": index,
            "summary_index": position,
        }
        empty: JSONObject = {"type": "summary_text", "text": ""}
        yield seq.event("response.reasoning_summary_part.added", {**where, "part": empty})
        text = str(part["text"])
        for piece, tokens in token_groups(text):
            yield seq.event(
                "response.reasoning_summary_text.delta", {**where, "delta": piece}, tokens
            )
        yield seq.event("response.reasoning_summary_text.done", {**where, "text": text})
        yield seq.event("response.reasoning_summary_part.done", {**where, "part": part})


def stream_events(
    items: list[JSONObject],
    final: JSONObject,
    reasoning_tokens: int,
) -> Iterator[StreamEvent]:
    """The event grammar of one streamed response, ending in ``final``'s
    ``response.completed`` or ``response.incomplete``. A reasoning item without a
    summary carries its thinking tokens on its ``done`` event, so pacing waits for them."""
    seq = _Sequence()
    opening = {**final, "status": "in_progress", "output": [], "usage": None}
    opening["completed_at"] = None
    opening["incomplete_details"] = None
    yield seq.event("response.created", {"response": opening})
    yield seq.event("response.in_progress", {"response": opening})
    for index, item in enumerate(items):
        added: JSONObject = {"output_index": index, "item": _skeleton(item)}
        yield seq.event("response.output_item.added", added)
        kind = item["type"]
        thinking_tokens = 0
        if kind == "message":
            yield from _message_events(seq, item, index)
        elif kind == "function_call":
            yield from _call_events(seq, item, index)
        elif item["summary"]:
            yield from _reasoning_events(seq, item, index)
        else:
            thinking_tokens = reasoning_tokens
        done: JSONObject = {"output_index": index, "item": item}
        yield seq.event("response.output_item.done", done, thinking_tokens)
    yield seq.event(f"response.{final['status']}", {"response": final})


def error_event(code: str, message: str, sequence_number: int) -> StreamEvent:
    data: JSONObject = {
        "type": "error",
        "code": code,
        "message": message,
        "param": None,
        "sequence_number": sequence_number,
    }
    return StreamEvent("error", data)
