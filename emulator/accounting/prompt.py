"""The prompt as a list of blocks with token counts, for usage and caching.

Order is the one the prompt cache uses: tools → system → messages. A message
adds ``MESSAGE_OVERHEAD_TOKENS`` (its role markers) to its first block. The
prompt's token count is the sum over its blocks, so ``count_tokens``,
``usage.input_tokens`` and cache accounting always agree.
"""

from __future__ import annotations

from collections.abc import Iterator

from emulator.core.neutral import CacheTtl, PromptBlock
from emulator.core.tokenizer import count_tokens
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject, JSONValue

MESSAGE_OVERHEAD_TOKENS = 3
IMAGE_MIN_TOKENS = 85
IMAGE_MAX_TOKENS = 1600
IMAGE_BYTES_PER_TOKEN = 750
PDF_BYTES_PER_TOKEN = 250
REMOTE_MEDIA_TOKENS = 1200


def _ttl(block: object) -> CacheTtl | None:
    if not isinstance(block, dict):
        return None
    marker = block.get("cache_control")
    if not isinstance(marker, dict):
        return None
    return "1h" if marker.get("ttl") == "1h" else "5m"


def _image_tokens(source: JSONObject) -> int:
    if source.get("type") == "base64":
        raw_bytes = len(str(source.get("data", ""))) * 3 // 4
        return max(IMAGE_MIN_TOKENS, min(IMAGE_MAX_TOKENS, raw_bytes // IMAGE_BYTES_PER_TOKEN))
    return REMOTE_MEDIA_TOKENS


def _document_tokens(source: JSONObject) -> int:
    kind = source.get("type")
    if kind == "text":
        return count_tokens(str(source.get("data", "")))
    if kind == "base64":
        return max(100, len(str(source.get("data", ""))) * 3 // 4 // PDF_BYTES_PER_TOKEN)
    if kind == "content":
        content = source.get("content")
        if isinstance(content, str):
            return count_tokens(content)
        return sum(anthropic_block_tokens(b) for b in content or () if isinstance(b, dict))
    return REMOTE_MEDIA_TOKENS


def anthropic_block_tokens(block: JSONObject) -> int:
    kind = block.get("type")
    if kind == "text":
        return count_tokens(str(block.get("text", "")))
    if kind == "image":
        return _image_tokens(block.get("source") or {})
    if kind == "document":
        extra = count_tokens(str(block.get("title") or "")) + count_tokens(
            str(block.get("context") or "")
        )
        return extra + _document_tokens(block.get("source") or {})
    if kind == "tool_use":
        return count_tokens(str(block.get("name", ""))) + count_tokens(
            jsonvalue.dumps_str(block.get("input", {}))
        )
    if kind == "tool_result":
        return 2 + content_tokens(block.get("content", ""))
    if kind == "search_result":
        return count_tokens(str(block.get("title", ""))) + content_tokens(block.get("content", []))
    if kind in ("thinking", "redacted_thinking"):
        return 0
    return count_tokens(jsonvalue.dumps_str(block))


def content_tokens(content: JSONValue) -> int:
    if isinstance(content, str):
        return count_tokens(content)
    if isinstance(content, list):
        return sum(anthropic_block_tokens(b) for b in content if isinstance(b, dict))
    return 0


def tool_definition_tokens(tool: JSONObject) -> int:
    schema = tool.get("input_schema")
    body = jsonvalue.dumps_str(schema) if schema is not None else ""
    return (
        count_tokens(str(tool.get("name", "")))
        + count_tokens(str(tool.get("description") or ""))
        + count_tokens(body)
    )


def text_message_block(role: str, content: str, m_index: int) -> PromptBlock:
    """The block of a message whose content is a string (one text block)."""
    return PromptBlock(
        f"{role}:first",
        {"type": "text", "text": content},
        MESSAGE_OVERHEAD_TOKENS + count_tokens(content),
        None,
        f"messages.{m_index}.content.0",
    )


def system_text_block(system: str) -> PromptBlock:
    return PromptBlock("system", system, count_tokens(system), None, "system")


def _message_blocks(messages: list[JSONObject]) -> Iterator[PromptBlock]:
    for m_index, message in enumerate(messages):
        role = message["role"]
        content = message["content"]
        if isinstance(content, str):
            yield text_message_block(role, content, m_index)
            continue
        items: list[JSONObject] = content
        for b_index, block in enumerate(items):
            overhead = MESSAGE_OVERHEAD_TOKENS if b_index == 0 else 0
            yield PromptBlock(
                kind=f"{role}:{'first' if b_index == 0 else 'next'}",
                source=block,
                tokens=overhead + anthropic_block_tokens(block),
                cache_ttl=_ttl(block),
                path=f"messages.{m_index}.content.{b_index}",
            )
        if not items:
            yield PromptBlock(
                kind=f"{role}:empty",
                source=None,
                tokens=MESSAGE_OVERHEAD_TOKENS,
                path=f"messages.{m_index}",
            )


def anthropic_prompt_blocks(body: JSONObject) -> tuple[PromptBlock, ...]:
    blocks: list[PromptBlock] = []
    for index, tool in enumerate(body.get("tools") or ()):
        blocks.append(
            PromptBlock("tool", tool, tool_definition_tokens(tool), _ttl(tool), f"tools.{index}")
        )
    system = body.get("system")
    if isinstance(system, str) and system:
        blocks.append(system_text_block(system))
    elif isinstance(system, list):
        for index, block in enumerate(system):
            blocks.append(
                PromptBlock(
                    "system", block, anthropic_block_tokens(block), _ttl(block), f"system.{index}"
                )
            )
    blocks.extend(_message_blocks(body["messages"]))
    return tuple(blocks)


def _chat_content_tokens(content: JSONValue) -> int:
    if isinstance(content, str):
        return count_tokens(content)
    total = 0
    for part in content or ():
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text":
            total += count_tokens(str(part.get("text", "")))
        elif kind == "refusal":
            total += count_tokens(str(part.get("refusal", "")))
        elif kind == "image_url":
            total += (
                IMAGE_MIN_TOKENS
                if (part.get("image_url") or {}).get("detail") == "low"
                else (REMOTE_MEDIA_TOKENS)
            )
        else:
            total += REMOTE_MEDIA_TOKENS
    return total


def chat_message_tokens(message: JSONObject) -> int:
    total = MESSAGE_OVERHEAD_TOKENS + _chat_content_tokens(message.get("content"))
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        total += count_tokens(str(function.get("name", ""))) + count_tokens(
            str(function.get("arguments", ""))
        )
    if message.get("name"):
        total += count_tokens(str(message["name"]))
    return total


def chat_prompt_blocks(body: JSONObject) -> tuple[PromptBlock, ...]:
    blocks: list[PromptBlock] = []
    for index, tool in enumerate(body.get("tools") or ()):
        function = tool.get("function") or tool.get("custom") or {}
        schema = function.get("parameters") or function.get("format")
        tokens = (
            count_tokens(str(function.get("name", "")))
            + count_tokens(str(function.get("description") or ""))
            + (count_tokens(jsonvalue.dumps_str(schema)) if schema else 0)
        )
        blocks.append(PromptBlock("tool", tool, tokens, None, f"tools[{index}]"))
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        blocks.append(
            PromptBlock(
                "response_format",
                fmt,
                count_tokens(jsonvalue.dumps_str(fmt)),
                None,
                "response_format",
            )
        )
    for index, message in enumerate(body["messages"]):
        blocks.append(
            PromptBlock(
                "message", message, chat_message_tokens(message), None, f"messages[{index}]"
            )
        )
    return tuple(blocks)
