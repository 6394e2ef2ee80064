"""What every test needs: the emulator on a loopback port, SDK clients, response schemas."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import anthropic
import httpx
import openai
import pytest
from hypothesis import settings

from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from emulator.util.clock import ManualClock
from emulator.validation.schemas import SchemaSet, default_schema_dir

pytest_plugins = ["pytester", "tests.spec.plugin"]

# The property tests draw the same examples on every run (a fresh clone's CI passes or
# fails on the code, not on the draw); HYPOTHESIS_PROFILE=explore draws new ones (500
# examples where a test sets no count of its own) to look for what the fixed draw misses.
settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def schema_set() -> SchemaSet:
    return SchemaSet.load(default_schema_dir())


class ResponseChecker:
    """Asserts that a body the emulator sent is valid under one of schemas/."""

    def __init__(self, schemas: SchemaSet) -> None:
        self._schemas = schemas

    def __call__(self, name: str, body: object) -> None:
        violation = self._schemas.validate(name, body)
        assert violation is None, f"{name}: {violation}\n{body!r}"


@pytest.fixture(scope="session")
def check_response(schema_set: SchemaSet) -> ResponseChecker:
    return ResponseChecker(schema_set)


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="session")
def server() -> Iterator[EmulatorThread]:
    """One emulator for the session, with the embedded defaults on a free port."""
    with EmulatorThread(EmulatorConfig(port=0, seed=0)) as running:
        yield running


@pytest.fixture
def base_url(server: EmulatorThread) -> str:
    return server.base_url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


@pytest.fixture
def anthropic_client(base_url: str) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=base_url, api_key="sk-ant-test", max_retries=0) as client:
        yield client


@pytest.fixture
async def async_anthropic_client(base_url: str) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic.AsyncAnthropic(
        base_url=base_url, api_key="sk-ant-test", max_retries=0
    ) as client:
        yield client


@pytest.fixture
def openai_client(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url + "/v1", api_key="sk-test", max_retries=0) as client:
        yield client


@pytest.fixture
async def async_openai_client(base_url: str) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=base_url + "/v1", api_key="sk-test", max_retries=0
    ) as client:
        yield client


class Control:
    """The /_emulator control API, from a plain HTTP client."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def load(self, scenario: Mapping[str, Any]) -> None:
        response = self.http.post("/_emulator/scenarios", json=scenario)
        assert response.status_code == 201, response.text

    def load_file(self, path: str) -> None:
        with open(path, encoding="utf-8") as handle:
            response = self.http.post(
                "/_emulator/scenarios",
                content=handle.read(),
                headers={"content-type": "application/yaml"},
            )
        assert response.status_code == 201, response.text

    def journal(self, **filters: str) -> list[dict[str, Any]]:
        response = self.http.get("/_emulator/journal", params=filters)
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()["entries"]
        return entries

    def reset(self) -> None:
        assert self.http.post("/_emulator/reset").status_code == 204


@pytest.fixture
def control(http: httpx.Client, server: EmulatorThread) -> Iterator[Control]:
    """Control of the session server; scenarios, journal and counters reset around the test."""
    helper = Control(http)
    helper.reset()
    yield helper
    helper.reset()
    errors = list(server.runtime.internal_errors)
    server.runtime.internal_errors.clear()
    assert not errors, f"the emulator failed internally: {errors!r}"
