"""The Messages API's checks that a JSON Schema cannot express.

Each check raises the real API's 400 (or 404) with its wording, in the order
the reference gives: model, limits, thinking, tools, message pairing, length.
"""

from __future__ import annotations

from collections.abc import Sequence

from emulator.core.catalogue import ModelInfo
from emulator.core.errors import ApiError, invalid_request
from emulator.core.neutral import CacheTtl, PromptBlock
from emulator.surfaces.images import sniff_media_type
from emulator.util.jsonvalue import JSONObject

MAX_CACHE_BREAKPOINTS = 4
_UNMARKABLE = ("thinking", "redacted_thinking")

THINKING_MIN_BUDGET = 1024
_THINKING_DOCS = (
    "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
    "#max-tokens-and-context-window-size"
)


def check_model(model: str, info: ModelInfo | None, *, accept_any: bool) -> None:
    if info is None and not accept_any:
        raise ApiError(404, f"model: {model}")


def check_generation_limits(body: JSONObject, info: ModelInfo | None) -> None:
    max_tokens = body["max_tokens"]
    if max_tokens < 0:
        raise invalid_request("max_tokens: Input should be greater than or equal to 0")
    if info is not None and max_tokens > info.max_output_tokens:
        raise invalid_request(
            f"max_tokens: {max_tokens} > {info.max_output_tokens}, which is the maximum allowed "
            f"number of output tokens for {info.id}"
        )
    if max_tokens == 0 and body.get("stream"):
        raise invalid_request("max_tokens: must be greater than 0 when stream is true")
    if "temperature" in body or "top_p" in body or "top_k" in body:
        _check_sampling(body)


def _check_sampling(body: JSONObject) -> None:
    for name, high in (("temperature", 1.0), ("top_p", 1.0)):
        value = body.get(name)
        if value is not None and value < 0:
            raise invalid_request(f"{name}: Input should be greater than or equal to 0")
        if value is not None and value > high:
            raise invalid_request(f"{name}: Input should be less than or equal to {high:g}")
    top_k = body.get("top_k")
    if top_k is not None and top_k < 0:
        raise invalid_request("top_k: Input should be greater than or equal to 0")


def thinking_budget(body: JSONObject) -> int | None:
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "enabled":
        return int(thinking.get("budget_tokens", THINKING_MIN_BUDGET))
    if isinstance(thinking, dict) and thinking.get("type") == "adaptive":
        return THINKING_MIN_BUDGET
    return None


def check_thinking(body: JSONObject, *, count_only: bool) -> None:
    thinking = body.get("thinking")
    if not isinstance(thinking, dict) or thinking.get("type") != "enabled":
        return
    budget = thinking.get("budget_tokens", 0)
    if budget < THINKING_MIN_BUDGET:
        raise invalid_request(
            f"thinking.enabled.budget_tokens: Input should be greater than or equal to "
            f"{THINKING_MIN_BUDGET}"
        )
    if not count_only and budget >= body["max_tokens"]:
        raise invalid_request(
            "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
            f"documentation at {_THINKING_DOCS}"
        )
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
        raise invalid_request("Thinking may not be enabled when tool_choice forces tool use.")


def check_tools(body: JSONObject) -> None:
    if "tools" not in body and "tool_choice" not in body:
        return
    tools = body.get("tools") or []
    names = [tool.get("name") for tool in tools]
    seen: set[object] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise invalid_request(f"tools.{index}.name: Tool names must be unique.")
        seen.add(name)
    choice = body.get("tool_choice")
    if not isinstance(choice, dict):
        return
    if choice.get("type") in ("any", "tool") and not tools:
        raise invalid_request("tool_choice may only be specified while providing tools.")
    if choice.get("type") == "tool" and choice.get("name") not in seen:
        raise invalid_request(f"tool_choice.name: Tool '{choice.get('name')}' not found in tools")


def _blocks(message: JSONObject) -> list[JSONObject]:
    content = message["content"]
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    blocks: list[JSONObject] = content
    return blocks


def check_message_content(messages: list[JSONObject]) -> None:
    last = len(messages) - 1
    for index, message in enumerate(messages):
        content = message["content"]
        is_final_assistant = index == last and message["role"] == "assistant"
        if content in ("", []) and not is_final_assistant:
            raise invalid_request(
                f"messages.{index}: all messages must have non-empty content except for the "
                "optional final assistant message"
            )
        if isinstance(content, str):
            continue
        for position, block in enumerate(content):
            kind = block.get("type")
            if kind in ("image", "tool_result"):
                _check_images(block, f"messages.{index}.content.{position}")
            if kind != "text":
                continue
            text = block.get("text", "")
            if text == "":
                raise invalid_request("messages: text content blocks must be non-empty")
            if not text.strip() and not is_final_assistant:
                raise invalid_request(
                    "messages: text content blocks must contain non-whitespace text"
                )


