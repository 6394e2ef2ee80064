"""Chat Completions wire format: finished choices → ChatCompletion JSON or chunks."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from emulator.accounting.usage import PromptUsage
from emulator.core import ids
from emulator.core.outcome import FinishedChoice, RefusalPart, StopReason, ThinkingPart
from emulator.core.tokenizer import count_tokens
from emulator.http.sse import StreamEvent
from emulator.render.events import token_groups
from emulator.render.logprobs import LogprobOptions, token_logprobs
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject

FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]
# What a stream delta carries: the role (with an empty content or refusal), text,
# refusal text, or a tool call.
DeltaKind = Literal["role", "refusal_role", "content", "refusal", "tool"]
_Delta = tuple[JSONObject, int, DeltaKind]
_DeltaWithLogprobs = tuple[JSONObject, int, DeltaKind, JSONObject | None]

_FINISH: dict[StopReason, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "stop",
}

DONE = "[DONE]"


def system_fingerprint(model: str) -> str:
    return "fp_" + hashlib.blake2b(model.encode(), digest_size=5).hexdigest()


# Made per answer: not frozen, whose __init__ costs several times more.
@dataclass(slots=True)
class ChatHeader:
    """What every chunk of one completion repeats."""

    id: str
    created: int
    model: str

    def base(self, object_name: str) -> JSONObject:
        return {
            "id": self.id,
            "object": object_name,
            "created": self.created,
            "model": self.model,
            "service_tier": "default",
            "system_fingerprint": system_fingerprint(self.model),
        }


def _reasoning_tokens(choice: FinishedChoice) -> int:
    return sum(count_tokens(p.thinking) for p in choice.parts if isinstance(p, ThinkingPart))


def usage_json(prompt: PromptUsage, choices: list[FinishedChoice]) -> JSONObject:
    completion = sum(c.output_tokens for c in choices)
    return {
        "prompt_tokens": prompt.total_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt.total_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": prompt.cache_read_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": sum(_reasoning_tokens(c) for c in choices),
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _tool_calls(choice: FinishedChoice) -> list[JSONObject]:
    return [
        {
            "id": part.id or ids.tool_call_id(),
            "type": "function",
            "function": {"name": part.name, "arguments": jsonvalue.dumps_str(part.input)},
        }
        for part in choice.tool_calls
    ]


def _refusal(choice: FinishedChoice) -> str | None:
    texts = [p.text for p in choice.parts if isinstance(p, RefusalPart)]
    return "".join(texts) if texts else None


def message_json(choice: FinishedChoice) -> JSONObject:
    refusal = _refusal(choice)
    calls = _tool_calls(choice)
    text = choice.text
    message: JSONObject = {
        "role": "assistant",
        "content": None if refusal is not None or (calls and not text) else text,
        "refusal": refusal,
        "annotations": [],
    }
    if calls:
        message["tool_calls"] = calls
    return message


def finish_reason(choice: FinishedChoice) -> FinishReason:
    return _FINISH[choice.stop_reason]


def choice_logprobs(choice: FinishedChoice, options: LogprobOptions, index: int) -> JSONObject:
    """A choice's ``logprobs``: its text's tokens, or its refusal's; a choice that only
    calls tools has neither."""
    refusal = _refusal(choice)
    if refusal is not None:
        return {"content": None, "refusal": token_logprobs(refusal, options, index)}
    if choice.tool_calls and not choice.text:
        return {"content": None, "refusal": None}
    return {"content": token_logprobs(choice.text, options, index), "refusal": None}


def completion_body(
    header: ChatHeader,
    choices: list[FinishedChoice],
    prompt: PromptUsage,
    logprobs: LogprobOptions | None = None,
) -> JSONObject:
    body = header.base("chat.completion")
    body["choices"] = [
        {
            "index": i,
            "message": message_json(c),
            "logprobs": None if logprobs is None else choice_logprobs(c, logprobs, i),
            "finish_reason": finish_reason(c),
        }
        for i, c in enumerate(choices)
    ]
    body["usage"] = usage_json(prompt, choices)
    return body


def _choice_deltas(choice: FinishedChoice) -> Iterator[_Delta]:
    """(delta, tokens, kind) for one choice, first delta carrying the role."""
    calls = choice.tool_calls
    text = choice.text
    refusal = _refusal(choice)
    if refusal is not None:
        yield {"role": "assistant", "content": None, "refusal": ""}, 0, "refusal_role"
        for piece, tokens in token_groups(refusal):
            yield {"refusal": piece}, tokens, "refusal"
        return
    if text or not calls:
        yield {"role": "assistant", "content": "", "refusal": None}, 0, "role"
        for piece, tokens in token_groups(text):
            yield {"content": piece}, tokens, "content"
    for position, part in enumerate(calls):
        first: JSONObject = {
            "tool_calls": [
                {
                    "index": position,
                    "id": part.id or ids.tool_call_id(),
                    "type": "function",
                    "function": {"name": part.name, "arguments": ""},
                }
            ]
        }
        if position == 0 and not text:
            first = {"role": "assistant", "content": None, **first}
        yield first, count_tokens(part.name), "tool"
        for piece, tokens in token_groups(jsonvalue.dumps_str(part.input)):
            delta: JSONObject = {
                "tool_calls": [{"index": position, "function": {"arguments": piece}}]
            }
            yield delta, tokens, "tool"


def _delta_logprobs(
    choice: FinishedChoice, options: LogprobOptions, index: int
) -> Iterator[_DeltaWithLogprobs]:
    """The choice's deltas, each with the logprobs of the tokens it carries."""
    refusal = _refusal(choice)
    text = refusal if refusal is not None else choice.text
    entries = iter(token_logprobs(text, options, index))
    for delta, tokens, kind in _choice_deltas(choice):
        logprobs: JSONObject | None = None
        if kind == "role":
            logprobs = {"content": [], "refusal": None}
        elif kind == "refusal_role":
            logprobs = {"content": None, "refusal": []}
        elif kind == "content":
            logprobs = {"content": [next(entries) for _ in range(tokens)], "refusal": None}
        elif kind == "refusal":
            logprobs = {"content": None, "refusal": [next(entries) for _ in range(tokens)]}
        yield delta, tokens, kind, logprobs


