"""The JSON Schemas of the wire bodies: load ``schemas/`` once, validate, explain one violation.

Each schema is compiled into a plain yes/no function (under a microsecond for a plain request);
only a body that fails goes through jsonschema, whose errors are ranked so that the most
useful one becomes a :class:`Violation`. :func:`anthropic_message` and
:func:`openai_error_fields` word a violation the way each API does.

This module loads and validates; the quick check lives in :mod:`emulator.validation.fastcheck`,
the wording in :mod:`emulator.validation.wording`, and :class:`Violation` with the ranking of
jsonschema's errors in :mod:`emulator.validation.violations`. The public names are all
exported here.

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
from collections.abc import Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from referencing import Registry
from referencing.jsonschema import DRAFT202012

from emulator.util.resources import package_dir
from emulator.validation.bounded import MAX_ERRORS, BoundedValidators
from emulator.validation.fastcheck import Check, _Compiler, _Unsupported
from emulator.validation.violations import (
    Schema,
    Violation,
    _Candidate,
    _candidates,
    _child,
    _positions,
    _Union,
    _union_of,
    _with_tags,
)
from emulator.validation.wording import (
    _plain,
    _pydantic_type_detail,
    _pydantic_value_detail,
    _quote,
    _type_words,
    anthropic_message,
    openai_error_fields,
)

__all__ = [
    "SchemaSet",
    "Violation",
    "anthropic_message",
    "default_schema_dir",
    "openai_error_fields",
]


def default_schema_dir() -> Path:
    """The ``schemas/`` folder: shipped inside the package, else the source checkout's."""
    package = package_dir()
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
        compiler = _Compiler(self._union)
        self._bounded = BoundedValidators(compiler.compiled)
        self._validators: dict[str, Any] = {
            name: self._bounded.validator_class(doc, registry=self._registry)
            for name, doc in self._documents.items()
        }
        self._unions: dict[int, _Union | None] = {}
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
        try:
            return bool(self._validators[name].is_valid(body))
        finally:
            self._bounded.forget()

    def validate(self, name: str, body: object) -> Violation | None:
        """``None`` when ``body`` is valid, else its most relevant violation.

        The deepest error wins; among equally deep ones, the first in document order, where a
        missing key comes before the keys present in the same object; the first
        :data:`~emulator.validation.bounded.MAX_ERRORS` errors are ranked. Never raises for a JSON
        value; ``KeyError`` for an unknown schema name.
        """
        validator = self._validators[name]
        if self._passes_fast(name, body):
            return None
        best: _Candidate | None = None
        best_key: tuple[int, list[tuple[int, int]]] | None = None
        try:
            for error in islice(validator.iter_errors(body), MAX_ERRORS):
                for candidate in _candidates(error):
                    key = (-len(candidate.path), _positions(body, candidate))
                    if best_key is None or key < best_key:
                        best, best_key = candidate, key
        finally:
            self._bounded.forget()
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
