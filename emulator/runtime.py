"""Runtime: the shared objects a handler needs, built once per application."""

from __future__ import annotations

from dataclasses import dataclass, field

from emulator.accounting.usage import PromptUsage
from emulator.catalogue import Catalogue
from emulator.clock import Clock
from emulator.config import EmulatorConfig
from emulator.journal import Journal
from emulator.neutral import NeutralRequest
from emulator.scenario.engine import ScenarioEngine
from emulator.scenario.loader import Scenario
from emulator.schemas import SchemaSet


@dataclass(slots=True)
class Runtime:
    config: EmulatorConfig
    schemas: SchemaSet
    catalogue: Catalogue
    engine: ScenarioEngine
    clock: Clock
    journal: Journal = field(default_factory=Journal)
    startup_scenarios: list[Scenario] = field(default_factory=list)
    internal_errors: list[BaseException] = field(default_factory=list)

    def reset(self) -> None:
        """Back to the state right after start-up: scenarios from --fixtures, empty journal."""
        self.engine.clear()
        self.engine.load(self.startup_scenarios)
        self.journal.clear()
        self.internal_errors.clear()

    def prompt_usage(self, request: NeutralRequest) -> PromptUsage:
        return PromptUsage(input_tokens=request.prompt_tokens)
