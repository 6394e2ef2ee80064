"""The command-line flags of recording and replay, for ``record`` and ``serve``."""

from __future__ import annotations

import argparse

from emulator.pipeline.config import ConfigError, EmulatorConfig
from emulator.scenario.record_modes import RECORD_MODES
from emulator.scenario.record_options import coerce

RECORD_EXAMPLES = """\
examples:
  llm-emulator record --upstream https://api.anthropic.com --out fixtures/recorded
  llm-emulator record --anthropic-upstream https://api.anthropic.com \\
      --openai-upstream https://api.openai.com --out fixtures/recorded --scrub '\\b\\d{16}\\b'
  llm-emulator serve --fixtures fixtures/recorded --record-mode none   # CI: replay only
"""


def add_record_arguments(parser: argparse.ArgumentParser, *, command: str) -> None:
    """``record`` names its folder and mode ``--out`` and ``--mode``; ``serve`` says
    ``--record-out`` and ``--record-mode``."""
    prefix = "" if command == "record" else "record-"
    parser.add_argument(
        "--upstream", help="base URL the API requests are forwarded to, e.g. https://api.openai.com"
    )
    parser.add_argument("--anthropic-upstream", help="base URL for the Anthropic APIs only")
    parser.add_argument("--openai-upstream", help="base URL for the OpenAI APIs only")
    parser.add_argument(
        f"--{prefix}out",
        dest="record_out",
        help="folder the cassette (scenario file) is written to",
    )
    parser.add_argument(
        f"--{prefix}mode",
        dest="record_mode",
        choices=RECORD_MODES,
        help="none: replay only, unmatched requests get an error; once: record a new cassette, "
        "else as none; new_episodes (record's default): replay what is recorded, record the "
        "rest; all: record everything again",
    )
    parser.add_argument(
        "--cassette", help="name of the cassette: the file <out>/<name>.json (default recorded)"
    )
    parser.add_argument(
        "--match-keys",
        help="body keys a recorded request is matched by: a list, or +key/-key changes to the "
        "default list (README, Record and replay)",
    )
    parser.add_argument(
        "--scrub",
        action="append",
        help="regular expression whose matches are replaced by [scrubbed] in recorded bodies "
        "(repeatable)",
    )
    parser.add_argument("--scrub-file", help="file of such regular expressions, one a line")
    parser.add_argument(
        "--replay-timing",
        help="replayed streams: none (default, at once), recorded (the recorded gaps between "
        "events), or scale=F (the gaps times F)",
    )


def check_record_command(config: EmulatorConfig) -> None:
    if config.record_out is None:
        raise ConfigError("record needs --out")
    if not (config.upstream or config.anthropic_upstream or config.openai_upstream):
        raise ConfigError("record needs --upstream (or --anthropic-upstream/--openai-upstream)")


DRIFT_EXAMPLES = """\
examples:
  ANTHROPIC_API_KEY=... OPENAI_API_KEY=... \\
      llm-emulator record-drift --fixtures fixtures/recorded --anthropic-upstream \\
      https://api.anthropic.com --openai-upstream https://api.openai.com
exit status: 0 every answer has its recorded shape, 1 some changed, 2 the check could not run
"""


def add_drift_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fixtures", required=True, help="folder of the cassettes whose requests are sent again"
    )
    parser.add_argument("--upstream", help="base URL of both API families")
    parser.add_argument("--anthropic-upstream", help="base URL for the Anthropic APIs only")
    parser.add_argument("--openai-upstream", help="base URL for the OpenAI APIs only")
    parser.add_argument(
        "--header",
        dest="headers",
        action="append",
        default=[],
        help="NAME=VALUE sent with every request, e.g. a gateway's header (repeatable)",
    )


def drift_upstreams(args: argparse.Namespace) -> dict[str, str]:
    """The base URL per family; raises ValueError for a bad URL or none at all."""
    common = coerce("upstream", args.upstream) if args.upstream else None
    found = {}
    for family in ("anthropic", "openai"):
        given = getattr(args, f"{family}_upstream")
        base = coerce("upstream", given) if given else common
        if base is not None:
            found[family] = str(base)
    if not found:
        raise ValueError("give --upstream (or --anthropic-upstream/--openai-upstream)")
    return found


def drift_headers(items: list[str]) -> dict[str, str]:
    headers = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--header: expected NAME=VALUE, got {item!r}")
        headers[name.strip()] = value.strip()
    return headers
