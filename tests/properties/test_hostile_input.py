"""Hypothesis: mutated requests to every endpoint never get a 5xx, always get an
answer within a hang guard, and every 4xx the app makes is in the API's error shape.

Coverage (the strategy is ``benchmarks.mutations.make_case``; its docstring lists
every mutation): valid requests of every route (Messages, count_tokens, Complete,
Chat Completions, /v1/models and /v1/models/{id}, every /_emulator control route,
/healthz, /metrics, an unknown path), at the root and under route prefixes, on a
default server and on a gateway-style one (--route-prefix, --no-root,
--admin-token, --require-header), changed in their JSON values (types, huge
integers, raw 1e400/NaN/-0 literals, lone surrogates, nesting to 5,000 levels),
their bytes (invalid UTF-8, control bytes, BOM, truncation, UTF-16), their
encodings (Content-Encoding, content-type, charset, chunked), their headers (any
bytes, sent over a raw socket since httpx refuses them; x-emulator-force; admin
tokens; missing, repeated and malformed headers) and their request line.

Input classes of issue 19's known findings (fixed on other branches) are left out
through ``benchmarks.known_findings``; each has a strict xfail below, and the
lead deletes both when the fix merges. ``HOSTILE_EXAMPLES=5000`` runs more
examples than the default suite's 200.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from benchmarks.known_findings import known_finding
from benchmarks.mutations import (
    GATEWAY_HEADER,
    Case,
    Family,
    Target,
    make_case,
    nesting_depth,
)
from benchmarks.raw_http import Answer, Hang, exchange
from conftest import ResponseChecker
from emulator.core.paths import CONTROL_PREFIX
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread

T = TypeVar("T")
HANG_GUARD_S = 5.0  # a hang guard, not a speed limit: answers take milliseconds
ADMIN_TOKEN = "admin-token-for-fuzzing"
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "200"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class DrawChooser:
    """The mutations' choices, drawn through hypothesis (so failures shrink)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def pick(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))

    def number(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def octets(self, max_size: int) -> bytes:
        return self.data.draw(st.binary(max_size=max_size))


@dataclass
class Served:
    server: EmulatorThread
    target: Target
    admin: bytes = b""

    def send(self, case: Case) -> Answer:
        request = case.encode()
        try:
            return asyncio.run(exchange("127.0.0.1", self.server.port, request, HANG_GUARD_S))
        except Hang:
            pytest.fail(f"no answer within {HANG_GUARD_S} s to {case.labels}: {request[:2000]!r}")

    def reset(self) -> None:
        """Undo what a control request changed (scenarios, chaos, limits, clock)."""
        reset = Case("POST", "/_emulator/reset", headers=[(b"authorization", self.admin)])
        assert self.send(reset).status == 204
        errors = list(self.server.runtime.internal_errors)
        self.server.runtime.internal_errors.clear()
        assert not errors, f"the emulator failed internally: {errors!r}"


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Served]]:
    gateway = EmulatorConfig(
        port=0,
        route_prefixes=("/anthropic", "/openai"),
        root_routes=False,
        admin_token=ADMIN_TOKEN,
        require_headers=(f"{GATEWAY_HEADER}=g1",),
    )
    with (
        EmulatorThread(EmulatorConfig(port=0)) as plain,
        EmulatorThread(gateway) as behind_gateway,
    ):
        yield {
            "plain": Served(plain, Target(prefixes=("",))),
            "gateway": Served(
                behind_gateway,
                Target(("/anthropic", "/openai"), ADMIN_TOKEN, ((GATEWAY_HEADER, "g1"),)),
                admin=b"Bearer " + ADMIN_TOKEN.encode(),
            ),
        }


@pytest.fixture(autouse=True)
def quiet_server_logs(caplog: pytest.LogCaptureFixture) -> None:
    """The servers' error logs stay out of the reports: they echo header bytes as lone
    surrogates, which pytest-xdist can not send from a worker (it crashes)."""
    for name in ("emulator", "aiohttp"):
        caplog.set_level(logging.CRITICAL, logger=name)


def is_aiohttp_refusal(answer: Answer) -> bool:
    """aiohttp's own plain 400 for HTTP it refuses as malformed (as real edges do), and
    its plain 417 for an Expect other than 100-continue (an edge's refusal as well;
    reported to the lead as a question, not changed here)."""
    plain = answer.content_type.startswith("text/plain")
    return plain and (
        answer.status == 400 or (answer.status == 417 and answer.body.startswith(b"Unknown Expect"))
    )


def check_answer(case: Case, answer: Answer, check_response: ResponseChecker) -> None:
    what = f"{case.labels}: {case.encode()[:1500]!r}\n-> {answer.status} {answer.body[:600]!r}"
    if answer.status == 0:
        assert case.forced_fault, f"closed without an answer: {what}"
        return
    assert answer.status < 500, what
    if answer.status < 400 or is_aiohttp_refusal(answer):
        return
    assert answer.content_type.startswith("application/json"), what
    body = orjson.loads(answer.body)
    if case.path == CONTROL_PREFIX or case.path.startswith(CONTROL_PREFIX + "/"):
        check_response("control_error", body)  # its own shape, whatever the headers say
        return
    family = case.family or ("anthropic" if body.get("type") == "error" else "openai")
    check_response(f"{family}_error", body)


