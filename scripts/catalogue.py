"""Regenerate the model catalogue (``fixtures/models.json``) from the installed SDKs.

Which models exist comes from the model literals of the installed ``anthropic``
and ``openai`` SDKs (the ``model`` parameter of Messages, Chat Completions and
Embeddings);
their limits come from the sourced table ``scripts/catalogue_sources.toml``.

    python -m scripts.catalogue           rewrite fixtures/models.json
    python -m scripts.catalogue --check   exit 1 when fixtures/models.json differs

The output is deterministic: the table's order, aliases sorted, one layout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anthropic.types import message_create_params
from anthropic.types.beta import message_create_params as beta_message_create_params
from openai.types import embedding_create_params
from openai.types.chat import completion_create_params

from emulator.core.model_names import snapshot_base

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "scripts" / "catalogue_sources.toml"
CATALOGUE = ROOT / "fixtures" / "models.json"

# The fields a catalogue entry carries, in the order they are written.
_FIELDS = (
    "id",
    "provider",
    "aliases",
    "display_name",
    "created_at",
    "created",
    "owned_by",
    "context_window",
    "max_output_tokens",
    "cache_min_tokens",
    "legacy_completions",
    "supports_prefill",
    "embedding_dimensions",
    "shortens_embeddings",
)


class CatalogueSourceError(ValueError):
    """The SDKs name models the table cannot place; the message names them."""


@dataclass(frozen=True, slots=True)
class SdkModels:
    """Model ids the installed SDKs offer, by provider."""

    anthropic: tuple[str, ...]
    openai: tuple[str, ...]
    openai_embeddings: tuple[str, ...] = ()

    def by_provider(self) -> Iterator[tuple[str, str]]:
        yield from (("anthropic", name) for name in self.anthropic)
        yield from (("openai", name) for name in (*self.openai, *self.openai_embeddings))


def _literals(annotation: object) -> Iterator[str]:
    """The string literals inside a type (through Union, Literal and aliases)."""
    for arg in typing.get_args(annotation):
        if isinstance(arg, str):
            yield arg
        else:
            yield from _literals(arg)


def _model_literals(params: type) -> tuple[str, ...]:
    hints = typing.get_type_hints(params)
    return tuple(dict.fromkeys(_literals(hints["model"])))


def installed_sdk_models() -> SdkModels:
    """The ids in the ``model`` parameter's literals of the installed SDKs' Messages
    (and beta Messages), Chat Completions and Embeddings."""
    anthropic = _model_literals(message_create_params.MessageCreateParamsBase)
    anthropic += tuple(
        name
        for name in _model_literals(beta_message_create_params.MessageCreateParamsBase)
        if name not in anthropic
    )
    openai = _model_literals(completion_create_params.CompletionCreateParamsBase)
    embeddings = _model_literals(embedding_create_params.EmbeddingCreateParams)
    return SdkModels(anthropic, openai, embeddings)


def load_sources(path: Path = SOURCES) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def not_served(sources: Mapping[str, Any]) -> dict[str, str]:
    """SDK ids the real API does not serve, with the reason the table gives."""
    return dict(sources.get("not_served", {}))


def build_catalogue(sources: Mapping[str, Any], sdk: SdkModels) -> dict[str, Any]:
    """The catalogue: the table's rows, with every SDK id placed as a row's id,
    an alias, or a dated snapshot of one (added as an alias). Raises naming the
    SDK ids that fit nowhere."""
    rows: list[dict[str, Any]] = [dict(row) for row in sources["model"]]
    skipped = not_served(sources)
    owner: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        for name in (row["id"], *row.get("aliases", ())):
            owner[(row["provider"], name)] = row
    missing: list[str] = []
    for provider, name in sdk.by_provider():
        if (provider, name) in owner or name in skipped:
            continue
        snapshot = snapshot_base(name)
        base_row = owner.get((provider, snapshot[0])) if snapshot is not None else None
        if base_row is None:
            missing.append(f"{name} ({provider})")
            continue
        base_row["aliases"] = [*base_row.get("aliases", ()), name]
        owner[(provider, name)] = base_row
    if missing:
        raise CatalogueSourceError(
            f"{SOURCES.name} has no row for these SDK model ids (add one with its limits "
            f"and source, or list it under [not_served]): {', '.join(missing)}"
        )
    return {
        "default_cache_min_tokens": sources["default_cache_min_tokens"],
        "models": [_entry(row) for row in rows],
    }


def _entry(row: Mapping[str, Any]) -> dict[str, Any]:
    entry = {field: row[field] for field in _FIELDS if field in row}
    entry["aliases"] = sorted(set(row.get("aliases", ())))
    return {field: entry[field] for field in _FIELDS if field in entry}


def render(catalogue: Mapping[str, Any]) -> str:
    return json.dumps(catalogue, indent=1, ensure_ascii=False) + "\n"


def generated_text(sdk: SdkModels | None = None) -> str:
    """The catalogue file's text as the table and the installed SDKs make it."""
    return render(build_catalogue(load_sources(), sdk or installed_sdk_models()))


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.catalogue", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when fixtures/models.json differs"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        text = generated_text()
    except CatalogueSourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.check:
        if CATALOGUE.read_text(encoding="utf-8") != text:
            print(
                f"{CATALOGUE.relative_to(ROOT)} is not what the table and the installed SDKs "
                "make: run python -m scripts.catalogue",
                file=sys.stderr,
            )
            return 1
        return 0
    CATALOGUE.write_text(text, encoding="utf-8")
    print(f"wrote {CATALOGUE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