def chunk_events(
    header: ChatHeader,
    choices: list[FinishedChoice],
    prompt: PromptUsage,
    *,
    include_usage: bool,
    logprobs: LogprobOptions | None = None,
) -> Iterator[StreamEvent]:
    """Data-only chunks; with ``n > 1`` the choices interleave by index."""

    def chunk(
        index: int,
        delta: JSONObject,
        finish: FinishReason | None,
        tokens: int,
        choice_logprobs: JSONObject | None = None,
    ) -> StreamEvent:
        body = header.base("chat.completion.chunk")
        body["choices"] = [
            {"index": index, "delta": delta, "logprobs": choice_logprobs, "finish_reason": finish}
        ]
        if include_usage:
            body["usage"] = None
        return StreamEvent(None, body, tokens)

    streams: list[Iterator[_Delta | _DeltaWithLogprobs]] = [
        _choice_deltas(c) if logprobs is None else _delta_logprobs(c, logprobs, i)
        for i, c in enumerate(choices)
    ]
    live = list(range(len(choices)))
    while live:
        still: list[int] = []
        for index in live:
            step = next(streams[index], None)
            if step is None:
                yield chunk(index, {}, finish_reason(choices[index]), 0)
            else:
                on_step = step[3] if len(step) == 4 else None
                yield chunk(index, step[0], None, step[1], on_step)
                still.append(index)
        live = still
    if include_usage:
        tail = header.base("chat.completion.chunk")
        tail["choices"] = []
        tail["usage"] = usage_json(prompt, choices)
        yield StreamEvent(None, tail)
    yield StreamEvent(None, DONE)
