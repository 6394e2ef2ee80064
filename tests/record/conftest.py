"""An upstream emulator (the "real API") and recording/replaying emulators in front of it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from emulator.pipeline.config import EmulatorConfig
from emulator.scenario.loader import load_file
from emulator.testing import EmulatorThread

UPSTREAM_SCENARIO = Path(__file__).parent / "upstream.yaml"


def start_upstream() -> EmulatorThread:
    server = EmulatorThread(EmulatorConfig(port=0))
    server.runtime.startup_scenarios = [load_file(UPSTREAM_SCENARIO)]
    server.runtime.reset()
    return server.start()


@pytest.fixture
def upstream() -> Iterator[EmulatorThread]:
    server = start_upstream()
    yield server
    server.stop()


def start(config: EmulatorConfig, **changes: object) -> EmulatorThread:
    return EmulatorThread(replace(config, port=0, **changes)).start()  # type: ignore[arg-type]


@pytest.fixture
def recording_config(upstream: EmulatorThread, tmp_path: Path) -> EmulatorConfig:
    return EmulatorConfig(upstream=upstream.base_url, record_out=tmp_path / "recorded")
