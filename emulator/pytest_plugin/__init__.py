"""The ``llm_emulator`` pytest fixture: a real emulator on loopback, scripted in one line.

Installing the package registers this plugin (``pytest11`` entry point). One
server runs per test session (per xdist worker) on its own event loop in a
background thread, so sync clients, async clients in the test's loop and code
under test that makes its own HTTP calls all reach it. Each test starts from a
clean state: no scripts, an empty journal and cache, the clock at "now".
Its parts: ``options`` (marker and ini options), ``recording`` (a cassette per test).
Reaches the server only through ``emulator.testing``, imported when the fixture is
first used, so a pytest run that does not use it pays nothing for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from emulator.pytest_plugin import options, recording
from emulator.util.clock import ManualClock

# The server, the scenario loader and the SDKs are imported inside the fixtures: this
# module is imported by every pytest run wherever the package is installed.
if TYPE_CHECKING:
    import anthropic
    import openai

    from emulator.pipeline.config import EmulatorConfig
    from emulator.scenario.loader import Scenario
    from emulator.testing import EmulatorThread

MARKER = options.MARKER
_TEST_SCENARIO = "pytest"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llm-emulator")
    group.addoption(
        "--llm-emulator-seed",
        type=int,
        default=None,
        help="seed of the emulator's generated replies (over the llm_emulator_seed ini option)",
    )
    group.addoption(
        "--llm-emulator-report-unmatched",
        action="store_true",
        help="list, after the run, requests that no scripted rule matched, with the nearest misses",
    )
    recording.add_options(parser, group)
    for name in options.ALL_OPTIONS:
        described = {**options.SERVER_OPTIONS, **options.FIXTURE_OPTIONS}[name]
        parser.addini(
            options.INI_PREFIX + name,
            f"llm-emulator, every test: {described}",
            type=options.ini_type(name),  # type: ignore[arg-type]  # one of pytest's names
            default=None,
        )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*files, **options): load scenario files (JSON or YAML; relative paths "
        "from the test file's folder, then the working directory) and set this test's options: "
        + ", ".join(options.ALL_OPTIONS),
    )
    recording.configure(config)
    _session_options(config)  # a bad ini option stops the run before any test


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


_TEST_KEYS = {"anthropic": "sk-ant-test", "openai": "sk-test"}


@dataclass(repr=False)
class LLMEmulator:
    """What a test gets from the ``llm_emulator`` fixture."""

    server: EmulatorThread
    clock: EmulatorClock
    test_dir: Path | None = None
    # The keys of the ready clients (real ones while recording: see record/pytest_support.py).
    api_keys: dict[str, str] = field(default_factory=lambda: dict(_TEST_KEYS))
    _rules: list[dict[str, Any]] = field(default_factory=list)
    _files: list[Scenario] = field(default_factory=list)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def __repr__(self) -> str:
        rules = len(self._rules) + sum(len(s.rules) for s in self._files)
        return f"<LLMEmulator {self.base_url} rules={rules}>"

    # -- where it is ---------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """Root URL, for the Anthropic SDK (which adds ``/v1/...`` itself)."""
        return self.server.base_url

    @property
    def openai_base_url(self) -> str:
        """``…/v1``, for the OpenAI SDK."""
        return self.server.base_url + "/v1"

    def sdk_environment(self) -> dict[str, str]:
        """The variables the Anthropic and OpenAI SDKs read their address and key from,
        pointing at this server: for a subprocess, or set by ``llm_emulator_env``."""
        return {
            "ANTHROPIC_BASE_URL": self.base_url,
            "ANTHROPIC_API_KEY": self._key("anthropic"),
            "OPENAI_BASE_URL": self.openai_base_url,
            "OPENAI_API_KEY": self._key("openai"),
        }

    # -- ready clients -------------------------------------------------------------
    def anthropic_client(self, **options: Any) -> anthropic.Anthropic:
        import anthropic  # noqa: PLC0415  # the SDKs are optional for the plugin

        client = anthropic.Anthropic(
            **{"base_url": self.base_url, "api_key": self._key("anthropic"), **options}
        )
        self._closers.append(client.close)
        return client

    def async_anthropic_client(self, **options: Any) -> anthropic.AsyncAnthropic:
        import anthropic  # noqa: PLC0415

        return anthropic.AsyncAnthropic(
            **{"base_url": self.base_url, "api_key": self._key("anthropic"), **options}
        )

    def openai_client(self, **options: Any) -> openai.OpenAI:
        import openai  # noqa: PLC0415

        client = openai.OpenAI(
            **{"base_url": self.openai_base_url, "api_key": self._key("openai"), **options}
        )
        self._closers.append(client.close)
        return client

    def async_openai_client(self, **options: Any) -> openai.AsyncOpenAI:
        import openai  # noqa: PLC0415

        return openai.AsyncOpenAI(
            **{"base_url": self.openai_base_url, "api_key": self._key("openai"), **options}
        )

    def _key(self, family: str) -> str:
        """The ready clients' key: a real one while recording, else the first key the
        server accepts when it accepts only some, else the test key."""
        chosen = self.api_keys[family]
        keys = self.server.config.api_keys
        if chosen == _TEST_KEYS[family] and keys:
            return keys[0]
        return chosen

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
        Like a real model, the rule stops firing once the tool's result is in the
        conversation since the last user text."""
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
        from emulator.scenario.loader import load_file  # noqa: PLC0415

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
        from emulator.scenario.loader import parse_scenario  # noqa: PLC0415

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


