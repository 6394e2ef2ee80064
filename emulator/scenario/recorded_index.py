"""The recorded rules of the loaded scenarios, by fingerprint: which recording
answers a request, and which recordings came nearest when none does."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from emulator.scenario.engine import TEST_ID_HEADER
from emulator.scenario.fingerprint import Fingerprint, fingerprint
from emulator.scenario.loader import Scenario
from emulator.scenario.recorded import RecordedAnswer
from emulator.scenario.rules import Rule
from emulator.util.jsonvalue import JSONValue

_NEAREST_LIMIT = 3


@dataclass(frozen=True, slots=True)
class Found:
    scenario: str
    rule: str
    answer: RecordedAnswer


@dataclass(frozen=True, slots=True)
class Miss:
    scenario: str
    rule: str
    differs: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.scenario}:{self.rule} (differs in {', '.join(self.differs)})"


class RecordedIndex:
    """The recorded rules of some scenarios, by fingerprint, with how many times each
    fired per test id (a rule recorded several times replays its answers in order)."""

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self._rules: list[tuple[Scenario, Rule, Fingerprint]] = [
            (scenario, rule, rule.fingerprint)
            for scenario in scenarios
            for rule in scenario.rules
            if rule.fingerprint is not None
        ]
        self._by_print: dict[Fingerprint, tuple[Scenario, Rule]] = {}
        for scenario, rule, found in self._rules:
            self._by_print.setdefault(found, (scenario, rule))
        self._key_sets = tuple(dict.fromkeys(found.keys for _, _, found in self._rules))
        self._fired: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._rules)

    def _prints(self, endpoint: str, body: Mapping[str, JSONValue]) -> list[Fingerprint]:
        return [fingerprint(endpoint, body, keys) for keys in self._key_sets]

    def contains(self, endpoint: str, body: Mapping[str, JSONValue]) -> bool:
        return any(p in self._by_print for p in self._prints(endpoint, body))

    def take(
        self, endpoint: str, body: Mapping[str, JSONValue], headers: Mapping[str, str]
    ) -> Found | None:
        """The recording that answers this request now, counting the firing."""
        for found in self._prints(endpoint, body):
            hit = self._by_print.get(found)
            if hit is None:
                continue
            scenario, rule = hit
            key = (headers.get(TEST_ID_HEADER, ""), scenario.name, rule.name)
            with self._lock:
                fired = self._fired.get(key, 0)
                self._fired[key] = fired + 1
            spec = rule.reply_for(fired)
            if spec is None or spec.recorded is None:
                return None
            return Found(scenario.name, rule.name, spec.recorded)
        return None

    def nearest(self, endpoint: str, body: Mapping[str, JSONValue]) -> list[Miss]:
        """The recordings closest to this request: fewest differing match keys first."""
        misses = []
        for scenario, rule, recorded in self._rules:
            differs = recorded.differences(fingerprint(endpoint, body, recorded.keys))
            misses.append(Miss(scenario.name, rule.name, tuple(differs)))
        misses.sort(key=lambda m: len(m.differs))
        return misses[:_NEAREST_LIMIT]


class IndexCache:
    """The index of an engine's scenarios, made again when they change."""

    def __init__(self) -> None:
        self._version = -1
        self._index = RecordedIndex(())

    def get(self, version: int, scenarios: Sequence[Scenario]) -> RecordedIndex:
        if version != self._version:
            self._index = RecordedIndex(scenarios)
            self._version = version
        return self._index
