"""A validated Messages (or count_tokens) body → NeutralRequest."""

from __future__ import annotations

from collections.abc import Mapping

from emulator.accounting.prompt import (
    anthropic_prompt_blocks,
    system_text_block,
    text_message_block,
)
from emulator.core.catalogue import Catalogue, ModelInfo
from emulator.core.errors import invalid_request
from emulator.core.neutral import (
    TEXT_FORMAT,
    Message,
    NeutralRequest,
    OutputFormat,
    ToolCall,
    ToolChoice,
    ToolResult,
    ToolSpec,
)
from emulator.surfaces import anthropic_rules as rules
from emulator.surfaces.caller_schemas import dotted, schema_problem
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject

# Fields that only cut, deliver or describe the reply: the natural reply does not depend
# on them, so a stop sequence or a smaller max_tokens cuts the very text it would have
# been, and asking for logprobs describes that text.
_DELIVERY_KEYS = frozenset(
    {
        "stream",
        "stream_options",
        "max_tokens",
        "max_tokens_to_sample",
        "max_completion_tokens",
        "stop_sequences",
        "stop",
        "logprobs",
        "top_logprobs",
    }
)


def content_key(body: JSONObject) -> bytes:
    """Bytes that identify what was asked, however it is delivered."""
    trimmed = {k: v for k, v in body.items() if k not in _DELIVERY_KEYS}
    return jsonvalue.canonical(trimmed)


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(b.get("text", ""))
            for b in content
            if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def _to_message(raw: JSONObject, tool_names: Mapping[str, str]) -> Message:
    content = raw["content"]
    if isinstance(content, str):  # most messages: no blocks to look through
        return Message(raw["role"], content)
    blocks: list[JSONObject] = content
    calls = tuple(
        ToolCall(str(b["id"]), str(b["name"]), b.get("input") or {})
        for b in blocks
        if b.get("type") == "tool_use"
    )
    results = tuple(
        ToolResult(
            str(b["tool_use_id"]),
            _text_of(b.get("content", "")),
            bool(b.get("is_error", False)),
            tool_names.get(str(b["tool_use_id"])),
        )
        for b in blocks
        if b.get("type") == "tool_result"
    )
    return Message(raw["role"], _text_of(blocks), calls, results)


def _messages(raw_messages: list[JSONObject]) -> tuple[Message, ...]:
    tool_names: dict[str, str] = {}
    converted: list[Message] = []
    for raw in raw_messages:
        message = _to_message(raw, tool_names)
        for call in message.tool_calls:
            tool_names[call.id] = call.name
        converted.append(message)
    return tuple(converted)


_AUTO = ToolChoice("auto")
_NO_TOOLS = ToolChoice("none")


def _tool_choice(body: JSONObject) -> ToolChoice:
    raw = body.get("tool_choice")
    if not isinstance(raw, dict):
        return _AUTO if body.get("tools") else _NO_TOOLS
    parallel = not raw.get("disable_parallel_tool_use", False)
    return ToolChoice(raw["type"], raw.get("name"), parallel)


def _tools(body: JSONObject) -> tuple[ToolSpec, ...]:
    tools = body.get("tools") or ()
    for index, tool in enumerate(tools):
        _refuse_schema_problem(tool.get("input_schema"), ("tools", index, "input_schema"))
    return tuple(
        ToolSpec(str(t["name"]), str(t.get("description") or ""), t.get("input_schema"))
        for t in tools
    )


def _output_format(body: JSONObject) -> OutputFormat:
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else None
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        _refuse_schema_problem(fmt.get("schema"), ("output_config", "format", "schema"))
        return OutputFormat("json_schema", fmt.get("schema"), None)
    return TEXT_FORMAT


def _refuse_schema_problem(schema: object, where: tuple[str | int, ...]) -> None:
    found = schema_problem(schema)
    if found is not None:
        raise invalid_request(f"{dotted((*where, *found.context))}: {found.problem}")


# A body with only these keys, a string system prompt and string contents is plain:
# no tools, thinking, cache marks or output format to look for.
_PLAIN_KEYS = frozenset(
    {
        "model",
        "max_tokens",
        "messages",
        "system",
        "stream",
        "temperature",
        "top_p",
        "top_k",
        "stop_sequences",
        "metadata",
    }
)


