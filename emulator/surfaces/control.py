"""The control plane under /_emulator/: scenarios, journal, reset.

Closed to any client but loopback unless ``--admin-token`` is set; then every
call needs ``Authorization: Bearer <token>``, from any address. Its errors have
their own shape (``errors.control_error_body``), whatever API headers came along.
"""

from __future__ import annotations

import ipaddress

import yaml
from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestPayloadError

from emulator.accounting.rate_limit import parse_rate_limit_table
from emulator.core.errors import ApiError, invalid_request
from emulator.core.paths import CONTROL_PREFIX, family_for
from emulator.faults.chaos import parse_chaos, parse_chaos_table
from emulator.pipeline.keys import RUNTIME
from emulator.pipeline.respond import json_response
from emulator.scenario.bounded_yaml import load_yaml
from emulator.scenario.loader import Scenario, ScenarioError, parse_scenario
from emulator.surfaces.common import read_body
from emulator.surfaces.content_encoding import check_content_encoding, undecodable_body
from emulator.surfaces.control_views import chaos_json, rate_limits_json
from emulator.surfaces.expect import handle_expect
from emulator.surfaces.guard import guarded
from emulator.util import jsonvalue
from emulator.util.wire_text import same_secret

_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def _is_loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        return ipaddress.ip_address(remote.split("%")[0]).is_loopback
    except ValueError:
        return False


def check_access(http: web.Request) -> None:
    token = http.app[RUNTIME].config.admin_token
    if token:
        given = http.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not same_secret(value.strip(), token):
            raise ApiError(401, "the control API needs Authorization: Bearer <admin token>")
        return
    if not _is_loopback(http.remote):
        raise ApiError(
            403,
            "the control API answers loopback clients only; start with --admin-token to open it",
        )


async def _read_body(http: web.Request) -> bytes:
    check_content_encoding(http)
    try:
        return await read_body(http, http.app[RUNTIME].config.max_body_bytes)
    except RequestPayloadError as err:
        raise undecodable_body(http, family_for(http.path, http.headers)) from err


async def _scenario_from_body(http: web.Request, name: str | None) -> Scenario:
    """The scenario in the body, JSON or YAML; a name in the path wins over the body's."""
    raw = await _read_body(http)
    parsed = _decode_scenario(raw, is_yaml=http.content_type in _YAML_TYPES)
    if isinstance(parsed, dict) and name is not None:
        parsed = {**parsed, "name": name}
    try:
        return parse_scenario(parsed, f"{CONTROL_PREFIX}/scenarios", name or _unused_name(http))
    except ScenarioError as err:
        raise invalid_request(str(err)) from err


def _unused_name(http: web.Request) -> str:
    """A name for a scenario posted without one that no loaded scenario has: a
    nameless post never replaces another."""
    loaded = {s.name for s in http.app[RUNTIME].engine.scenarios}
    number = 1
    while f"posted-{number}" in loaded:
        number += 1
    return f"posted-{number}"


def _decode_scenario(raw: bytes, *, is_yaml: bool) -> object:
    if is_yaml:
        try:
            return load_yaml(raw.decode("utf-8", "replace"))
        except yaml.YAMLError as err:
            raise invalid_request(f"the body is not valid YAML: {err}") from err
    try:
        return jsonvalue.loads(raw)
    except jsonvalue.JSONDecodeError as err:
        raise invalid_request(f"the body is not valid JSON: {err}") from err


def _describe(http: web.Request) -> list[dict[str, object]]:
    return [
        {
            "name": s.name,
            "source": s.source,
            "rules": [rule.name for rule in s.rules],
            "has_default": s.default is not None,
        }
        for s in http.app[RUNTIME].engine.scenarios
    ]


async def list_scenarios(http: web.Request) -> web.StreamResponse:
    check_access(http)
    return json_response({"scenarios": _describe(http)}, {})


async def add_scenario(http: web.Request) -> web.StreamResponse:
    check_access(http)
    name = http.match_info.get("name")
    scenario = await _scenario_from_body(http, name)
    http.app[RUNTIME].engine.load([scenario])
    return json_response({"loaded": scenario.name, "rules": len(scenario.rules)}, {}, status=201)


async def delete_scenario(http: web.Request) -> web.StreamResponse:
    check_access(http)
    name = http.match_info["name"]
    if not http.app[RUNTIME].engine.remove(name):
        raise ApiError(404, f"no scenario named {name!r}")
    return web.Response(status=204)


async def delete_all_scenarios(http: web.Request) -> web.StreamResponse:
    check_access(http)
    http.app[RUNTIME].engine.clear()
    return web.Response(status=204)


async def reset(http: web.Request) -> web.StreamResponse:
    check_access(http)
    http.app[RUNTIME].reset()
    return web.Response(status=204)


