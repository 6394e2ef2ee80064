"""The quick yes/no check: a JSON Schema compiled into Python source, then into ``value -> bool``.

:class:`~emulator.validation.schemas.SchemaSet` runs it on every body and asks jsonschema
only about a body that fails, to explain why. A schema using a keyword this module does not
know raises :class:`_Unsupported` at compile time; jsonschema alone checks it then.

Each subschema becomes one generated function whose checks are inline statements, so a body
costs a Python call per object or array it holds rather than one per keyword: a tree of
closures, one per keyword, took about twice as long on a typical request body.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from itertools import count
from typing import Any

from emulator.validation.violations import _iter, _Union

Check = Callable[[object], bool]

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "format"}
)
_MISSING = object()
# Objects with more properties than this find a property's check in a dict, not a chain of ifs.
_CHAIN_MAX_PROPERTIES = 6


class _Unsupported(Exception):
    """The schema uses a keyword the quick check does not implement."""


def _always(value: object) -> bool:
    return True


def _never(value: object) -> bool:
    return False


class _Compiler:
    """Turns schemas into plain functions ``value -> bool`` with jsonschema's verdicts.

    It knows the keywords ``schemas/`` uses, dispatches tagged unions on their tag with one
    dictionary lookup, raises nothing and formats no message: jsonschema explains failures.
    Generated functions share one namespace and call each other by name, so a schema that
    reaches itself is a recursive function. Subschemas are shared by identity: a file's
    ``$id``, if it has one, is its own file name, so a subschema always resolves references
    against the same base.
    """

    def __init__(self, union_of: Callable[[object], _Union | None]) -> None:
        self._union_of = union_of
        self._names: dict[int, str] = {}
        self._held: list[object] = []  # the compiled schemas, so that their ids stay theirs
        self._pending: list[str] = []
        self._namespace: dict[str, Any] = {
            "_always": _always,
            "_never": _never,
            "_MISSING": _MISSING,
        }
        self._numbers = count()
        self._tables: list[str] = []  # dicts of function names, made dicts of functions

    def compile(self, schema: object, resolver: Any) -> Check:
        names, held = dict(self._names), len(self._held)
        try:
            name = self._function(schema, resolver)
        except _Unsupported:  # forget the half-made functions of this schema
            self._names, self._pending, self._tables = names, [], []
            del self._held[held:]
            raise
        exec("\n".join(self._pending), self._namespace)  # our own generated source
        for table in self._tables:
            self._namespace[table] = {
                key: self._namespace[function] for key, function in self._namespace[table].items()
            }
        self._pending, self._tables = [], []
        check: Check = self._namespace[name]
        return check

    def compiled(self, schema: object) -> Check | None:
        """The function an earlier :meth:`compile` made for ``schema`` (the same object), if any."""
        name = self._names.get(id(schema))
        check: Check | None = None if name is None else self._namespace.get(name)
        return check

    # ------------------------------------------------------------------ naming

    def _literal(self, value: object) -> str:
        """``value`` in the source: a literal for a string or an int, else a name."""
        if type(value) is str or type(value) is int:
            return repr(value)
        return self._const(value)

    def _const(self, value: object) -> str:
        name = f"_c{next(self._numbers)}"
        self._namespace[name] = value
        return name

    def _function(self, schema: object, resolver: Any) -> str:
        """The name of the function that checks ``schema`` (generated on first use)."""
        if schema is True:
            return "_always"
        if schema is False:
            return "_never"
        if not isinstance(schema, Mapping):
            raise _Unsupported(repr(schema))
        key = id(schema)
        found = self._names.get(key)
        if found is not None:
            return found
        if set(schema) - _ANNOTATIONS == {"$ref"}:  # a bare reference: the target's function
            resolved = resolver.lookup(schema["$ref"])
            name = self._function(resolved.contents, resolved.resolver)
            self._names[key] = name
            self._held.append(schema)
            return name
        name = f"_s{next(self._numbers)}"
        self._names[key] = name  # before the body: a schema may reach itself
        self._held.append(schema)
        if _is_leaf(schema):
            self._pending.append(f"def {name}(v):\n    return {self._leaf_test(schema, 'v')}")
        else:
            body = self._statements(schema, resolver, "v", 1)
            self._pending.append("\n".join([f"def {name}(v):", *body, "    return True"]))
        return name

    # ------------------------------------------------------------------ statements

    def _statements(
        self, schema: Mapping[str, Any], resolver: Any, var: str, depth: int
    ) -> list[str]:
        """Lines (indented ``depth`` levels) that return False unless ``var`` passes."""
        unknown = set(schema) - _KEYWORDS - _ANNOTATIONS
        if unknown:
            raise _Unsupported(", ".join(sorted(unknown)))
        pad = "    " * depth
        lines: list[str] = []
        only_object = schema.get("type") == "object" and bool(_OBJECT_KEYWORDS & set(schema))
        # (the object check below tests the type of an object-only schema)
        leaf = self._leaf_test(schema, var, skip_type=only_object)
        if leaf != "True":
            lines.append(f"{pad}if not {leaf}: return False")
        lines += self._object(schema, resolver, var, depth, only_object)
        lines += self._array(schema, resolver, var, depth)
        lines += self._applicators(schema, resolver, var, depth)
        return lines

    def _test(self, schema: object, resolver: Any, var: str) -> str:
        """An expression that is true when ``var`` passes ``schema``: inline for a schema of
        leaf keywords only, else a call."""
        if _is_leaf(schema):
            assert isinstance(schema, Mapping)
            return self._leaf_test(schema, var)
        return f"{self._function(schema, resolver)}({var})"

    def _leaf_test(self, schema: Mapping[str, Any], var: str, *, skip_type: bool = False) -> str:
        """One expression of the keywords that test a value alone ("True" for none)."""
        tests = [
            test
            for test in (
                None if skip_type else self._type_test(schema, var),
                self._enum_test(schema, var),
                self._string_test(schema, var),
                self._number_test(schema, var),
            )
            if test is not None
        ]
        return f"({' and '.join(tests)})" if tests else "True"

    def _object(
        self, schema: Mapping[str, Any], resolver: Any, var: str, depth: int, only: bool
    ) -> list[str]:
        if not _OBJECT_KEYWORDS & set(schema):
            return []
        pad = "    " * depth
        if only:
            lines = [f"{pad}if not isinstance({var}, dict): return False"]
        else:
            lines = [f"{pad}if isinstance({var}, dict):"]
            pad += "    "
        required = list(schema.get("required", ()))
        if required:
            missing = " or ".join(f"{self._literal(k)} not in {var}" for k in required)
            lines.append(f"{pad}if {missing}: return False")
        rare = bool(_RARE_OBJECT_KEYWORDS & set(schema))
        if rare:
            least = schema.get("minProperties", 0)
            most = schema.get("maxProperties", math.inf)
            lines.append(
                f"{pad}if not {self._literal(least)} <= len({var}) <= {self._literal(most)}: "
                "return False"
            )
        loops = (
            schema.get("properties")
            or schema.get("patternProperties")
            or "propertyNames" in schema
            or schema.get("additionalProperties", True) is not True
        )
        if not loops:
            return lines if only or required or rare else []
        return lines + self._property_loop(schema, resolver, var, depth, pad)

    def _property_loop(
        self, schema: Mapping[str, Any], resolver: Any, var: str, depth: int, pad: str
    ) -> list[str]:
        """The loop over an object's properties: names, patterns, known and extra ones."""
        inner = pad + "    "
        key, item, matched = f"k{depth}", f"x{depth}", f"m{depth}"
        lines = [f"{pad}for {key}, {item} in {var}.items():"]
        if "propertyNames" in schema:
            names = self._test(schema["propertyNames"], resolver, key)
            lines.append(f"{inner}if not {names}: return False")
        patterns = schema.get("patternProperties", {})
        if patterns:
            lines.append(f"{inner}{matched} = False")
            for pattern, sub in patterns.items():
                lines.append(f"{inner}if {self._const(re.compile(pattern))}.search({key}):")
                lines.append(f"{inner}    if not {self._test(sub, resolver, item)}: return False")
                lines.append(f"{inner}    {matched} = True")
        extra = schema.get("additionalProperties", True)
        if extra is True:
            otherwise = "pass"
        else:
            test = "False" if extra is False else self._test(extra, resolver, item)
            otherwise = (
                f"if not ({matched} or {test}): return False"
                if patterns
                else f"if not {test}: return False"
            )
        props = schema.get("properties", {})
        # Checked in a chain of ifs: every property of a small object, else the required
        # ones (present in every body); the rest are found in a dict of functions.
        chained = (
            props
            if len(props) <= _CHAIN_MAX_PROPERTIES
            else {name: props[name] for name in schema.get("required", ()) if name in props}
        )
        tabled = {name: sub for name, sub in props.items() if name not in chained}
        keyword = "if"
        for name, sub in chained.items():
            lines.append(f"{inner}{keyword} {key} == {self._literal(name)}:")
            lines.append(f"{inner}    if not {self._test(sub, resolver, item)}: return False")
            keyword = "elif"
        if tabled:
            table = self._const({name: self._function(s, resolver) for name, s in tabled.items()})
            self._tables.append(table)
            lines.append(f"{inner}{keyword} {key} in {table}:")
            lines.append(f"{inner}    if not {table}[{key}]({item}): return False")
        if chained or tabled:
            lines += [f"{inner}else:", f"{inner}    {otherwise}"]
        else:
            lines.append(f"{inner}{otherwise}")
        return lines

    def _array(self, schema: Mapping[str, Any], resolver: Any, var: str, depth: int) -> list[str]:
        if not {"items", "minItems", "maxItems"} & set(schema):
            return []
        pad = "    " * depth
        lines = [f"{pad}if isinstance({var}, list):"]
        least = schema.get("minItems", 0)
        most = schema.get("maxItems", math.inf)
        if least or most != math.inf:
            lines.append(
                f"{pad}    if not {self._literal(least)} <= len({var}) <= {self._literal(most)}: "
                "return False"
            )
        if "items" in schema:
            item = f"i{depth}"
            lines.append(f"{pad}    for {item} in {var}:")
            lines.append(
                f"{pad}        if not {self._test(schema['items'], resolver, item)}: return False"
            )
        return lines if len(lines) > 1 else []

    def _applicators(
        self, schema: Mapping[str, Any], resolver: Any, var: str, depth: int
    ) -> list[str]:
        pad = "    " * depth
        lines: list[str] = []
        if "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            ref = self._function(resolved.contents, resolved.resolver)
            lines.append(f"{pad}if not {ref}({var}): return False")
        union = self._union_of(schema) if schema.get("type") == "object" else None
        if union is not None:
            lines += self._union(schema, union, resolver, var, depth)
        elif "allOf" in schema:
            for sub in schema["allOf"]:
                lines.append(f"{pad}if not {self._test(sub, resolver, var)}: return False")
        if "anyOf" in schema:
            tests = " or ".join(self._test(s, resolver, var) for s in schema["anyOf"])
            lines.append(f"{pad}if not ({tests}): return False")
        if "oneOf" in schema:
            tests = ", ".join(f"{self._function(s, resolver)}({var})" for s in schema["oneOf"])
            lines.append(f"{pad}if ({tests}).count(True) != 1: return False")
        if "not" in schema:
            lines.append(f"{pad}if {self._test(schema['not'], resolver, var)}: return False")
        if "if" in schema:
            condition = self._test(schema["if"], resolver, var)
            then = self._test(schema.get("then", True), resolver, var)
            otherwise = self._test(schema.get("else", True), resolver, var)
            lines.append(f"{pad}if not ({then} if {condition} else {otherwise}): return False")
        return lines

    def _union(
        self, schema: Mapping[str, Any], union: _Union, resolver: Any, var: str, depth: int
    ) -> list[str]:
        """One lookup instead of every ``if``: only the variant of the value's tag applies."""
        table: dict[str, str] = {}
        default: str | None = None
        for entry in schema["allOf"]:
            test = entry["if"]["properties"][union.key]
            tags = [test["const"]] if "const" in test else list(test["enum"])
            variant = self._function(entry["then"], resolver)
            if any(not isinstance(tag, str) or tag in table for tag in tags):
                raise _Unsupported("a union tag that is not a distinct string")
            table.update(dict.fromkeys(tags, variant))
            if union.key not in entry["if"].get("required", ()):
                default = variant
        pad = "    " * depth
        tag = f"t{depth}"
        variants = self._const(table)
        self._tables.append(variants)
        # the union's own "type": "object" rejects a value that is not an object
        lines = [
            f"{pad}if isinstance({var}, dict):",
            f"{pad}    {tag} = {var}.get({self._literal(union.key)}, _MISSING)",
        ]
        if default is not None:
            lines.append(f"{pad}    if {tag} is _MISSING and not {default}({var}): return False")
        lines += [
            f"{pad}    if isinstance({tag}, str):",
            f"{pad}        f = {variants}.get({tag})",
            f"{pad}        if f is not None and not f({var}): return False",
        ]
        return lines

    # ------------------------------------------------------------------ leaf tests

    def _type_test(self, schema: Mapping[str, Any], var: str) -> str | None:
        if "type" not in schema:
            return None
        declared = schema["type"]
        names = {declared} if isinstance(declared, str) else {str(t) for t in _iter(declared)}
        if not names or names - set(_TYPE_TESTS):
            raise _Unsupported(f"type {sorted(names)}")
        if "number" in names:
            names.discard("integer")
        return "(" + " or ".join(_TYPE_TESTS[n].format(v=var) for n in sorted(names)) + ")"

    def _enum_test(self, schema: Mapping[str, Any], var: str) -> str | None:
        if "enum" not in schema and "const" not in schema:
            return None
        options = list(_iter(schema["enum"])) if "enum" in schema else [schema["const"]]
        if all(isinstance(o, str) or o is None for o in options):
            strings = sorted({o for o in options if isinstance(o, str)})
            # a set display after ``in`` compiles to a frozenset constant
            allowed = "{" + ", ".join(map(repr, strings)) + "}" if strings else "()"
            test = f"(isinstance({var}, str) and {var} in {allowed})"
            return f"({test} or {var} is None)" if None in options else test
        return f"{self._const(_enum_of(options))}({var})"

    def _string_test(self, schema: Mapping[str, Any], var: str) -> str | None:
        if not {"minLength", "maxLength", "pattern"} & set(schema):
            return None
        least = self._literal(schema.get("minLength", 0))
        most = self._literal(schema.get("maxLength", math.inf))
        test = f"{least} <= len({var}) <= {most}"
        if "pattern" in schema:
            regex = self._const(re.compile(schema["pattern"]))
            test += f" and {regex}.search({var}) is not None"
        return f"(not isinstance({var}, str) or ({test}))"

    def _number_test(self, schema: Mapping[str, Any], var: str) -> str | None:
        if not _NUMBER_KEYWORDS & set(schema):
            return None
        # An absent bound is an infinity: JSON numbers are finite, and Python compares
        # an int of any size with a float exactly.
        least = self._const(schema.get("minimum", -math.inf))
        most = self._const(schema.get("maximum", math.inf))
        above = self._const(schema.get("exclusiveMinimum", -math.inf))
        below = self._const(schema.get("exclusiveMaximum", math.inf))
        return (
            f"(type({var}) is bool or not isinstance({var}, (int, float)) or "
            f"({least} <= {var} <= {most} and {above} < {var} < {below}))"
        )


