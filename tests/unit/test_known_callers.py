"""Callers let in once are found by the headers they sent; refusals are never kept."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.core.errors import ApiError
from emulator.http.known_callers import KnownCallers
from emulator.pipeline.config import EmulatorConfig
from emulator.surfaces.auth import anthropic_caller_key

CONFIG = EmulatorConfig(api_keys=("good",))


class CountingCheck:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, headers: Mapping[str, str], config: EmulatorConfig) -> str:
        self.calls += 1
        return anthropic_caller_key(headers, config)


def _headers(key: str) -> dict[str, str]:
    return {"x-api-key": key, "anthropic-version": "2023-06-01"}


def test_the_same_headers_are_checked_once() -> None:
    known, check = KnownCallers(), CountingCheck()
    packed = b"x-api-key\r\ngood\r\nanthropic-version\r\n2023-06-01"
    first = known.let_in("anthropic", packed, _headers("good"), check, CONFIG)
    again = known.let_in("anthropic", packed, _headers("good"), check, CONFIG)
    assert again is first and first.api_key == "good" and check.calls == 1
    other_family = known.let_in("openai", packed, _headers("good"), check, CONFIG)
    assert other_family is not first and check.calls == 2


def test_refused_headers_are_refused_every_time() -> None:
    known, check = KnownCallers(), CountingCheck()
    packed = b"x-api-key\r\nbad"
    for _ in range(3):
        with pytest.raises(ApiError) as refused:
            known.let_in("anthropic", packed, _headers("bad"), check, CONFIG)
        assert refused.value.status == 401
    assert check.calls == 3 and len(known) == 0


def test_headers_not_packed_are_checked_each_time() -> None:
    known, check = KnownCallers(), CountingCheck()
    for _ in range(2):
        known.let_in("anthropic", {"x-api-key": "good"}, _headers("good"), check, CONFIG)
    assert check.calls == 2 and len(known) == 0


@given(st.lists(st.binary(min_size=1, max_size=6), min_size=1, max_size=40))
def test_it_stays_within_its_size_and_each_caller_is_its_own(packings: list[bytes]) -> None:
    known = KnownCallers(max_entries=4)
    for packed in packings:
        key = packed.hex()
        caller = known.let_in("anthropic", packed, {"k": key}, lambda h, _c: h["k"], CONFIG)
        assert caller.api_key == key
        assert len(known) <= 4
