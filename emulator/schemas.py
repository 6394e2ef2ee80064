"""The JSON Schemas of the wire bodies: load ``schemas/`` once, validate, explain one violation.

Each schema is compiled into a plain yes/no function (a few microseconds per request body);
only a body that fails goes through jsonschema, whose errors are ranked so that the most
useful one becomes a :class:`Violation`. :func:`anthropic_message` and
:func:`openai_error_fields` word a violation the way each API does.

Conventions of ``schemas/`` this module relies on:

* a tagged union is an object schema (``"type": "object"``) whose ``allOf`` holds only
  ``{"if": {"properties": {K: {"const": tag}}, "required": [K]}, "then": {"$ref": ...}}``
  entries (``enum`` instead of ``const`` for several tags sharing a variant), and whose
  ``properties.K.enum`` lists every tag; an ``if`` without ``required`` names the variant used
  when ``K`` is absent. Errors inside a variant get the tag in their pydantic location, as the
  Anthropic API reports them (``messages.0.content.0.text.text: Field required``);
* files reference each other by file name (``anthropic_common.json#/...``); a file's ``$id``,
  if it has one, is that file name.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

__all__ = [
    "SchemaSet",
    "Violation",
    "anthropic_message",
    "default_schema_dir",
    "openai_error_fields",
]

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


def default_schema_dir() -> Path:
    """The ``schemas/`` folder: shipped inside the package, else the source checkout's."""
    package = Path(__file__).resolve().parent
    for candidate in (
        package / "schemas",
        package / "_data" / "schemas",
        package.parent / "schemas",
    ):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the schemas/ folder is missing from the llm-emulator installation")


