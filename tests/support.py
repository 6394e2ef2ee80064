"""Constants and small helpers shared by test modules."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest
from hypothesis import strategies as st

from emulator.core.outcome import TextPart
from emulator.scenario.generate import TextPool

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


# A Responses function tool and a json_schema for text.format, as the Responses tests send them.
RESPONSES_WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": WEATHER_TOOL_SCHEMA,
}
TRIP_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city", "days"],
    "additionalProperties": False,
}
_RESPONSES_IDS = re.compile(r"\b(resp|msg|fc|rs|call)_[0-9A-Za-z]+")
_RESPONSES_TIMES = re.compile(r'"(created_at|completed_at)":\d+')


def blank_responses_ids_and_times(text: str) -> str:
    """Responses wire text with its per-answer values (ids, created_at, completed_at)
    blanked, so two answers to the same request compare equal."""
    return _RESPONSES_TIMES.sub(r'"\1":0', _RESPONSES_IDS.sub(r"\1_X", text))


def user(text: str) -> Any:
    """A user message, typed loosely so it fits every SDK's message param type."""
    return {"role": "user", "content": text}


def shrink_server_send_buffers(monkeypatch: pytest.MonkeyPatch, size: int = 8192) -> None:
    """Small kernel send buffers for the connections servers accept, so that a client
    that stops reading holds up the server's writes within a few kilobytes. (Patched
    where any server's event loop accepts: the standard socket's accept.)"""
    accept = socket.socket.accept

    def accept_with_small_send_buffer(self: socket.socket) -> tuple[socket.socket, Any]:
        connection, address = accept(self)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
        return connection, address

    monkeypatch.setattr(socket.socket, "accept", accept_with_small_send_buffer)


def generated_parts(pool: TextPool) -> st.SearchStrategy[TextPart]:
    """Text parts as the generator makes them from ``pool`` (sentences with known
    ends), for any draws, target length and lead."""
    return st.builds(
        lambda draws, target, lead: pool.drawn_text(iter(draws), target, lead=lead),
        st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=30),
        st.integers(1, 200),
        st.sampled_from(["", " "]),
    )


_README_TOKEN = re.compile(r"\w{1,4}|[^\w\s]")


def readme_tokens(text: str) -> int:
    """Tokens of ``text`` by the rule README's "How tokens are counted" documents: a
    word costs one token per started 4 characters, any other non-space character one,
    whitespace nothing (written from the README, not taken from emulator/)."""
    return len(_README_TOKEN.findall(text))
