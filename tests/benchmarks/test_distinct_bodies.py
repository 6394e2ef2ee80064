"""The distinct-prompts workload sends each body once: the server sees no body twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from benchmarks import bodies, loadgen, wrk
from benchmarks.loadgen import DISTINCT, Load
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread


def _prompts(server: EmulatorThread) -> list[Any]:
    return [
        entry.to_json()["body"]["messages"][0]["content"]
        for entry in server.runtime.journal.entries(path="/v1/messages")
    ]


def test_a_distinct_body_is_numbered_where_its_marker_is() -> None:
    request = bodies.request(
        "http://127.0.0.1:1", bodies.MESSAGES, bodies.messages(8, distinct=True)
    )
    assert request.is_distinct
    assert b"prompt 41 of" in request.body_number(41) and DISTINCT not in request.body_number(41)
    plain = bodies.request("http://127.0.0.1:1", bodies.MESSAGES, bodies.messages(8))
    assert not plain.is_distinct and plain.body_number(41) == plain.body


def test_the_python_load_generator_sends_each_prompt_once() -> None:
    with EmulatorThread(EmulatorConfig(port=0, seed=0)) as server:
        request = bodies.request(
            server.base_url, bodies.MESSAGES, bodies.messages(8, distinct=True)
        )
        # A budget of 40 requests ends the phase long before its deadline (which only
        # guards against a hang): a count that does not depend on the machine's speed.
        stats = asyncio.run(loadgen.post_json(request, Load(4, 60.0, 0.0, 40)))
        prompts = _prompts(server)
    assert stats.requests == 40 and stats.errors == 0
    assert len(prompts) == stats.requests
    assert len(set(prompts)) == len(prompts)


@pytest.mark.skipif(not wrk.available(), reason="wrk is not installed")
def test_wrk_sends_each_prompt_once_and_a_new_set_after_its_warm_up() -> None:
    with EmulatorThread(EmulatorConfig(port=0, seed=0)) as server:
        request = bodies.request(
            server.base_url, bodies.MESSAGES, bodies.messages(8, distinct=True)
        )
        stats = wrk.post_json(request, Load(4, 1.0, 1.0, 100_000))
        prompts = _prompts(server)
    assert stats.requests > 0 and stats.errors == 0
    assert all(DISTINCT.decode() not in prompt for prompt in prompts)
    assert len(set(prompts)) == len(prompts)