def _check_images(block: JSONObject, where: str) -> None:
    """A base64 image (or one inside a tool result) must be the image its
    ``media_type`` says (reference: the real API's wording for each refusal)."""
    if block.get("type") == "tool_result":
        inner = block.get("content")
        for position, part in enumerate(inner if isinstance(inner, list) else ()):
            if isinstance(part, dict) and part.get("type") == "image":
                _check_images(part, f"{where}.tool_result.content.{position}")
        return
    source = block.get("source")
    if not isinstance(source, dict) or source.get("type") != "base64":
        return
    actual = sniff_media_type(str(source.get("data", "")))
    if actual is None:
        raise invalid_request("Could not process image")
    declared = source.get("media_type")
    if actual != declared:
        raise invalid_request(
            f"{where}.image.source.base64: The image was specified using the {declared} media "
            f"type, but the image appears to be a {actual} image"
        )


def check_tool_pairing(messages: list[JSONObject]) -> None:
    for index, message in enumerate(messages):
        if isinstance(message["content"], str):
            continue  # no tool_use or tool_result blocks
        blocks = _blocks(message)
        if message["role"] == "user":
            results = [
                (pos, b.get("tool_use_id"))
                for pos, b in enumerate(blocks)
                if b.get("type") == "tool_result"
            ]
            if not results:
                continue
            previous = messages[index - 1] if index > 0 else None
            offered = set()
            if previous is not None and previous["role"] == "assistant":
                offered = {b.get("id") for b in _blocks(previous) if b.get("type") == "tool_use"}
            for pos, tool_use_id in results:
                if tool_use_id not in offered:
                    raise invalid_request(
                        f"messages.{index}.content.{pos}: unexpected `tool_use_id` found in "
                        f"`tool_result` blocks: {tool_use_id}. Each `tool_result` block must have "
                        "a corresponding `tool_use` block in the previous message."
                    )
        elif index + 1 < len(messages):
            called = [b.get("id") for b in blocks if b.get("type") == "tool_use"]
            if not called:
                continue
            following = messages[index + 1]
            answered = (
                {b.get("tool_use_id") for b in _blocks(following) if b.get("type") == "tool_result"}
                if following["role"] == "user"
                else set()
            )
            missing = [str(c) for c in called if c not in answered]
            if missing:
                raise invalid_request(
                    f"messages.{index}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(missing)}. Each `tool_use` block must have a "
                    "corresponding `tool_result` block in the next message."
                )


def check_prefill(messages: list[JSONObject], info: ModelInfo | None, *, thinking: bool) -> None:
    if messages[-1]["role"] != "assistant":
        return
    if thinking or (info is not None and not info.supports_prefill):
        raise invalid_request(
            "This model does not support assistant message prefill. The conversation must end "
            "with a user message."
        )


def check_prompt_length(tokens: int, info: ModelInfo | None) -> None:
    if info is not None and tokens > info.context_window:
        raise invalid_request(
            f"prompt is too long: {tokens} tokens > {info.context_window} maximum"
        )


def _last_cacheable(blocks: Sequence[PromptBlock]) -> int | None:
    for position in range(len(blocks) - 1, -1, -1):
        source = blocks[position].source
        if isinstance(source, dict) and source.get("type") in _UNMARKABLE:
            continue
        return position
    return None


def cache_breakpoints(
    body: JSONObject, blocks: Sequence[PromptBlock]
) -> tuple[tuple[int, CacheTtl], ...]:
    """(block position, TTL) of every breakpoint, explicit and automatic, checked as the
    real API checks them: at most 4, and no 1-hour breakpoint after a 5-minute one."""
    marks: dict[int, CacheTtl] = {
        i: block.cache_ttl for i, block in enumerate(blocks) if block.cache_ttl is not None
    }
    automatic = body.get("cache_control")
    if not marks and automatic is None:
        return ()
    if isinstance(automatic, dict):
        ttl: CacheTtl = "1h" if automatic.get("ttl") == "1h" else "5m"
        last = _last_cacheable(blocks)
        if last is not None and last in marks and marks[last] != ttl:
            raise invalid_request(
                f"{blocks[last].path}.cache_control.ttl: the top-level cache_control ttl='{ttl}' "
                f"conflicts with ttl='{marks[last]}' on the last cacheable block."
            )
        if last is not None:
            marks.setdefault(last, ttl)
    if len(marks) > MAX_CACHE_BREAKPOINTS:
        raise invalid_request(
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {len(marks)}."
        )
    ordered = sorted(marks.items())
    seen_short = False
    for position, ttl in ordered:
        if ttl == "5m":
            seen_short = True
        elif seen_short:
            raise invalid_request(
                f"{blocks[position].path}.cache_control.ttl: a ttl='1h' cache_control block must "
                "not come after a ttl='5m' cache_control block. Note that blocks are processed "
                "in the following order: `tools`, `system`, `messages`."
            )
    return tuple(ordered)
