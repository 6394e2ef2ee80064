"""The model catalogue: which models exist, their aliases and their limits.

Loaded from a JSON file (``fixtures/models.json`` by default). Lookups accept
an alias and a provider prefix (``anthropic/claude-…``, ``openai/gpt-…``), as
gateways send them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from emulator import jsonvalue
from emulator.resources import data_dir

Provider = Literal["anthropic", "openai"]


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message names the file and entry."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str
    provider: Provider
    aliases: tuple[str, ...]
    display_name: str
    created_at: str
    created: int
    owned_by: str
    context_window: int
    max_output_tokens: int
    cache_min_tokens: int
    legacy_completions: bool
    supports_prefill: bool

    def to_anthropic(self) -> jsonvalue.JSONObject:
        return {
            "type": "model",
            "id": self.id,
            "display_name": self.display_name,
            "created_at": self.created_at,
            "max_input_tokens": self.context_window,
            "max_tokens": self.max_output_tokens,
            "capabilities": None,
            "lifecycle": "active",
        }

    def to_openai(self) -> jsonvalue.JSONObject:
        return {
            "id": self.id,
            "object": "model",
            "created": self.created,
            "owned_by": self.owned_by,
        }


_PROVIDER_PREFIXES = ("anthropic/", "openai/")


@dataclass(frozen=True, slots=True)
class Catalogue:
    models: tuple[ModelInfo, ...]
    by_name: Mapping[str, ModelInfo]
    accept_any: bool = False
    default_cache_min: int = 1024

    def lookup(self, name: str) -> ModelInfo | None:
        found = self.by_name.get(name)
        if found is None:
            for prefix in _PROVIDER_PREFIXES:
                if name.startswith(prefix):
                    found = self.by_name.get(name[len(prefix) :])
                    break
        return found

    def for_provider(self, provider: Provider) -> list[ModelInfo]:
        return [m for m in self.models if m.provider == provider]

    @classmethod
    def from_models(
        cls, models: Iterable[ModelInfo], *, accept_any: bool = False, default_cache_min: int = 1024
    ) -> Catalogue:
        ordered = tuple(models)
        by_name: dict[str, ModelInfo] = {}
        for model in ordered:
            for name in (model.id, *model.aliases):
                by_name[name] = model
        return cls(ordered, by_name, accept_any, default_cache_min)

    @classmethod
    def load(cls, path: Path | None = None, *, accept_any: bool = False) -> Catalogue:
        source = path or data_dir("fixtures") / "models.json"
        try:
            raw = jsonvalue.loads(source.read_bytes())
        except (OSError, jsonvalue.JSONDecodeError) as err:
            raise CatalogueError(f"{source}: {err}") from err
        if not isinstance(raw, dict) or not isinstance(raw.get("models"), list):
            raise CatalogueError(f"{source}: expected an object with a 'models' list")
        default_min = int(raw.get("default_cache_min_tokens", 1024))
        models = [
            _parse_model(entry, default_min, f"{source}: models[{i}]")
            for i, entry in enumerate(raw["models"])
        ]
        return cls.from_models(models, accept_any=accept_any, default_cache_min=default_min)


def _parse_model(entry: object, default_min: int, where: str) -> ModelInfo:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: expected an object")
    try:
        provider = entry["provider"]
        if provider not in ("anthropic", "openai"):
            raise CatalogueError(f"{where}.provider: expected 'anthropic' or 'openai'")
        created_at = str(entry.get("created_at") or "1970-01-01T00:00:00Z")
        created = int(
            entry.get("created")
            or datetime.fromisoformat(created_at.replace("Z", "+00:00")).timestamp()
        )
        if "created_at" not in entry:
            created_at = datetime.fromtimestamp(created, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return ModelInfo(
            id=str(entry["id"]),
            provider=provider,
            aliases=tuple(str(a) for a in entry.get("aliases", ())),
            display_name=str(entry.get("display_name", entry["id"])),
            created_at=created_at,
            created=created,
            owned_by=str(entry.get("owned_by", "system")),
            context_window=int(entry["context_window"]),
            max_output_tokens=int(entry["max_output_tokens"]),
            cache_min_tokens=int(entry.get("cache_min_tokens", default_min)),
            legacy_completions=bool(entry.get("legacy_completions", False)),
            supports_prefill=bool(entry.get("supports_prefill", True)),
        )
    except KeyError as err:
        raise CatalogueError(f"{where}: missing field {err.args[0]!r}") from err
    except (TypeError, ValueError) as err:
        raise CatalogueError(f"{where}: {err}") from err
