"""The relayout script: it names modules without a place, and rewrites references."""

from __future__ import annotations

import pytest

from tools.relayout.apply import MAPPING, Mapping, MappingError, Rewriter, check, tree_modules

MOVES = Mapping(
    modules={
        "emulator.sse": "emulator.http.sse",
        "emulator.jsonvalue": "emulator.util.jsonvalue",
        "emulator.schema_errors": "emulator.validation.violations",
    },
    symbols={"emulator.completion:FinishedChoice": "emulator.scenario.outcome"},
    keep=frozenset({"emulator", "emulator.completion", "emulator.scenario.outcome"}),
    packages={},
)


def test_the_tree_matches_the_mapping() -> None:
    check(Mapping.load(MAPPING), tree_modules())


def test_a_module_without_a_place_is_named() -> None:
    with pytest.raises(MappingError) as raised:
        check(Mapping.load(MAPPING), tree_modules() | {"emulator.recorder"})
    assert "  emulator.recorder" in str(raised.value).splitlines()


def test_a_move_onto_an_existing_module_is_refused() -> None:
    with pytest.raises(MappingError, match=r"emulator\.sse -> emulator\.http\.sse"):
        check(MOVES, {"emulator", "emulator.sse", "emulator.http.sse", "emulator.jsonvalue"})


def test_imports_of_moved_modules_and_names_are_split_by_their_new_place() -> None:
    rewriter = Rewriter(MOVES, set())
    source = (
        "from emulator import jsonvalue, sse  # why\n"
        "    from emulator import schema_errors\n"
        "from emulator.completion import (\n    FinishedChoice,\n    finish_choice,\n)\n"
    )
    assert rewriter.text(source) == (
        "from emulator.util import jsonvalue  # why\n"
        "from emulator.http import sse\n"
        "    from emulator.validation import violations as schema_errors\n"
        "from emulator.scenario.outcome import FinishedChoice\n"
        "from emulator.completion import finish_choice\n"
    )


def test_dotted_names_and_paths_follow_but_logger_names_stay() -> None:
    rewriter = Rewriter(MOVES, set())
    source = (
        'monkeypatch.setattr("emulator.sse.frame", f)\n'
        "see `emulator/schema_errors.py` and emulator.completion.FinishedChoice\n"
        'log = logging.getLogger("emulator.sse")\n'
    )
    once = rewriter.text(source)
    assert once == (
        'monkeypatch.setattr("emulator.http.sse.frame", f)\n'
        "see `emulator/validation/violations.py` and emulator.scenario.outcome.FinishedChoice\n"
        'log = logging.getLogger("emulator.sse")\n'
    )
    assert rewriter.text(once) == once
