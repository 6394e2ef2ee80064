"""Model names that stand for a catalogued model without being listed.

The resolution rule (README, "Model catalogue"):

- a dated snapshot of a known model answers with that model's limits: OpenAI
  dates its snapshots ``<model>-YYYY-MM-DD`` (``gpt-4o-2024-08-06``), Anthropic
  ``<model>-YYYYMMDD`` (``claude-sonnet-4-5-20250929``);
- an OpenAI fine-tuned model, ``ft:<base>:<organization>:<suffix>:<job id>``
  (the suffix may be empty; a ``:ckpt-step-N`` checkpoint may follow), answers
  with the limits of ``<base>``, itself a known model or a dated snapshot of one.

These functions only take a name apart; the catalogue says whether the part
left is a model it knows.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

_OPENAI_DATE = re.compile(r"^(?P<base>.+)-(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$")
_ANTHROPIC_DATE = re.compile(r"^(?P<base>claude-.+)-(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_CHECKPOINT = re.compile(r"^ckpt-step-\d+$")


def _is_date(match: re.Match[str]) -> bool:
    try:
        date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return False
    return True


def snapshot_base(name: str) -> tuple[str, Literal["anthropic", "openai"]] | None:
    """The model ``name`` is a dated snapshot of, and whose way of dating it is,
    or None when it carries no date."""
    match = _ANTHROPIC_DATE.match(name)
    if match is not None and _is_date(match):
        return match["base"], "anthropic"
    match = _OPENAI_DATE.match(name)
    if match is not None and _is_date(match):
        return match["base"], "openai"
    return None


def fine_tuned_base(name: str) -> str | None:
    """The base model of an OpenAI fine-tuned model name, or None when ``name`` is not one."""
    if not name.startswith("ft:"):
        return None
    parts = name.split(":")
    if len(parts) == 6 and _CHECKPOINT.match(parts[5]):
        parts = parts[:5]
    if len(parts) != 5:
        return None
    _, base, organization, _suffix, job = parts
    if not (base and organization and job):
        return None
    return base
