"""Record and replay in pytest: a cassette per test, next to the test file.

A test marked ``@pytest.mark.llm_emulator_record`` (optionally ``cassette="name"``)
gets, in its ``llm_emulator`` fixture, a recording session in front of the
session's emulator: its cassette is loaded and replayed, and what the record
mode lets through is forwarded to the upstream and written to the cassette.
The mode and the upstreams come from the command line or the ini file, so one
suite records against the real API on a developer's machine and only replays
in CI (mode ``none``, the default).
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest

from emulator.scenario import record_modes as modes
from emulator.scenario.fingerprint import DEFAULT_MATCH_KEYS
from emulator.scenario.record_options import coerce
from emulator.scenario.scrub import Scrubber, load_patterns

# The recorder and the server are imported where a recording starts: the plugin imports
# this module at every pytest start, which must stay light (no aiohttp).
if TYPE_CHECKING:
    from emulator.record.recorder import Recorder
    from emulator.testing import EmulatorThread


class LLMEmulator(Protocol):
    """What recording needs of the ``llm_emulator`` fixture (``emulator.pytest_plugin``),
    which imports this module."""

    server: EmulatorThread
    api_keys: dict[str, str]

    def load(self, path: str | Path) -> None: ...


RECORD_MARKER = "llm_emulator_record"
# The marker's keyword arguments, all of them (checked in ``_marker_cassette``).
MARKER_KWARGS = frozenset({"cassette"})
DEFAULT_CASSETTE_DIR = "cassettes"
# Where the fixture's ready clients find a real key while recording.
KEY_VARIABLES = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_CLOSE_TIMEOUT_S = 30.0
# (command-line flag, ini name, help)
_UPSTREAM_OPTIONS = (
    ("--llm-emulator-upstream", "llm_emulator_upstream", "base URL of both API families"),
    (
        "--llm-emulator-anthropic-upstream",
        "llm_emulator_anthropic_upstream",
        "base URL of the Anthropic APIs (overrides the common one)",
    ),
    (
        "--llm-emulator-openai-upstream",
        "llm_emulator_openai_upstream",
        "base URL of the OpenAI APIs (overrides the common one)",
    ),
)


@dataclass(frozen=True, slots=True)
class RecordSettings:
    """The run's record settings, from the command line, else the ini file."""

    mode: modes.RecordMode
    upstreams: dict[str, str]
    cassette_dir: str
    scrubber: Scrubber


_SETTINGS: pytest.StashKey[RecordSettings] = pytest.StashKey()


def add_options(parser: pytest.Parser, group: pytest.OptionGroup) -> None:
    group.addoption(
        "--llm-emulator-record-mode",
        choices=modes.RECORD_MODES,
        default=None,
        help=f"for tests marked {RECORD_MARKER}: none (default, replay only: CI), once, "
        "new_episodes or all",
    )
    parser.addini("llm_emulator_record_mode", "record mode of the run (default none)")
    for flag, ini, text in _UPSTREAM_OPTIONS:
        group.addoption(flag, default=None, help=f"recording: {text}")
        parser.addini(ini, f"recording: {text}")
    parser.addini(
        "llm_emulator_cassette_dir",
        "folder of the cassettes, relative to each test file's folder (default cassettes)",
    )
    parser.addini(
        "llm_emulator_scrub",
        "regular expressions (one a line) whose matches are replaced by [scrubbed] in "
        "recorded bodies",
        type="linelist",
    )


def configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{RECORD_MARKER}(cassette=None): replay this test's cassette "
        "(<test folder>/cassettes/<module>/<test>.json, or <name>.json) and record into it "
        "as --llm-emulator-record-mode says",
    )
    config.stash[_SETTINGS] = _read_settings(config)


def _setting(config: pytest.Config, flag: str, ini: str) -> str:
    given = config.getoption(flag)
    if given is not None:
        return str(given)
    value = config.getini(ini)
    return str(value).strip() if value else ""


