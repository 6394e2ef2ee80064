"""Scripted replies: what a rule answers, and how it becomes an Outcome.

Text (and string values inside tool inputs) may use ``{{name}}`` templates:
the match's named regex groups, and ``model``, ``api``, ``last_user_text``,
``tool_result`` (text of the newest tool result) and ``tool_name``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any

from jsonschema.exceptions import SchemaError

from emulator.core.neutral import NeutralRequest
from emulator.core.outcome import (
    NO_DELAY,
    ErrorReply,
    FaultKind,
    FaultReply,
    Outcome,
    Part,
    RefusalPart,
    Reply,
    TextPart,
    ThinkingPart,
    Timing,
    ToolCallPart,
)
from emulator.jsongen.instance import UnsatisfiableSchema, make_instance
from emulator.scenario.generate import TextPool, signature_for
from emulator.scenario.linear_jsonschema import LinearDraft202012Validator
from emulator.scenario.recorded import RecordedAnswer
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject, JSONValue

_MAX_ERRORS = 16  # one is reported; the first few are sorted to pick it
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# What template_values fills besides a rule's named regex groups.
TEMPLATE_NAMES = ("model", "api", "last_user_text", "tool_result", "tool_name")


class ScenarioRuntimeError(Exception):
    """A rule produced something its request cannot accept (e.g. a tool input that
    its tool's schema refuses). Answered as a 500 and re-raised by the pytest fixture."""


@dataclass(frozen=True, slots=True)
class ToolCallSpec:
    name: str
    input: JSONValue = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    status: int
    message: str
    type: str | None = None
    retry_after_s: float | None = None


@dataclass(frozen=True, slots=True)
class FaultSpec:
    kind: FaultKind
    after_events: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class ReplySpec:
    text: str | None = None
    tool_calls: tuple[ToolCallSpec, ...] = ()
    thinking: str | None = None
    refusal: str | None = None
    error: ErrorSpec | None = None
    fault: FaultSpec | None = None
    timing: Timing | None = None
    # An answer recorded from the real API: replayed as it was, never rendered.
    recorded: RecordedAnswer | None = None


def template_values(request: NeutralRequest, groups: dict[str, str]) -> dict[str, str]:
    results = request.last_tool_results
    values = {
        "model": request.model,
        "api": request.api,
        "last_user_text": request.last_user_text,
        "tool_result": results[-1].text if results else "",
        "tool_name": (results[-1].tool_name or "") if results else "",
    }
    values.update(groups)
    return values


def render_template(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _render_value(value: JSONValue, values: dict[str, str]) -> JSONValue:
    if isinstance(value, str):
        return render_template(value, values)
    if isinstance(value, list):
        return [_render_value(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _render_value(v, values) for k, v in value.items()}
    return value


@lru_cache(maxsize=256)
def _validator(schema_json: bytes) -> Any:
    return LinearDraft202012Validator(jsonvalue.loads(schema_json))


def _tool_input(
    call: ToolCallSpec,
    *,
    request: NeutralRequest,
    values: dict[str, str],
    rng: random.Random | None,
    pool: TextPool,
    rule: str,
) -> JSONObject:
    spec = request.tool(call.name)
    schema = spec.input_schema if spec is not None else None
    if call.input is None:
        assert rng is not None  # made by to_outcome whenever an input is to be generated
        try:
            generated = make_instance(schema or {"type": "object"}, rng, pool.words)
        except (UnsatisfiableSchema, RecursionError):
            generated = {}
        return generated if isinstance(generated, dict) else {}
    rendered = _render_value(call.input, values)
    if not isinstance(rendered, dict):
        raise ScenarioRuntimeError(f"rule {rule!r}: tool call {call.name!r} input is not an object")
    if schema is not None:
        try:
            found = _validator(jsonvalue.canonical(schema)).iter_errors(rendered)
            errors = sorted(islice(found, _MAX_ERRORS), key=str)
        except SchemaError:
            errors = []
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
            raise ScenarioRuntimeError(
                f"rule {rule!r}: the input of tool call {call.name!r} is not valid under the "
                f"tool's input_schema at {where}: {errors[0].message}"
            )
    return rendered


def to_outcome(
    spec: ReplySpec,
    request: NeutralRequest,
    groups: dict[str, str],
    *,
    rng: Callable[[], random.Random],
    pool: TextPool,
    rule: str,
    default_timing: Timing = NO_DELAY,
) -> Outcome:
    """``rng`` makes the request's seeded generator, only when a tool input is to be
    generated (seeding one costs more than the rest of a scripted reply)."""
    timing = spec.timing or default_timing
    values = template_values(request, groups)
    if spec.error is not None:
        error = spec.error
        return ErrorReply(
            error.status,
            render_template(error.message, values),
            error.type,
            error.retry_after_s,
            timing=timing,
            rule=rule,
        )
    parts: list[Part] = []
    if spec.thinking is not None:
        thought = render_template(spec.thinking, values)
        parts.append(ThinkingPart(thought, signature_for(thought)))
    if spec.refusal is not None:
        parts.append(RefusalPart(render_template(spec.refusal, values)))
    if spec.text is not None:
        parts.append(TextPart(render_template(spec.text, values)))
    generator = rng() if any(call.input is None for call in spec.tool_calls) else None
    for call in spec.tool_calls:
        tool_input = _tool_input(
            call, request=request, values=values, rng=generator, pool=pool, rule=rule
        )
        parts.append(ToolCallPart(call.name, tool_input, call.id))
    if spec.fault is not None:
        fault = spec.fault
        return FaultReply(fault.kind, fault.after_events, fault.seconds, tuple(parts), timing, rule)
    return Reply((tuple(parts),), timing, rule)


__all__ = [
    "ErrorSpec",
    "FaultSpec",
    "ReplySpec",
    "ScenarioRuntimeError",
    "ToolCallSpec",
    "to_outcome",
]
