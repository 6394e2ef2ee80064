"""The ``llm_emulator`` pytest fixture: a real emulator on loopback, scripted in one line.

Installing the package registers this plugin (``pytest11`` entry point). One
server runs per test session (per xdist worker) on its own event loop in a
background thread, so sync clients, async clients in the test's loop and code
under test that makes its own HTTP calls all reach it. Each test starts from a
clean state: no scripts, an empty journal and cache, the clock at "now".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from emulator import pytest_recording as recording
from emulator.pipeline.config import EmulatorConfig
from emulator.scenario.loader import Scenario, load_file, parse_scenario
from emulator.testing import EmulatorThread
from emulator.util.clock import ManualClock

if TYPE_CHECKING:
    import anthropic
    import openai

MARKER = "llm_emulator"
_TEST_SCENARIO = "pytest"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llm-emulator")
    group.addoption(
        "--llm-emulator-seed", type=int, default=0, help="seed of the emulator's generated replies"
    )
    group.addoption(
        "--llm-emulator-report-unmatched",
        action="store_true",
        help="list, after the run, requests that no scripted rule matched, with the nearest misses",
    )
    recording.add_options(parser, group)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*files, seed=None): load scenario files (JSON or YAML; relative paths from "
        "the test file's folder, then the working directory) and set the seed of generated "
        "replies for this test",
    )
    recording.configure(config)


@dataclass
class _Unmatched:
    test: str
    path: str
    nearest: list[dict[str, Any]]


_UNMATCHED: pytest.StashKey[list[_Unmatched]] = pytest.StashKey()


class EmulatorClock:
    """The emulator's clock as a test sees it: only ``advance`` moves it."""

    def __init__(self, clock: ManualClock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.now()

    def advance(self, seconds: float) -> None:
        self._clock.advance(seconds)


@dataclass
class LLMEmulator:
    """What a test gets from the ``llm_emulator`` fixture."""

    server: EmulatorThread
    clock: EmulatorClock
    test_dir: Path | None = None
    # The keys of the ready clients (real ones while recording: see record/pytest_support.py).
    api_keys: dict[str, str] = field(
        default_factory=lambda: {"anthropic": "sk-ant-test", "openai": "sk-test"}
    )
    _rules: list[dict[str, Any]] = field(default_factory=list)
    _files: list[Scenario] = field(default_factory=list)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    # -- where it is ---------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """Root URL, for the Anthropic SDK (which adds ``/v1/...`` itself)."""
        return self.server.base_url

    @property
    def openai_base_url(self) -> str:
        """``…/v1``, for the OpenAI SDK."""
        return self.server.base_url + "/v1"

    # -- ready clients -------------------------------------------------------------
    def anthropic_client(self, **options: Any) -> anthropic.Anthropic:
        import anthropic  # noqa: PLC0415  # the SDKs are optional for the plugin

        client = anthropic.Anthropic(
            **{"base_url": self.base_url, "api_key": self.api_keys["anthropic"], **options}
        )
        self._closers.append(client.close)
        return client

    def async_anthropic_client(self, **options: Any) -> anthropic.AsyncAnthropic:
        import anthropic  # noqa: PLC0415

        return anthropic.AsyncAnthropic(
            **{"base_url": self.base_url, "api_key": self.api_keys["anthropic"], **options}
        )

    def openai_client(self, **options: Any) -> openai.OpenAI:
        import openai  # noqa: PLC0415

        client = openai.OpenAI(
            **{"base_url": self.openai_base_url, "api_key": self.api_keys["openai"], **options}
        )
        self._closers.append(client.close)
        return client

    def async_openai_client(self, **options: Any) -> openai.AsyncOpenAI:
        import openai  # noqa: PLC0415

        return openai.AsyncOpenAI(
            **{"base_url": self.openai_base_url, "api_key": self.api_keys["openai"], **options}
        )

    # -- scripting -----------------------------------------------------------------
    def reply(self, *texts: str, thinking: str | None = None, **match: Any) -> None:
        """Answer matching requests with ``texts`` (several: one per call, then the last)."""
        replies = [{"text": t, **({"thinking": thinking} if thinking else {})} for t in texts]
        self._add(replies, match)

    def reply_tool_call(
        self,
        name: str,
        input: Mapping[str, Any] | None = None,
        *,
        text: str | None = None,
        **match: Any,
    ) -> None:
        """Answer with a call of tool ``name`` (input generated from its schema if omitted).
        Like a real model, the rule stops firing once the tool's result is in the last turn."""
        call: dict[str, Any] = {"name": name}
        if input is not None:
            call["input"] = dict(input)
        reply: dict[str, Any] = {"tool_calls": [call]}
        if text is not None:
            reply["text"] = text
        self._add([reply], match)

    def fail(
        self,
        status: int,
        message: str | None = None,
        *,
        type: str | None = None,
        retry_after: float | None = None,
        times: int | None = None,
        **match: Any,
    ) -> None:
        """Answer with an API error in each API's own shape; ``times=1`` fails once, then
        lets later rules (or the default reply) answer."""
        error: dict[str, Any] = {"status": status}
        if message is not None:
            error["message"] = message
        if type is not None:
            error["type"] = type
        if retry_after is not None:
            error["retry_after"] = retry_after
        if times is not None:
            match = {**match, "times": {"lt": times}}
        self._add([{"error": error}], match)

    def fault(
        self, kind: str, *, after_events: int = 0, seconds: float = 0.0, **match: Any
    ) -> None:
        """Misbehave: ``drop``, ``stall``, ``malformed``, ``empty`` or ``error_event``."""
        self._add(
            [{"fault": {"kind": kind, "after_events": after_events, "seconds": seconds}}], match
        )

    def load(self, path: str | Path) -> None:
        """Load a scenario file (JSON or YAML); its rules come before one-line ones. A
        relative path is looked up next to the test file first, then in the working
        directory."""
        self._files.append(load_file(_resolve(Path(path), self.test_dir)))
        self._push()

    def _add(self, replies: list[dict[str, Any]], match: Mapping[str, Any]) -> None:
        rule: dict[str, Any] = {"name": f"rule-{len(self._rules) + 1}", "replies": replies}
        when = dict(match)
        if "when" in when:
            when["last_user_text"] = when.pop("when")
        if when:
            rule["match"] = when
        self._rules.append(rule)
        self._push()

    def _push(self) -> None:
        engine = self.server.runtime.engine
        engine.clear()
        engine.load(self._files)
        if self._rules:
            engine.load(
                [parse_scenario({"name": _TEST_SCENARIO, "rules": self._rules}, "pytest", "pytest")]
            )

    # -- what was sent -------------------------------------------------------------
    @property
    def requests(self) -> list[dict[str, Any]]:
        """Journal entries of this test, oldest first (see the README for the fields)."""
        return [e.to_json() for e in self.server.runtime.journal.entries()]

    @property
    def last_request(self) -> dict[str, Any]:
        entries = self.requests
        if not entries:
            raise AssertionError("the emulator has received no request in this test")
        return entries[-1]

    def assert_called(self, times: int | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Entries whose fields equal ``filters`` (e.g. ``api="chat"``, ``rule="rule-1"``);
        fails with the journal when there are none, or not exactly ``times``."""
        found = [e for e in self.requests if all(e.get(k) == v for k, v in filters.items())]
        if (times is None and not found) or (times is not None and len(found) != times):
            seen = [
                (e["method"], e["path"], e["api"], e["rule"], e["status"]) for e in self.requests
            ]
            wanted = "at least once" if times is None else f"{times} time(s)"
            raise AssertionError(
                f"expected a request matching {filters} {wanted}, found {len(found)}; "
                f"journal: {seen}"
            )
        return found

    # -- lifecycle -----------------------------------------------------------------
    def _reset(self) -> None:
        runtime = self.server.runtime
        runtime.reset()
        self._rules.clear()
        self._files.clear()
        self._push()


@pytest.fixture(scope="session")
def llm_emulator_server(request: pytest.FixtureRequest) -> Iterator[EmulatorThread]:
    """The session's emulator: loopback, a free port, a clock that tests move."""
    seed = request.config.getoption("--llm-emulator-seed")
    clock = ManualClock(time.time())
    with EmulatorThread(EmulatorConfig(port=0, seed=seed), clock=clock) as server:
        yield server


def _resolve(path: Path, test_dir: Path | None) -> Path:
    if path.is_absolute() or test_dir is None:
        return path
    beside_test = test_dir / path
    return beside_test if beside_test.exists() else path


def _marker_files(request: pytest.FixtureRequest) -> list[str]:
    files: list[str] = []
    for marker in request.node.iter_markers(MARKER):
        files.extend(str(a) for a in marker.args)
    return files


def _marker_seed(request: pytest.FixtureRequest) -> int | None:
    """The ``seed=`` of the closest marker that gives one."""
    for marker in request.node.iter_markers(MARKER):
        seed = marker.kwargs.get("seed")
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, int):
                raise pytest.UsageError(f"{MARKER}(seed=...) must be an int, got {seed!r}")
            return seed
    return None


@pytest.fixture
def llm_emulator(
    request: pytest.FixtureRequest, llm_emulator_server: EmulatorThread
) -> Iterator[LLMEmulator]:
    """A clean emulator for this test; see :class:`LLMEmulator` for what it offers."""
    clock = llm_emulator_server.runtime.clock
    assert isinstance(clock, ManualClock)
    clock.set(time.time())
    emulator = LLMEmulator(
        llm_emulator_server, EmulatorClock(clock), Path(str(request.node.fspath)).parent
    )
    emulator._reset()
    for path in _marker_files(request):
        emulator.load(path)
    record_session = recording.start(request, emulator)
    engine = llm_emulator_server.runtime.engine
    session_seed = engine.seed
    marker_seed = _marker_seed(request)
    engine.seed = session_seed if marker_seed is None else marker_seed
    yield emulator
    recording.stop(record_session)
    engine.seed = session_seed
    _close_sync_clients(emulator)
    _note_unmatched(request, emulator)
    errors = list(llm_emulator_server.runtime.internal_errors)
    emulator._reset()
    if errors:
        raise AssertionError(
            "llm-emulator failed internally while answering this test's requests: "
            + "; ".join(repr(e) for e in errors)
        ) from errors[0]


def _close_sync_clients(emulator: LLMEmulator) -> None:
    for closer in emulator._closers:
        closer()
    emulator._closers.clear()


def _note_unmatched(request: pytest.FixtureRequest, emulator: LLMEmulator) -> None:
    if not request.config.getoption("--llm-emulator-report-unmatched"):
        return
    bucket = request.config.stash.setdefault(_UNMATCHED, [])
    for entry in emulator.requests:
        if entry["rule"] is None and entry["nearest_miss"]:
            bucket.append(_Unmatched(request.node.nodeid, entry["path"], entry["nearest_miss"]))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    unmatched = config.stash.get(_UNMATCHED, [])
    if not unmatched:
        return
    terminalreporter.section("llm-emulator: requests no rule matched")
    for item in unmatched:
        terminalreporter.write_line(f"{item.test}: {item.path}")
        for miss in item.nearest:
            reasons = "; ".join(f"{f['field']}: {f['why']}" for f in miss["failed"])
            terminalreporter.write_line(
                f"    nearest: {miss['scenario']}/{miss['rule']} — {reasons}"
            )