def _since(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError as err:
        raise invalid_request("since: expected Unix seconds") from err


async def read_journal(http: web.Request) -> web.StreamResponse:
    check_access(http)
    journal = http.app[RUNTIME].journal
    query = http.query
    entries = journal.entries(
        api=query.get("api"),
        path=query.get("path"),
        test_id=query.get("test_id"),
        since=_since(query.get("since")),
    )
    body = {"entries": [e.to_json() for e in entries], "dropped": journal.dropped}
    return json_response(body, {})


async def clear_journal(http: web.Request) -> web.StreamResponse:
    check_access(http)
    http.app[RUNTIME].journal.clear()
    return web.Response(status=204)


async def read_cache(http: web.Request) -> web.StreamResponse:
    check_access(http)
    runtime = http.app[RUNTIME]
    now = runtime.clock.now()
    entries = [e.to_json(now) for e in runtime.prompt_cache.entries(now)]
    return json_response({"entries": entries, "now": now}, {})


async def clear_cache(http: web.Request) -> web.StreamResponse:
    check_access(http)
    http.app[RUNTIME].prompt_cache.clear()
    return web.Response(status=204)


async def read_clock(http: web.Request) -> web.StreamResponse:
    check_access(http)
    return json_response({"now": http.app[RUNTIME].clock.now()}, {})


async def advance_clock(http: web.Request) -> web.StreamResponse:
    check_access(http)
    runtime = http.app[RUNTIME]
    raw = await _read_body(http)
    try:
        seconds = jsonvalue.loads(raw or b"{}").get("seconds")
    except (jsonvalue.JSONDecodeError, AttributeError) as err:
        raise invalid_request('expected a JSON body like {"seconds": 300}') from err
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise invalid_request("seconds: expected a number >= 0")
    try:
        runtime.advance_clock(float(seconds))
    except (TypeError, ValueError, OverflowError) as err:  # OverflowError: an int past float
        raise invalid_request(str(err)) from err
    return json_response({"now": runtime.clock.now()}, {})


async def _specs(http: web.Request) -> tuple[list[str], str | None]:
    raw = await _read_body(http)
    try:
        body = jsonvalue.loads(raw or b"{}")
    except jsonvalue.JSONDecodeError as err:
        raise invalid_request(f"the body is not valid JSON: {err}") from err
    specs = body.get("specs") if isinstance(body, dict) else None
    if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
        raise invalid_request('expected {"specs": ["..."]} (and optionally "test_id")')
    test_id = body.get("test_id")
    return specs, test_id if isinstance(test_id, str) else None


async def set_chaos(http: web.Request) -> web.StreamResponse:
    """``{"specs": [...]}`` replaces every chaos setting; with ``"test_id"``, the specs
    (one, without a scope) apply to requests carrying that x-emulator-test-id only."""
    check_access(http)
    monkey = http.app[RUNTIME].chaos
    specs, test_id = await _specs(http)
    try:
        if test_id is None:
            table = parse_chaos_table(specs)
        else:
            settings = parse_chaos(specs[0]) if specs else None
            table = monkey.table.with_test(test_id, settings) if monkey else parse_chaos_table([])
    except ValueError as err:
        raise invalid_request(str(err)) from err
    if monkey is not None:
        monkey.set_table(table)
    return web.Response(status=204)


async def read_chaos(http: web.Request) -> web.StreamResponse:
    check_access(http)
    monkey = http.app[RUNTIME].chaos
    return json_response(chaos_json(monkey.table if monkey else parse_chaos_table([])), {})


async def clear_chaos(http: web.Request) -> web.StreamResponse:
    """Every chaos setting off; ``?test_id=ID`` removes that test's settings only."""
    check_access(http)
    monkey = http.app[RUNTIME].chaos
    test_id = http.query.get("test_id")
    if monkey is not None:
        cleared = (
            parse_chaos_table([]) if test_id is None else monkey.table.with_test(test_id, None)
        )
        monkey.set_table(cleared)
    return web.Response(status=204)


async def set_rate_limits(http: web.Request) -> web.StreamResponse:
    check_access(http)
    specs, _ = await _specs(http)
    try:
        table = parse_rate_limit_table(specs)
    except ValueError as err:
        raise invalid_request(str(err)) from err
    limiter = http.app[RUNTIME].rate_limiter
    if limiter is not None:
        limiter.set_table(table)
    return web.Response(status=204)


async def read_rate_limits(http: web.Request) -> web.StreamResponse:
    check_access(http)
    limiter = http.app[RUNTIME].rate_limiter
    table = limiter.table if limiter is not None else parse_rate_limit_table([])
    return json_response(rate_limits_json(table), {})


async def clear_rate_limits(http: web.Request) -> web.StreamResponse:
    """No limit enforced (the headers still count down from generous ones)."""
    check_access(http)
    limiter = http.app[RUNTIME].rate_limiter
    if limiter is not None:
        limiter.set_table(parse_rate_limit_table([]))
    return web.Response(status=204)


def add_control_routes(router: web.UrlDispatcher) -> None:
    routes: tuple[tuple[str, str, Handler], ...] = (
        ("GET", "/scenarios", list_scenarios),
        ("POST", "/scenarios", add_scenario),
        ("DELETE", "/scenarios", delete_all_scenarios),
        ("PUT", "/scenarios/{name}", add_scenario),
        ("DELETE", "/scenarios/{name}", delete_scenario),
        ("POST", "/reset", reset),
        ("GET", "/journal", read_journal),
        ("DELETE", "/journal", clear_journal),
        ("GET", "/cache", read_cache),
        ("DELETE", "/cache", clear_cache),
        ("GET", "/clock", read_clock),
        ("POST", "/clock/advance", advance_clock),
        ("GET", "/chaos", read_chaos),
        ("PUT", "/chaos", set_chaos),
        ("DELETE", "/chaos", clear_chaos),
        ("GET", "/rate-limits", read_rate_limits),
        ("PUT", "/rate-limits", set_rate_limits),
        ("DELETE", "/rate-limits", clear_rate_limits),
    )
    for method, path, handler in routes:
        router.add_route(
            method,
            CONTROL_PREFIX + path,
            guarded(handler, gateway_auth=False),
            expect_handler=handle_expect,
        )
