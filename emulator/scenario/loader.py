"""Scenario files (JSON or YAML) → Scenario, checked against schemas/scenario.json.

Every problem is a ``ScenarioError`` whose message names the file, the rule and
the field, e.g. ``fixtures/agent.yaml: rule 'ask' (rules[0]): match.turn.lt:
'two' is not of type 'integer'``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from emulator.core.errors import ANTHROPIC_DEFAULT_MESSAGE, anthropic_type_for
from emulator.core.outcome import Timing
from emulator.scenario import rules as r
from emulator.scenario.bounded_yaml import MAX_DEPTH, load_yaml
from emulator.scenario.fingerprint import Fingerprint
from emulator.scenario.placeholders import unknown_placeholders
from emulator.scenario.recorded import RecordedAnswer
from emulator.scenario.replies import ErrorSpec, FaultSpec, ReplySpec, ToolCallSpec
from emulator.util import jsonvalue
from emulator.util.linear_regex import UnsupportedPattern, compile_linear
from emulator.util.resources import data_dir

SCENARIO_SUFFIXES = (".json", ".yaml", ".yml")


# A message quoting a huge value (a schema error shows the value) is cut to this.
MAX_MESSAGE_CHARS = 2000


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message says where and why."""

    def __init__(self, message: str) -> None:
        if len(message) > MAX_MESSAGE_CHARS:
            cut = len(message) - MAX_MESSAGE_CHARS
            message = f"{message[:MAX_MESSAGE_CHARS]}… ({cut} more characters)"
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    rules: tuple[r.Rule, ...]
    default: ReplySpec | None = None
    source: str = ""
    # "rule 'x' (rules[0]): {{nope}}": placeholders nothing fills (check-fixtures refuses them).
    unknown_placeholders: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _scenario_validator() -> Draft202012Validator:
    schema = jsonvalue.loads((data_dir("schemas") / "scenario.json").read_bytes())
    return Draft202012Validator(schema)


def _where(source: str, raw: Mapping[str, Any], path: Iterable[str | int]) -> str:
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "rules" and isinstance(parts[1], int):
        index = parts[1]
        rules = raw.get("rules")
        name = None
        if isinstance(rules, list) and index < len(rules) and isinstance(rules[index], dict):
            name = rules[index].get("name")
        field = ".".join(str(p) for p in parts[2:]) or "(the rule itself)"
        label = f"rule {name!r} (rules[{index}])" if name else f"rules[{index}]"
        return f"{source}: {label}: {field}"
    return f"{source}: {'.'.join(str(p) for p in parts) or '(top level)'}"


def _schema_error(source: str, raw: Mapping[str, Any], error: ValidationError) -> ScenarioError:
    deepest = error
    while deepest.context:
        deepest = best_match(deepest.context)
    return ScenarioError(f"{_where(source, raw, deepest.absolute_path)}: {deepest.message}")


def _text_matcher(value: Any, where: str) -> r.TextMatcher:
    if isinstance(value, str):
        return r.TextMatcher(contains=value)
    regex = None
    if "regex" in value:
        try:
            regex = compile_linear(value["regex"])
        except UnsupportedPattern as err:
            raise ScenarioError(
                f"{where}.regex: invalid regular expression for RE2 ({err.reason}): rules'"
                " regexes run in linear time, without backreferences, lookaround or possessive"
                " quantifiers"
            ) from err
    return r.TextMatcher(value.get("contains"), regex, value.get("equals"))


def _bounds(value: Any) -> r.Bounds:
    if isinstance(value, int):
        return r.Bounds(eq=value)
    return r.Bounds(**value)


def _timing(value: Mapping[str, Any] | None) -> Timing | None:
    if value is None:
        return None
    return Timing(
        float(value.get("ttft_ms", 0)),
        float(value.get("tokens_per_s", 0)),
        float(value.get("jitter_ms", 0)),
    )


def parse_reply(raw: Mapping[str, Any]) -> ReplySpec:
    error = raw.get("error")
    fault = raw.get("fault")
    return ReplySpec(
        text=raw.get("text"),
        tool_calls=tuple(
            ToolCallSpec(c["name"], c.get("input"), c.get("id")) for c in raw.get("tool_calls", ())
        ),
        thinking=raw.get("thinking"),
        refusal=raw.get("refusal"),
        error=ErrorSpec(
            error["status"],
            error.get("message", _default_error_message(error["status"])),
            error.get("type"),
            error.get("retry_after"),
        )
        if error
        else None,
        fault=FaultSpec(fault["kind"], fault.get("after_events", 0), fault.get("seconds", 0.0))
        if fault
        else None,
        timing=_timing(raw.get("timing")),
        recorded=RecordedAnswer.from_json(raw["recorded"]) if "recorded" in raw else None,
    )


def _default_error_message(status: int) -> str:
    return ANTHROPIC_DEFAULT_MESSAGE.get(anthropic_type_for(status), "Error")


_TEXT_FIELDS = {
    "last_user_text": r.last_user_text,
    "system": r.system_text,
    "any_text": r.any_text,
}