_SESSION_OPTIONS: pytest.StashKey[dict[str, object]] = pytest.StashKey()


def _session_options(config: pytest.Config) -> dict[str, object]:
    """The ini options, read once; a bad one stops the run with a usage error."""
    found = config.stash.get(_SESSION_OPTIONS, None)
    if found is None:
        found = options.ini_values(config.getini)
        try:
            options.resolve({}, found, where="ini options llm_emulator_*")
        except options.OptionError as err:
            raise pytest.UsageError(str(err)) from None
        config.stash[_SESSION_OPTIONS] = found
    return found


def _server_config(config: pytest.Config) -> EmulatorConfig:
    """The session server's settings: the ini options, then --llm-emulator-seed."""
    session = options.resolve({}, _session_options(config), where="ini options")
    from emulator.pipeline.config import EmulatorConfig  # noqa: PLC0415

    seed = config.getoption("--llm-emulator-seed")
    if seed is None:
        seed = session.seed or 0
    return replace(EmulatorConfig(port=0, seed=seed), **dict(session.server))  # type: ignore[arg-type]


def _start_server(config: EmulatorConfig) -> EmulatorThread:
    from emulator.testing import EmulatorThread  # noqa: PLC0415

    return EmulatorThread(config, clock=ManualClock(time.time())).start()


@pytest.fixture(scope="session")
def llm_emulator_server(request: pytest.FixtureRequest) -> Iterator[EmulatorThread]:
    """The session's emulator: loopback, a free port, a clock that tests move."""
    server = _start_server(_server_config(request.config))
    try:
        yield server
    finally:
        server.stop()


class _ServerPool:
    """Servers for tests whose marker sets server options, one per distinct set,
    started when a test first asks for it and kept for the session."""

    def __init__(self) -> None:
        self._servers: dict[tuple[tuple[str, object], ...], EmulatorThread] = {}

    def get(
        self, base: EmulatorThread, server_options: tuple[tuple[str, object], ...]
    ) -> EmulatorThread:
        wanted = replace(base.config, **dict(server_options))  # type: ignore[arg-type]
        if wanted == base.config:
            return base
        server = self._servers.get(server_options)
        if server is None:
            server = self._servers[server_options] = _start_server(wanted)
        return server

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()


@pytest.fixture(scope="session")
def _llm_emulator_pool() -> Iterator[_ServerPool]:
    pool = _ServerPool()
    try:
        yield pool
    finally:
        pool.stop()


def _resolve(path: Path, test_dir: Path | None) -> Path:
    """Where a scenario file named in a test is: beside the test file, else from the
    working directory; FileNotFoundError names every place looked in."""
    if path.is_absolute() or test_dir is None:
        candidates = [path]
    else:
        candidates = [test_dir / path, Path.cwd() / path]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        f"scenario file {str(path)!r} not found; looked in: "
        + ", ".join(str(c) for c in candidates)
    )


