"""The pytest plugin's server options: from ini options (session-wide) and from the
``llm_emulator`` marker (one test), checked against the names the plugin knows.

Kept apart from the plugin so that reading options imports nothing heavy: pytest
imports the plugin on every run wherever the package is installed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MARKER = "llm_emulator"
INI_PREFIX = "llm_emulator_"

# Server options a test may set: each one starts (or reuses) a server built with it.
SERVER_OPTIONS: Mapping[str, str] = {
    "accept_any_model": "answer for model names missing from the catalogue instead of 404",
    "strict": "refuse anything the real API would refuse, e.g. unknown anthropic-beta names",
    "latency": "stream pacing: none, fast, realistic or ttft_ms=N,tokens_per_s=N,jitter_ms=N",
    "rate_limits": "per-key limits, e.g. rpm=60,itpm=20000 (a list: one table row each)",
    "chaos": "seeded random faults, e.g. rate_limit=0.1,overloaded=0.05 (a list)",
    "route_prefixes": "also serve every API under these prefixes, e.g. /anthropic (a list)",
    "require_headers": "NAME or NAME=VALUE every API request must carry (a list)",
    "api_keys": "the only API keys accepted (a list); the ready clients send the first",
    "models_file": "model catalogue JSON instead of the embedded one",
    "max_body_bytes": "largest request body",
}
# Options of the fixture itself: no server of their own.
SEED = "seed"
ASSERT_ALL_MATCHED = "assert_all_matched"
ASSERT_ALL_CALLED = "assert_all_called"
FIXTURE_OPTIONS: Mapping[str, str] = {
    SEED: "seed of the generated replies",
    ASSERT_ALL_MATCHED: "fail the test when a request was answered by no scripted rule",
    ASSERT_ALL_CALLED: "fail the test when a loaded rule never answered a request",
}
ALL_OPTIONS = (*SERVER_OPTIONS, *FIXTURE_OPTIONS)
_LIST_OPTIONS = frozenset({"rate_limits", "chaos", "route_prefixes", "require_headers", "api_keys"})
_BOOL_OPTIONS = frozenset({"accept_any_model", "strict", ASSERT_ALL_MATCHED, ASSERT_ALL_CALLED})


class OptionError(ValueError):
    """An option the plugin does not know, or a value it cannot use."""


@dataclass(frozen=True, slots=True)
class TestOptions:
    """What one test asked for: server settings, already coerced, and the fixture's own."""

    server: tuple[tuple[str, object], ...] = ()
    seed: int | None = None
    assert_all_matched: bool = False
    assert_all_called: bool = False


def ini_type(name: str) -> str:
    """The pytest ini type of option ``name``."""
    if name in _BOOL_OPTIONS:
        return "bool"
    if name in _LIST_OPTIONS:
        return "linelist"
    return "string"


def ini_values(read: Any) -> dict[str, object]:
    """The options set in the ini file; ``read(ini_name)`` is ``config.getini``."""
    values: dict[str, object] = {}
    for name in ALL_OPTIONS:
        value = read(INI_PREFIX + name)
        if name in _BOOL_OPTIONS:
            if value:
                values[name] = True
        elif value not in (None, "", []):
            values[name] = value
    return values


def merged_marker_kwargs(markers: Iterable[Any]) -> dict[str, object]:
    """The keywords of the ``llm_emulator`` markers, the closest marker's winning."""
    merged: dict[str, object] = {}
    for marker in markers:
        for name, value in marker.kwargs.items():
            merged.setdefault(name, value)
    return merged


def resolve(
    session: Mapping[str, object], marker: Mapping[str, object], *, where: str
) -> TestOptions:
    """The options of one test: the marker's over the session's; ``where`` names the
    marker for error messages. Raises OptionError naming the valid options."""
    unknown = sorted(set(marker) - set(ALL_OPTIONS))
    if unknown:
        raise OptionError(
            f"{where}: unknown option(s) {', '.join(unknown)}; valid options: "
            f"{', '.join(sorted(ALL_OPTIONS))}"
        )
    chosen = {**session, **marker}
    server: dict[str, object] = {}
    for name in SERVER_OPTIONS:
        if name in chosen:
            server[name] = _coerce(name, chosen[name], where)
    seed = chosen.get(SEED)
    if seed is not None:
        seed = _coerce(SEED, seed, where)
    return TestOptions(
        server=tuple(sorted(server.items())),
        seed=seed,  # type: ignore[arg-type]  # coerce_setting returns an int for "seed"
        assert_all_matched=_flag(chosen, ASSERT_ALL_MATCHED, where),
        assert_all_called=_flag(chosen, ASSERT_ALL_CALLED, where),
    )


def _coerce(name: str, value: object, where: str) -> object:
    if name in _BOOL_OPTIONS and not isinstance(value, bool):
        raise OptionError(f"{where}: {name} must be True or False, got {value!r}")
    if name == SEED and (isinstance(value, bool) or not isinstance(value, int | str)):
        raise OptionError(f"{where}: seed must be an int, got {value!r}")
    if isinstance(value, str) and name in _LIST_OPTIONS:
        value = [value]
    # The config module imports every option's parser: only when an option is set.
    from emulator.pipeline.config import ConfigError, coerce_setting  # noqa: PLC0415

    try:
        return coerce_setting(name, value)
    except (ConfigError, ValueError, TypeError) as err:
        raise OptionError(f"{where}: {name}={value!r}: {err}") from err


def _flag(chosen: Mapping[str, object], name: str, where: str) -> bool:
    value = chosen.get(name, False)
    if not isinstance(value, bool):
        raise OptionError(f"{where}: {name} must be True or False, got {value!r}")
    return value
