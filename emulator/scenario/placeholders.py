"""Template placeholders a scenario uses that nothing fills: ``{{nope}}`` would be sent
literally. ``check-fixtures`` refuses them; serving keeps the literal text."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from emulator.scenario.replies import PLACEHOLDER, TEMPLATE_NAMES

_REPLY_TEXTS = ("text", "thinking", "refusal")


def unknown_placeholders(rule: Mapping[str, Any]) -> list[str]:
    """``{{name}}`` placeholders in the replies of ``rule`` (a rule as the file has it,
    already valid) that are neither template values nor named groups of its regexes."""
    known = set(TEMPLATE_NAMES) | set(_group_names(rule.get("match", {})))
    replies = [rule["reply"]] if "reply" in rule else list(rule.get("replies", ()))
    found: list[str] = []
    for reply in replies:
        for text in _reply_strings(reply):
            for name in PLACEHOLDER.findall(text):
                if name not in known and name not in found:
                    found.append(name)
    return found


def _group_names(match: object) -> Iterator[str]:
    """Named groups of every ``regex`` in a match (headers and metadata included)."""
    if isinstance(match, Mapping):
        for key, value in match.items():
            if key == "regex" and isinstance(value, str):
                try:
                    yield from re.compile(value).groupindex
                except re.error:
                    continue
            else:
                yield from _group_names(value)


def _reply_strings(reply: Mapping[str, Any]) -> Iterator[str]:
    for field in _REPLY_TEXTS:
        if isinstance(reply.get(field), str):
            yield reply[field]
    error = reply.get("error")
    if isinstance(error, Mapping) and isinstance(error.get("message"), str):
        yield error["message"]
    for call in reply.get("tool_calls", ()):
        yield from _strings(call.get("input"))


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
