"""Write ``docs/reference/options.md``, the options reference, from the command-line
parser and the pytest plugin's option table.

    python -m scripts.options_reference   rewrite docs/reference/options.md

Each ``serve`` option's environment variable is the one its --help names (the suite
checks that variable really sets the option: tests/integration/test_cli_start.py);
its default is the EmulatorConfig field's. tests/docs/test_options_reference.py
fails when the committed page differs from what this script writes.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import MISSING, dataclass, fields
from pathlib import Path

from emulator.cli import build_parser
from emulator.pipeline.config import ENV_PREFIX, EmulatorConfig

# The parser and the plugin's options: the only two entry points read here.
from emulator.pytest_plugin import options as pytest_options

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "reference" / "options.md"

# The suffix emulator/cli_env.py appends to each setting's help.
_ENV_SUFFIX = re.compile(
    r"\s*\[env: (?P<name>[A-Z0-9_]+)(?P<value>=\S+?)?"
    r"(?:, several separated by '(?P<separator>.)')?\]$"
)
# Words shown as code: flags, key=value forms, identifiers, paths and patterns.
_CODE_WORD = re.compile(
    r"^(?P<lead>\(?)(?P<word>--[\w-]+|\S*[=_</*+$]\S*?)(?P<trail>(?:[,;:)]|(?<!\.)\.(?!\.))*)$"
)
_QUOTED = re.compile(r"(?<!\w)'([^']+)'(?!\w)")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_<>\[\]|])")


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a command as the page shows it."""

    dest: str
    flag: str  # the first option string, or the positional's name
    metavar: str | None  # None for a switch
    text: str  # the help without its [env: ...] suffix
    choices: tuple[str, ...]
    variable: str | None  # e.g. LLM_EMULATOR_PORT, or LLM_EMULATOR_STRICT=true
    separator: str | None  # of a repeatable option's values in its variable
    required: bool
    parser_default: object


def commands(parser: argparse.ArgumentParser) -> dict[str, tuple[str, argparse.ArgumentParser]]:
    """Each subcommand's name: its one-line help and its parser, in --help's order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            return {name: (helps[name], sub) for name, sub in action.choices.items()}
    raise ValueError("the parser has no subcommands")


def options(parser: argparse.ArgumentParser) -> list[Option]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        help_text = " ".join((action.help or "").split())
        suffix = _ENV_SUFFIX.search(help_text)
        switch = isinstance(action, argparse._StoreConstAction)
        found.append(
            Option(
                dest=action.dest,
                flag=action.option_strings[0] if action.option_strings else action.dest,
                metavar=None if switch else _metavar(action),
                text=help_text[: suffix.start()] if suffix else help_text,
                choices=tuple(str(c) for c in action.choices or ()),
                variable=suffix["name"] + (suffix["value"] or "") if suffix else None,
                separator=suffix["separator"] if suffix else None,
                required=action.required,
                parser_default=action.default,
            )
        )
    return found


def _metavar(action: argparse.Action) -> str:
    if isinstance(action.metavar, str):
        return action.metavar
    if action.choices:
        return action.dest.split("_")[-1].upper()
    return action.dest.upper()


def config_default(dest: str) -> object:
    """The setting's default: what ``llm-emulator serve`` runs with when not given."""
    for field in fields(EmulatorConfig):
        if field.name == dest:
            if field.default is not MISSING:
                return field.default
            break
    raise KeyError(dest)


def show_default(value: object, dest: str) -> str:
    if value is None or value in ((), []):
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and dest.endswith("_bytes") and value % 1024**2 == 0:
        return f"`{value}` ({value // 1024**2} MiB)"
    return f"`{value}`"


def prose(text: str) -> str:
    """Help text as markdown: quoted examples, flags and key=value forms as code,
    the rest escaped so that ``*``, ``_`` and ``<name>`` show as typed."""
    parts = []
    position = 0
    for quoted in _QUOTED.finditer(text):
        parts.append(_words(text[position : quoted.start()]))
        parts.append(_code(quoted[1]))
        position = quoted.end()
    parts.append(_words(text[position:]))
    return "".join(parts)


def _words(text: str) -> str:
    shown = []
    for word in text.split(" "):
        found = _CODE_WORD.match(word)
        if found and found["word"] not in {"/", "+", "="}:
            shown.append(_escape(found["lead"]) + _code(found["word"]) + found["trail"])
        else:
            shown.append(_escape(word))
    return " ".join(shown)


def _code(text: str) -> str:
    return f"`{text.replace('|', '&#124;')}`"


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> Iterator[str]:
    header = list(header)
    yield "| " + " | ".join(header) + " |"
    yield "|" + "|".join(" --- " for _ in header) + "|"
    for row in rows:
        yield "| " + " | ".join(row) + " |"


def _flag_cell(option: Option) -> str:
    if option.flag == option.dest and not option.flag.startswith("-"):
        return f"`{option.flag.upper()}` (positional)"
    if option.metavar is None:
        return f"`{option.flag}`"
    return f"`{option.flag} {option.metavar}`"


def _what(option: Option) -> str:
    text = prose(option.text) if option.text else ""
    if option.choices:
        listed = ", ".join(f"`{c}`" for c in option.choices)
        text = f"{text}. One of {listed}." if text else f"One of {listed}."
    return text


def _variable_cell(option: Option) -> str:
    if option.variable is None:
        return "—"
    cell = f"`{option.variable}`"
    if option.separator is not None:
        cell += f", several separated by `{option.separator}`"
    return cell


def _pytest_cell(dest: str) -> str:
    return f"`{dest}`" if dest in pytest_options.ALL_OPTIONS else "—"


