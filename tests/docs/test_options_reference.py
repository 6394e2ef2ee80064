"""docs/reference/options.md is what ``python -m scripts.options_reference`` makes
from the parser today, and the environment variable it gives each ``serve`` option
really sets that option."""

from __future__ import annotations

import re

import pytest

from emulator.cli import build_parser
from emulator.pipeline.config import EmulatorConfig
from scripts.options_reference import PAGE, ROOT, commands, render
from tests.integration.test_cli_start import SAMPLES


def test_the_committed_page_is_what_the_script_generates() -> None:
    committed = PAGE.read_text(encoding="utf-8")
    assert committed == render(), (
        f"{PAGE.relative_to(ROOT)} differs from the command-line parser: "
        "run `python -m scripts.options_reference` and commit the page"
    )


def _serve_rows() -> list[tuple[str, str, str | None]]:
    """(flag, variable, separator) of each row of the page's serve table."""
    section = PAGE.read_text(encoding="utf-8").split("## `llm-emulator serve`")[1]
    section = section.split("\n## ")[0]
    rows = []
    for line in section.splitlines():
        found = re.match(
            r"^\| `(--[\w-]+)[^`]*` \| `(LLM_EMULATOR_\w+(?:=\w+)?)`"
            r"(?:, several separated by `(.)`)? \|",
            line,
        )
        if found:
            rows.append((found[1], found[2], found[3]))
    return rows


def test_the_page_lists_every_serve_flag() -> None:
    _, serve = commands(build_parser())["serve"]
    flags = {a.option_strings[0] for a in serve._actions if a.option_strings and a.dest != "help"}
    assert {flag for flag, _, _ in _serve_rows()} == flags


@pytest.mark.parametrize(
    ("flag", "variable", "separator"), [pytest.param(*row, id=row[0]) for row in _serve_rows()]
)
def test_the_variable_on_the_page_sets_what_the_flag_sets(
    flag: str, variable: str, separator: str | None
) -> None:
    """As a user reads the row: the variable, set, gives the setting the flag gives."""
    name, is_switch, switch_value = variable.partition("=")
    if is_switch:
        argv = ["serve", flag]
        value = switch_value
    else:
        dest = name.removeprefix("LLM_EMULATOR_").lower()
        assert dest in SAMPLES, f"{name} names no setting of the server"
        samples = SAMPLES[dest] if separator else SAMPLES[dest][:1]
        argv = ["serve"]
        for sample in samples:
            argv += [flag, sample]
        value = (separator or "").join(samples)
    args = build_parser().parse_args(argv)
    from_flag = EmulatorConfig.from_args(args, {})
    from_variable = EmulatorConfig.from_env({name: value})

    changed = [
        field
        for field in EmulatorConfig.__dataclass_fields__
        if getattr(from_flag, field) != getattr(EmulatorConfig(), field)
    ]
    assert len(changed) == 1, f"{flag} changes {changed}"
    assert getattr(from_variable, changed[0]) == getattr(from_flag, changed[0])
