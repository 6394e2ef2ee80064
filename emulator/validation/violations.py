"""What an invalid body is reported as, and which of jsonschema's errors becomes that report.

:class:`Violation` is the one error :class:`~emulator.validation.schemas.SchemaSet`
reports; it and the type aliases here are shared by the loader
(:mod:`emulator.validation.schemas`), the quick check (:mod:`emulator.validation.fastcheck`)
and the wording (:mod:`emulator.validation.wording`), which is why they live in a module of
their own. The functions rank jsonschema's errors (deepest first, then document order) and
recognise the tagged unions of ``schemas/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["missing", "extra", "type", "value"]
Path_ = tuple[str | int, ...]
Schema = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Violation:
    """The one error reported for an invalid body.

    ``path`` locates the offending value (for an unknown key, that key; for a missing key, the
    key that should be there). ``expected`` is set for ``kind == "type"`` only ("integer",
    "string or array", ...). ``detail`` is the pydantic-style explanation the Anthropic API
    gives ("Field required", "Input should be less than or equal to 2", ...), and ``loc`` the
    pydantic-style location it prints: ``path`` with the tag of each tagged-union member
    inserted after it (``messages.0.content.0.text.text``); ``None`` means "same as path".
    ``keyword`` is the JSON Schema keyword that failed and ``schema`` the subschema holding it,
    which :func:`openai_error_fields` reads for limits and allowed values.
    """

    path: Path_
    kind: Kind
    expected: str
    detail: str
    value: object
    keyword: str = ""
    loc: Path_ | None = None
    schema: Schema = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class _Candidate:
    error: Any  # jsonschema.ValidationError
    path: Path_
    kind: Kind
    rank: tuple[int, int]  # document position of the last path step: (0, i) missing, (1, i) present


@dataclass(frozen=True, slots=True)
class _Union:
    key: str
    default: str | None  # tag assumed when the key is absent
    tags: tuple[str, ...]


# ---------------------------------------------------------------- choosing the error


def _candidates(error: Any) -> Iterator[_Candidate]:
    path: Path_ = tuple(error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        required: Sequence[str] = error.validator_value
        for index, key in enumerate(required):
            if key not in instance:
                yield _Candidate(error, (*path, key), "missing", (0, index))
    elif error.validator == "additionalProperties" and isinstance(instance, dict):
        schema = error.schema
        for index, key in enumerate(instance):
            if key not in schema.get("properties", ()) and not _matches_pattern(schema, key):
                yield _Candidate(error, (*path, key), "extra", (1, index))
    elif error.validator == "type":
        yield _Candidate(error, path, "type", (1, 0))
    else:
        yield _Candidate(error, path, "value", (1, 0))


def _matches_pattern(schema: Schema, key: str) -> bool:
    return any(re.search(pattern, key) for pattern in schema.get("patternProperties", ()))


def _positions(body: object, candidate: _Candidate) -> list[tuple[int, int]]:
    """Where each step of the path sits in the body: array index or key position."""
    out: list[tuple[int, int]] = []
    node = body
    last = len(candidate.path) - 1
    for depth, step in enumerate(candidate.path):
        if depth == last and candidate.kind == "missing":
            out.append(candidate.rank)
        elif isinstance(node, dict) and step in node:
            out.append((1, list(node).index(step)))
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            out.append((1, step))
            node = node[step]
        else:
            out.append((1, 0))
    return out


def _child(node: object, path: Sequence[str | int], depth: int) -> object:
    if depth >= len(path):
        return None
    step = path[depth]
    if isinstance(node, dict) and step in node:
        return node[step]
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None


def _union_of(schema: Schema) -> _Union | None:
    entries = schema.get("allOf")
    if not isinstance(entries, list) or not entries:
        return None
    key: str | None = None
    default: str | None = None
    for entry in entries:
        if not isinstance(entry, Mapping) or "then" not in entry:
            return None
        condition = entry.get("if")
        if not isinstance(condition, Mapping):
            return None
        props = condition.get("properties")
        if not isinstance(props, Mapping) or len(props) != 1:
            return None
        ((entry_key, test),) = props.items()
        if key not in (None, entry_key) or not isinstance(test, Mapping):
            return None
        if "const" not in test and "enum" not in test:
            return None
        key = entry_key
        if key not in condition.get("required", ()):
            default = test.get("const")
    if key is None:
        return None
    declared = schema.get("properties", {}).get(key, {}).get("enum", ())
    return _Union(key, default, tuple(str(tag) for tag in declared))


def _with_tags(path: Path_, tags: Mapping[int, str]) -> Path_:
    out: list[str | int] = []
    for depth in range(len(path) + 1):
        if depth in tags:
            out.append(tags[depth])
        if depth < len(path):
            out.append(path[depth])
    return tuple(out)


def _iter(value: object) -> Iterable[Any]:
    return value if isinstance(value, list | tuple) else ()