class SchemaSet:
    """Every ``*.json`` schema of one folder, compiled once; names are the file stems."""

    def __init__(self, documents: Mapping[str, dict[str, Any]]) -> None:
        self._documents = dict(documents)
        self._registry: Registry[Any] = Registry().with_resources(
            (f"{name}.json", DRAFT202012.create_resource(doc)) for name, doc in documents.items()
        )
        self._validators: dict[str, Any] = {
            name: Draft202012Validator(doc, registry=self._registry)
            for name, doc in self._documents.items()
        }
        self._unions: dict[int, _Union | None] = {}
        compiler = _Compiler(self._union)
        self._checks: dict[str, Check] = {}
        for name, doc in self._documents.items():
            # a keyword the quick check does not know: jsonschema alone checks that schema
            with contextlib.suppress(_Unsupported):
                self._checks[name] = compiler.compile(doc, self._root_resolver(name))

    @classmethod
    def load(cls, directory: Path) -> SchemaSet:
        documents = {
            path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(directory.glob("*.json"))
        }
        if not documents:
            raise FileNotFoundError(f"no *.json schema in {directory}")
        return cls(documents)

    def names(self) -> list[str]:
        return sorted(self._documents)

    def is_valid(self, name: str, body: object) -> bool:
        if self._passes_fast(name, body):
            return True
        return bool(self._validators[name].is_valid(body))

    def validate(self, name: str, body: object) -> Violation | None:
        """``None`` when ``body`` is valid, else its most relevant violation.

        The deepest error wins; among equally deep ones, the first in document order, where a
        missing key comes before the keys present in the same object. Never raises for a JSON
        value; ``KeyError`` for an unknown schema name.
        """
        validator = self._validators[name]
        if self._passes_fast(name, body):
            return None
        best: _Candidate | None = None
        best_key: tuple[int, list[tuple[int, int]]] | None = None
        for error in validator.iter_errors(body):
            for candidate in _candidates(error):
                key = (-len(candidate.path), _positions(body, candidate))
                if best_key is None or key < best_key:
                    best, best_key = candidate, key
        return None if best is None else self._violation(name, body, best)

    # ------------------------------------------------------------------ internals

    def _passes_fast(self, name: str, body: object) -> bool:
        check = self._checks.get(name)
        if check is None:
            return False
        try:
            return check(body)
        except Exception:  # cannot happen for JSON values; jsonschema gives the verdict then
            return False

    def _root_resolver(self, name: str) -> Any:
        """A resolver where ``#...`` means schema ``name``, as in its jsonschema validator."""
        return self._registry.resolver_with_root(DRAFT202012.create_resource(self._documents[name]))

    def _union(self, schema: object) -> _Union | None:
        if not isinstance(schema, Mapping):
            return None
        key = id(schema)
        if key not in self._unions:
            self._unions[key] = _union_of(schema)
        return self._unions[key]

    def _violation(self, name: str, body: object, candidate: _Candidate) -> Violation:
        error = candidate.error
        schema: Schema = error.schema if isinstance(error.schema, Mapping) else {}
        path = candidate.path
        tags, declared_by = self._trace(name, body, error)
        loc = _with_tags(path, tags)
        keyword = str(error.validator)
        value: object = error.instance
        expected = ""
        if candidate.kind == "missing":
            value = None
            union = self._union(schema)
            if union is not None and path[-1] == union.key:
                loc = _with_tags(path[:-1], tags)
                detail = f"Unable to extract tag using discriminator '{union.key}'"
            else:
                detail = "Field required"
        elif candidate.kind == "extra":
            value = error.instance[path[-1]]
            detail = "Extra inputs are not permitted"
        elif candidate.kind == "type":
            expected = _type_words(error.validator_value)
            if self._union(schema) is not None:
                detail = "Input should be a valid dictionary or object to extract fields from"
            else:
                detail = _pydantic_type_detail(error.validator_value, value)
        else:
            union = self._union(declared_by.get(len(path))) if path else None
            if keyword == "enum" and union is not None and path[-1] == union.key:
                loc = _with_tags(path[:-1], tags)
                detail = (
                    f"Input tag '{_plain(value)}' found using '{union.key}' does not match any "
                    f"of the expected tags: {', '.join(_quote(t) for t in sorted(union.tags))}"
                )
            else:
                detail = _pydantic_value_detail(
                    keyword, error.validator_value, value, error.message
                )
        return Violation(
            path=path,
            kind=candidate.kind,
            expected=expected,
            detail=detail,
            value=value,
            keyword=keyword,
            loc=None if loc == path else loc,
            schema=schema,
        )

    def _trace(
        self, name: str, body: object, error: Any
    ) -> tuple[dict[int, str], dict[int, Schema]]:
        """Follow the error's schema path from the root, as jsonschema walked it.

        Returns the tag of each tagged union entered (by instance depth) and, by depth, the
        object schema that declared the property found at that depth. jsonschema leaves
        ``$ref`` and ``if`` out of schema paths, so a reference is followed whenever the next
        keyword is not in the current schema.
        """
        tokens = list(error.absolute_schema_path)[:-1]  # the last one is the failing keyword
        path = list(error.absolute_path)
        resolver = self._root_resolver(name)
        schema: Any = self._documents[name]
        node: object = body
        depth = 0
        tags: dict[int, str] = {}
        declared_by: dict[int, Schema] = {}
        i = 0
        while i < len(tokens):
            token = tokens[i]
            while isinstance(schema, Mapping) and token not in schema and "$ref" in schema:
                resolved = resolver.lookup(schema["$ref"])
                schema, resolver = resolved.contents, resolved.resolver
            if not isinstance(schema, Mapping) or token not in schema:
                break
            if token in ("properties", "patternProperties") and i + 1 < len(tokens):
                declared_by[depth + 1] = schema
                schema = schema[token][tokens[i + 1]]
                node, depth, i = _child(node, path, depth), depth + 1, i + 2
            elif token in ("allOf", "anyOf", "oneOf") and i + 1 < len(tokens):
                union = self._union(schema)
                if union is not None and i + 2 < len(tokens) and tokens[i + 2] == "then":
                    tag = node.get(union.key, union.default) if isinstance(node, dict) else None
                    if tag is not None:
                        tags[depth] = str(tag)
                schema = schema[token][tokens[i + 1]]
                i += 2
            elif token in ("items", "additionalProperties"):
                schema = schema[token]
                node, depth, i = _child(node, path, depth), depth + 1, i + 1
            else:  # then, else, not, propertyNames, ...: same instance
                schema = schema[token]
                i += 1
        return tags, declared_by


# ---------------------------------------------------------------- quick yes/no check

Check = Callable[[object], bool]

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "format"}
)
_MISSING = object()


class _Unsupported(Exception):
    """The schema uses a keyword the quick check does not implement."""


