"""What every part of the JSON instance generator shares.

The error it raises, the type aliases, the limits that more than one part enforces, and the
small readers of a schema: counts, lists, JSON equality, ``pattern`` search and ``$ref``
resolution. The generator itself is :func:`emulator.jsongen.instance.make_instance`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import TypeAlias
from urllib.parse import unquote

from emulator.util.linear_regex import LinearPattern, UnsupportedPattern, compile_linear

JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None
SchemaMap: TypeAlias = Mapping[str, object]
_Check: TypeAlias = tuple[object, bool]  # (schema, must the value be valid under it)
_Avoid: TypeAlias = AbstractSet[object] | None
_Number: TypeAlias = int | float


class UnsatisfiableSchema(Exception):
    """The generator cannot produce an instance that is valid under the schema."""


def _names(spaced: str) -> tuple[str, ...]:
    return tuple(spaced.split())


_SOFT_DEPTH = 4  # past this many nested $ref expansions, emit the smallest values
# Work per generated instance, bounded by construction (a request chooses the schema):
MAX_STRING_LENGTH = 4096  # longest string built (minLength beyond it: the request's 400)
MAX_ITEMS = 1000  # most array items or object properties built for one value
MAX_VALUES = 5_000  # values generated per call
MAX_CHARACTERS = 100_000  # characters drawn per call, failed attempts and steps included
_ANNOTATIONS = frozenset(
    _names(
        "title description default examples $schema $id $comment $defs"
        " definitions $anchor $dynamicAnchor deprecated readOnly writeOnly"
        " contentMediaType contentEncoding contentSchema"
    )
)


def _num(m: SchemaMap, key: str) -> _Number | None:
    v = m.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v if isinstance(v, int) or math.isfinite(v) else None


def _min_count(m: SchemaMap, key: str) -> int:
    v = _num(m, key)
    return 0 if v is None else max(0, math.ceil(v))


def _size_floor(m: SchemaMap, key: str) -> int:
    """A lower bound on a length or count that the generator must reach."""
    n = _min_count(m, key)
    if n > (MAX_STRING_LENGTH if key == "minLength" else MAX_ITEMS):
        raise UnsatisfiableSchema(f"{key} {n} is beyond what the generator builds")
    return n


def _max_count(m: SchemaMap, key: str) -> int | None:
    v = _num(m, key)
    return None if v is None else math.floor(v)


def _as_map(v: object) -> SchemaMap:
    return v if isinstance(v, dict) else {}


def _as_list(v: object) -> list[object]:
    return v if isinstance(v, list) else []


def _str_list(v: object) -> list[str]:
    return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []


def _canon(v: object) -> object:
    """Hashable key implementing JSON equality (1 == 1.0, true != 1)."""
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, (int, float)):
        return ("n", v)
    if isinstance(v, str):
        return ("s", v)
    if v is None:
        return ("z",)
    if isinstance(v, list):
        return ("l", tuple(_canon(x) for x in v))
    if isinstance(v, dict):
        return ("d", frozenset((k, _canon(x)) for k, x in v.items()))
    return ("o", repr(v))


def _json_eq(a: object, b: object) -> bool:
    return a is b or _canon(a) == _canon(b)


def _compile(pattern: str) -> LinearPattern | None:
    """``pattern`` in RE2 (linear time, cached), or None when RE2 refuses it."""
    try:
        return compile_linear(pattern)
    except UnsupportedPattern:
        return None


def _search(pattern: object, text: str) -> bool:
    rx = _compile(pattern) if isinstance(pattern, str) else None
    if rx is None:
        raise UnsatisfiableSchema(f"unsupported pattern {pattern!r}")
    return rx.search(text) is not None


def _resolve(root: object, ref: str) -> object:
    if isinstance(root, dict):
        base = root.get("$id")
        if isinstance(base, str) and base and ref.startswith(base):
            ref = ref[len(base) :] or "#"
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        if ref.startswith("#") and (found := _find_anchor(root, ref[1:])) is not None:
            return found
        raise UnsatisfiableSchema(f"unsupported $ref {ref!r}")
    node = root
    for raw in ref[2:].split("/"):
        part = (unquote(raw) if "%" in raw else raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise UnsatisfiableSchema(f"unresolvable $ref {ref!r}")
    return node


def _find_anchor(node: object, name: str) -> object | None:
    if isinstance(node, dict):
        if node.get("$anchor") == name:
            return node
        children: Iterator[object] = iter(node.values())
    elif isinstance(node, list):
        children = iter(node)
    else:
        return None
    for child in children:
        found = _find_anchor(child, name)
        if found is not None:
            return found
    return None


def _type_set(v: object) -> list[str]:
    if isinstance(v, str):
        return [v]
    return _str_list(v)
