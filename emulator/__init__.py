"""llm-emulator: the Anthropic and OpenAI HTTP APIs, emulated for tests, CI and load tests."""

from __future__ import annotations

__version__ = "0.1.0"

from emulator.app import create_app
from emulator.pipeline.config import EmulatorConfig
from emulator.util.clock import Clock, ManualClock, SystemClock

__all__ = ["Clock", "EmulatorConfig", "ManualClock", "SystemClock", "__version__", "create_app"]