# Each JSON type as an inline test of ``{v}``; a bool is not a number to JSON Schema.
_TYPE_TESTS = {
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "string": "isinstance({v}, str)",
    "integer": "(isinstance({v}, int) and type({v}) is not bool"
    " or isinstance({v}, float) and {v}.is_integer())",
    "number": "(isinstance({v}, (int, float)) and type({v}) is not bool)",
    "boolean": "isinstance({v}, bool)",
    "null": "{v} is None",
}

_KEYWORDS = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties",
        "patternProperties", "propertyNames", "minProperties", "maxProperties", "items",
        "minItems", "maxItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "allOf", "anyOf", "oneOf", "not", "if", "then",
        "else", "$ref",
    }
)  # fmt: skip
# Keywords that test a value alone, without looking inside it: a schema of only these is
# checked inline where it is used.
_LEAF_KEYWORDS = frozenset(
    {"type", "enum", "const", "minLength", "maxLength", "pattern", "minimum", "maximum",
     "exclusiveMinimum", "exclusiveMaximum"}
)  # fmt: skip
_RARE_OBJECT_KEYWORDS = frozenset(
    {"patternProperties", "propertyNames", "minProperties", "maxProperties"}
)
_OBJECT_KEYWORDS = frozenset(
    {"required", "properties", "patternProperties", "additionalProperties", "propertyNames",
     "minProperties", "maxProperties"}
)  # fmt: skip
_NUMBER_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})


def _is_leaf(schema: object) -> bool:
    """Whether ``schema`` holds only keywords that test a value alone (or none)."""
    return isinstance(schema, Mapping) and set(schema) - _ANNOTATIONS <= _LEAF_KEYWORDS


def _enum_of(options: list[object]) -> Check:
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
