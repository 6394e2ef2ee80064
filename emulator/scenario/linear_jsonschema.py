"""jsonschema's Draft 2020-12 with the request's regexes in RE2.

A scripted tool input is checked against the tool's schema as the request gave it; its
``pattern`` and ``patternProperties`` keys would run in Python's backtracking ``re``
(jsonschema's own keywords) on text the scenario and the request choose. These keywords
run them in RE2 instead (:mod:`emulator.util.linear_regex`). The surfaces already refused a
pattern RE2 cannot compile with the request's 400; one that slips by here matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from emulator.util.linear_regex import UnsupportedPattern, compile_linear


def _search(pattern: str, text: str) -> bool:
    try:
        return compile_linear(pattern).search(text) is not None
    except UnsupportedPattern:
        return False


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if isinstance(instance, str) and isinstance(pattern, str) and not _search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not isinstance(instance, dict):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


_ADDITIONAL = Draft202012Validator.VALIDATORS["additionalProperties"]


def _additional_properties(
    validator: Any, allowed: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    patterns = schema.get("patternProperties")
    if not isinstance(instance, dict) or not isinstance(patterns, dict) or not patterns:
        yield from _ADDITIONAL(validator, allowed, instance, schema) or ()
        return
    declared = schema.get("properties", {})
    extras = [
        key
        for key in instance
        if key not in declared and not any(_search(p, key) for p in patterns)
    ]
    if isinstance(allowed, dict):
        for key in extras:
            yield from validator.descend(instance[key], allowed, path=key)
    elif allowed is False and extras:
        joined = ", ".join(repr(key) for key in sorted(extras))
        listed = ", ".join(repr(p) for p in sorted(patterns))
        verb = "does" if len(extras) == 1 else "do"
        yield ValidationError(f"{joined} {verb} not match any of the regexes: {listed}")


LinearDraft202012Validator: Any = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    },
)