@SETTINGS
@given(data=st.data())
def test_mutated_requests_get_the_api_error_shape_and_never_a_5xx(
    servers: dict[str, Served], check_response: ResponseChecker, data: st.DataObject
) -> None:
    served = servers[data.draw(st.sampled_from(sorted(servers)))]
    case = make_case(DrawChooser(data), served.target)
    assume(known_finding(case) is None)  # each known class has its strict xfail below
    check_answer(case, served.send(case), check_response)
    served.reset()


def _request(path: str, body: object, *headers: tuple[bytes, bytes]) -> Case:
    family: Family = "openai" if "/chat/" in path else "anthropic"
    api = (
        [(b"authorization", b"Bearer sk-test")]
        if family == "openai"
        else [(b"x-api-key", b"sk-ant-test"), (b"anthropic-version", b"2023-06-01")]
    )
    merged = dict([*api, (b"content-type", b"application/json"), *headers])
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    headers_list = list(merged.items())
    return Case(
        "POST", path, headers=headers_list, body=raw, family=family, depth=nesting_depth(raw)
    )


MESSAGE = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 16,
    "messages": [{"role": "user", "content": "hi"}],
}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
DEEP_SCHEMA = (
    b'{"type":"object","properties":{"a":'
    + b'{"type":"array","items":' * 300
    + b"{}"
    + b"}" * 300
    + b"}}"
)
KNOWN_CASES = {
    "finding 3: a non-UTF-8 anthropic-version": _request(
        "/v1/messages", MESSAGE, (b"anthropic-version", b"2023-06-01\xff")
    ),
    "finding 3: a non-UTF-8 API key with prompt caching": _request(
        "/v1/messages",
        {
            **MESSAGE,
            "system": [
                {"type": "text", "text": "s" * 5000, "cache_control": {"type": "ephemeral"}}
            ],
        },
        (b"x-api-key", b"sk-ant-\xff\xfe"),
    ),
    "finding 3: ~300 levels of nesting in a tool schema": _request(
        "/v1/messages",
        orjson.dumps({**MESSAGE, "tools": [{"name": "t", "input_schema": "DEEP"}]}).replace(
            b'"DEEP"', DEEP_SCHEMA
        ),
    ),
    "finding 3: Content-Encoding gzip on a plain body": _request(
        "/v1/chat/completions", CHAT, (b"content-encoding", b"gzip")
    ),
    "finding 3: x-emulator-force drop:inf": _request(
        "/v1/messages", {**MESSAGE, "stream": True}, (b"x-emulator-force", b"drop:inf")
    ),
    "finding 3: an integer bound 1e20 in a schema": _request(
        "/v1/chat/completions",
        {
            **CHAT,
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "n",
                    "schema": {
                        "type": "object",
                        "properties": {"n": {"type": "integer", "minimum": 1e20}},
                        "required": ["n"],
                    },
                },
            },
        },
    ),
    "finding 6: the clock advanced by 1e12 s, then a message": _request(
        "/_emulator/clock/advance", {"seconds": 1e12}
    ),
    "finding 3: a non-ASCII admin token": Case(
        "GET", "/_emulator/journal", headers=[(b"authorization", "Bearer ключ".encode())]
    ),
    "finding 3: a non-ASCII --require-header value": _request(
        "/anthropic/v1/messages", MESSAGE, (GATEWAY_HEADER.encode(), "g1é".encode())
    ),
}


# A finding still open keeps its strict xfail (the property leaves its class out); a
# fixed one's entry in benchmarks.known_findings is deleted and its case must pass.
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=f"issue 19 {name}"))
        if known_finding(case) is not None
        else name
        for name, case in KNOWN_CASES.items()
    ],
)
def test_known_finding_classes(
    servers: dict[str, Served], check_response: ResponseChecker, name: str
) -> None:
    """One request of each class the property leaves out; the lead removes a mark (and
    its entry in benchmarks.known_findings) when the fix merges."""
    case = KNOWN_CASES[name]
    on_gateway = "admin" in name or "require-header" in name
    served = servers["gateway" if on_gateway else "plain"]
    if on_gateway and "admin" not in name:
        case = replace(case, headers=[*case.headers, (b"authorization", b"Bearer sk-test")])
    try:
        check_answer(case, served.send(case), check_response)
        if "clock" in name:
            check_answer(
                _request("/v1/messages", MESSAGE),
                served.send(_request("/v1/messages", MESSAGE)),
                check_response,
            )
    finally:
        served.server.runtime.internal_errors.clear()
        served.reset()