def _predicates(match: Mapping[str, Any], where: str) -> list[r.NamedPredicate]:
    found: list[r.NamedPredicate] = []

    def add(field: str, check: r.Predicate, *, live: bool = False) -> None:
        found.append(r.NamedPredicate(field, check, live))

    if "api" in match:
        apis = match["api"]
        add("api", r.api_is(frozenset([apis] if isinstance(apis, str) else apis)))
    if "model" in match:
        models = match["model"]
        add("model", r.model_glob(tuple([models] if isinstance(models, str) else models)))
    for field, factory in _TEXT_FIELDS.items():
        if field in match:
            add(field, factory(_text_matcher(match[field], f"{where}: match.{field}")))
    if "tools" in match:
        add("tools", r.tools_offered(tuple(match["tools"])))
    if "tool_result" in match:
        add("tool_result", r.tool_result(match["tool_result"]))
    if "headers" in match:
        headers = {
            k.lower(): _text_matcher(v, f"{where}: match.headers.{k}")
            for k, v in match["headers"].items()
        }
        add("headers", r.header_values(headers), live=True)
    if "metadata" in match:
        metadata = {
            k: _text_matcher(v, f"{where}: match.metadata.{k}")
            for k, v in match["metadata"].items()
        }
        add("metadata", r.metadata_values(metadata))
    if "turn" in match:
        add("turn", r.turn_index(_bounds(match["turn"])))
    if "times" in match:
        add("times", r.fired_times(_bounds(match["times"])), live=True)
    return found


def parse_rule(raw: Mapping[str, Any], where: str, source: str = "") -> r.Rule:
    has_reply, has_replies = "reply" in raw, "replies" in raw
    if has_reply == has_replies:
        raise ScenarioError(f"{where}: give exactly one of 'reply' or 'replies'")
    replies = tuple(parse_reply(x) for x in ([raw["reply"]] if has_reply else raw["replies"]))
    match = raw.get("match", {})
    if "fingerprint" in match:
        return _recorded_rule(raw, replies, where, source)
    if any(spec.recorded is not None for spec in replies):
        raise ScenarioError(f"{where}: a recorded reply needs match.fingerprint")
    predicates = _predicates(match, where)
    called = tuple(sorted({c.name for spec in replies for c in spec.tool_calls}))
    if called and "tool_result" not in match:
        predicates.append(r.NamedPredicate("tool_result", r.no_result_for(called)))
    return r.Rule(
        raw["name"], tuple(predicates), replies, raw.get("on_exhausted", "repeat_last"), source
    )


def _recorded_rule(
    raw: Mapping[str, Any], replies: tuple[ReplySpec, ...], where: str, source: str
) -> r.Rule:
    """A rule made by ``llm-emulator record``: its fingerprint alone matches, and every
    reply is a recording."""
    if set(raw["match"]) != {"fingerprint"}:
        raise ScenarioError(f"{where}: match.fingerprint cannot be combined with other fields")
    if any(spec.recorded is None for spec in replies):
        raise ScenarioError(f"{where}: a rule matched by fingerprint replies only with 'recorded'")
    return r.Rule(
        raw["name"],
        (),
        replies,
        raw.get("on_exhausted", "repeat_last"),
        source,
        fingerprint=Fingerprint.from_json(raw["match"]["fingerprint"]),
    )


def parse_scenario(raw: object, source: str, default_name: str) -> Scenario:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: a scenario is an object with a 'rules' list")
    if _nesting_depth(raw) > MAX_DEPTH:
        raise ScenarioError(f"{source}: nested deeper than {MAX_DEPTH} levels")
    errors = sorted(_scenario_validator().iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        raise _schema_error(source, raw, errors[0])
    rules: list[r.Rule] = []
    seen: set[str] = set()
    unfilled: list[str] = []
    for index, rule in enumerate(raw["rules"]):
        where = _where(source, raw, ["rules", index])
        if rule["name"] in seen:
            raise ScenarioError(f"{where}: name {rule['name']!r} is used by an earlier rule")
        seen.add(rule["name"])
        rules.append(parse_rule(rule, where.rsplit(": ", 1)[0], source))
        label = where.rsplit(": ", 1)[0].removeprefix(f"{source}: ")
        unfilled.extend(f"{label}: {{{{{name}}}}}" for name in unknown_placeholders(rule))
    if "default" in raw:
        unfilled.extend(
            f"default: {{{{{name}}}}}" for name in unknown_placeholders({"reply": raw["default"]})
        )
    default = parse_reply(raw["default"]) if "default" in raw else None
    if default is not None and default.recorded is not None:
        raise ScenarioError(f"{source}: default: a recorded reply needs match.fingerprint")
    return Scenario(raw.get("name", default_name), tuple(rules), default, source, tuple(unfilled))


def _nesting_depth(value: object) -> int:
    """How deep lists and objects nest in ``value`` (iteratively: no recursion to exhaust)."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                pending.extend((child, depth + 1) for child in children)
    return deepest


def parse_text(text: str, source: str, default_name: str) -> Scenario:
    try:
        raw = load_yaml(text) if not source.endswith(".json") else jsonvalue.loads(text)
    except (yaml.YAMLError, jsonvalue.JSONDecodeError) as err:
        raise ScenarioError(
            f"{source}: not valid {'JSON' if source.endswith('.json') else 'YAML'}: {err}"
        ) from err
    return parse_scenario(raw, source, default_name)


def load_file(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: cannot be read: {err}") from err
    return parse_text(text, str(path), path.stem)


def scenario_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: not a folder")
    return sorted(
        p for p in folder.rglob("*") if p.suffix in SCENARIO_SUFFIXES and p.name != "models.json"
    )


def load_folder(folder: Path) -> list[Scenario]:
    scenarios = [load_file(p) for p in scenario_files(folder)]
    names: dict[str, str] = {}
    for scenario in scenarios:
        if scenario.name in names:
            raise ScenarioError(
                f"{scenario.source}: scenario name {scenario.name!r} is already used by "
                f"{names[scenario.name]}"
            )
        names[scenario.name] = scenario.source
    return scenarios
