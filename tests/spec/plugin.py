"""The pytest side of the spec check: install the transport hook for the session, fail a
test whose responses broke the specs, and count what was checked.

A violation fails the test that received it, in its call phase (or in teardown, for a
response received there), with every violation's schema path and place in the body. The
summary line says how many bodies and stream events were checked in the run (summed over
xdist workers through each report's ``user_properties``).
"""

from __future__ import annotations

from collections.abc import Generator

import httpx
import httpx2
import pytest

from tests.spec import capture
from tests.spec.exclusions import exempt_tests

_COUNTED = "spec_checked"
_undo: list[object] = []


def pytest_configure(config: pytest.Config) -> None:
    _undo.append(capture.install([httpx, httpx2]))


def pytest_unconfigure(config: pytest.Config) -> None:
    while _undo:
        undo = _undo.pop()
        assert callable(undo)
        undo()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    capture.RECORDER.take()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    result = yield
    _check(item, "received")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    result = yield
    _check(item, "received during teardown")
    return result


def _check(item: pytest.Item, when: str) -> None:
    bodies, events, violations = capture.RECORDER.take()
    item.user_properties.append((_COUNTED, (bodies, events)))
    if not violations or item.nodeid in exempt_tests():
        return
    listed = "\n".join(f"  - {violation}" for violation in violations)
    raise AssertionError(
        f"responses {when} violate the official OpenAPI documents "
        f"(exclusions: tests/spec/exclusions.py):\n{listed}"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    bodies = events = 0
    for reports in terminalreporter.stats.values():
        for report in reports:
            # A test's teardown report carries what every phase appended.
            if getattr(report, "when", None) != "teardown":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == _COUNTED:
                    bodies += value[0]
                    events += value[1]
    if bodies or events:
        terminalreporter.write_line(
            f"spec check: {bodies} response bodies and {events} stream events validated "
            "against the official OpenAPI documents"
        )