class _Compiler:
    """Turns a schema into a plain function ``value -> bool`` with jsonschema's verdicts.

    It knows the keywords ``schemas/`` uses, dispatches tagged unions on their tag with one
    dictionary lookup, raises nothing and formats no message: jsonschema explains failures.
    Compiled subschemas are shared by identity: a file's ``$id``, if it has one, is its own
    file name, so a subschema always resolves references against the same base.
    """

    def __init__(self, union_of: Callable[[object], _Union | None]) -> None:
        self._union_of = union_of
        self._done: dict[int, Check] = {}

    def compile(self, schema: object, resolver: Any) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, Mapping):
            raise _Unsupported(repr(schema))
        key = id(schema)
        if key not in self._done:
            later: list[Check] = []

            def forward(value: object) -> bool:  # for a schema that reaches itself
                return later[0](value)

            self._done[key] = forward
            later.append(self._build(schema, resolver))
            self._done[key] = later[0]
        return self._done[key]

    def _build(self, schema: Mapping[str, Any], resolver: Any) -> Check:
        unknown = set(schema) - _KEYWORDS - _ANNOTATIONS
        if unknown:
            raise _Unsupported(", ".join(sorted(unknown)))
        parts: list[Check] = []
        only_object = schema.get("type") == "object" and bool(_OBJECT_KEYWORDS & set(schema))
        if "type" in schema and not only_object:  # else the object check tests the type too
            parts.append(_type_check(schema["type"]))
        if "enum" in schema or "const" in schema:
            parts.append(_enum_check(schema["enum"] if "enum" in schema else [schema["const"]]))
        part = self._object(schema, resolver, only_object)
        if part is not None:
            parts.append(part)
        for build in (self._array, _string_check, _number_check):
            part = build(schema, resolver)
            if part is not None:
                parts.append(part)
        parts.extend(self._applicators(schema, resolver))
        return _all_of(parts)

    def _sub(self, schema: Mapping[str, Any], keyword: str, resolver: Any) -> Check | None:
        return self.compile(schema[keyword], resolver) if keyword in schema else None

    def _object(self, schema: Mapping[str, Any], resolver: Any, only: bool) -> Check | None:
        """Object keywords; with ``only``, a value that is not an object fails too."""
        if not _OBJECT_KEYWORDS & set(schema):
            return None
        required = tuple(schema.get("required", ()))
        props = {k: self.compile(s, resolver) for k, s in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        closed = extra is False
        extra_check = None if isinstance(extra, bool) else self.compile(extra, resolver)
        not_object = not only

        def check(value: object) -> bool:
            if not isinstance(value, dict):
                return not_object
            for key in required:
                if key not in value:
                    return False
            for key, item in value.items():
                known = props.get(key)
                if known is not None:
                    if not known(item):
                        return False
                elif closed or (extra_check is not None and not extra_check(item)):
                    return False
            return True

        if not _RARE_OBJECT_KEYWORDS & set(schema):
            return check
        # The rare keywords: a key matching a pattern is not extra, so the loop differs.
        patterns = [
            (re.compile(p), self.compile(s, resolver))
            for p, s in schema.get("patternProperties", {}).items()
        ]
        names = self._sub(schema, "propertyNames", resolver) or _always
        least = schema.get("minProperties", 0)
        most = schema.get("maxProperties", math.inf)

        def check_in_full(value: object) -> bool:
            if not isinstance(value, dict):
                return not_object
            if not least <= len(value) <= most or not all(key in value for key in required):
                return False
            for key, item in value.items():
                matching = [sub for regex, sub in patterns if regex.search(key)]
                if not names(key) or not all(sub(item) for sub in matching):
                    return False
                known = props.get(key)
                if known is not None:
                    if not known(item):
                        return False
                elif not matching and (closed or (extra_check and not extra_check(item))):
                    return False
            return True

        return check_in_full

    def _array(self, schema: Mapping[str, Any], resolver: Any) -> Check | None:
        if not {"items", "minItems", "maxItems"} & set(schema):
            return None
        items = self._sub(schema, "items", resolver)
        least = schema.get("minItems", 0)
        most = schema.get("maxItems")

        def check(value: object) -> bool:
            if not isinstance(value, list):
                return True
            if len(value) < least or (most is not None and len(value) > most):
                return False
            if items is not None:
                for item in value:
                    if not items(item):
                        return False
            return True

        return check

    def _applicators(self, schema: Mapping[str, Any], resolver: Any) -> list[Check]:
        parts: list[Check] = []
        if "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            parts.append(self.compile(resolved.contents, resolved.resolver))
        union = self._union_of(schema) if schema.get("type") == "object" else None
        if union is not None:
            parts.append(self._union(schema, union, resolver))
        elif "allOf" in schema:
            parts.append(_all_of([self.compile(s, resolver) for s in schema["allOf"]]))
        if "anyOf" in schema:
            options = [self.compile(s, resolver) for s in schema["anyOf"]]
            parts.append(lambda value: any(option(value) for option in options))
        if "oneOf" in schema:
            choices = [self.compile(s, resolver) for s in schema["oneOf"]]
            parts.append(lambda value: sum(1 for c in choices if c(value)) == 1)
        if "not" in schema:
            negated = self.compile(schema["not"], resolver)
            parts.append(lambda value: not negated(value))
        if "if" in schema:
            condition = self.compile(schema["if"], resolver)
            then = self._sub(schema, "then", resolver) or _always
            otherwise = self._sub(schema, "else", resolver) or _always
            parts.append(lambda value: then(value) if condition(value) else otherwise(value))
        return parts

    def _union(self, schema: Mapping[str, Any], union: _Union, resolver: Any) -> Check:
        """One lookup instead of every ``if``: only the variant of the value's tag applies."""
        table: dict[str, Check] = {}
        default: Check | None = None
        for entry in schema["allOf"]:
            test = entry["if"]["properties"][union.key]
            tags = [test["const"]] if "const" in test else list(test["enum"])
            variant = self.compile(entry["then"], resolver)
            if any(not isinstance(tag, str) or tag in table for tag in tags):
                raise _Unsupported("a union tag that is not a distinct string")
            table.update(dict.fromkeys(tags, variant))
            if union.key not in entry["if"].get("required", ()):
                default = variant
        key = union.key

        def check(value: object) -> bool:
            if not isinstance(value, dict):
                return True  # the union's own "type": "object" rejects it
            tag = value.get(key, _MISSING)
            if tag is _MISSING:
                return default is None or default(value)
            variant = table.get(tag) if isinstance(tag, str) else None
            return variant is None or variant(value)

        return check


_KEYWORDS = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties",
        "patternProperties", "propertyNames", "minProperties", "maxProperties", "items",
        "minItems", "maxItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "allOf", "anyOf", "oneOf", "not", "if", "then",
        "else", "$ref",
    }
)  # fmt: skip
_RARE_OBJECT_KEYWORDS = frozenset(
    {"patternProperties", "propertyNames", "minProperties", "maxProperties"}
)
_OBJECT_KEYWORDS = frozenset(
    {"required", "properties", "patternProperties", "additionalProperties", "propertyNames",
     "minProperties", "maxProperties"}
)  # fmt: skip