def _read_settings(config: pytest.Config) -> RecordSettings:
    try:
        mode = modes.parse_mode(
            _setting(config, "--llm-emulator-record-mode", "llm_emulator_record_mode") or "none"
        )
        bases: dict[str, str] = {}
        for flag, ini, _ in _UPSTREAM_OPTIONS:
            text = _setting(config, flag, ini)
            if text:
                bases[ini] = str(coerce("upstream", text))
        scrubber = Scrubber(
            load_patterns(config.getini("llm_emulator_scrub"), "llm_emulator_scrub")
        )
    except ValueError as err:
        raise pytest.UsageError(f"llm-emulator recording: {err}") from err
    common = bases.get("llm_emulator_upstream")
    upstreams = {
        family: base
        for family in ("anthropic", "openai")
        if (base := bases.get(f"llm_emulator_{family}_upstream", common))
    }
    cassette_dir = str(config.getini("llm_emulator_cassette_dir") or "").strip()
    return RecordSettings(mode, upstreams, cassette_dir or DEFAULT_CASSETTE_DIR, scrubber)


def _marker_cassette(marker: pytest.Mark) -> str | None:
    unknown = set(marker.kwargs) - MARKER_KWARGS
    if marker.args or unknown:
        given = [repr(a) for a in marker.args] + sorted(unknown)
        raise pytest.UsageError(f"{RECORD_MARKER} takes only cassette=...; got {', '.join(given)}")
    name = marker.kwargs.get("cassette")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise pytest.UsageError(f"{RECORD_MARKER}(cassette=...) must be a file name, got {name!r}")
    return name


def cassette_path(item: pytest.Item, cassette_dir: str, name: str | None) -> Path:
    """``<test folder>/<cassette_dir>/<name>.json``; without a name,
    ``<module>/<test name>.json`` (characters unsafe in file names become ``-``)."""
    folder = Path(str(item.path)).parent / cassette_dir
    if name is None:
        test = _UNSAFE_IN_NAME.sub("-", item.name).strip("-")
        return folder / Path(str(item.path)).stem / f"{test}.json"
    return folder / (name if name.endswith(".json") else f"{name}.json")


@dataclass
class RecordSession:
    recorder: Recorder
    emulator: LLMEmulator


def start(request: pytest.FixtureRequest, emulator: LLMEmulator) -> RecordSession | None:
    """Put a recording session in front of ``emulator`` when the test is marked."""
    marker = request.node.get_closest_marker(RECORD_MARKER)
    if marker is None:
        return None
    settings = request.config.stash[_SETTINGS]
    path = cassette_path(request.node, settings.cassette_dir, _marker_cassette(marker))
    from emulator.record.cassette import Cassette  # noqa: PLC0415
    from emulator.record.recorder import Recorder  # noqa: PLC0415

    cassette = Cassette(path, path.stem) if settings.mode != "none" else None
    may_record = settings.mode in ("new_episodes", "all") or (
        cassette is not None and cassette.was_new
    )
    if may_record and not settings.upstreams:
        pytest.fail(
            f"record mode {settings.mode!r} would record {path} but no upstream is set: give "
            "--llm-emulator-upstream URL (or the ini option llm_emulator_upstream)",
            pytrace=False,
        )
    if path.exists():
        emulator.load(path)
    recorder = Recorder(
        settings.mode,
        settings.upstreams,
        cassette,
        DEFAULT_MATCH_KEYS,
        settings.scrubber,
        emulator.server.runtime.replay_timing,
    )
    if settings.mode != "none":
        for family in settings.upstreams:
            key = os.environ.get(KEY_VARIABLES[family])
            if key:
                emulator.api_keys[family] = key
    emulator.server.runtime.recorder = recorder
    return RecordSession(recorder, emulator)


def stop(session: RecordSession | None) -> None:
    """Take the session away and close its connections to the upstream."""
    if session is None:
        return
    server = session.emulator.server
    server.runtime.recorder = None
    closing = asyncio.run_coroutine_threadsafe(session.recorder.close(), server.loop)
    closing.result(timeout=_CLOSE_TIMEOUT_S)
