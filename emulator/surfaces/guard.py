"""Around every handler: request ids, the journal, and every failure in the API's own shape.

Each route's handler is wrapped (``guarded``) rather than run through an aiohttp
middleware, which costs a few microseconds per request; a catch-all route
(``unrouted``) gives an unknown path or a wrong method what the real API sends,
not aiohttp's text page. An internal bug gets the API's 500 shape *and* is kept
in ``Runtime.internal_errors`` so the pytest fixture can re-raise it.
"""

from __future__ import annotations

import logging
import time
from functools import partial

from aiohttp import web
from aiohttp.typedefs import Handler

from emulator.core import ids
from emulator.core.errors import (
    ApiError,
    anthropic_error_body,
    control_error_body,
    openai_error_body,
)
from emulator.core.gateway import check_required_headers
from emulator.core.paths import CONTROL_PREFIX, Family, family_for
from emulator.http.headers import anthropic_headers, openai_headers
from emulator.pipeline.journal import Exchange, pack_headers
from emulator.pipeline.keys import EXCHANGE, REQUEST_ID, RUNTIME
from emulator.pipeline.respond import json_response
from emulator.pipeline.runtime import Runtime
from emulator.scenario.engine import TEST_ID_HEADER
from emulator.scenario.replies import ScenarioRuntimeError
from emulator.surfaces.common import too_large
from emulator.util import logs

UNJOURNALED_PREFIXES = (CONTROL_PREFIX, "/healthz", "/metrics")

log = logging.getLogger("emulator")


def error_response(error: ApiError, family: Family, request_id: str) -> web.Response:
    if family == "anthropic":
        headers = anthropic_headers(request_id)
        body = anthropic_error_body(error, request_id)
    else:
        headers = openai_headers(request_id)
        body = openai_error_body(error)
    if 400 <= error.status < 500 and error.status not in (408, 409, 429):
        headers["x-should-retry"] = "false"
    headers.update(error.headers)
    return json_response(body, headers, status=error.status)


def _is_control(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def _error_response(
    error: ApiError, http: web.Request, family: Family, request_id: str
) -> web.Response:
    """``error`` in the API's shape, or in the control API's own one under /_emulator."""
    if _is_control(http.path):
        return json_response(control_error_body(error), dict(error.headers), status=error.status)
    return error_response(error, family, request_id)


def _from_http_exception(exc: web.HTTPException, http: web.Request, family: Family) -> ApiError:
    if exc.status == 404 and _is_control(http.path):
        return ApiError(404, f"the control API has no {http.path}")
    if exc.status == 404:
        if family == "openai":
            return ApiError(
                404,
                f"Unknown request URL: {http.method} {http.path}. Please check the URL for typos, "
                "or see the docs at https://platform.openai.com/docs/api-reference/.",
                code="unknown_url",
                openai_type="invalid_request_error",
            )
        return ApiError(404, "Not Found")
    if exc.status == 405:
        return ApiError(
            405,
            f"Method Not Allowed: {http.method} {http.path}",
            openai_type="invalid_request_error",
        )
    if exc.status == 413:
        return too_large(http.app[RUNTIME].config.max_body_bytes)
    return ApiError(exc.status, exc.reason)


def guarded(handler: Handler, *, gateway_auth: bool = True) -> Handler:
    """``handler`` behind the guard; ``gateway_auth`` demands the --require-header
    headers (API routes do, unknown paths get their 404 first)."""
    return partial(guard, handler=handler, gateway_auth=gateway_auth)


async def unrouted(request: web.Request) -> web.StreamResponse:
    """The catch-all route: 405 when another route has this path, else 404."""
    allowed: set[str] = set()
    for resource in request.app.router.resources():
        match, methods = await resource.resolve(request)
        if match is None:
            allowed |= methods
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed)
    raise web.HTTPNotFound()


async def guard(
    request: web.Request, *, handler: Handler, gateway_auth: bool
) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    family = family_for(request.path, request.headers)
    request_id = ids.anthropic_request_id() if family == "anthropic" else ids.openai_request_id()
    request[REQUEST_ID] = request_id
    exchange = Exchange(  # positional: half the cost of keywords, on every request
        runtime.clock.now(),
        request.method,
        request.path,
        pack_headers(request.raw_headers),
        request.headers.get(TEST_ID_HEADER),
        runtime.secret_headers,
    )
    request[EXCHANGE] = exchange
    started = time.perf_counter()
    try:
        response = await _answer(
            request, handler, family, request_id, runtime, gateway_auth=gateway_auth
        )
    except ConnectionResetError:
        exchange.disconnected = True
        exchange.error = "connection dropped"
        raise
    finally:
        exchange.duration_ms = (time.perf_counter() - started) * 1000
        if not request.path.startswith(UNJOURNALED_PREFIXES):
            runtime.journal.record(exchange)
    exchange.status = response.status
    if logs.ACCESS.isEnabledFor(logging.INFO):
        logs.access(
            method=request.method,
            path=request.path,
            status=response.status,
            duration_ms=exchange.duration_ms,
            rule=exchange.rule,
            api=exchange.api,
            request_id=request_id,
        )
    return response


async def _answer(
    request: web.Request,
    handler: Handler,
    family: Family,
    request_id: str,
    runtime: Runtime,
    *,
    gateway_auth: bool,
) -> web.StreamResponse:
    try:
        if gateway_auth and runtime.required_headers:
            check_required_headers(runtime.required_headers, request.path, request.headers)
        return await handler(request)
    except ApiError as error:
        request[EXCHANGE].error = error.message
        return _error_response(error, request, family, request_id)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        mapped = _from_http_exception(exc, request, family)
        request[EXCHANGE].error = mapped.message
        return _error_response(mapped, request, family, request_id)
    except ConnectionResetError:
        raise
    except ScenarioRuntimeError as exc:
        runtime.internal_errors.append(exc)
        request[EXCHANGE].error = str(exc)
        return _error_response(ApiError(500, str(exc)), request, family, request_id)
    except Exception as exc:
        log.exception("internal error while answering %s %s", request.method, request.path)
        runtime.internal_errors.append(exc)
        request[EXCHANGE].error = f"internal error: {exc!r}"
        message = (
            "Internal server error"
            if family == "anthropic"
            else "The server had an error while processing your request. Sorry about that!"
        )
        return _error_response(ApiError(500, message), request, family, request_id)