def _always(value: object) -> bool:
    return True


def _never(value: object) -> bool:
    return False


def _all_of(parts: list[Check]) -> Check:
    if not parts:
        return _always
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda value: first(value) and second(value)

    def check(value: object) -> bool:
        for part in parts:  # noqa: SIM110  (a loop is faster than all() over a generator)
            if not part(value):
                return False
        return True

    return check


def _is_integer(value: object) -> bool:
    if isinstance(value, int):
        return not isinstance(value, bool)
    return isinstance(value, float) and value.is_integer()


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPE_CHECKS: dict[str, Check] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


def _type_check(declared: object) -> Check:
    names = {declared} if isinstance(declared, str) else {str(t) for t in _iter(declared)}
    if names - set(_PY_TYPES):
        raise _Unsupported(f"type {sorted(names)}")
    if len(names) == 1:
        return _TYPE_CHECKS[next(iter(names))]
    plain = tuple(t for t in (_PY_TYPES[n] for n in names) if t is not None)
    has_null, has_boolean = "null" in names, "boolean" in names
    has_number, has_integer = "number" in names, "integer" in names

    def check(value: object) -> bool:
        if isinstance(value, plain):
            return True
        if value is None:
            return has_null
        if isinstance(value, bool):
            return has_boolean
        if isinstance(value, int):
            return has_number or has_integer
        if isinstance(value, float):
            return has_number or (has_integer and value.is_integer())
        return False

    return check


_PY_TYPES: dict[str, type | None] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": None,
    "number": None,
    "boolean": None,
    "null": None,
}


def _enum_check(allowed: object) -> Check:
    options = list(_iter(allowed))
    strings = frozenset(o for o in options if isinstance(o, str))
    if all(isinstance(o, str) or o is None for o in options):
        has_null = None in options
        return lambda value: (
            (isinstance(value, str) and value in strings) or (has_null and value is None)
        )
    return lambda value: any(_json_equal(value, option) for option in options)


