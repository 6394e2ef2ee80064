"""pick(request) → Outcome: the first matching rule's reply, else the seeded default."""

from __future__ import annotations

from emulator.neutral import NeutralRequest
from emulator.scenario.generate import TextPool, default_reply
from emulator.scenario.outcome import Outcome


class ScenarioEngine:
    def __init__(self, pool: TextPool, seed: int) -> None:
        self.pool = pool
        self.seed = seed

    def pick(self, request: NeutralRequest) -> Outcome:
        return default_reply(request, self.pool, self.seed)
