"""How often each rule fired, per test id, for the most recently seen test ids.

A request's ``x-emulator-test-id`` gives it its own counters, so every distinct
id a client sends would otherwise stay in memory for as long as the server
runs (20,000 ids: +43 MiB). The counters of the ``MAX_TEST_IDS`` ids that
most recently fired a rule are kept; an older id starts its sequences again, as
a new test does. Requests with no test id share counters that are never dropped.
"""

from __future__ import annotations

from collections import OrderedDict

MAX_TEST_IDS = 10_000

# (scenario, rule) → times fired
Counters = dict[tuple[str, str], int]


class FiringCounters:
    """Not thread-safe: the engine calls it under its lock."""

    def __init__(self, max_test_ids: int | None = None) -> None:
        self._unscoped: Counters = {}
        self._by_test_id: OrderedDict[str, Counters] = OrderedDict()
        self._max_test_ids = MAX_TEST_IDS if max_test_ids is None else max_test_ids

    def __len__(self) -> int:
        """Test ids with counters kept."""
        return len(self._by_test_id)

    def fired(self, test_id: str, scenario: str, rule: str) -> int:
        counters = self._unscoped if not test_id else self._by_test_id.get(test_id)
        return 0 if counters is None else counters.get((scenario, rule), 0)

    def count(self, test_id: str, scenario: str, rule: str) -> None:
        """One more firing of ``rule`` for ``test_id`` ("": no test id)."""
        if not test_id:
            counters = self._unscoped
        else:
            found = self._by_test_id.get(test_id)
            if found is None:
                found = self._by_test_id[test_id] = {}
                if len(self._by_test_id) > self._max_test_ids:
                    self._by_test_id.popitem(last=False)
            else:
                self._by_test_id.move_to_end(test_id)
            counters = found
        key = (scenario, rule)
        counters[key] = counters.get(key, 0) + 1

    def fired_rules(self) -> set[tuple[str, str]]:
        """(scenario, rule) of every rule counted, whatever the test id."""
        return {
            key for counters in (self._unscoped, *self._by_test_id.values()) for key in counters
        }

    def forget_scenario(self, scenario: str) -> None:
        for counters in (self._unscoped, *self._by_test_id.values()):
            for key in [k for k in counters if k[0] == scenario]:
                del counters[key]

    def clear(self) -> None:
        self._unscoped.clear()
        self._by_test_id.clear()
