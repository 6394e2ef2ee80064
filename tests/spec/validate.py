"""Validate a body against one component schema of a spec, with messages that name where.

jsonschema-rs does the work: a validator is compiled once per (api, component) and checks a
typical body in microseconds (the Python jsonschema took milliseconds per body through the
documents' ``$ref``s, too slow to check every stream event of the suite). A violation names
the component schema and the path inside it, e.g. ``Message > ResponseTextBlock.properties
.text.type``, and where in the body it is.
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema_rs

from tests.spec.documents import PREFIX, Api, document

# A body breaking many rules reports the first few.
MAX_REPORTED = 5


class SpecValidators:
    """One compiled validator per (api, component schema), made on first use."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[Api, str], jsonschema_rs.Validator] = {}

    def validator(self, api: Api, name: str) -> jsonschema_rs.Validator:
        key = (api, name)
        compiled = self._compiled.get(key)
        if compiled is None:
            doc = document(api)
            if name not in doc.schemas:
                raise KeyError(f"the {api} spec has no component schema {name!r}")
            root = {"$ref": PREFIX + name, "components": {"schemas": doc.schemas}}
            compiled = jsonschema_rs.Draft202012Validator(root)
            self._compiled[key] = compiled
        return compiled

    def violations(self, api: Api, name: str, body: Any) -> list[str]:
        """Why ``body`` is not valid under component ``name`` of ``api``'s spec (empty if it is)."""
        validator = self.validator(api, name)
        if validator.is_valid(body):
            return []
        described = []
        for error in validator.iter_errors(body):
            described.append(describe(api, name, error))
            if len(described) == MAX_REPORTED:
                break
        return described


def describe(api: Api, root: str, error: jsonschema_rs.ValidationError) -> str:
    where = "".join(f"[{step!r}]" for step in error.instance_path) or "(the body)"
    return f"{api} spec {schema_path(root, list(error.schema_path))}: at {where}: {error.message[:300]}"


def schema_path(root: str, steps: list[str | int]) -> str:
    """jsonschema-rs's schema path (``components/schemas/Name/...`` once a ``$ref`` was
    followed) as ``Root > Name.keyword.keyword``."""
    words = [str(step) for step in steps]
    if len(words) >= 3 and words[:2] == ["components", "schemas"]:
        target = ".".join(words[2:])
        return root if target == root else f"{root} > {target}"
    return ".".join([root, *words])


@functools.cache
def validators() -> SpecValidators:
    return SpecValidators()
