"""The record-and-replay options as flags and environment variables give them: each
checked and turned into its value (``EmulatorConfig`` asks, for its record fields)."""

from __future__ import annotations

import re
from pathlib import Path

from emulator.scenario import record_modes as modes
from emulator.scenario.fingerprint import parse_match_keys
from emulator.scenario.replay_timing import parse_replay_timing
from emulator.scenario.scrub import load_patterns

_CASSETTE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def coerce(name: str, raw: object) -> object:
    text = str(raw).strip() if not isinstance(raw, list | tuple) else ""
    if name in {"upstream", "anthropic_upstream", "openai_upstream"}:
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", text):
            raise ValueError(f"expected an http:// or https:// base URL, got {text!r}")
        return text.rstrip("/")
    if name in {"record_out", "scrub_file"}:
        return Path(text) if text else None
    if name == "record_mode":
        return modes.parse_mode(text)
    if name == "cassette":
        if not _CASSETTE_NAME.fullmatch(text):
            raise ValueError(f"a cassette name is letters, digits, '.', '_' or '-', got {text!r}")
        return text
    if name == "match_keys":
        parse_match_keys(text)
        return text
    if name == "replay_timing":
        parse_replay_timing(text)
        return text
    if name == "scrub":
        patterns = [str(p) for p in raw] if isinstance(raw, list | tuple) else [text]
        load_patterns(patterns, "--scrub")
        return tuple(patterns)
    raise AssertionError(name)
