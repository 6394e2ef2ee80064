"""Which spec schema a response of the emulator answers to: by request path and method,
status and, for a stream, the event's ``type``.

Only the operations the emulator serves are listed; a response to any other path (the
control plane, ``/healthz``, an unknown route) is not checked here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tests.spec.documents import Api
from tests.spec.exclusions import unchecked_request

Stream = Literal["messages", "complete", "chat", "responses"]


@dataclass(frozen=True)
class Operation:
    api: Api
    name: str
    success: str
    stream: Stream | None = None

    def body_schema(self, status: int) -> str:
        return self.success if status < 400 else "ErrorResponse"

    def event_schema(self, payload: Any) -> str | None:
        """The schema a stream event's ``data`` answers to; ``None`` for a payload that is
        the end marker (``[DONE]``)."""
        if self.stream == "chat":
            if payload == "[DONE]":
                return None
            if isinstance(payload, Mapping) and "error" in payload:
                return "ErrorResponse"
            return "CreateChatCompletionStreamResponse"
        kind = payload.get("type") if isinstance(payload, Mapping) else None
        if self.stream == "responses":
            return "ResponseStreamEvent"
        if kind == "error":
            return "ErrorResponse"
        if self.stream == "complete":
            return {"completion": "CompletionResponse", "ping": "Ping"}.get(
                str(kind), "CompletionResponse"
            )
        return "MessageStreamEvent"


# Path tails after any gateway prefix ("/anthropic/v1/messages" is "/v1/messages").
_ROUTES: list[tuple[str, re.Pattern[str], Operation | None, Operation | None]] = [
    (
        "POST",
        re.compile(r"/v1/messages"),
        Operation("anthropic", "messages", "Message", "messages"),
        None,
    ),
    (
        "POST",
        re.compile(r"/v1/messages/count_tokens"),
        Operation("anthropic", "count_tokens", "CountMessageTokensResponse"),
        None,
    ),
    (
        "POST",
        re.compile(r"/v1/complete"),
        Operation("anthropic", "complete", "CompletionResponse", "complete"),
        None,
    ),
    (
        "POST",
        re.compile(r"/v1/chat/completions"),
        None,
        Operation("openai", "chat", "CreateChatCompletionResponse", "chat"),
    ),
    (
        "POST",
        re.compile(r"/v1/responses"),
        None,
        Operation("openai", "responses", "Response", "responses"),
    ),
    (
        "POST",
        re.compile(r"/v1/responses/input_tokens"),
        None,
        Operation("openai", "responses.input_tokens", "TokenCountsResource"),
    ),
    (
        "GET",
        re.compile(r"/v1/responses/[^/]+"),
        None,
        Operation("openai", "responses.get", "Response"),
    ),
    (
        "GET",
        re.compile(r"/v1/responses/[^/]+/input_items"),
        None,
        Operation("openai", "responses.input_items", "ResponseItemList"),
    ),
    (
        "POST",
        re.compile(r"/v1/embeddings"),
        None,
        Operation("openai", "embeddings", "CreateEmbeddingResponse"),
    ),
    (
        "GET",
        re.compile(r"/v1/models"),
        Operation("anthropic", "models.list", "ListResponse_ModelInfo_"),
        Operation("openai", "models.list", "ListModelsResponse"),
    ),
    (
        "GET",
        re.compile(r"/v1/models/.+"),
        Operation("anthropic", "models.get", "ModelInfo"),
        Operation("openai", "models.get", "Model"),
    ),
]
_TAIL = re.compile(r"/v1/.*$")


def operation_for(method: str, path: str, headers: Mapping[str, str]) -> Operation | None:
    """The operation a request is for, or ``None`` when the specs do not describe it.

    ``GET /v1/models`` is Anthropic's when the request carries ``anthropic-version`` (as
    every Anthropic SDK sends it), OpenAI's otherwise: the emulator answers the same way."""
    tail = _TAIL.search(path)
    if tail is None:
        return None
    for verb, pattern, anthropic, openai in _ROUTES:
        if verb == method.upper() and pattern.fullmatch(tail.group()):
            found: Operation | None = anthropic or openai
            if anthropic is not None and openai is not None:
                found = anthropic if "anthropic-version" in headers else openai
            if found is None or unchecked_request(found.name, headers) is not None:
                return None
            return found
    return None
