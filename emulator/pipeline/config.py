"""EmulatorConfig: every setting in one frozen dataclass.

Precedence is CLI flag, then ``LLM_EMULATOR_*`` environment variable, then the
default; the defaults are the embedded configuration that ``llm-emulator serve``
runs with when given no arguments.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from emulator.accounting.rate_limit import parse_rate_limit_table
from emulator.core.gateway import normalize_prefix, parse_required_header
from emulator.core.timing import parse_latency
from emulator.faults.chaos import parse_chaos_table
from emulator.scenario import record_options

ENV_PREFIX = "LLM_EMULATOR_"

# The real Messages API refuses bodies over 32 MB at its edge.
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
# What the journal's entries may weigh together (bodies, headers, a fixed cost each).
DEFAULT_JOURNAL_MAX_BYTES = 64 * 1024 * 1024


class ConfigError(ValueError):
    """A setting that cannot be used, named with where it came from."""


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    port_file: Path | None = None
    seed: int = 0
    fixtures: Path | None = None
    api_keys: tuple[str, ...] = ()
    log_level: str = "info"
    log_format: str = "text"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    strict: bool = False
    accept_any_model: bool = False
    latency: str = "none"
    admin_token: str | None = None
    models_file: Path | None = None
    journal_size: int = 10_000
    journal_max_bytes: int = DEFAULT_JOURNAL_MAX_BYTES
    shutdown_timeout_s: float = 5.0
    head_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    route_prefixes: tuple[str, ...] = ()
    root_routes: bool = True
    require_headers: tuple[str, ...] = ()
    rate_limits: tuple[str, ...] = ()
    chaos: tuple[str, ...] = ()
    # Record and replay (README, "Record and replay").
    upstream: str | None = None
    anthropic_upstream: str | None = None
    openai_upstream: str | None = None
    record_out: Path | None = None
    record_mode: str | None = None
    cassette: str = "recorded"
    match_keys: str | None = None
    scrub: tuple[str, ...] = ()
    scrub_file: Path | None = None
    replay_timing: str = "none"
    extra: Mapping[str, str] = field(default_factory=dict)

    def is_key_accepted(self, key: str) -> bool:
        if not key:
            return False
        return not self.api_keys or key in self.api_keys

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> EmulatorConfig:
        """Build a config from ``LLM_EMULATOR_*`` variables of ``environ``."""
        return _apply(cls(), _env_values(environ), source="environment")

    @classmethod
    def from_args(
        cls,
        args: argparse.Namespace,
        environ: Mapping[str, str] | None = None,
        *,
        flags: Mapping[str, str] | None = None,
    ) -> EmulatorConfig:
        """CLI values over environment values over defaults; ``flags`` names the flag
        of each setting for error messages (e.g. ``api_keys`` → ``--api-key``)."""
        base = cls.from_env(environ or {})
        given = {k: v for k, v in vars(args).items() if v is not None and k in _FIELD_NAMES}
        return _apply(base, given, source="command line", flags=flags or {})


_RECORD_FIELDS = frozenset(
    {
        "upstream",
        "anthropic_upstream",
        "openai_upstream",
        "record_out",
        "record_mode",
        "cassette",
        "match_keys",
        "scrub",
        "scrub_file",
        "replay_timing",
    }
)
_FIELD_NAMES = frozenset(f.name for f in fields(EmulatorConfig)) - {"extra"}


def _env_values(environ: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in _FIELD_NAMES:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is not None:
            values[name] = raw
    return values


def _apply(
    config: EmulatorConfig,
    values: Mapping[str, object],
    *,
    source: str,
    flags: Mapping[str, str] | None = None,
) -> EmulatorConfig:
    changes: dict[str, object] = {}
    for name, raw in values.items():
        try:
            changes[name] = _coerce(name, raw)
        except ValueError as err:
            label = (
                (flags or {}).get(name, f"--{name.replace('_', '-')}")
                if source == "command line"
                else (ENV_PREFIX + name.upper())
            )
            raise ConfigError(f"{label}: {err}") from err
    return replace(config, **changes)  # type: ignore[arg-type]  # keys are field names


def coerce_setting(name: str, raw: object) -> object:
    """Setting ``name`` from a flag, variable, ini option or marker value, checked;
    ValueError says what is wrong (the caller names where the value came from)."""
    return _coerce(name, raw)


def _coerce(name: str, raw: object) -> object:
    if name in {"port", "seed", "max_body_bytes", "journal_size", "journal_max_bytes"}:
        value = int(raw)  # type: ignore[call-overload]  # str or int from argv/env
        if name == "port" and not 0 <= value <= 65535:
            raise ValueError(f"port must be 0..65535, got {value}")
        if name in {"max_body_bytes", "journal_size", "journal_max_bytes"} and value < 1:
            raise ValueError("must be at least 1")
        return value
    if name in {"shutdown_timeout_s", "head_timeout_s", "body_timeout_s"}:
        seconds = float(raw)  # type: ignore[arg-type]  # str or float from argv/env
        if seconds < 0:
            raise ValueError("must not be negative")
        return seconds
    if name in {"strict", "accept_any_model", "root_routes"}:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"expected true or false, got {raw!r}")
    if name in _RECORD_FIELDS:
        return record_options.coerce(name, raw)
    if name in {"fixtures", "models_file", "port_file"}:
        return Path(str(raw)) if raw else None
    if name == "route_prefixes":
        return tuple(normalize_prefix(p) for p in _as_list(raw))
    if name == "require_headers":
        specs = tuple(_as_list(raw, separator=";"))
        for spec in specs:
            parse_required_header(spec)
        return specs
    if name == "rate_limits":
        specs = tuple(_as_list(raw, separator=";"))
        parse_rate_limit_table(specs)
        return specs
    if name == "chaos":
        specs = tuple(_as_list(raw, separator=";"))
        parse_chaos_table(specs)
        return specs
    if name == "api_keys":
        if isinstance(raw, list | tuple):
            return tuple(str(k) for k in raw)
        return tuple(k.strip() for k in str(raw).split(",") if k.strip())
    if name == "latency":
        parse_latency(str(raw))
        return str(raw)
    if name == "log_format":
        if str(raw) not in {"text", "json"}:
            raise ValueError(f"expected text or json, got {raw!r}")
        return str(raw)
    if name == "log_level":
        level = str(raw).lower()
        if level not in {"debug", "info", "warning", "error"}:
            raise ValueError(f"expected debug, info, warning or error, got {raw!r}")
        return level
    return raw


def _as_list(raw: object, separator: str = ",") -> list[str]:
    if isinstance(raw, list | tuple):
        return [str(item) for item in raw]
    return [item.strip() for item in str(raw).split(separator) if item.strip()]
