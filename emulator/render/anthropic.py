"""Messages API wire format: a finished choice → Message JSON, or stream events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import assert_never

from emulator.accounting.usage import PromptUsage
from emulator.core import ids
from emulator.core.completion import tool_call_tokens
from emulator.core.outcome import (
    FinishedChoice,
    Part,
    RefusalPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
)
from emulator.core.tokenizer import count_tokens
from emulator.http.sse import StreamEvent
from emulator.render.events import token_groups
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject

PING: JSONObject = {"type": "ping"}


def usage_json(prompt: PromptUsage, output_tokens: int) -> JSONObject:
    return {
        "input_tokens": prompt.input_tokens,
        "cache_creation_input_tokens": prompt.cache_creation_tokens,
        "cache_read_input_tokens": prompt.cache_read_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": prompt.cache_creation_5m_tokens,
            "ephemeral_1h_input_tokens": prompt.cache_creation_1h_tokens,
        },
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def _tool_id(part: ToolCallPart) -> str:
    return part.id or ids.tool_use_id()


def content_block(part: Part) -> JSONObject:
    if isinstance(part, TextPart | RefusalPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, ToolCallPart):
        return {"type": "tool_use", "id": _tool_id(part), "name": part.name, "input": part.input}
    if isinstance(part, ThinkingPart):
        return {"type": "thinking", "thinking": part.thinking, "signature": part.signature}
    assert_never(part)


def message_body(
    model: str, choice: FinishedChoice, prompt: PromptUsage, message_id: str
) -> JSONObject:
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [content_block(p) for p in choice.parts],
        "stop_reason": choice.stop_reason,
        "stop_sequence": choice.stop_sequence,
        "usage": usage_json(prompt, choice.output_tokens),
    }


def _block_events(index: int, part: Part) -> Iterator[StreamEvent]:
    def delta(payload: JSONObject, tokens: int) -> StreamEvent:
        return StreamEvent(
            "content_block_delta",
            {"type": "content_block_delta", "index": index, "delta": payload},
            tokens,
        )

    if isinstance(part, TextPart | RefusalPart):
        yield _start(index, {"type": "text", "text": ""})
        for piece, tokens in token_groups(part.text):
            yield delta({"type": "text_delta", "text": piece}, tokens)
    elif isinstance(part, ToolCallPart):
        start = {"type": "tool_use", "id": _tool_id(part), "name": part.name, "input": {}}
        yield _start(index, start)
        yield delta({"type": "input_json_delta", "partial_json": ""}, count_tokens(part.name))
        arguments = jsonvalue.dumps_str(part.input)
        for piece, tokens in token_groups(arguments):
            yield delta({"type": "input_json_delta", "partial_json": piece}, tokens)
    elif isinstance(part, ThinkingPart):
        yield _start(index, {"type": "thinking", "thinking": "", "signature": ""})
        for piece, tokens in token_groups(part.thinking):
            yield delta({"type": "thinking_delta", "thinking": piece}, tokens)
        yield delta({"type": "signature_delta", "signature": part.signature}, 0)
    else:
        assert_never(part)
    yield StreamEvent("content_block_stop", {"type": "content_block_stop", "index": index})


def _start(index: int, block: JSONObject) -> StreamEvent:
    return StreamEvent(
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": block},
    )


def message_events(
    model: str, choice: FinishedChoice, prompt: PromptUsage, message_id: str
) -> Iterator[StreamEvent]:
    """The full event sequence of a streamed Message, in the real API's grammar."""
    head: JSONObject = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage_json(prompt, min(1, choice.output_tokens)),
    }
    yield StreamEvent("message_start", {"type": "message_start", "message": head})
    for index, part in enumerate(choice.parts):
        events = _block_events(index, part)
        yield next(events)
        if index == 0:
            yield StreamEvent("ping", PING)
        yield from events
    if not choice.parts:
        yield StreamEvent("ping", PING)
    # message_delta repeats the cumulative counts but not the cache_creation
    # breakdown nor service_tier (MessageDeltaUsage has neither).
    final_usage: JSONObject = {
        "input_tokens": prompt.input_tokens,
        "cache_creation_input_tokens": prompt.cache_creation_tokens,
        "cache_read_input_tokens": prompt.cache_read_tokens,
        "output_tokens": choice.output_tokens,
    }
    yield StreamEvent(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": choice.stop_reason, "stop_sequence": choice.stop_sequence},
            "usage": final_usage,
        },
    )
    yield StreamEvent("message_stop", {"type": "message_stop"})


__all__ = ["message_body", "message_events", "tool_call_tokens", "usage_json"]
