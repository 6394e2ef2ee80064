"""The ``llm-emulator`` command: its argument parser, each option's environment variable,
and the container health check. Builds an EmulatorConfig and serves ``emulator.app``;
nothing in the emulator imports it."""

from __future__ import annotations

from emulator.cli.command import build_parser, main

__all__ = ["build_parser", "main"]
