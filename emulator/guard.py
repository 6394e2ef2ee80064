"""The outermost middleware: request ids, and every failure in the API's own shape.

An unknown path or a wrong method gets what the real API sends, not aiohttp's
text page; an internal bug gets the API's 500 shape *and* is kept in
``Runtime.internal_errors`` so the pytest fixture can re-raise it.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from emulator import ids, logs
from emulator.errors import ApiError, anthropic_error_body, openai_error_body
from emulator.gateway import check_required_headers
from emulator.journal import Exchange
from emulator.keys import EXCHANGE, FAMILY, REQUEST_ID, RUNTIME
from emulator.respond import json_response
from emulator.runtime import Runtime
from emulator.scenario.engine import TEST_ID_HEADER
from emulator.scenario.replies import ScenarioRuntimeError
from emulator.surfaces.common import Family, too_large
from emulator.surfaces.headers import anthropic_headers, openai_headers
from emulator.surfaces.routing import CONTROL_PREFIX, family_for

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


def _from_http_exception(exc: web.HTTPException, http: web.Request, family: Family) -> ApiError:
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


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    family = family_for(request.path, request.headers)
    request_id = ids.anthropic_request_id() if family == "anthropic" else ids.openai_request_id()
    request[REQUEST_ID] = request_id
    request[FAMILY] = family
    exchange = Exchange(
        time=runtime.clock.now(),
        method=request.method,
        path=request.path,
        headers=request.raw_headers,
        test_id=request.headers.get(TEST_ID_HEADER),
        secret_headers=runtime.secret_headers,
    )
    request[EXCHANGE] = exchange
    started = time.perf_counter()
    try:
        response = await _answer(request, handler, family, request_id, runtime)
    except ConnectionResetError:
        exchange.disconnected = True
        exchange.error = "connection dropped"
        raise
    finally:
        exchange.duration_ms = (time.perf_counter() - started) * 1000
        if not request.path.startswith(UNJOURNALED_PREFIXES):
            runtime.journal.record(exchange)
    exchange.status = response.status
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
    request: web.Request, handler: Handler, family: Family, request_id: str, runtime: Runtime
) -> web.StreamResponse:
    try:
        if (
            runtime.required_headers
            and request.match_info.http_exception is None
            and not request.path.startswith(UNJOURNALED_PREFIXES)
        ):
            check_required_headers(runtime.required_headers, request.path, request.headers)
        return await handler(request)
    except ApiError as error:
        request[EXCHANGE].error = error.message
        return error_response(error, family, request_id)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        mapped = _from_http_exception(exc, request, family)
        request[EXCHANGE].error = mapped.message
        return error_response(mapped, family, request_id)
    except ConnectionResetError:
        raise
    except ScenarioRuntimeError as exc:
        runtime.internal_errors.append(exc)
        request[EXCHANGE].error = str(exc)
        return error_response(ApiError(500, str(exc)), family, request_id)
    except Exception as exc:
        log.exception("internal error while answering %s %s", request.method, request.path)
        runtime.internal_errors.append(exc)
        request[EXCHANGE].error = f"internal error: {exc!r}"
        message = (
            "Internal server error"
            if family == "anthropic"
            else "The server had an error while processing your request. Sorry about that!"
        )
        return error_response(ApiError(500, message), family, request_id)
