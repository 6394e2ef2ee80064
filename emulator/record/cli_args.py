"""The command-line flags of recording and replay, for ``record`` and ``serve``."""

from __future__ import annotations

import argparse

from emulator.pipeline.config import ConfigError, EmulatorConfig
from emulator.scenario.record_modes import RECORD_MODES

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
