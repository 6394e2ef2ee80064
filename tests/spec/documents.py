"""Load the two OpenAPI documents once per process, keep the schemas the emulator's
operations reach, and apply the documented quirks.

The documents live in ``../shared/reference/specs/`` beside the repository (CI clones the
repository with ``shared/`` beside it). OpenAI's is 3 MB of YAML (about a second with
PyYAML's C loader), Anthropic's is JSON text (read as JSON, milliseconds); both are read once
per process and only the part reachable from :data:`ROOTS` is transformed.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from tests.spec import exclusions, quirks

Api = Literal["anthropic", "openai"]
REPO_ROOT = Path(__file__).resolve().parents[2]
SPECS_ENV = "LLM_EMULATOR_SPECS_DIR"
CACHE_DIR = REPO_ROOT / ".spec-cache"
FILES: dict[Api, str] = {
    "anthropic": "anthropic-openapi.yaml",
    "openai": "openai-openapi.yaml",
}
# The component schemas the tests validate with or generate from; everything they
# reference is kept too.
ROOTS: dict[Api, tuple[str, ...]] = {
    "anthropic": (
        "CreateMessageParams",
        "CountMessageTokensParams",
        "CompletionRequest",
        "Message",
        "MessageStreamEvent",
        "CountMessageTokensResponse",
        "CompletionResponse",
        "ErrorResponse",
        "ModelInfo",
        "ListResponse_ModelInfo_",
    ),
    "openai": (
        "CreateChatCompletionRequest",
        "CreateChatCompletionResponse",
        "CreateChatCompletionStreamResponse",
        "ErrorResponse",
        "ListModelsResponse",
        "Model",
        "Response",
        "ResponseStreamEvent",
        "ResponseItemList",
        "TokenCountsResource",
        "CreateEmbeddingResponse",
        "CreateResponse",
        "CreateEmbeddingRequest",
    ),
}
PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class SpecDocument:
    """One provider's component schemas: as published, and with the quirks applied."""

    api: Api
    uri: str
    raw: dict[str, Any]
    schemas: dict[str, Any]

    def ref(self, name: str) -> dict[str, str]:
        """A ``$ref`` to component ``name``, resolvable in :func:`registry`'s resources."""
        return {"$ref": f"{self.uri}{PREFIX}{name}"}

    def resource(self) -> dict[str, Any]:
        return {"$id": self.uri, "components": {"schemas": self.schemas}}


@functools.cache
def specs_dir() -> Path:
    """``$LLM_EMULATOR_SPECS_DIR``, else ``shared/reference/specs`` beside the repository or
    beside one of its parent folders (a git worktree may sit a level deeper)."""
    override = os.environ.get(SPECS_ENV)
    candidates = (
        [Path(override)]
        if override
        else [folder / "shared" / "reference" / "specs" for folder in REPO_ROOT.parents]
    )
    for candidate in candidates:
        if all((candidate / name).is_file() for name in FILES.values()):
            return candidate
    looked = ", ".join(str(candidate) for candidate in candidates)
    raise FileNotFoundError(
        f"the official OpenAPI documents {sorted(FILES.values())} were not found (looked in "
        f"{looked}); clone the repository with shared/ beside it or set {SPECS_ENV}"
    )


@functools.cache
def published(api: Api) -> dict[str, Any]:
    """The component schemas the emulator's operations reach, as published.

    Parsed once per process; the part kept is also cached as JSON in ``.spec-cache/``
    under the document's digest, so later processes (xdist workers, the next run) skip
    the YAML parse."""
    data = (specs_dir() / FILES[api]).read_bytes()
    key = hashlib.sha256(data + repr(ROOTS[api]).encode()).hexdigest()[:24]
    cached = CACHE_DIR / f"{api}-{key}.json"
    with contextlib.suppress(OSError, ValueError):
        kept: dict[str, Any] = json.loads(cached.read_bytes())
        return kept
    if data.lstrip().startswith(b"{"):
        whole = json.loads(data)
    else:
        whole = yaml.load(data, Loader=yaml.CSafeLoader)
    components: dict[str, Any] = whole["components"]["schemas"]
    kept = {name: components[name] for name in reachable(components, ROOTS[api])}
    with contextlib.suppress(OSError):
        CACHE_DIR.mkdir(exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(kept), encoding="utf-8")
        partial.replace(cached)
    return kept


@functools.cache
def document(api: Api) -> SpecDocument:
    """The reachable component schemas, with :mod:`tests.spec.quirks` applied."""
    raw = exclusions.with_additions(api, published(api))
    components = raw

    def lookup(ref: str) -> dict[str, Any]:
        found: dict[str, Any] = components[ref.removeprefix(PREFIX)]
        return found

    schemas = {
        name: quirks.apply(
            copy.deepcopy(schema),
            lookup=lookup,
            relax_defaulted_required=api == "anthropic",
        )
        for name, schema in raw.items()
    }
    return SpecDocument(api=api, uri=f"urn:spec:{api}", raw=raw, schemas=schemas)


def reachable(components: dict[str, Any], roots: Iterable[str]) -> list[str]:
    """``roots`` and every component schema they reference, directly or not."""
    seen: dict[str, None] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen[name] = None
        todo.extend(_refs(components[name]))
    return list(seen)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(PREFIX):
                yield value.removeprefix(PREFIX)
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)
