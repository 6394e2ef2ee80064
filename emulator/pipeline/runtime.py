"""Runtime: the shared objects a handler needs, built once per application."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from emulator.accounting.prompt_cache import OPENAI_MIN_TOKENS, PromptCacheStore, owner_of
from emulator.accounting.rate_limit import RateLimiter, parse_rate_limit_table
from emulator.accounting.usage import PromptUsage, uncached
from emulator.core.catalogue import Catalogue
from emulator.core.gateway import RequiredHeader
from emulator.core.neutral import OPENAI_APIS, NeutralRequest
from emulator.faults.chaos import ChaosMonkey, parse_chaos_table
from emulator.http.known_callers import KnownCallers
from emulator.http.parsed_bodies import ParsedBodies
from emulator.pipeline.config import EmulatorConfig
from emulator.pipeline.journal import Journal
from emulator.pipeline.responses_store import ResponseStore
from emulator.scenario.engine import ScenarioEngine
from emulator.scenario.loader import Scenario
from emulator.scenario.recorded_index import IndexCache, RecordedIndex
from emulator.scenario.replay_timing import ReplayTiming
from emulator.util.clock import Clock
from emulator.validation.schemas import SchemaSet


class RecordingSession(Protocol):
    """A recording session (``emulator.record``) answers every API request itself."""

    async def handle(self, http: web.Request, endpoint: str) -> web.StreamResponse: ...

    async def close(self) -> None: ...


@dataclass(slots=True)
class Runtime:
    config: EmulatorConfig
    schemas: SchemaSet
    catalogue: Catalogue
    engine: ScenarioEngine
    clock: Clock
    journal: Journal = field(default_factory=Journal)
    prompt_cache: PromptCacheStore = field(default_factory=PromptCacheStore)
    startup_scenarios: list[Scenario] = field(default_factory=list)
    internal_errors: list[BaseException] = field(default_factory=list)
    required_headers: tuple[RequiredHeader, ...] = ()
    # Lower-cased names of the headers --require-header demands: redacted in the
    # journal like API keys.
    secret_headers: frozenset[str] = frozenset()
    rate_limiter: RateLimiter | None = None
    chaos: ChaosMonkey | None = None
    parsed_bodies: ParsedBodies = field(default_factory=ParsedBodies)
    known_callers: KnownCallers = field(default_factory=KnownCallers)
    responses: ResponseStore = field(default_factory=ResponseStore)
    # Record and replay: the session (None: requests go to the surfaces), the
    # recorded rules of the loaded scenarios, and the pacing of replayed streams.
    recorder: RecordingSession | None = None
    recordings: IndexCache = field(default_factory=IndexCache)
    replay_timing: ReplayTiming = field(default_factory=ReplayTiming)

    def reset(self) -> None:
        """Back to the state right after start-up: scenarios from --fixtures, empty journal."""
        self.engine.clear()
        self.engine.load(self.startup_scenarios)
        self.journal.clear()
        self.prompt_cache.clear()
        self.responses.clear()
        self.internal_errors.clear()
        self.known_callers.clear()
        if self.rate_limiter is not None:
            self.rate_limiter.set_table(parse_rate_limit_table(self.config.rate_limits))
        if self.chaos is not None:
            self.chaos.set_table(parse_chaos_table(self.config.chaos))
            self.chaos.reset()
        reset_clock = getattr(self.clock, "reset", None)
        if reset_clock is not None:
            reset_clock()

    def recorded_index(self) -> RecordedIndex:
        return self.recordings.get(self.engine.version, self.engine.scenarios)

    def prompt_usage(self, request: NeutralRequest, api_key: str) -> PromptUsage:
        """How the prompt splits into fresh input, cache writes and cache reads."""
        api = request.api
        if api == "messages" and request.cache_breakpoints:
            info = request.model_info
            return self.prompt_cache.account_anthropic(
                owner=owner_of(api_key),
                model=info.id if info is not None else request.model,
                blocks=request.blocks,
                breakpoints=request.cache_breakpoints,
                min_tokens=info.cache_min_tokens
                if info is not None
                else self.catalogue.default_cache_min,
                now=self.clock.now(),
            )
        if api in OPENAI_APIS and request.prompt_tokens >= OPENAI_MIN_TOKENS:
            info = request.model_info
            return self.prompt_cache.account_openai(
                owner=owner_of(api_key, request.cache_partition),
                model=info.id if info is not None else request.model,
                blocks=request.blocks,
                now=self.clock.now(),
            )
        return uncached(request.prompt_tokens)

    def advance_clock(self, seconds: float) -> None:
        """Move time forward for TTLs; a clock that cannot move raises TypeError."""
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise TypeError(f"{type(self.clock).__name__} cannot be advanced")
        advance(seconds)
