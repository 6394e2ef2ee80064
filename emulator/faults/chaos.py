"""Chaos: random faults and added latency, reproducible under a seed.

``ChaosSettings`` gives each fault a probability per request; at most one fault
fires per request. Settings apply globally, per model glob or per test id (the
``x-emulator-test-id`` header); the most specific wins: test id, then the first
matching model glob, then global.

Each scope draws from its own ``random.Random``, seeded from the seed and the
scope's name with a stable hash, and every decision draws exactly twice from it
(fault, jitter). So one scope's sequence of decisions depends only on the seed
and on how many decisions that scope made before, never on other scopes' traffic.

Mid-stream faults need a stream. On a non-streamed request they become the
nearest non-streamed equivalent instead of disappearing, so the configured rate
of trouble holds for every request: ``drop_mid_stream`` drops the connection
before the headers, ``error_mid_stream`` answers the error the stream would have
carried (Anthropic 529 ``overloaded_error``; OpenAI 500 ``server_error``).
"""

from __future__ import annotations

import fnmatch
import hashlib
import math
import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from emulator.accounting.rate_limit import go_duration
from emulator.core.errors import ANTHROPIC_DEFAULT_MESSAGE
from emulator.core.neutral import OPENAI_APIS, Api
from emulator.core.outcome import ErrorReply, FaultReply
from emulator.util.spec_items import parse_items
from emulator.util.wire_text import wire_bytes

# Their order is the order in which one uniform draw is split between the faults; part
# of the seeded behaviour, so append new faults at the end.
FaultName = Literal[
    "rate_limit",
    "server_error",
    "overloaded",
    "timeout",
    "drop_before_headers",
    "drop_mid_stream",
    "error_mid_stream",
]
FAULTS: tuple[FaultName, ...] = get_args(FaultName)
ChaosKind = FaultName | Literal["latency"]

_OPENAI_SERVER_ERROR = "The server had an error while processing your request. Sorry about that!"
_OPENAI_OVERLOADED = "The server is overloaded or not ready yet."


@dataclass(frozen=True, slots=True)
class ChaosSettings:
    """Fault probabilities (each in [0, 1], together at most 1) and their parameters."""

    rate_limit: float = 0.0
    server_error: float = 0.0
    overloaded: float = 0.0
    timeout: float = 0.0
    drop_before_headers: float = 0.0
    drop_mid_stream: float = 0.0
    error_mid_stream: float = 0.0
    after_events: int = 3  # events sent before a mid-stream drop or error
    stall_s: float = 30.0  # how long a ``timeout`` stalls before answering
    retry_after_s: float = 1.0  # ``retry-after`` of a chaos 429
    latency_ms: float = 0.0  # added to every answer of the scope
    jitter_ms: float = 0.0  # plus a uniform draw in [0, jitter_ms]
    seed: int | None = None  # this scope's seed instead of the monkey's

    def __post_init__(self) -> None:
        for name in FAULTS:
            _check_probability(name, getattr(self, name))
        total = self.total_probability
        if total > 1 + 1e-9:
            raise ValueError(f"chaos probabilities add up to {total:g}; at most 1 is allowed")
        if isinstance(self.after_events, bool) or self.after_events < 0:
            raise ValueError(f"after_events must be a whole number >= 0, got {self.after_events}")
        for setting in ("stall_s", "retry_after_s", "latency_ms", "jitter_ms"):
            _check_duration(setting, getattr(self, setting))

    @property
    def total_probability(self) -> float:
        return math.fsum(self.probability(name) for name in FAULTS)

    def probability(self, fault: FaultName) -> float:
        value: float = getattr(self, fault)
        return value

    def pick(self, draw: float) -> FaultName | None:
        """The fault a uniform ``draw`` in [0, 1) lands on, if any."""
        edge, last = 0.0, None
        for name in FAULTS:
            probability = self.probability(name)
            edge += probability
            if draw < edge:
                return name
            last = name if probability > 0 else last
        # Probabilities that add up to 1 may sum to a hair less in floating point.
        return last if self.total_probability >= 1 - 1e-9 else None


