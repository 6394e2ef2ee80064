"""A validated Chat Completions body → NeutralRequest, with the API's semantic checks."""

from __future__ import annotations

from collections.abc import Callable

from emulator.accounting.prompt import chat_prompt_blocks
from emulator.core.catalogue import Catalogue, ModelInfo
from emulator.core.errors import ApiError, invalid_request
from emulator.core.neutral import (
    Message,
    NeutralRequest,
    OutputFormat,
    ToolCall,
    ToolChoice,
    ToolResult,
    ToolSpec,
)
from emulator.surfaces.anthropic_parse import content_key
from emulator.surfaces.caller_schemas import schema_problem
from emulator.surfaces.images import data_url_payload, sniff_media_type
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject

DEFAULT_MAX_TOKENS = 4096


def _text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def tool_arguments(raw: object) -> JSONObject:
    """A tool call's JSON arguments as an object ({} for anything else)."""
    try:
        value = jsonvalue.loads(str(raw))
    except jsonvalue.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _messages(raw_messages: list[JSONObject]) -> tuple[str, tuple[Message, ...]]:
    system_parts: list[str] = []
    names: dict[str, str] = {}
    messages: list[Message] = []
    for raw in raw_messages:
        role = raw["role"]
        if role in ("system", "developer"):
            system_parts.append(_text(raw.get("content")))
            continue
        if role == "assistant":
            calls = []
            for call in raw.get("tool_calls") or ():
                function = call.get("function") or call.get("custom") or {}
                name = str(function.get("name", ""))
                names[str(call.get("id"))] = name
                calls.append(
                    ToolCall(str(call.get("id")), name, tool_arguments(function.get("arguments")))
                )
            messages.append(Message("assistant", _text(raw.get("content")), tuple(calls)))
        elif role in ("tool", "function"):
            call_id = str(raw.get("tool_call_id", raw.get("name", "")))
            text = _text(raw.get("content"))
            result = ToolResult(call_id, text, False, names.get(call_id, raw.get("name")))
            messages.append(Message("tool", text, (), (result,)))
        else:
            messages.append(Message("user", _text(raw.get("content"))))
    return "\n".join(system_parts), tuple(messages)


def check_model(model: str, info: ModelInfo | None, accept_any: bool) -> None:
    if info is None and not accept_any:
        raise ApiError(
            404,
            f"The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found",
            openai_type="invalid_request_error",
        )


def check_generates_text(info: ModelInfo | None) -> None:
    """An embedding model on Chat Completions: the real API's answer for a model
    that is not a chat model (404, param ``model``, no code)."""
    if info is not None and info.is_embedding:
        raise ApiError(
            404,
            "This is not a chat model and thus not supported in the v1/chat/completions "
            "endpoint. Did you mean to use v1/completions?",
            param="model",
            openai_type="invalid_request_error",
        )


