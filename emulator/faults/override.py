"""``x-emulator-force``: force one request's outcome, for tests that cannot reach
the control API. Ignored under ``--strict``.

Values: a status (``429``, ``529``), a fault (``drop``, ``drop:3`` after 3
events, ``stall:2.5`` seconds, ``malformed:2``, ``empty``, ``error_event:4``),
or a JSON reply object in the scenario-file format
(``{"error": {"status": 429, "retry_after": 1}}``).
"""

from __future__ import annotations

import re

from emulator.core.errors import invalid_request
from emulator.scenario.loader import ScenarioError, parse_scenario
from emulator.scenario.replies import ReplySpec
from emulator.util import jsonvalue
from emulator.util.wire_text import readable

FORCE_HEADER = "x-emulator-force"
_FAULTS = ("drop", "stall", "malformed", "empty", "error_event")
# The largest amounts a fault takes (the scenario schema has the same bounds): an
# hour of stall is far past any client's timeout.
MAX_STALL_S = 3600.0
MAX_AFTER_EVENTS = 1_000_000
_SECONDS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?")
_COUNT = re.compile(r"[0-9]{1,12}")


def _reply_object(value: str) -> dict[str, object]:
    text = value.strip()
    if text.startswith("{"):
        try:
            parsed = jsonvalue.loads(text)
        except jsonvalue.JSONDecodeError as err:
            raise invalid_request(f"{FORCE_HEADER}: not valid JSON: {err}") from err
        return parsed if isinstance(parsed, dict) else {}
    if text.isdigit():
        return {"error": {"status": int(text)}}
    kind, _, amount = text.partition(":")
    if kind not in _FAULTS:
        raise invalid_request(
            f"{FORCE_HEADER}: expected a status, one of {', '.join(_FAULTS)} (optionally ':N'), "
            "or a JSON reply object"
        )
    fault: dict[str, object] = {"kind": kind}
    if amount:
        if kind == "stall":
            fault["seconds"] = _bounded_number(amount, _SECONDS, MAX_STALL_S, "seconds")
        else:
            fault["after_events"] = int(
                _bounded_number(amount, _COUNT, MAX_AFTER_EVENTS, "a count of events")
            )
    return {"fault": fault}


def _bounded_number(text: str, syntax: re.Pattern[str], maximum: float, what: str) -> float:
    """``text`` as a plain decimal number from 0 to ``maximum``; no exponent, sign,
    ``inf`` or ``nan``, which ``float`` would take."""
    if not syntax.fullmatch(text) or float(text) > maximum:
        raise invalid_request(
            f"{FORCE_HEADER}: {readable(text)!r} is not {what} from 0 to {maximum:g}"
        )
    return float(text)


def parse_force(value: str) -> ReplySpec:
    reply = _reply_object(value)
    try:
        scenario = parse_scenario(
            {"rules": [{"name": FORCE_HEADER, "reply": reply}]}, FORCE_HEADER, FORCE_HEADER
        )
    except ScenarioError as err:
        raise invalid_request(str(err)) from err
    return scenario.rules[0].replies[0]
