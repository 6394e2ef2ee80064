"""The neutral request: one internal model for all three APIs.

Surfaces turn their validated wire bodies into a ``NeutralRequest``; scenario
rules, accounting and generation speak only of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from functools import cached_property
from typing import Literal, NamedTuple

from emulator.core.catalogue import ModelInfo
from emulator.util.jsonvalue import JSONObject
from emulator.util.value_class import value_class

Api = Literal["messages", "complete", "chat", "responses"]
# The APIs answered in OpenAI's shapes (errors, rate-limit headers, faults).
OPENAI_APIS: frozenset[str] = frozenset({"chat", "responses"})


class Caller(NamedTuple):
    """Who sent a request: apart from the ``NeutralRequest``, which is the parse of a
    body and is shared by every request that sent the same bytes."""

    api_key: str
    headers: Mapping[str, str]


Role = Literal["user", "assistant", "system", "tool"]
CacheTtl = Literal["5m", "1h"]


@value_class(slots=True)
class PromptBlock:
    """One cacheable unit of the prompt, in processing order tools → system → messages:
    a tool definition, a system block or a message content block."""

    kind: str
    source: object
    tokens: int
    cache_ttl: CacheTtl | None = None
    path: str = ""


@value_class(slots=True)
class ToolSpec:
    name: str
    description: str = ""
    input_schema: JSONObject | None = None


@value_class(slots=True)
class ToolCall:
    id: str
    name: str
    input: JSONObject


@value_class(slots=True)
class ToolResult:
    tool_use_id: str
    text: str
    is_error: bool = False
    tool_name: str | None = None


@value_class(slots=True)
class Message:
    role: Role
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_results: tuple[ToolResult, ...] = ()


@value_class(slots=True)
class ToolChoice:
    mode: Literal["auto", "any", "tool", "none"] = "auto"
    name: str | None = None
    parallel: bool = True


@value_class(slots=True)
class OutputFormat:
    kind: Literal["text", "json_object", "json_schema"] = "text"
    schema: JSONObject | None = None
    name: str | None = None


TEXT_FORMAT = OutputFormat()


# No __slots__: the cached properties below keep their values in the __dict__.
@value_class
class NeutralRequest:
    api: Api
    model: str
    model_info: ModelInfo | None
    messages: tuple[Message, ...]
    max_tokens: int
    content_key: bytes
    system: str = ""
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: ToolChoice = ToolChoice()
    stop_sequences: tuple[str, ...] = ()
    n: int = 1
    output_format: OutputFormat = TEXT_FORMAT
    thinking_budget: int | None = None
    thinking_display: Literal["summarized", "omitted"] = "summarized"
    stream: bool = False
    prefill: str = ""
    metadata: JSONObject = field(default_factory=dict)
    blocks: tuple[PromptBlock, ...] = ()
    prompt_tokens: int = 0
    cache_breakpoints: tuple[tuple[int, CacheTtl], ...] = ()
    cache_partition: str = ""
    body: JSONObject = field(default_factory=dict)

    # Cached: every rule tried asks again, and a kept parse answers many requests.
    @cached_property
    def last_user_text(self) -> str:
        """The newest user message that says something (tool-result-only turns are
        skipped); for a legacy completion prompt, its last turn."""
        for message in reversed(self.messages):
            if message.role == "user" and message.text.strip():
                return message.text
        if self.api == "complete" and self.messages:
            return self.messages[-1].text
        return ""

    @cached_property
    def last_tool_results(self) -> tuple[ToolResult, ...]:
        if self.messages and self.messages[-1].role in ("user", "tool"):
            collected: list[ToolResult] = []
            for message in reversed(self.messages):
                if message.role == "assistant":
                    break
                collected[:0] = message.tool_results
            return tuple(collected)
        return ()

    @cached_property
    def tool_results_this_turn(self) -> tuple[ToolResult, ...]:
        """Every tool result since the newest user message that says something: the
        agent turn the model is in (and the results in the last turn, always)."""
        collected: list[ToolResult] = []
        for message in reversed(self.messages):
            if message.role == "user" and message.text.strip():
                break
            collected[:0] = message.tool_results
        return (*collected, *(r for r in self.last_tool_results if r not in collected))

    def tool(self, name: str) -> ToolSpec | None:
        for spec in self.tools:
            if spec.name == name:
                return spec
        return None
