"""Value classes compare and hash like frozen dataclasses, and the type checker
rejects assigning to their fields."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from mypy import api as mypy_api

from emulator.core.outcome import TextPart
from emulator.util.value_class import value_class


@value_class(slots=True)
class _Point:
    x: int
    label: str = ""
    note: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class _FrozenPoint:
    x: int
    label: str = ""
    note: str = field(default="", compare=False)


@given(st.integers(), st.text(max_size=5), st.text(max_size=5), st.text(max_size=5))
def test_equality_and_hash_are_those_of_a_frozen_dataclass(
    x: int, label: str, note: str, other_note: str
) -> None:
    assert _Point(x, label, note) == _Point(x, label, other_note)
    assert hash(_Point(x, label, note)) == hash(_FrozenPoint(x, label, other_note))
    assert _Point(x, label) != _Point(x + 1, label)
    assert {_Point(x, label, note): 1}[_Point(x, label, other_note)] == 1


def test_parts_still_hash_and_ignore_their_sentence_ends() -> None:
    assert hash(TextPart("Hi.", ((3, 2),))) == hash(TextPart("Hi."))


def test_the_type_checker_rejects_assigning_to_a_field(tmp_path: Path) -> None:
    snippet = tmp_path / "assigns.py"
    snippet.write_text(
        textwrap.dedent(
            """
            from emulator.util.value_class import value_class

            @value_class(slots=True)
            class Point:
                x: int

            point = Point(1)
            point.x = 2
            """
        )
    )
    out, _, status = mypy_api.run(
        [str(snippet), "--no-incremental", "--cache-dir", str(tmp_path / "cache")]
    )
    assert status == 1
    assert 'Property "x" defined in "Point" is read-only' in out
