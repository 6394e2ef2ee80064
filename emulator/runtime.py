"""Runtime: the shared objects a handler needs, built once per application."""

from __future__ import annotations

from dataclasses import dataclass, field

from emulator.accounting.usage import PromptUsage
from emulator.catalogue import Catalogue
from emulator.clock import Clock
from emulator.config import EmulatorConfig
from emulator.neutral import NeutralRequest
from emulator.scenario.engine import ScenarioEngine
from emulator.schemas import SchemaSet


@dataclass(slots=True)
class Runtime:
    config: EmulatorConfig
    schemas: SchemaSet
    catalogue: Catalogue
    engine: ScenarioEngine
    clock: Clock
    internal_errors: list[BaseException] = field(default_factory=list)

    def prompt_usage(self, request: NeutralRequest) -> PromptUsage:
        return PromptUsage(input_tokens=request.prompt_tokens)
