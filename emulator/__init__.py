"""llm-emulator: the Anthropic and OpenAI HTTP APIs, emulated for tests, CI and load tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from emulator.app import create_app
    from emulator.pipeline.config import EmulatorConfig
    from emulator.util.clock import Clock, ManualClock, SystemClock

# Imported on first use, not with the package: the pytest plugin is imported by every
# pytest run wherever the package is installed, and the application pulls in aiohttp.
_LAZY = {
    "create_app": "emulator.app",
    "Clock": "emulator.util.clock",
    "ManualClock": "emulator.util.clock",
    "SystemClock": "emulator.util.clock",
    "EmulatorConfig": "emulator.pipeline.config",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'emulator' has no attribute {name!r}")
    from importlib import import_module  # noqa: PLC0415

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["Clock", "EmulatorConfig", "ManualClock", "SystemClock", "__version__", "create_app"]
