"""pick(request) → Outcome: the first matching rule's reply, else the seeded default.

Scenarios are tried in load order, their rules in file order. A request may
name one scenario (``x-emulator-scenario``) to use only that one, and a test id
(``x-emulator-test-id``) that scopes the rules' firing counters, so parallel
tests sharing a server do not move each other's sequences.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import NamedTuple

from emulator.core.errors import invalid_request
from emulator.core.neutral import NeutralRequest
from emulator.core.outcome import NO_DELAY, ErrorReply, FaultReply, Outcome, Reply, Timing
from emulator.scenario.counters import FiringCounters
from emulator.scenario.generate import (
    TextPool,
    default_choice,
    default_reply,
    finished_plain_choice,
    request_rng,
)
from emulator.scenario.loader import Scenario
from emulator.scenario.replies import ReplySpec, to_outcome
from emulator.scenario.rules import Failure, MatchContext, Rule, explain
from emulator.util.lru import IdentityMemo, Lru, SecondSight

SCENARIO_HEADER = "x-emulator-scenario"
TEST_ID_HEADER = "x-emulator-test-id"
_NEAREST_LIMIT = 3
_GENERATED_MEMO_ENTRIES = 1024
_PLAN_MEMO_ENTRIES = 1024
_OUTCOME_MEMO_ENTRIES = 1024
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


class Pick(NamedTuple):
    """What answers a request, and which rule chose it (a tuple: one is made per
    request that a rule answers, and a frozen dataclass costs several times more)."""

    outcome: Outcome
    rule: str | None = None
    scenario: str | None = None
    nearest_miss: Sequence[NearMiss] = ()


# A rule that missed: its position among the rules tried, and its failures.
_Miss = tuple[int, Scenario, Rule, Sequence[Failure]]


@dataclass(frozen=True, slots=True)
class _Plan:
    """For one request body: the rules whose body predicates hold (with the regex
    groups they captured), in order, and the rules that miss on the body."""

    passing: tuple[tuple[int, Scenario, Rule, dict[str, str]], ...]
    body_misses: tuple[_Miss, ...]


def _declared_order(failure: Failure) -> int:
    return failure[0]


def _fewest_then_first(miss: _Miss) -> tuple[int, int]:
    return len(miss[3]), miss[0]


class ScenarioEngine:
    def __init__(self, pool: TextPool, seed: int, *, default_timing: Timing = NO_DELAY) -> None:
        self.pool = pool
        self.seed = seed
        self.default_timing = default_timing
        self._scenarios: dict[str, Scenario] = {}
        self._fired = FiringCounters()
        self._lock = threading.Lock()
        self._outcomes: IdentityMemo[Outcome] = IdentityMemo(_OUTCOME_MEMO_ENTRIES)
        # Bumped whenever the scenarios change, so plans made for older ones go unused.
        self._version = 0
        # Every scenario loaded, in order; made again after each change.
        self._all: tuple[Scenario, ...] | None = None
        self._plans: Lru[tuple[tuple[int, str | None, str], bytes], _Plan] = Lru(_PLAN_MEMO_ENTRIES)
        # Generated replies are a pure function of these, and generating is costly.
        self._generated: Lru[tuple[str, bytes, int, int], Pick] = Lru(_GENERATED_MEMO_ENTRIES)
        self._generated_again = SecondSight()

    # -- scenarios ---------------------------------------------------------------
    @property
    def scenarios(self) -> list[Scenario]:
        return list(self._scenarios.values())

    @property
    def version(self) -> int:
        """Changes whenever the loaded scenarios do."""
        return self._version

    def load(self, scenarios: Iterable[Scenario]) -> None:
        """Add scenarios; one with a name already loaded replaces it in place."""
        with self._lock:
            self._version += 1
            self._all = None
            for scenario in scenarios:
                self._scenarios[scenario.name] = scenario
                self._forget(scenario.name)

    def remove(self, name: str) -> bool:
        with self._lock:
            self._version += 1
            self._all = None
            self._forget(name)
            return self._scenarios.pop(name, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._version += 1
            self._all = None
            self._scenarios.clear()
            self._fired.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self._fired.clear()

    def fired_rules(self) -> set[tuple[str, str]]:
        """(scenario, rule) of every rule that has answered since it was loaded."""
        with self._lock:
            return self._fired.fired_rules()

    def _forget(self, scenario: str) -> None:
        self._fired.forget_scenario(scenario)

    # -- picking -----------------------------------------------------------------
    def _candidates(self, headers: Mapping[str, str]) -> Sequence[Scenario]:
        wanted = headers.get(SCENARIO_HEADER)
        if wanted is None:
            if self._all is None:
                self._all = tuple(self._scenarios.values())
            return self._all
        chosen = self._scenarios.get(wanted.strip())
        if chosen is None:
            # Falling back to other rules would hide a typo behind a plausible answer.
            loaded = ", ".join(repr(name) for name in self._scenarios) or "none"
            raise invalid_request(
                f"{SCENARIO_HEADER}: no scenario named {wanted.strip()!r} is loaded "
                f"(loaded: {loaded})"
            )
        return (chosen,)

    def pick(self, request: NeutralRequest, headers: Mapping[str, str]) -> Pick:
        """The outcome for ``request`` sent with ``headers`` (scenario rules may look at
        them, and the headers choose a scenario and a test's scope)."""
        if not self._scenarios and SCENARIO_HEADER not in headers:
            return self._generated_pick(request)
        scope = headers.get(TEST_ID_HEADER, "")
        with self._lock:
            candidates = self._candidates(headers)
            plan = self._plan(request, headers, candidates)
            live_misses: list[_Miss] = []
            for position, scenario, rule, body_groups in plan.passing:
                fired = self._fired.fired(scope, scenario.name, rule.name)
                groups = dict(body_groups)
                if rule.has_live_predicates:
                    ctx = MatchContext(request, headers, fired)
                    ctx.groups = groups
                    failed = rule.live_failures(ctx)
                    if failed:
                        live_misses.append((position, scenario, rule, failed))
                        continue
                self._fired.count(scope, scenario.name, rule.name)
                return self._fire(request, scenario, rule, fired, groups)
            nearest = self._nearest(request, headers, scope, plan.body_misses, live_misses)
        for scenario in candidates:
            if scenario.default is not None:
                outcome = self._kept_outcome(
                    request, scenario.default, {}, f"{scenario.name}:default"
                )
                return Pick(outcome, "default", scenario.name, nearest)
        return Pick(self._generated_pick(request).outcome, None, None, nearest)

    def _plan(
        self, request: NeutralRequest, headers: Mapping[str, str], candidates: Sequence[Scenario]
    ) -> _Plan:
        """Which rules the request's body lets through, kept per body: a load test or
        an agent loop sends the same bodies again, and most rules miss on the body."""
        wanted = headers.get(SCENARIO_HEADER)
        key = ((self._version, wanted, request.api), request.content_key)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        passing: list[tuple[int, Scenario, Rule, dict[str, str]]] = []
        body_misses: list[_Miss] = []
        rules = ((scenario, rule) for scenario in candidates for rule in scenario.rules)
        for position, (scenario, rule) in enumerate(rules):
            if rule.fingerprint is not None:
                continue  # answered by the replay of recordings, before the engine
            ctx = MatchContext(request, headers, 0)
            failed = rule.body_failures(ctx)
            if failed:
                body_misses.append((position, scenario, rule, failed))
            else:
                passing.append((position, scenario, rule, ctx.groups))
        plan = _Plan(tuple(passing), tuple(body_misses))
        self._plans.put(key, plan)
        return plan

    def _nearest(
        self,
        request: NeutralRequest,
        headers: Mapping[str, str],
        scope: str,
        body_misses: Sequence[_Miss],
        live_misses: Sequence[_Miss],
    ) -> list[NearMiss]:
        """The rules that came closest, with every reason each missed. A rule that
        missed on its body is asked its live predicates too, so it is not undercounted."""
        complete = list(live_misses)
        for position, scenario, rule, failed in body_misses:
            if rule.has_live_predicates:
                fired = self._fired.fired(scope, scenario.name, rule.name)
                live = rule.live_failures(MatchContext(request, headers, fired))
                failed = sorted([*failed, *live], key=_declared_order)  # noqa: PLW2901
            complete.append((position, scenario, rule, failed))
        complete.sort(key=_fewest_then_first)
        return [
            NearMiss(scenario.name, rule.name, [(name, explain(why)) for _, name, why in failed])
            for _, scenario, rule, failed in complete[:_NEAREST_LIMIT]
        ]

    def _generated_pick(self, request: NeutralRequest) -> Pick:
        """The seeded default reply. Kept from its second sighting: generating it is
        costly, and answering the same objects again lets the cuts and rendered
        bodies after it be kept too. Before that it is made for this request alone,
        already cut to its limits where it can be."""
        key = (request.api, request.content_key, request.n, self.seed)
        pick = self._generated.get(key)
        if pick is None:
            kept = self._generated_again.admits(key)
            if not kept:  # made for this answer alone: made finished, when it can be
                finished = finished_plain_choice(request, self.pool, self.seed)
                if finished is not None:
                    reply = Reply((finished.parts,), self.default_timing, finished=(finished,))
                    return Pick(reply)
            pick = Pick(
                default_reply(request, self.pool, self.seed, self.default_timing, kept=kept)
            )
            if kept:
                self._generated.put(key, pick)
        return pick

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
            outcome = self._kept_outcome(request, spec, groups, rule.name)
        return Pick(outcome, rule.name, scenario.name)

    def forced(self, request: NeutralRequest, spec: ReplySpec) -> Pick:
        """The outcome a per-request override names, bypassing every rule."""
        return Pick(self._outcome(request, spec, {}, FORCED_RULE), FORCED_RULE, None)

    def _kept_outcome(
        self, request: NeutralRequest, spec: ReplySpec, groups: dict[str, str], rule: str
    ) -> Outcome:
        """``_outcome``, kept: a scripted reply is a pure function of its spec, the
        request's content and the captured groups, and answering the same outcome
        object again lets the cuts and rendered bodies after it be kept too."""
        key = (request.api, request.content_key, tuple(groups.items()), rule)
        known = self._outcomes.get(spec, key)
        if known is None:
            known = self._outcome(request, spec, groups, rule)
            if isinstance(known, Reply):
                known = replace(known, kept=True)
            self._outcomes.put(spec, known, key)
        return known

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