def is_plain(body: JSONObject) -> bool:
    return (
        body.keys() <= _PLAIN_KEYS
        and isinstance(body.get("system", ""), str)
        and all(isinstance(m["content"], str) for m in body["messages"])
    )


def parse_messages_body(
    body: JSONObject,
    *,
    catalogue: Catalogue,
    count_only: bool = False,
) -> NeutralRequest:
    """The request ``body`` asks for, for no caller in particular (see ``for_caller``)."""
    model = body["model"]
    info = catalogue.lookup(model)
    rules.check_model(model, info, accept_any=catalogue.accept_any)
    if not count_only:
        rules.check_generation_limits(body, info)
    if is_plain(body):
        return parse_plain_body(body, info, count_only=count_only)
    return parse_any_body(body, info, count_only=count_only)


def parse_plain_body(
    body: JSONObject, info: ModelInfo | None, *, count_only: bool
) -> NeutralRequest:
    """``parse_any_body`` for a plain body (``is_plain``), with only the checks that
    can fail for one: most requests are plain, and a new one is parsed on each."""
    raw_messages: list[JSONObject] = body["messages"]
    rules.check_message_content(raw_messages)
    if not count_only:
        rules.check_prefill(raw_messages, info, thinking=False)
    system = body.get("system", "")
    blocks = [system_text_block(system)] if system else []
    messages = []
    prompt_tokens = 0
    for index, raw in enumerate(raw_messages):
        role, content = raw["role"], raw["content"]
        block = text_message_block(role, content, index)
        blocks.append(block)
        prompt_tokens += block.tokens
        messages.append(Message(role, content))
    if system:
        prompt_tokens += blocks[0].tokens
    rules.check_prompt_length(prompt_tokens, info)
    last = messages[-1]
    metadata = body.get("metadata")
    # Positional: a call with a keyword per field costs twice as much, and a new
    # body is parsed on every request (the equivalence test guards the order).
    return NeutralRequest(
        "messages",  # api
        body["model"],
        info,  # model_info
        tuple(messages),
        0 if count_only else body["max_tokens"],
        content_key(body),
        system,
        (),  # tools
        _NO_TOOLS,  # tool_choice
        tuple(body.get("stop_sequences") or ()),
        1,  # n
        TEXT_FORMAT,  # output_format
        None,  # thinking_budget
        "summarized",  # thinking_display
        bool(body.get("stream", False)),
        last.text if last.role == "assistant" else "",  # prefill
        metadata if isinstance(metadata, dict) else {},
        tuple(blocks),
        prompt_tokens,
        (),  # cache_breakpoints
        "",  # cache_partition
        body,
    )


def parse_any_body(body: JSONObject, info: ModelInfo | None, *, count_only: bool) -> NeutralRequest:
    """The checks and parse after the model's and the limits' (``parse_messages_body``)."""
    model = body["model"]
    rules.check_thinking(body, count_only=count_only)
    rules.check_tools(body)
    raw_messages = body["messages"]
    rules.check_message_content(raw_messages)
    rules.check_tool_pairing(raw_messages)
    budget = rules.thinking_budget(body)
    if not count_only:
        rules.check_prefill(raw_messages, info, thinking=budget is not None)
    blocks = anthropic_prompt_blocks(body)
    prompt_tokens = sum(b.tokens for b in blocks)
    rules.check_prompt_length(prompt_tokens, info)
    breakpoints = rules.cache_breakpoints(body, blocks)
    messages = _messages(raw_messages)
    prefill = messages[-1].text if messages[-1].role == "assistant" else ""
    system = body.get("system")
    thinking = body.get("thinking")
    if not isinstance(thinking, dict):
        thinking = {}
    metadata = body.get("metadata")
    return NeutralRequest(
        api="messages",
        model=model,
        model_info=info,
        messages=messages,
        max_tokens=0 if count_only else body["max_tokens"],
        content_key=content_key(body),
        system=_text_of(system),
        tools=_tools(body),
        tool_choice=_tool_choice(body),
        stop_sequences=tuple(body.get("stop_sequences") or ()),
        output_format=_output_format(body),
        thinking_budget=budget,
        thinking_display="omitted" if thinking.get("display") == "omitted" else "summarized",
        stream=bool(body.get("stream", False)),
        prefill=prefill,
        metadata=metadata if isinstance(metadata, dict) else {},
        blocks=blocks,
        prompt_tokens=prompt_tokens,
        cache_breakpoints=breakpoints,
        body=body,
    )