def _setting_rows(settings: list[Option]) -> Iterator[list[str]]:
    for option in settings:
        yield [
            _flag_cell(option),
            _variable_cell(option),
            show_default(config_default(option.dest), option.dest),
            _pytest_cell(option.dest),
            _what(option),
        ]


def _argument_rows(arguments: list[Option]) -> Iterator[list[str]]:
    for option in arguments:
        if option.required or not option.flag.startswith("-"):
            default = "required"
        else:
            default = show_default(option.parser_default, option.dest)
        yield [_flag_cell(option), default, _what(option)]


_SETTING_HEADER = ("Flag", "Environment variable", "Default", "pytest", "What it does")

_INTRO = """\
# Options reference

<!-- Generated by `python -m scripts.options_reference` from the command-line parser
and the pytest plugin's option table: do not edit by hand. The test
tests/docs/test_options_reference.py fails when this page and the parser differ. -->

Every option of `llm-emulator serve` can be given three ways; the first one found wins:

1. its **flag** on the command line, e.g. `--port 9000`;
2. its **environment variable**, e.g. `LLM_EMULATOR_PORT=9000` (the one to use in a
   container or a CI `services:` entry). Most are `LLM_EMULATOR_` and the flag's name,
   {renamed}. A flag that may be repeated is one variable whose values are separated by
   the character shown; a switch takes `true` or `false` (also `1`/`0`, `yes`/`no`,
   `on`/`off`);
3. its **default**, the embedded configuration the server runs with when given nothing.

A variable starting with `LLM_EMULATOR_` that names no option gets a warning at start-up.
The **pytest** column names the keyword of `@pytest.mark.llm_emulator(...)` that sets the
option for one test, where there is one; see [pytest plugin](#pytest-plugin) for its ini
option. `llm-emulator COMMAND --help` says the same as this page.
"""


def render() -> str:
    parser = build_parser()
    found = commands(parser)
    serve = options(found["serve"][1])
    lines = [_INTRO.format(renamed=_renamed(serve)), "## Commands", ""]
    lines += _table(
        ("Command", "What it does"),
        (
            [f"[`llm-emulator {name}`](#llm-emulator-{name})", prose(text)]
            for name, (text, _) in found.items()
        ),
    )
    lines += ["", "`llm-emulator --version` prints the version.", ""]
    serve_by_dest = {o.dest: o for o in serve}
    for name, (text, sub) in found.items():
        lines += [f"## `llm-emulator {name}`", "", _sentence(prose(text)), ""]
        these = options(sub)
        if name == "serve":
            lines += _table(_SETTING_HEADER, _setting_rows(serve))
        elif all(o.dest in serve_by_dest for o in these) and these and these[0].variable:
            lines += _differences(name, these, serve_by_dest)
        else:
            lines += _table(("Argument", "Default", "What it does"), _argument_rows(these))
            lines.append("")
            lines.append("No environment variables: these arguments are given on the command line.")
        lines.append("")
    lines += _pytest_section(serve_by_dest)
    return "\n".join(lines).rstrip("\n") + "\n"


def _renamed(serve: list[Option]) -> str:
    """The options whose variable is not named after the flag, as a clause."""
    renamed = [
        f"`{o.flag}` is `{o.variable}`"
        for o in serve
        if o.variable is not None
        and o.variable.split("=")[0] != ENV_PREFIX + o.flag.lstrip("-").replace("-", "_").upper()
    ]
    return "but " + ", ".join(renamed) if renamed else "no exceptions"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _differences(name: str, these: list[Option], serve: Mapping[str, Option]) -> list[str]:
    """A command with the settings of serve: only where its flags differ."""
    missing = sorted(set(serve) - {o.dest for o in these})
    differing = [o for o in these if o.flag != serve[o.dest].flag]
    lines = [
        "Takes every option of [`serve`](#llm-emulator-serve), with the same environment "
        "variables and defaults"
        + (f", except {', '.join(f'`{serve[d].flag}`' for d in missing)}" if missing else "")
        + ("; these are named differently:" if differing else "."),
        "",
    ]
    if differing:
        lines += _table(
            (f"`{name}` flag", "`serve` flag", "Environment variable"),
            ([f"`{o.flag}`", f"`{serve[o.dest].flag}`", _variable_cell(o)] for o in differing),
        )
    return lines


def _pytest_section(serve: Mapping[str, Option]) -> list[str]:
    marker, prefix = pytest_options.MARKER, pytest_options.INI_PREFIX
    lines = [
        "## pytest plugin",
        "",
        f"The `llm_emulator` fixture's server takes these options: for one test as keywords of "
        f"`@pytest.mark.{marker}(...)` (on a test, a class or a module: the closest marker "
        f"wins), for the whole session as ini options (`pytest.ini`, or "
        f"`[tool.pytest.ini_options]` in `pyproject.toml`). A marker's keyword overrides the "
        f"ini option. A keyword the plugin does not know fails the test with the list of valid "
        f"ones. Values are written as for the flag; a `linelist` ini option takes one value a "
        f"line, and a list keyword takes a list of strings.",
        "",
    ]
    rows = []
    for name, text in {**pytest_options.SERVER_OPTIONS, **pytest_options.FIXTURE_OPTIONS}.items():
        flag = f"`{serve[name].flag}`" if name in serve else "— (the fixture's own)"
        rows.append(
            [
                f"`{name}`",
                f"`{prefix}{name}` ({pytest_options.ini_type(name)})",
                flag,
                prose(text),
            ]
        )
    lines += _table(("Marker keyword", "ini option (type)", "Server flag", "What it does"), rows)
    return lines


def main() -> int:
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text(render(), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
