"""Each ``serve`` option's environment variable: named in its --help, and variables
that name no option warned about (a typo would otherwise be silently ignored)."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterable, Mapping
from dataclasses import fields

from emulator.pipeline.config import ENV_PREFIX, EmulatorConfig

SETTINGS = frozenset(f.name for f in fields(EmulatorConfig)) - {"extra"}
# Options given several times on the command line: one variable, split on this.
LIST_SEPARATORS: Mapping[str, str] = {
    "api_keys": ",",
    "route_prefixes": ",",
    "require_headers": ";",
    "rate_limits": ";",
    "chaos": ";",
}
# LLM_EMULATOR_* variables that are no setting of the server but are read elsewhere.
OTHER_VARIABLES = frozenset(
    {
        "LLM_EMULATOR_SPECS_DIR",  # the project's own test suite: where the OpenAPI specs are
    }
)


def variable(setting: str) -> str:
    return ENV_PREFIX + setting.upper()


def serve_actions(parser: argparse.ArgumentParser, command: str = "serve") -> list[argparse.Action]:
    """The options of ``command`` (serve, record) that are settings (all but --help)."""
    return [
        action for action in _command_parser(parser, command)._actions if action.dest in SETTINGS
    ]


def _command_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen: argparse.ArgumentParser = action.choices[command]
            return chosen
    return parser  # already the command's parser


def variable_help(action: argparse.Action) -> str:
    """``[env: NAME]`` with how to write the value where the flag's form differs."""
    name = variable(action.dest)
    if isinstance(action, argparse._StoreConstAction):
        return f"[env: {name}={str(action.const).lower()}]"
    separator = LIST_SEPARATORS.get(action.dest)
    if separator is not None:
        return f"[env: {name}, several separated by {separator!r}]"
    return f"[env: {name}]"


def describe_environment(serve: argparse.ArgumentParser) -> None:
    """Append each setting's variable to its help."""
    for action in serve._actions:
        if action.dest in SETTINGS:
            action.help = f"{action.help or ''} {variable_help(action)}".strip()
            if action.dest in LIST_SEPARATORS and action.metavar is None:
                # One value per flag: --rate-limit RATE_LIMIT, not RATE_LIMITS.
                action.metavar = action.option_strings[0].lstrip("-").replace("-", "_").upper()


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    known = {variable(s) for s in SETTINGS} | OTHER_VARIABLES
    return sorted(n for n in environ if n.startswith(ENV_PREFIX) and n not in known)


def warn_unknown(names: Iterable[str]) -> None:
    known = sorted(variable(s) for s in SETTINGS)
    for name in names:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        print(f"warning: {name} is not an llm-emulator setting, ignored{hint}", file=sys.stderr)