def _json_equal(one: object, two: object) -> bool:
    """JSON equality as jsonschema sees it: 1 == 1.0, but true != 1."""
    if isinstance(one, bool) or isinstance(two, bool):
        return type(one) is type(two) and one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(map(_json_equal, one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_json_equal(one[k], two[k]) for k in one)
    if isinstance(one, list | dict) or isinstance(two, list | dict):
        return False
    return one == two


def _string_check(schema: Mapping[str, Any], resolver: Any) -> Check | None:
    if not {"minLength", "maxLength", "pattern"} & set(schema):
        return None
    least = schema.get("minLength", 0)
    most = schema.get("maxLength")
    regex = re.compile(schema["pattern"]) if "pattern" in schema else None

    def check(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if len(value) < least or (most is not None and len(value) > most):
            return False
        return regex is None or regex.search(value) is not None

    return check


def _number_check(schema: Mapping[str, Any], resolver: Any) -> Check | None:
    bounds = [(k, schema[k]) for k in _NUMBER_TESTS if k in schema]
    if not bounds:
        return None
    tests = [(_NUMBER_TESTS[k], limit) for k, limit in bounds]

    def check(value: object) -> bool:
        if not _is_number(value):
            return True
        return all(test(value, limit) for test, limit in tests)

    return check


_NUMBER_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "minimum": lambda value, limit: value >= limit,
    "maximum": lambda value, limit: value <= limit,
    "exclusiveMinimum": lambda value, limit: value > limit,
    "exclusiveMaximum": lambda value, limit: value < limit,
}


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


# ---------------------------------------------------------------- wording


_PYDANTIC_TYPE = {
    "integer": "integer",
    "number": "number",
    "string": "string",
    "boolean": "boolean",
    "array": "list",
    "object": "dictionary",
    "null": "null",
}


def _types(declared: object) -> list[str]:
    types = [declared] if isinstance(declared, str) else [str(t) for t in _iter(declared)]
    non_null = [t for t in types if t != "null"]
    return non_null or types


def _type_words(declared: object) -> str:
    return " or ".join(_types(declared))


def _pydantic_type_detail(declared: object, value: object) -> str:
    types = _types(declared)
    if types == ["integer"] and isinstance(value, float) and math.isfinite(value):
        return "Input should be a valid integer, got a number with a fractional part"
    # A str-or-list field (message content) is reported as a list, as the real API does.
    word = "array" if "array" in types else "object" if "object" in types else types[0]
    return f"Input should be a valid {_PYDANTIC_TYPE.get(word, word)}"


def _pydantic_value_detail(keyword: str, limit: Any, value: object, fallback: str) -> str:
    if keyword in ("enum", "const"):
        options = [limit] if keyword == "const" else list(_iter(limit))
        return "Input should be " + _or_list([_quote(o) for o in options if o is not None])
    if keyword in _COMPARISONS:
        return f"Input should be {_COMPARISONS[keyword][0]} {_number(limit)}"
    size = len(value) if isinstance(value, list | str | dict) else 0
    if keyword in ("minItems", "maxItems"):
        bound = "at least" if keyword == "minItems" else "at most"
        return f"List should have {bound} {_plural(limit, 'item')} after validation, not {size}"
    if keyword in ("minLength", "maxLength"):
        bound = "at least" if keyword == "minLength" else "at most"
        return f"String should have {bound} {_plural(limit, 'character')}"
    if keyword == "maxProperties":
        return (
            f"Dictionary should have at most {_plural(limit, 'item')} after validation, not {size}"
        )
    if keyword == "pattern":
        return f"String should match pattern '{limit}'"
    return str(fallback)


# keyword -> (pydantic words, OpenAI words, OpenAI sign, OpenAI code suffix)
_COMPARISONS = {
    "maximum": ("less than or equal to", "above maximum value", "<=", "above_max_value"),
    "exclusiveMaximum": ("less than", "above maximum value", "<", "above_max_value"),
    "minimum": ("greater than or equal to", "below minimum value", ">=", "below_min_value"),
    "exclusiveMinimum": ("greater than", "below minimum value", ">", "below_min_value"),
}


def anthropic_message(v: Violation) -> str:
    """The Anthropic API's message: ``messages.0.role: Input should be 'user' or 'assistant'``."""
    loc = v.path if v.loc is None else v.loc
    if not loc:
        return v.detail
    return ".".join(str(step) for step in loc) + ": " + v.detail


def openai_error_fields(v: Violation) -> tuple[str, str | None, str | None]:
    """``(message, param, code)`` of the OpenAI error body for this violation."""
    param = _openai_param(v.path)
    where = param if param is not None else "body"
    if v.kind == "missing":
        return f"Missing required parameter: '{where}'.", param, "missing_required_parameter"
    if v.kind == "extra":
        return f"Unknown parameter: '{where}'.", param, "unknown_parameter"
    if v.kind == "type":
        expected = _openai_expected(v.schema.get("type", v.expected), v.schema.get("items"))
        message = (
            f"Invalid type for '{where}': expected {expected}, "
            f"but got {_openai_got(v.value)} instead."
        )
        return message, param, "invalid_type"
    limit = v.schema.get(v.keyword)
    if v.keyword in ("enum", "const"):
        options = [limit] if v.keyword == "const" else list(_iter(limit))
        supported = _and_list([_quote(o) for o in options if o is not None])
        message = f"Invalid value: {_quote(v.value)}. Supported values are: {supported}."
        return message, param, "invalid_value"
    if v.keyword in _COMPARISONS:
        _, words, sign, suffix = _COMPARISONS[v.keyword]
        number = "integer" if _types(v.schema.get("type", "number")) == ["integer"] else "decimal"
        message = (
            f"Invalid '{where}': {number} {words}. Expected a value {sign} {_number(limit)}, "
            f"but got {_number(v.value)} instead."
        )
        return message, param, f"{number}_{suffix}"
    size = len(v.value) if isinstance(v.value, list | str | dict) else 0
    if v.keyword == "minItems" and size == 0:
        message = (
            f"Invalid '{where}': empty array. Expected an array with minimum length {limit}, "
            "but got an empty array instead."
        )
        return message, param, "empty_array"
    if v.keyword in _LENGTHS:
        thing, words, bound, code = _LENGTHS[v.keyword]
        message = (
            f"Invalid '{where}': {thing} {words}. Expected {_article(thing)} with {bound} length "
            f"{limit}, but got {_article(thing)} with length {size} instead."
        )
        return message, param, code
    if v.keyword == "maxProperties":
        message = (
            f"Invalid '{where}': too many properties. Expected an object with at most {limit} "
            f"properties, but got an object with {size} properties instead."
        )
        return message, param, "object_above_max_properties"
    if v.keyword == "pattern":
        message = (
            f"Invalid '{where}': string does not match pattern. "
            f"Expected a string that matches the pattern '{limit}'."
        )
        return message, param, "invalid_value"
    return f"Invalid '{where}': {v.detail}.", param, "invalid_value"


# keyword -> (thing, words, bound, code)
_LENGTHS = {
    "minItems": ("array", "too short", "minimum", "array_below_min_length"),
    "maxItems": ("array", "too long", "maximum", "array_above_max_length"),
    "minLength": ("string", "too short", "minimum", "string_below_min_length"),
    "maxLength": ("string", "too long", "maximum", "string_above_max_length"),
}

_OPENAI_TYPE = {
    "integer": "integer",
    "number": "decimal",
    "string": "string",
    "boolean": "boolean",
    "object": "object",
    "array": "array",
    "null": "null",
}


def _openai_param(path: Path_) -> str | None:
    if not path:
        return None
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else step
    return out


def _openai_expected(declared: object, items: object) -> str:
    words = []
    for name in _types(declared):
        word = _OPENAI_TYPE.get(name, name)
        if name == "array" and isinstance(items, Mapping):
            # every $ref'd item schema in schemas/ is an object schema
            item_type = items.get("type", "object" if "$ref" in items else None)
            if isinstance(item_type, str):
                word += f" of {_OPENAI_TYPE.get(item_type, item_type)}s"
        words.append(word)
    if len(words) == 1:
        return _article(words[0])
    return "one of " + _article(words[0]) + " or " + " or ".join(words[1:])


def _openai_got(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _article(word: str) -> str:
    if word == "null":
        return word
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _iter(value: object) -> Iterable[Any]:
    return value if isinstance(value, list | tuple) else ()


def _plain(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _quote(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else json.dumps(value)


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plural(count: object, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _or_list(items: list[str]) -> str:
    """pydantic's way: ``'a', 'b' or 'c'``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _and_list(items: list[str]) -> str:
    """OpenAI's way: ``'a', 'b', and 'c'``."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + ", and " + items[-1]
