"""llm-emulator: the Anthropic and OpenAI HTTP APIs, emulated for tests, CI and load tests."""

from __future__ import annotations

__version__ = "0.1.0"

from emulator.app import create_app
from emulator.clock import Clock, ManualClock, SystemClock
from emulator.config import EmulatorConfig

__all__ = ["Clock", "EmulatorConfig", "ManualClock", "SystemClock", "__version__", "create_app"]
