"""The record-and-replay settings: checked from flags and environment, and made
into a recording session for a runtime."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from emulator.record.cassette import Cassette
from emulator.scenario import record_modes as modes
from emulator.scenario.fingerprint import DEFAULT_MATCH_KEYS, parse_match_keys
from emulator.scenario.replay_timing import parse_replay_timing
from emulator.scenario.scrub import Scrubber, load_patterns, load_scrub_file

if TYPE_CHECKING:
    from emulator.pipeline.config import EmulatorConfig
    from emulator.record.recorder import Recorder


def upstreams(config: EmulatorConfig) -> dict[str, str]:
    found = {}
    for family, specific in (
        ("anthropic", config.anthropic_upstream),
        ("openai", config.openai_upstream),
    ):
        base = specific or config.upstream
        if base:
            found[family] = base
    return found


def make_recorder(config: EmulatorConfig) -> Recorder | None:
    """The session the settings ask for: none unless a record mode or an upstream is
    set. A mode that records needs an upstream and an output folder."""
    from emulator.record.recorder import Recorder  # noqa: PLC0415  # aiohttp's client

    bases = upstreams(config)
    if config.record_mode is None and not bases:
        return None
    mode = modes.parse_mode(config.record_mode or "new_episodes")
    cassette = None
    if mode != "none":
        out = config.record_out or config.fixtures
        if not bases or out is None:
            from emulator.pipeline.config import ConfigError  # noqa: PLC0415  # config imports this module

            raise ConfigError(f"record mode {mode!r} needs --upstream and --out")
        cassette = Cassette(out / f"{config.cassette}.json", config.cassette)
    patterns = tuple(load_patterns(config.scrub, "--scrub"))
    if config.scrub_file is not None:
        try:
            patterns += load_scrub_file(config.scrub_file)
        except ValueError as err:
            from emulator.pipeline.config import ConfigError  # noqa: PLC0415

            raise ConfigError(f"--scrub-file: {err}") from err
    return Recorder(
        mode,
        bases,
        cassette,
        parse_match_keys(config.match_keys) if config.match_keys else DEFAULT_MATCH_KEYS,
        Scrubber(patterns),
        parse_replay_timing(config.replay_timing),
    )


def replay_folder(config: EmulatorConfig) -> Path | None:
    """The scenarios to load: --fixtures, else the recording's --out folder when it
    exists (what was recorded before is replayed)."""
    if config.fixtures is not None:
        return config.fixtures
    if config.record_out is not None and config.record_out.is_dir():
        return config.record_out
    return None