def _check_probability(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
        raise ValueError(f"{name} must be a probability between 0 and 1, got {value!r}")


def _check_duration(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


QUIET = ChaosSettings()

_FLOAT_KEYS = frozenset(FAULTS) | {"stall_s", "retry_after_s", "latency_ms", "jitter_ms"}
_INT_KEYS = frozenset({"after_events", "seed"})
_SCOPE_KEYS = frozenset({"model", "test_id"})


def _parse_value(name: str, value: str) -> float | int:
    try:
        return int(value) if name in _INT_KEYS else float(value)
    except ValueError as err:
        kind = "a whole number" if name in _INT_KEYS else "a number"
        raise ValueError(f"chaos setting {name} must be {kind}, got {value!r}") from err


def _settings_from(items: Iterable[tuple[str, str]]) -> ChaosSettings:
    values: dict[str, float | int] = {}
    for name, value in items:
        if name not in _FLOAT_KEYS and name not in _INT_KEYS:
            known = ", ".join(sorted(_FLOAT_KEYS | _INT_KEYS))
            raise ValueError(f"unknown chaos setting {name!r} (known: {known})")
        if name in values:
            raise ValueError(f"chaos setting {name!r} given twice")
        values[name] = _parse_value(name, value)
    return ChaosSettings(**values)  # type: ignore[arg-type]  # names checked above


def parse_chaos(spec: str) -> ChaosSettings:
    """Settings from e.g. ``rate_limit=0.1,overloaded=0.05,after_events=5,seed=7``."""
    return _settings_from(parse_items(spec, "chaos"))


# --- scopes --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChaosTable:
    """Which settings apply to a request: test id, then model glob, then global."""

    default: ChaosSettings | None = None
    by_model: tuple[tuple[str, ChaosSettings], ...] = ()
    by_test_id: Mapping[str, ChaosSettings] = field(default_factory=dict)

    def select(self, model: str, test_id: str | None) -> tuple[str, ChaosSettings] | None:
        """The scope's name and settings, or None when no scope applies."""
        if test_id is not None and test_id in self.by_test_id:
            return f"test:{test_id}", self.by_test_id[test_id]
        for pattern, settings in self.by_model:
            if fnmatch.fnmatchcase(model, pattern):
                return f"model:{pattern}", settings
        if self.default is not None:
            return "global", self.default
        return None

    def with_test(self, test_id: str, settings: ChaosSettings | None) -> ChaosTable:
        """This table with ``test_id``'s settings replaced (``None`` removes them)."""
        tests = {k: v for k, v in self.by_test_id.items() if k != test_id}
        if settings is not None:
            tests[test_id] = settings
        return replace(self, by_test_id=tests)

    def scopes(self) -> dict[str, ChaosSettings]:
        named = {f"model:{pattern}": s for pattern, s in reversed(self.by_model)}
        named.update({f"test:{test_id}": s for test_id, s in self.by_test_id.items()})
        if self.default is not None:
            named["global"] = self.default
        return named

    @property
    def is_empty(self) -> bool:
        return self.default is None and not self.by_model and not self.by_test_id


def parse_chaos_table(specs: Iterable[str]) -> ChaosTable:
    """A table from several specs: plain ones are global (at most one), others start
    with ``model=<glob>`` or ``test_id=<id>``, e.g. ``model=gpt-*,overloaded=0.2``."""
    default: ChaosSettings | None = None
    by_model: list[tuple[str, ChaosSettings]] = []
    by_test_id: dict[str, ChaosSettings] = {}
    for spec in specs:
        items = parse_items(spec, "chaos")
        scopes = [(name, value) for name, value in items if name in _SCOPE_KEYS]
        settings = _settings_from(i for i in items if i[0] not in _SCOPE_KEYS)
        if len(scopes) > 1:
            raise ValueError(f"chaos spec {spec!r} names more than one scope")
        if scopes and not scopes[0][1]:
            raise ValueError(f"chaos spec {spec!r} has an empty {scopes[0][0]}")
        if not scopes:
            if default is not None:
                raise ValueError("more than one global chaos spec (add model= or test_id=)")
            default = settings
        elif scopes[0][0] == "model":
            by_model.append((scopes[0][1], settings))
        elif scopes[0][1] in by_test_id:
            raise ValueError(f"chaos for test_id {scopes[0][1]!r} given twice")
        else:
            by_test_id[scopes[0][1]] = settings
    return ChaosTable(default, tuple(by_model), by_test_id)


# --- decisions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChaosDecision:
    """What chaos does to one request.

    ``outcome`` is for the Anthropic surfaces, ``openai_outcome`` for Chat Completions
    (same fault; an error may differ in status and wording, see ``openai_status``).
    Both are None when only latency is added. ``delay_ms`` is added before answering.
    """

    kind: ChaosKind
    scope: str
    outcome: ErrorReply | FaultReply | None = None
    openai_outcome: ErrorReply | FaultReply | None = None
    delay_ms: float = 0.0

    @property
    def openai_status(self) -> int | None:
        """The HTTP status the OpenAI surface answers, for an error outcome."""
        return self.openai_outcome.status if isinstance(self.openai_outcome, ErrorReply) else None

    def outcome_for(self, api: Api) -> ErrorReply | FaultReply | None:
        return self.openai_outcome if api in OPENAI_APIS else self.outcome


def _pair(
    fault: FaultName, settings: ChaosSettings, *, model: str, stream: bool
) -> tuple[ErrorReply | FaultReply, ErrorReply | FaultReply]:
    """The (Anthropic, OpenAI) outcomes of ``fault``."""
    rule = f"chaos:{fault}"
    if fault == "rate_limit":
        wait = settings.retry_after_s
        anthropic = ErrorReply(
            429,
            ANTHROPIC_DEFAULT_MESSAGE["rate_limit_error"],
            "rate_limit_error",
            retry_after_s=wait,
            rule=rule,
        )
        openai_message = (
            f"Rate limit reached for {model} on requests per min (RPM)."
            f" Please try again in {go_duration(wait)}."
            " Visit https://platform.openai.com/account/rate-limits to learn more."
        )
        openai = replace(
            anthropic, message=openai_message, code="rate_limit_exceeded", openai_type="requests"
        )
        return anthropic, openai
    if fault == "server_error":
        anthropic = ErrorReply(500, ANTHROPIC_DEFAULT_MESSAGE["api_error"], "api_error", rule=rule)
        return anthropic, replace(anthropic, message=_OPENAI_SERVER_ERROR)
    if fault == "overloaded" or (fault == "error_mid_stream" and not stream):
        anthropic = ErrorReply(529, "Overloaded", "overloaded_error", rule=rule)
        if fault == "overloaded":
            return anthropic, replace(anthropic, status=503, message=_OPENAI_OVERLOADED)
        return anthropic, ErrorReply(500, _OPENAI_SERVER_ERROR, "api_error", rule=rule)
    fault_reply = _fault_reply(fault, settings, stream=stream)
    return fault_reply, fault_reply


def _fault_reply(fault: FaultName, settings: ChaosSettings, *, stream: bool) -> FaultReply:
    rule = f"chaos:{fault}"
    if fault == "timeout":
        return FaultReply("stall", stall_s=settings.stall_s, rule=rule)
    if fault == "error_mid_stream":
        return FaultReply("error_event", after_events=settings.after_events, rule=rule)
    after = settings.after_events if fault == "drop_mid_stream" and stream else 0
    return FaultReply("drop", after_events=after, rule=rule)


def scope_seed(seed: int, scope: str) -> int:
    """A stable 64-bit seed for one scope (the same in every process and run)."""
    digest = hashlib.blake2b(wire_bytes(f"{seed}\x00{scope}"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class ChaosMonkey:
    """Decides, per request, whether chaos strikes; thread-safe."""

    def __init__(self, table: ChaosTable | None = None, seed: int = 0) -> None:
        self._table = table or ChaosTable()
        self._is_idle = self._table.is_empty
        self._seed = seed
        self._lock = threading.Lock()
        self._rngs: dict[str, random.Random] = {}

    @property
    def table(self) -> ChaosTable:
        return self._table

    @property
    def is_idle(self) -> bool:
        """No scope has settings: every decision is None (so callers may skip it)."""
        return self._is_idle

    def set_table(self, table: ChaosTable) -> None:
        """New settings; scopes whose settings changed start their sequence again."""
        with self._lock:
            old, new = self._table.scopes(), table.scopes()
            self._table = table
            self._is_idle = table.is_empty
            for scope in [s for s in self._rngs if old.get(s) != new.get(s)]:
                del self._rngs[scope]

    def reset(self) -> None:
        """Every scope starts its sequence again."""
        with self._lock:
            self._rngs.clear()

    def decide(self, *, model: str, test_id: str | None, stream: bool) -> ChaosDecision | None:
        """What chaos does to this request, or None for nothing at all."""
        selected = self._table.select(model, test_id)
        if selected is None:
            return None
        scope, settings = selected
        with self._lock:
            rng = self._rngs.get(scope)
            if rng is None:
                seed = self._seed if settings.seed is None else settings.seed
                rng = self._rngs[scope] = random.Random(scope_seed(seed, scope))
            fault_draw, jitter_draw = rng.random(), rng.random()
        delay_ms = settings.latency_ms + jitter_draw * settings.jitter_ms
        fault = settings.pick(fault_draw)
        if fault is None:
            return ChaosDecision("latency", scope, delay_ms=delay_ms) if delay_ms > 0 else None
        anthropic, openai = _pair(fault, settings, model=model, stream=stream)
        return ChaosDecision(fault, scope, anthropic, openai, delay_ms)
