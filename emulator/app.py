"""create_app(config) → the aiohttp application, for serving or embedding."""

from __future__ import annotations

from aiohttp import web

from emulator.accounting.rate_limit import RateLimiter, parse_rate_limit_table
from emulator.catalogue import Catalogue
from emulator.chaos import ChaosMonkey, parse_chaos_table
from emulator.clock import AdjustableClock, Clock, SystemClock
from emulator.config import EmulatorConfig
from emulator.gateway import parse_required_header
from emulator.guard import guarded, unrouted
from emulator.journal import Journal
from emulator.keys import RUNTIME
from emulator.loop_lag import LOOP_LAG, LoopLagMonitor, monitor_loop_lag
from emulator.respond import json_response
from emulator.runtime import Runtime
from emulator.scenario.engine import ScenarioEngine
from emulator.scenario.generate import TextPool
from emulator.scenario.loader import load_folder
from emulator.schemas import SchemaSet, default_schema_dir
from emulator.surfaces.control import add_control_routes
from emulator.surfaces.metrics import metrics
from emulator.surfaces.routing import add_api_routes
from emulator.timing import parse_latency

# aiohttp's own limit sits above ours so that our check (and our 413 body) runs first.
_AIOHTTP_BODY_SLACK = 1024


def build_runtime(config: EmulatorConfig, *, clock: Clock | None = None) -> Runtime:
    """Everything a handler needs; raises ScenarioError for a bad --fixtures folder."""
    scenarios = load_folder(config.fixtures) if config.fixtures is not None else []
    required = tuple(parse_required_header(s) for s in config.require_headers)
    runtime = Runtime(
        config=config,
        schemas=SchemaSet.load(default_schema_dir()),
        catalogue=Catalogue.load(config.models_file, accept_any=config.accept_any_model),
        engine=ScenarioEngine(
            TextPool.build(config.seed), config.seed, default_timing=parse_latency(config.latency)
        ),
        clock=clock or AdjustableClock(SystemClock()),
        journal=Journal(config.journal_size),
        startup_scenarios=scenarios,
        required_headers=required,
        secret_headers=frozenset(header.name.lower() for header in required),
    )
    runtime.rate_limiter = RateLimiter(runtime.clock, parse_rate_limit_table(config.rate_limits))
    runtime.chaos = ChaosMonkey(parse_chaos_table(config.chaos), config.seed)
    runtime.engine.load(scenarios)
    return runtime


async def healthz(_: web.Request) -> web.StreamResponse:
    return json_response({"status": "ok"}, {})


def create_app(
    config: EmulatorConfig | None = None,
    *,
    clock: Clock | None = None,
    runtime: Runtime | None = None,
) -> web.Application:
    config = config or EmulatorConfig()
    app = web.Application(client_max_size=config.max_body_bytes + _AIOHTTP_BODY_SLACK)
    app[RUNTIME] = runtime or build_runtime(config, clock=clock)
    app[LOOP_LAG] = LoopLagMonitor()
    app.cleanup_ctx.append(monitor_loop_lag)
    app.router.add_get("/healthz", guarded(healthz, gateway_auth=False))
    app.router.add_get("/metrics", guarded(metrics, gateway_auth=False), allow_head=False)
    if config.root_routes:
        add_api_routes(app.router)
    for prefix in config.route_prefixes:
        add_api_routes(app.router, prefix)
    add_control_routes(app.router)
    app.router.add_route("*", "/{path:.*}", guarded(unrouted, gateway_auth=False))  # last
    return app
