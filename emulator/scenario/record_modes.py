"""Record modes, as vcrpy names them, and what each does with a request.

- ``none``: replay only; a request no recording matches gets an error that lists
  the nearest recordings and the match keys on which each differs.
- ``once``: record while the cassette is new (it had no recording when the run
  started), else behave as ``none``.
- ``new_episodes``: replay what is recorded, forward and record the rest.
- ``all``: forward and record everything; a new recording replaces the one with
  the same fingerprint.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

RECORD_MODES = ("none", "once", "new_episodes", "all")
RecordMode = Literal["none", "once", "new_episodes", "all"]


class Action(Enum):
    REPLAY = "replay"
    FORWARD = "forward"
    REFUSE = "refuse"


def parse_mode(text: str) -> RecordMode:
    if text == "none":
        return "none"
    if text == "once":
        return "once"
    if text == "new_episodes":
        return "new_episodes"
    if text == "all":
        return "all"
    raise ValueError(f"record mode must be one of {', '.join(RECORD_MODES)}, got {text!r}")


def decide(mode: RecordMode, *, recorded: bool, cassette_was_new: bool) -> Action:
    """What to do with a request; ``recorded``: a recording matches it."""
    if mode == "all":
        return Action.FORWARD
    if recorded:
        return Action.REPLAY
    if mode == "new_episodes" or (mode == "once" and cassette_was_new):
        return Action.FORWARD
    return Action.REFUSE
