"""Constants and small helpers shared by test modules."""

from __future__ import annotations

from typing import Any

ANTHROPIC_HEADERS = {
    "x-api-key": "sk-ant-test",
    "anthropic-version": "2023-06-01",
    "content-type": "application/json",
}
OPENAI_HEADERS = {"authorization": "Bearer sk-test", "content-type": "application/json"}

CLAUDE = "claude-sonnet-4-6"
GPT = "gpt-4o-mini"

WEATHER_TOOL_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 1},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}


def user(text: str) -> Any:
    """A user message, typed loosely so it fits every SDK's message param type."""
    return {"role": "user", "content": text}
