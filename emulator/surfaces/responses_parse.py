"""A validated Responses API body → NeutralRequest, with the API's semantic checks.

The conversation is the stored input and output of ``previous_response_id`` (given
as ``history``) followed by this body's ``input``; items become the neutral
messages every rule and generator speaks of.
"""

from __future__ import annotations

from collections.abc import Iterable

from emulator.accounting.prompt import MESSAGE_OVERHEAD_TOKENS
from emulator.core.catalogue import Catalogue
from emulator.core.errors import ApiError, invalid_request
from emulator.core.neutral import (
    Message,
    NeutralRequest,
    OutputFormat,
    PromptBlock,
    ToolCall,
    ToolChoice,
    ToolResult,
    ToolSpec,
)
from emulator.core.tokenizer import count_tokens
from emulator.surfaces.anthropic_parse import content_key
from emulator.surfaces.openai_parse import (
    DEFAULT_MAX_TOKENS,
    check_model,
    output_format,
    refuse_schema_problem,
    tool_arguments,
    tool_choice,
)
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject

# The smallest max_output_tokens the real API takes.
MIN_OUTPUT_TOKENS = 16

# Output budget a reasoning effort spends on thinking before answering (documented in
# README); "none" and "minimal" think not at all.
REASONING_BUDGET = {"low": 256, "medium": 1024, "high": 4096, "xhigh": 8192, "max": 16384}

_TEXT_PARTS = frozenset({"input_text", "output_text", "text", "summary_text", "reasoning_text"})


def input_items(body: JSONObject) -> list[JSONObject]:
    """The body's ``input`` as a list of items (a string is one user message)."""
    raw = body.get("input")
    if raw is None:
        return []
    if isinstance(raw, str):
        return [{"role": "user", "content": raw}]
    return list(raw)


def item_text(item: JSONObject) -> str:
    """The text an input item carries (parts of other kinds count for nothing)."""
    kind = item.get("type")
    if kind == "function_call":
        return f"{item.get('name', '')} {item.get('arguments', '')}"
    if kind in ("function_call_output", "custom_tool_call_output"):
        output = item.get("output")
        return output if isinstance(output, str) else _parts_text(output)
    if kind == "reasoning":
        return _parts_text(item.get("summary"))
    content = item.get("content")
    return content if isinstance(content, str) else _parts_text(content)


def _parts_text(parts: object) -> str:
    if not isinstance(parts, list):
        return ""
    return "\n".join(
        str(p.get("text", ""))
        for p in parts
        if isinstance(p, dict) and p.get("type") in _TEXT_PARTS
    )


def _messages(items: Iterable[JSONObject]) -> tuple[str, tuple[Message, ...]]:
    system: list[str] = []
    names: dict[str, str] = {}
    messages: list[Message] = []
    for item in items:
        kind = item.get("type", "message")
        if kind == "function_call":
            call_id = str(item.get("call_id", ""))
            names[call_id] = str(item.get("name", ""))
            call = ToolCall(call_id, names[call_id], tool_arguments(item.get("arguments")))
            previous = messages[-1] if messages else None
            if previous is not None and previous.role == "assistant":
                messages[-1] = Message("assistant", previous.text, (*previous.tool_calls, call), ())
            else:
                messages.append(Message("assistant", "", (call,)))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            call_id = str(item.get("call_id", ""))
            text = item_text(item)
            result = ToolResult(call_id, text, False, names.get(call_id))
            messages.append(Message("tool", text, (), (result,)))
        elif kind == "message":
            role = item.get("role")
            if role in ("system", "developer"):
                system.append(item_text(item))
            elif role == "assistant":
                messages.append(Message("assistant", item_text(item)))
            else:
                messages.append(Message("user", item_text(item)))
        # reasoning items and item references carry nothing a rule matches on
    return "\n".join(system), tuple(messages)


def _tools(body: JSONObject) -> tuple[ToolSpec, ...]:
    specs: list[ToolSpec] = []
    seen: set[str] = set()
    for index, tool in enumerate(body.get("tools") or ()):
        kind = tool.get("type")
        if kind not in ("function", "custom"):
            raise invalid_request(
                f"The emulator cannot run the built-in tool '{kind}': only function and custom "
                "tools are emulated.",
                param=f"tools[{index}].type",
                code="unsupported_value",
            )
        name = str(tool.get("name", ""))
        if name in seen:
            raise invalid_request(
                f"Invalid 'tools': duplicate function name '{name}'.", param=f"tools[{index}]"
            )
        seen.add(name)
        parameters = tool.get("parameters") if kind == "function" else None
        if kind == "function":
            refuse_schema_problem(
                parameters,
                f"function '{name}'",
                param=f"tools[{index}].parameters",
                code="invalid_function_parameters",
            )
        specs.append(ToolSpec(name, str(tool.get("description") or ""), parameters))
    return tuple(specs)


def _tool_choice(body: JSONObject, tools: tuple[ToolSpec, ...]) -> ToolChoice:
    if body.get("tool_choice") == "required" and not tools:
        raise invalid_request(
            "Tool choice 'required' must be specified with 'tools' parameter.",
            param="tool_choice",
        )
    return tool_choice(
        body,
        tools,
        allowed_mode=lambda raw: raw.get("mode"),
        named=lambda raw: raw.get("name"),
        not_found=lambda name: invalid_request(
            f"Tool choice '{name}' not found in 'tools' parameter.", param="tool_choice"
        ),
    )