def _marker_files(request: pytest.FixtureRequest) -> list[str]:
    files: list[str] = []
    for marker in request.node.iter_markers(MARKER):
        files.extend(str(a) for a in marker.args)
    return files


def _test_options(request: pytest.FixtureRequest) -> options.TestOptions:
    marker = options.merged_marker_kwargs(request.node.iter_markers(MARKER))
    try:
        return options.resolve(
            _session_options(request.config), marker, where=f"@pytest.mark.{MARKER}"
        )
    except options.OptionError as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture
def llm_emulator(
    request: pytest.FixtureRequest,
    llm_emulator_server: EmulatorThread,
    _llm_emulator_pool: _ServerPool,
) -> Iterator[LLMEmulator]:
    """A clean emulator for this test; see :class:`LLMEmulator` for what it offers."""
    chosen = _test_options(request)
    server = _llm_emulator_pool.get(llm_emulator_server, chosen.server)
    clock = server.runtime.clock
    assert isinstance(clock, ManualClock)
    clock.set(time.time())
    emulator = LLMEmulator(server, EmulatorClock(clock), Path(str(request.node.fspath)).parent)
    emulator._reset()
    try:
        for path in _marker_files(request):
            emulator.load(path)
    except (OSError, ValueError) as err:  # missing or invalid file: the message says which
        pytest.fail(f"@pytest.mark.{MARKER}: {err}", pytrace=False)
    record_session = recording.start(request, emulator)
    engine = server.runtime.engine
    session_seed = engine.seed
    engine.seed = session_seed if chosen.seed is None else chosen.seed
    yield emulator
    recording.stop(record_session)
    engine.seed = session_seed
    _close_sync_clients(emulator)
    _note_unmatched(request, emulator)
    problems = _unmet_expectations(emulator, chosen)
    errors = list(server.runtime.internal_errors)
    emulator._reset()
    if errors:
        raise AssertionError(
            "llm-emulator failed internally while answering this test's requests: "
            + "; ".join(repr(e) for e in errors)
        ) from errors[0]
    if problems:
        pytest.fail("llm-emulator: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def llm_emulator_env(llm_emulator: LLMEmulator, monkeypatch: pytest.MonkeyPatch) -> LLMEmulator:
    """``llm_emulator``, with the SDKs' environment variables pointing at it for this test:
    clients the code under test makes itself (``anthropic.Anthropic()``,
    ``openai.OpenAI()``, frameworks built on them) talk to the emulator."""
    for name, value in llm_emulator.sdk_environment().items():
        monkeypatch.setenv(name, value)
    # The Anthropic SDK sends a bearer token from here as well as the key.
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    return llm_emulator


def _unmet_expectations(emulator: LLMEmulator, chosen: options.TestOptions) -> list[str]:
    """What ``assert_all_matched`` and ``assert_all_called`` found wrong."""
    problems: list[str] = []
    if chosen.assert_all_matched:
        unmatched = [e for e in emulator.requests if _answered_by_no_rule(e)]
        if unmatched:
            listed = ", ".join(f"{e['method']} {e['path']}" for e in unmatched)
            problems.append(
                f"assert_all_matched: {len(unmatched)} request(s) no rule matched: {listed}"
                " (--llm-emulator-report-unmatched shows the nearest rules)"
            )
    if chosen.assert_all_called:
        engine = emulator.server.runtime.engine
        fired = engine.fired_rules()
        never = [
            f"{scenario.name}/{rule.name}"
            for scenario in engine.scenarios
            for rule in scenario.rules
            if (scenario.name, rule.name) not in fired
        ]
        if never:
            problems.append(f"assert_all_called: rule(s) never used: {', '.join(never)}")
    return problems


def _answered_by_no_rule(entry: Mapping[str, Any]) -> bool:
    """A request the scenario engine was asked about (it has an API) that got the
    generated reply; embeddings are never scripted."""
    return entry["api"] not in (None, "embeddings") and entry["rule"] is None


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
