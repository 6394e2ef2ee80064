"""create_app(config) → the aiohttp application, for serving or embedding."""

from __future__ import annotations

from aiohttp import web

from emulator.accounting.rate_limit import RateLimiter, parse_rate_limit_table
from emulator.core.catalogue import Catalogue
from emulator.core.gateway import parse_required_header
from emulator.core.timing import parse_latency
from emulator.faults.chaos import ChaosMonkey, parse_chaos_table
from emulator.http.loop_lag import LOOP_LAG, LoopLagMonitor, monitor_loop_lag
from emulator.pipeline.config import EmulatorConfig
from emulator.pipeline.journal import Journal
from emulator.pipeline.keys import RUNTIME
from emulator.pipeline.respond import json_response
from emulator.pipeline.runtime import Runtime
from emulator.record.settings import make_recorder, replay_folder
from emulator.scenario.engine import ScenarioEngine
from emulator.scenario.generate import TextPool
from emulator.scenario.loader import load_folder
from emulator.scenario.replay_timing import parse_replay_timing
from emulator.surfaces.control import add_control_routes
from emulator.surfaces.expect import handle_expect
from emulator.surfaces.guard import guarded, unrouted
from emulator.surfaces.metrics import metrics
from emulator.surfaces.routing import add_api_routes
from emulator.util import log_redaction
from emulator.util.clock import AdjustableClock, Clock, SystemClock
from emulator.validation.schemas import SchemaSet, default_schema_dir

# aiohttp's own limit sits above ours so that our check (and our 413 body) runs first.
_AIOHTTP_BODY_SLACK = 1024


def build_runtime(config: EmulatorConfig, *, clock: Clock | None = None) -> Runtime:
    """Everything a handler needs; raises ScenarioError for a bad --fixtures folder."""
    fixtures = replay_folder(config)
    scenarios = load_folder(fixtures) if fixtures is not None else []
    required = tuple(parse_required_header(s) for s in config.require_headers)
    runtime = Runtime(
        config=config,
        schemas=SchemaSet.load(default_schema_dir()),
        catalogue=Catalogue.load(config.models_file, accept_any=config.accept_any_model),
        engine=ScenarioEngine(
            TextPool.build(config.seed), config.seed, default_timing=parse_latency(config.latency)
        ),
        clock=clock or AdjustableClock(SystemClock()),
        journal=Journal(config.journal_size, config.journal_max_bytes),
        startup_scenarios=scenarios,
        required_headers=required,
        secret_headers=frozenset(header.name.lower() for header in required),
    )
    runtime.rate_limiter = RateLimiter(runtime.clock, parse_rate_limit_table(config.rate_limits))
    runtime.chaos = ChaosMonkey(parse_chaos_table(config.chaos), config.seed)
    runtime.engine.load(scenarios)
    runtime.replay_timing = parse_replay_timing(config.replay_timing)
    runtime.recorder = make_recorder(config)
    return runtime


async def healthz(_: web.Request) -> web.StreamResponse:
    return json_response({"status": "ok"}, {})


async def _close_recorder(app: web.Application) -> None:
    recorder = app[RUNTIME].recorder
    if recorder is not None:
        await recorder.close()


def create_app(
    config: EmulatorConfig | None = None,
    *,
    clock: Clock | None = None,
    runtime: Runtime | None = None,
) -> web.Application:
    config = config or EmulatorConfig()
    required = tuple(parse_required_header(s) for s in config.require_headers)
    log_redaction.install(
        header_names=(h.name for h in required),
        secrets=(*config.api_keys, config.admin_token or "", *(h.value or "" for h in required)),
    )
    app = web.Application(client_max_size=config.max_body_bytes + _AIOHTTP_BODY_SLACK)
    app[RUNTIME] = runtime or build_runtime(config, clock=clock)
    app[LOOP_LAG] = LoopLagMonitor()
    app.cleanup_ctx.append(monitor_loop_lag)
    app.router.add_get(
        "/healthz", guarded(healthz, gateway_auth=False), expect_handler=handle_expect
    )
    app.router.add_get(
        "/metrics",
        guarded(metrics, gateway_auth=False),
        allow_head=False,
        expect_handler=handle_expect,
    )
    if config.root_routes:
        add_api_routes(app.router)
    for prefix in config.route_prefixes:
        add_api_routes(app.router, prefix)
    add_control_routes(app.router)
    app.on_cleanup.append(_close_recorder)
    app.router.add_route(  # last
        "*", "/{path:.*}", guarded(unrouted, gateway_auth=False), expect_handler=handle_expect
    )
    return app
