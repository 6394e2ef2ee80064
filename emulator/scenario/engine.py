"""pick(request) → Outcome: the first matching rule's reply, else the seeded default.

Scenarios are tried in load order, their rules in file order. A request may
name one scenario (``x-emulator-scenario``) to use only that one, and a test id
(``x-emulator-test-id``) that scopes the rules' firing counters, so parallel
tests sharing a server do not move each other's sequences.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial

from emulator.errors import invalid_request
from emulator.lru import Lru
from emulator.neutral import NeutralRequest
from emulator.scenario.generate import TextPool, default_choice, default_reply, request_rng
from emulator.scenario.loader import Scenario
from emulator.scenario.outcome import (
    NO_DELAY,
    ErrorReply,
    FaultReply,
    Outcome,
    Part,
    Reply,
    Timing,
)
from emulator.scenario.replies import ReplySpec, to_outcome
from emulator.scenario.rules import MatchContext, Rule, Why, explain

SCENARIO_HEADER = "x-emulator-scenario"
TEST_ID_HEADER = "x-emulator-test-id"
_NEAREST_LIMIT = 3
_GENERATED_MEMO_ENTRIES = 1024
FORCED_RULE = "x-emulator-force"


@dataclass(frozen=True, slots=True)
class NearMiss:
    scenario: str
    rule: str
    failed: list[tuple[str, str]]

    def to_json(self) -> dict[str, object]:
        return {
            "scenario": self.scenario,
            "rule": self.rule,
            "failed": [{"field": f, "why": why} for f, why in self.failed],
        }


@dataclass(frozen=True, slots=True)
class Pick:
    outcome: Outcome
    rule: str | None = None
    scenario: str | None = None
    nearest_miss: Sequence[NearMiss] = ()


def _fewest_failures(miss: tuple[int, str, str, list[tuple[str, Why]]]) -> int:
    return miss[0]


class ScenarioEngine:
    def __init__(self, pool: TextPool, seed: int, *, default_timing: Timing = NO_DELAY) -> None:
        self.pool = pool
        self.seed = seed
        self.default_timing = default_timing
        self._scenarios: dict[str, Scenario] = {}
        self._fired: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()
        # Generated replies are a pure function of these, and generating is costly.
        self._generated: Lru[tuple[str, bytes, int, int], tuple[tuple[Part, ...], ...]] = Lru(
            _GENERATED_MEMO_ENTRIES
        )

    # -- scenarios ---------------------------------------------------------------
    @property
    def scenarios(self) -> list[Scenario]:
        return list(self._scenarios.values())

    def load(self, scenarios: Iterable[Scenario]) -> None:
        """Add scenarios; one with a name already loaded replaces it in place."""
        with self._lock:
            for scenario in scenarios:
                self._scenarios[scenario.name] = scenario
                self._forget(scenario.name)

    def remove(self, name: str) -> bool:
        with self._lock:
            self._forget(name)
            return self._scenarios.pop(name, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._scenarios.clear()
            self._fired.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self._fired.clear()

    def _forget(self, scenario: str) -> None:
        for key in [k for k in self._fired if k[1] == scenario]:
            del self._fired[key]

    # -- picking -----------------------------------------------------------------
    def _candidates(self, request: NeutralRequest) -> list[Scenario]:
        wanted = request.headers.get(SCENARIO_HEADER)
        if wanted is None:
            return list(self._scenarios.values())
        chosen = self._scenarios.get(wanted.strip())
        if chosen is None:
            # Falling back to other rules would hide a typo behind a plausible answer.
            loaded = ", ".join(repr(name) for name in self._scenarios) or "none"
            raise invalid_request(
                f"{SCENARIO_HEADER}: no scenario named {wanted.strip()!r} is loaded "
                f"(loaded: {loaded})"
            )
        return [chosen]

    def pick(self, request: NeutralRequest) -> Pick:
        if not self._scenarios and SCENARIO_HEADER not in request.headers:
            return Pick(self._generated_reply(request))
        scope = request.headers.get(TEST_ID_HEADER, "")
        misses: list[tuple[int, str, str, list[tuple[str, Why]]]] = []
        with self._lock:
            candidates = self._candidates(request)
            ctx = MatchContext(request, 0)
            for scenario in candidates:
                for rule in scenario.rules:
                    key = (scope, scenario.name, rule.name)
                    fired = self._fired.get(key, 0)
                    ctx.fired = fired
                    if ctx.groups:  # a regex of an earlier rule that missed filled it
                        ctx.groups = {}
                    failed = rule.failures(ctx)
                    if failed:
                        misses.append((len(failed), scenario.name, rule.name, failed))
                        continue
                    self._fired[key] = fired + 1
                    return self._fire(request, scenario, rule, fired, ctx.groups)
        nearest: Sequence[NearMiss] = ()
        if misses:
            misses.sort(key=_fewest_failures)
            nearest = [
                NearMiss(s, r, [(name, explain(why)) for name, why in failed])
                for _, s, r, failed in misses[:_NEAREST_LIMIT]
            ]
        for scenario in candidates:
            if scenario.default is not None:
                outcome = self._outcome(request, scenario.default, {}, f"{scenario.name}:default")
                return Pick(outcome, "default", scenario.name, nearest)
        return Pick(self._generated_reply(request), None, None, nearest)

    def _generated_reply(self, request: NeutralRequest) -> Reply:
        key = (request.api, request.content_key, request.n, self.seed)
        choices = self._generated.get(key)
        if choices is None:
            choices = default_reply(request, self.pool, self.seed).choices
            self._generated.put(key, choices)
        return Reply(choices, self.default_timing)

    def _fire(
        self,
        request: NeutralRequest,
        scenario: Scenario,
        rule: Rule,
        fired: int,
        groups: dict[str, str],
    ) -> Pick:
        spec = rule.reply_for(fired)
        if spec is None:
            outcome: Outcome = ErrorReply(
                500,
                f"llm-emulator: rule {rule.name!r} of scenario {scenario.name!r} has no more "
                f"replies (it fired {fired} times)",
                rule=rule.name,
            )
        else:
            outcome = self._outcome(request, spec, groups, rule.name)
        return Pick(outcome, rule.name, scenario.name)

    def forced(self, request: NeutralRequest, spec: ReplySpec) -> Pick:
        """The outcome a per-request override names, bypassing every rule."""
        return Pick(self._outcome(request, spec, {}, FORCED_RULE), FORCED_RULE, None)

    def _outcome(
        self, request: NeutralRequest, spec: ReplySpec, groups: dict[str, str], rule: str
    ) -> Outcome:
        outcome = to_outcome(
            spec,
            request,
            groups,
            rng=partial(request_rng, request, self.seed),
            pool=self.pool,
            rule=rule,
            default_timing=self.default_timing,
        )
        return self.with_content(request, outcome)

    def with_content(self, request: NeutralRequest, outcome: Outcome) -> Outcome:
        """A fault with nothing scripted still streams realistic content before failing."""
        if isinstance(outcome, FaultReply) and not outcome.parts:
            return replace(outcome, parts=default_choice(request, self.pool, self.seed, 0))
        return outcome