def _checked_json_schema(raw: JSONObject) -> JSONObject:
    refuse_schema_problem(
        raw.get("schema"),
        f"response_format '{raw.get('name', '')}'",
        param="text.format.schema",
        code="invalid_json_schema",
    )
    return raw


def _output_format(body: JSONObject) -> OutputFormat:
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, dict) else None
    return output_format(fmt, _checked_json_schema)


def _max_tokens(body: JSONObject, limit: int | None) -> int:
    value = body.get("max_output_tokens")
    if value is None:
        return limit or DEFAULT_MAX_TOKENS
    if value < MIN_OUTPUT_TOKENS:
        raise invalid_request(
            "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= "
            f"{MIN_OUTPUT_TOKENS}, but got {value} instead.",
            param="max_output_tokens",
            code="integer_below_min_value",
        )
    if limit is not None and value > limit:
        raise invalid_request(
            f"max_output_tokens is too large: {value}. This model supports at most {limit} "
            f"output tokens, whereas you provided {value}.",
            param="max_output_tokens",
            code="invalid_value",
        )
    return int(value)


def _thinking_budget(body: JSONObject) -> int | None:
    reasoning = body.get("reasoning")
    if not isinstance(reasoning, dict):
        return None
    return REASONING_BUDGET.get(str(reasoning.get("effort") or "medium"))


def prompt_blocks(body: JSONObject, items: list[JSONObject]) -> tuple[PromptBlock, ...]:
    """Tools, the output format, instructions, then every input item: the prefix order
    automatic prompt caching compares."""
    blocks: list[PromptBlock] = []
    for index, tool in enumerate(body.get("tools") or ()):
        tokens = count_tokens(jsonvalue.dumps_str(tool))
        blocks.append(PromptBlock("tool", tool, tokens, None, f"tools[{index}]"))
    text = body.get("text")
    source = text.get("format") if isinstance(text, dict) else None
    if isinstance(source, dict) and source.get("type") == "json_schema":
        blocks.append(
            PromptBlock("text", source, count_tokens(jsonvalue.dumps_str(source)), None, "text")
        )
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        tokens = MESSAGE_OVERHEAD_TOKENS + count_tokens(instructions)
        blocks.append(PromptBlock("message", instructions, tokens, None, "instructions"))
    for index, item in enumerate(items):
        text = item_text(item)
        tokens = MESSAGE_OVERHEAD_TOKENS + count_tokens(text)
        blocks.append(
            PromptBlock("message", _cached_as(item, text), tokens, None, f"input[{index}]")
        )
    return tuple(blocks)


def _cached_as(item: JSONObject, text: str) -> JSONObject:
    """What of an item the prompt cache compares: the stored copy of an input item
    (with an id, its string content as parts) must match the item as first sent."""
    return {
        "type": item.get("type", "message"),
        "role": item.get("role"),
        "call_id": item.get("call_id"),
        "text": text,
    }


def check_tool_outputs(items: list[JSONObject]) -> None:
    """Every function_call_output answers a function call made earlier in the conversation."""
    calls = {item.get("call_id") for item in items if item.get("type") == "function_call"}
    for index, item in enumerate(items):
        if item.get("type") == "function_call_output" and item.get("call_id") not in calls:
            raise invalid_request(
                f"No tool call found for function call output with call_id {item.get('call_id')}.",
                param=f"input[{index}]",
            )


def parse_responses_body(
    body: JSONObject, *, catalogue: Catalogue, history: tuple[JSONObject, ...] = ()
) -> NeutralRequest:
    """What ``body`` asks for, continuing the conversation ``history`` (the stored
    items of ``previous_response_id``)."""
    model = body["model"]
    info = catalogue.lookup(model)
    check_model(model, info, catalogue.accept_any)
    if info is not None and info.is_embedding:
        raise ApiError(
            400,
            f"The requested model '{model}' is not supported with the Responses API.",
            param="model",
            code="model_not_found",
        )
    max_tokens = _max_tokens(body, info.max_output_tokens if info is not None else None)
    tools = _tools(body)
    tool_choice = _tool_choice(body, tools)
    output = _output_format(body)
    items = [*history, *input_items(body)]
    if history or body.get("previous_response_id") is None:
        # Without its history, a continuation's outputs answer calls not seen here.
        check_tool_outputs(items)
    blocks = prompt_blocks(body, items)
    prompt_tokens = sum(b.tokens for b in blocks)
    if info is not None and prompt_tokens > info.context_window:
        raise invalid_request(
            f"Your input exceeds the context window of this model ({info.context_window} "
            f"tokens); it has {prompt_tokens} tokens. Please adjust your input and try again.",
            param="input",
            code="context_length_exceeded",
        )
    system, messages = _messages(items)
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        system = f"{instructions}\n{system}" if system else instructions
    metadata = body.get("metadata")
    return NeutralRequest(
        api="responses",
        model=model,
        model_info=info,
        messages=messages,
        max_tokens=max_tokens,
        content_key=content_key({**body, "input": items}),
        system=system,
        tools=tools,
        tool_choice=tool_choice,
        output_format=output,
        thinking_budget=_thinking_budget(body),
        stream=bool(body.get("stream")),
        metadata=metadata if isinstance(metadata, dict) else {},
        blocks=blocks,
        prompt_tokens=prompt_tokens,
        cache_partition=str(body.get("prompt_cache_key") or ""),
        body=body,
    )