def _max_tokens(body: JSONObject, info: ModelInfo | None) -> int:
    name = (
        "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    )
    value = body.get(name)
    limit = info.max_output_tokens if info is not None else None
    if value is None:
        return limit or DEFAULT_MAX_TOKENS
    if value < 1:
        raise invalid_request(
            f"Invalid '{name}': integer below minimum value. Expected a value >= 1, but got "
            f"{value} instead.",
            param=name,
            code="integer_below_min_value",
        )
    if limit is not None and value > limit:
        raise invalid_request(
            f"{name} is too large: {value}. This model supports at most {limit} completion "
            f"tokens, whereas you provided {value}.",
            param=name,
            code="invalid_value",
        )
    return int(value)


def _check_tool_messages(raw_messages: list[JSONObject]) -> None:
    pending: list[str] = []
    pending_at = 0
    for index, raw in enumerate(raw_messages):
        role = raw["role"]
        if role == "tool":
            call_id = raw.get("tool_call_id")
            if call_id not in pending:
                raise invalid_request(
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    param=f"messages.[{index}].role",
                )
            pending.remove(call_id)
            continue
        if pending:
            raise invalid_request(
                "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(pending)}",
                param=f"messages.[{pending_at}].role",
            )
        if role == "assistant" and raw.get("tool_calls"):
            pending = [str(c.get("id")) for c in raw["tool_calls"]]
            pending_at = index
        else:
            pending = []
    if pending and raw_messages[-1]["role"] != "assistant":
        raise invalid_request(
            "An assistant message with 'tool_calls' must be followed by tool messages responding "
            f"to each 'tool_call_id'. The following tool_call_ids did not have response "
            f"messages: {', '.join(pending)}",
            param=f"messages.[{pending_at}].role",
        )


_UNSUPPORTED_IMAGE = (
    "You uploaded an unsupported image. Please make sure your image has of one the following "
    "formats: ['png', 'jpeg', 'gif', 'webp']."
)


def _check_images(raw_messages: list[JSONObject]) -> None:
    """A base64 ``image_url`` must hold a PNG, JPEG, GIF or WebP image, whatever
    type its data URL declares (the real API judges by the bytes)."""
    for raw in raw_messages:
        content = raw.get("content")
        if not isinstance(content, list):
            continue
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "image_url":
                continue
            payload = data_url_payload(str((part.get("image_url") or {}).get("url", "")))
            if payload is not None and sniff_media_type(payload) is None:
                raise invalid_request(_UNSUPPORTED_IMAGE, code="invalid_image_format")


def _tools(body: JSONObject) -> tuple[ToolSpec, ...]:
    specs: list[ToolSpec] = []
    for index, tool in enumerate(body.get("tools") or ()):
        function = tool.get("function") or tool.get("custom") or {}
        if tool.get("type") == "function":
            refuse_schema_problem(
                function.get("parameters"),
                f"function '{function.get('name', '')}'",
                param=f"tools[{index}].function.parameters",
                code="invalid_function_parameters",
            )
        specs.append(
            ToolSpec(
                str(function.get("name", "")),
                str(function.get("description") or ""),
                function.get("parameters") if tool.get("type") == "function" else None,
            )
        )
    return tuple(specs)


def tool_choice(
    body: JSONObject,
    tools: tuple[ToolSpec, ...],
    *,
    allowed_mode: Callable[[JSONObject], object],
    named: Callable[[JSONObject], object],
    not_found: Callable[[object], ApiError],
) -> ToolChoice:
    """``tool_choice`` and ``parallel_tool_calls`` as the OpenAI APIs read them; the
    object forms' fields (``allowed_mode``, ``named``) and the error for a name not
    in ``tools`` are the caller's API's."""
    raw = body.get("tool_choice")
    parallel = body.get("parallel_tool_calls") is not False
    if raw is None:
        return ToolChoice("auto" if tools else "none", None, parallel)
    if isinstance(raw, str):
        mode = {"none": "none", "auto": "auto", "required": "any"}[raw]
        return ToolChoice(mode, None, parallel)  # type: ignore[arg-type]  # values are modes
    if raw.get("type") == "allowed_tools":
        required = allowed_mode(raw) == "required"
        return ToolChoice("any" if required else "auto", None, parallel)
    name = named(raw)
    if name not in {t.name for t in tools}:
        raise not_found(name)
    return ToolChoice("tool", str(name), parallel)


def _tool_choice(body: JSONObject, tools: tuple[ToolSpec, ...]) -> ToolChoice:
    if body.get("tool_choice") is not None and not tools:
        raise invalid_request(
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
            "specified.",
            param="tool_choice",
        )
    return tool_choice(
        body,
        tools,
        allowed_mode=lambda raw: (raw.get("allowed_tools") or {}).get("mode"),
        named=lambda raw: (raw.get("function") or raw.get("custom") or {}).get("name"),
        not_found=lambda name: invalid_request(
            f"Invalid value for 'tool_choice': tool choice '{name}' was not found in 'tools'.",
            param="tool_choice",
        ),
    )


def output_format(raw: object, spec: Callable[[JSONObject], JSONObject]) -> OutputFormat:
    """The requested output format from the API's format object ``raw``; ``spec``
    finds (and checks) the object holding a json_schema format's ``schema`` and ``name``."""
    if not isinstance(raw, dict):
        return OutputFormat()
    if raw.get("type") == "json_object":
        return OutputFormat("json_object")
    if raw.get("type") == "json_schema":
        found = spec(raw)
        return OutputFormat("json_schema", found.get("schema"), found.get("name"))
    return OutputFormat()


def refuse_schema_problem(schema: object, what: str, *, param: str, code: str | None) -> None:
    """The API's 400 for a caller's schema the emulator refuses (see caller_schemas);
    ``what`` names its owner, e.g. "function 'get_weather'"."""
    found = schema_problem(schema)
    if found is not None:
        raise invalid_request(
            f"Invalid schema for {what}: In context={found.context!r}, {found.problem}.",
            param=param,
            code=code,
        )


def _checked_json_schema(raw: JSONObject) -> JSONObject:
    spec: JSONObject = raw.get("json_schema") or {}
    refuse_schema_problem(
        spec.get("schema"),
        f"response_format '{spec.get('name', '')}'",
        param="response_format",
        code=None,
    )
    return spec


def _output_format(body: JSONObject) -> OutputFormat:
    return output_format(body.get("response_format"), _checked_json_schema)


def parse_chat_body(body: JSONObject, *, catalogue: Catalogue) -> NeutralRequest:
    """The request ``body`` asks for, for no caller in particular (see ``for_caller``)."""
    model = body["model"]
    info = catalogue.lookup(model)
    check_model(model, info, catalogue.accept_any)
    check_generates_text(info)
    if body.get("stream_options") is not None and not body.get("stream"):
        raise invalid_request(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            param="stream_options",
        )
    if body.get("top_logprobs") is not None and body.get("logprobs") is not True:
        raise invalid_request(
            "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.",
            param="top_logprobs",
        )
    max_tokens = _max_tokens(body, info)
    tools = _tools(body)
    seen: set[str] = set()
    for index, spec in enumerate(tools):
        if spec.name in seen:
            raise invalid_request(
                f"Invalid 'tools': duplicate function name '{spec.name}'.", param=f"tools[{index}]"
            )
        seen.add(spec.name)
    tool_choice = _tool_choice(body, tools)
    raw_messages = body["messages"]
    _check_tool_messages(raw_messages)
    _check_images(raw_messages)
    blocks = chat_prompt_blocks(body)
    prompt_tokens = sum(b.tokens for b in blocks)
    if info is not None and prompt_tokens > info.context_window:
        raise invalid_request(
            f"This model's maximum context length is {info.context_window} tokens. However, your "
            f"messages resulted in {prompt_tokens} tokens. Please reduce the length of the "
            "messages.",
            param="messages",
            code="context_length_exceeded",
        )
    system, messages = _messages(raw_messages)
    stop = body.get("stop")
    stops = (stop,) if isinstance(stop, str) else tuple(stop or ())
    metadata = body.get("metadata")
    return NeutralRequest(
        api="chat",
        model=model,
        model_info=info,
        messages=messages,
        max_tokens=max_tokens,
        content_key=content_key(body),
        system=system,
        tools=tools,
        tool_choice=tool_choice,
        stop_sequences=stops,
        n=int(body.get("n") or 1),
        output_format=_output_format(body),
        stream=bool(body.get("stream")),
        metadata=metadata if isinstance(metadata, dict) else {},
        blocks=blocks,
        prompt_tokens=prompt_tokens,
        cache_partition=str(body.get("prompt_cache_key") or ""),
        body=body,
    )
