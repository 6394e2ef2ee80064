"""``llm-emulator serve`` and friends: argv → EmulatorConfig → a running server."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from emulator import __version__
from emulator.cli.env_vars import describe_environment, unknown_variables, warn_unknown
from emulator.cli.healthcheck import PORT_FILE_VARIABLE, healthcheck
from emulator.pipeline.config import ENV_PREFIX, ConfigError, EmulatorConfig
from emulator.record.cli_args import (
    DRIFT_EXAMPLES,
    RECORD_EXAMPLES,
    add_drift_arguments,
    add_record_arguments,
    check_record_command,
    drift_headers,
    drift_upstreams,
)
from emulator.util import logs

# The server, the scenario loader and aiohttp are imported where they are used:
# ``healthcheck`` runs every few seconds in a container, and --help should be quick.
if TYPE_CHECKING:
    from emulator.pipeline.runtime import Runtime

_EXAMPLES = """\
examples:
  llm-emulator serve                         # 127.0.0.1:8080, embedded defaults
  llm-emulator serve --port 0 --seed 7       # a free port, printed on start
  LLM_EMULATOR_PORT=9000 llm-emulator serve  # each option's help names its variable
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-emulator",
        description="Emulator of the Anthropic and OpenAI HTTP APIs for tests, CI and load tests.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"llm-emulator {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the emulator",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_serve_arguments(serve)
    add_record_arguments(serve, command="serve")
    describe_environment(serve)
    record = commands.add_parser(
        "record",
        help="forward API requests to the real API and write what it answered as scenario files",
        epilog=RECORD_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_serve_arguments(record)
    add_record_arguments(record, command="record")
    describe_environment(record)
    record_drift = commands.add_parser(
        "record-drift",
        help="send the recorded requests to the upstream again and report the answers whose "
        "shape changed",
        epilog=DRIFT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_drift_arguments(record_drift)
    check = commands.add_parser("check-fixtures", help="validate scenario files without serving")
    check.add_argument("folder", help="a scenario file, or a folder of .json/.yaml ones")
    health = commands.add_parser(
        "healthcheck",
        help="exit 0 when the emulator at --url answers GET /healthz (for HEALTHCHECK)",
    )
    health.add_argument(
        "--url",
        help=f"base URL (default: http://127.0.0.1 and the port in ${PORT_FILE_VARIABLE}, "
        f"else ${ENV_PREFIX}PORT, else 8080)",
    )
    return parser


def _add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to bind; 0 picks a free one (default 8080)")
    parser.add_argument(
        "--port-file",
        help="write the port listened on to this file once serving (healthcheck reads it)",
    )
    parser.add_argument("--seed", type=int, help="seed of generated replies (default 0)")
    parser.add_argument("--fixtures", help="folder of scenario files to load")
    parser.add_argument(
        "--api-key",
        dest="api_keys",
        action="append",
        help="accepted API key (repeatable); without it any non-empty key is accepted",
    )
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    parser.add_argument(
        "--log-format", choices=["text", "json"], help="log lines as text (default) or JSON"
    )
    parser.add_argument(
        "--latency",
        help="stream pacing: none (default), fast, realistic, or "
        "ttft_ms=N,tokens_per_s=N,jitter_ms=N (a profile may be followed by overrides)",
    )
    parser.add_argument("--max-body-bytes", type=int, help="largest request body (default 32 MiB)")
    parser.add_argument("--models-file", help="model catalogue JSON (default: the embedded one)")
    parser.add_argument(
        "--accept-any-model",
        action="store_const",
        const=True,
        help="answer for model names missing from the catalogue instead of 404",
    )
    parser.add_argument(
        "--admin-token",
        help="open the /_emulator control API to any address, behind this Bearer token",
    )
    parser.add_argument(
        "--journal-size", type=int, help="entries the journal keeps (default 10000)"
    )
    parser.add_argument(
        "--shutdown-timeout-s",
        type=float,
        help="on SIGTERM, how long open requests and streams may finish before they are closed "
        "(default 5)",
    )
    parser.add_argument(
        "--journal-max-bytes",
        type=int,
        help="what the journal's entries may weigh together, bodies included; the oldest go "
        "first (default 64 MiB)",
    )
    parser.add_argument(
        "--head-timeout-s",
        type=float,
        help="seconds a request's head may take to arrive, from connecting or from its first "
        "byte, before the connection is closed; 0: no limit (default 10)",
    )
    parser.add_argument(
        "--body-timeout-s",
        type=float,
        help="seconds a request body may pause between bytes before the request gets a 408 and "
        "the connection is closed; 0: no limit (default 30)",
    )
    parser.add_argument(
        "--route-prefix",
        dest="route_prefixes",
        action="append",
        help="also serve every API under this prefix, e.g. /anthropic (repeatable)",
    )
    parser.add_argument(
        "--no-root",
        dest="root_routes",
        action="store_const",
        const=False,
        help="serve the APIs only under the --route-prefix paths, not at /v1/...",
    )
    parser.add_argument(
        "--require-header",
        dest="require_headers",
        action="append",
        help="NAME or NAME=VALUE every API request must carry, e.g. 'X-Gateway-Auth=Bearer g1'; "
        "'/prefix:NAME[=VALUE]' for one prefix only (repeatable)",
    )
    parser.add_argument(
        "--rate-limit",
        dest="rate_limits",
        action="append",
        help="per-key limits, e.g. 'rpm=60,itpm=20000,otpm=8000'; 'model=claude-*,rpm=5' for some "
        "models (repeatable; default: generous, headers always sent)",
    )
    parser.add_argument(
        "--chaos",
        dest="chaos",
        action="append",
        help="seeded random faults, e.g. 'rate_limit=0.1,overloaded=0.05,drop_mid_stream=0.02'; "
        "'model=gpt-*,...' or 'test_id=ID,...' to scope them (repeatable)",
    )
    parser.add_argument(
        "--strict",
        action="store_const",
        const=True,
        help="refuse anything the real API would refuse, e.g. unknown anthropic-beta names",
    )


def check_fixtures(target: str) -> int:
    """0 when ``target`` (a scenario file, or a folder holding at least one) loads and
    every template placeholder in it is one something fills; else 1, saying why."""
    from emulator.scenario.loader import ScenarioError, load_file, load_folder  # noqa: PLC0415
    from emulator.scenario.replies import TEMPLATE_NAMES  # noqa: PLC0415

    path = Path(target)
    try:
        if path.is_file():
            scenarios = [load_file(path)]
        elif path.is_dir():
            scenarios = load_folder(path)
            if not scenarios:
                raise ScenarioError(f"{target}: no scenario files (.json, .yaml, .yml) found")
        else:
            raise ScenarioError(f"{target}: no such file or folder")
    except ScenarioError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    unfilled = [f"{s.source}: {where}" for s in scenarios for where in s.unknown_placeholders]
    for where in unfilled:
        print(
            f"error: {where}: unknown template placeholder (known: {', '.join(TEMPLATE_NAMES)}, "
            "and the named groups of the rule's regexes)",
            file=sys.stderr,
        )
    if unfilled:
        return 1
    rules = sum(len(s.rules) for s in scenarios)
    print(f"ok: {len(scenarios)} scenario(s), {rules} rule(s) in {target}")
    return 0


def _banner(config: EmulatorConfig, port: int, runtime: Runtime, *, interactive: bool) -> str:
    """What a user needs to start: URLs that work from this machine, what is loaded."""
    bound = f"[{config.host}]" if ":" in config.host else config.host
    lines = [f"llm-emulator {__version__} listening on http://{bound}:{port}"]
    reachable = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(config.host, bound)
    if reachable != bound:
        lines[0] += f" (every interface; from this machine: http://{reachable}:{port})"
    key = "'<an --api-key>'" if config.api_keys else "'test'"
    bases = [""] if config.root_routes else []
    for prefix in (*bases, *config.route_prefixes):
        root = f"http://{reachable}:{port}{prefix}"
        lines.append(f"  anthropic: anthropic.Anthropic(base_url={root!r}, api_key={key})")
        lines.append(f"  openai:    openai.OpenAI(base_url={root + '/v1'!r}, api_key={key})")
    if not bases and not config.route_prefixes:
        lines.append("  no API routes: --no-root without --route-prefix")
    if runtime.startup_scenarios:
        listed = ", ".join(f"{s.name} ({len(s.rules)} rule(s))" for s in runtime.startup_scenarios)
        lines.append(f"  scenarios: {listed}")
    if runtime.required_headers:
        names = ", ".join(sorted({h.name for h in runtime.required_headers}))
        lines.append(f"  required headers: {names}")
    if interactive:
        lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


async def serve(config: EmulatorConfig) -> None:
    import asyncio  # noqa: PLC0415
    import signal  # noqa: PLC0415

    from aiohttp import web  # noqa: PLC0415

    from emulator.app import create_app  # noqa: PLC0415
    from emulator.http import collector, shutdown  # noqa: PLC0415
    from emulator.http.write_coalescing import CoalescingAppRunner  # noqa: PLC0415
    from emulator.pipeline.keys import RUNTIME  # noqa: PLC0415

    app = create_app(config)
    give_back_collection = collector.take_over_collection()
    collecting = asyncio.create_task(collector.check_periodically())
    runner = CoalescingAppRunner(
        app,
        head_timeout_s=config.head_timeout_s,
        handle_signals=False,
        access_log=None,
        shutdown_timeout=shutdown.CANCELLED_GRACE_S,
    )
    try:
        await runner.setup()
        site = web.TCPSite(runner, config.host, config.port, reuse_address=True)
        await site.start()
        port = runner.addresses[0][1] if runner.addresses else config.port
        if config.port_file is not None:
            config.port_file.write_text(f"{port}\n", encoding="utf-8")
        banner = _banner(config, port, app[RUNTIME], interactive=sys.stdout.isatty())
        print(banner, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        collecting.cancel()
        await shutdown.close_on_time(runner, runner.http_server, config.shutdown_timeout_s)
        give_back_collection()


def _start_error(err: BaseException, config: EmulatorConfig) -> str:
    """One line for a server that cannot start: a port in use, a file it cannot use."""
    from emulator.core.catalogue import CatalogueError  # noqa: PLC0415

    if isinstance(err, CatalogueError):
        return f"--models-file: {err}"
    if isinstance(err, OSError) and not isinstance(err, FileNotFoundError | PermissionError):
        reason = err.strerror or str(err)
        return f"cannot listen on {config.host}:{config.port} (--host/--port): {reason}"
    return str(err)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    env = os.environ if environ is None else environ
    if args.command == "check-fixtures":
        return check_fixtures(args.folder)
    if args.command == "healthcheck":
        return healthcheck(args.url, env)
    if args.command == "record-drift":
        try:
            upstreams, headers = drift_upstreams(args), drift_headers(args.headers)
        except ValueError as err:
            parser.error(str(err))
        from emulator.record import drift  # noqa: PLC0415

        return drift.run(Path(args.fixtures), upstreams, env, headers)
    warn_unknown(unknown_variables(env))
    from emulator.record.settings import make_recorder  # noqa: PLC0415

    try:
        config = EmulatorConfig.from_args(args, env, flags=_flags_by_field(parser, args.command))
        if args.command == "record":
            check_record_command(config)
        make_recorder(config)  # its settings are checked before serving
    except ConfigError as err:
        parser.error(str(err))
    import asyncio  # noqa: PLC0415

    from emulator.core.catalogue import CatalogueError  # noqa: PLC0415
    from emulator.scenario.loader import ScenarioError  # noqa: PLC0415

    logs.configure(config.log_level, config.log_format)
    try:
        asyncio.run(serve(config))
    except (ScenarioError, CatalogueError, OSError) as err:
        print(f"error: {_start_error(err, config)}", file=sys.stderr)
        return 2
    # The interpreter's last collection on exit would go over everything made while
    # serving (about 0.4 s after a short run): nothing needs it, so the exit skips it.
    gc.freeze()
    return 0


def _flags_by_field(parser: argparse.ArgumentParser, command: str) -> dict[str, str]:
    """The flag a user types for each setting, e.g. ``api_keys`` → ``--api-key``."""
    from emulator.cli.env_vars import serve_actions  # noqa: PLC0415

    return {action.dest: action.option_strings[0] for action in serve_actions(parser, command)}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

__all__ = ["ENV_PREFIX", "main"]
