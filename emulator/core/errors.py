"""Wire errors: what the client did wrong (or what a script asked for).

An ``ApiError`` carries status, Anthropic error type, message and, for
OpenAI, ``param``/``code``; it has no wire shape of its own. Each API renders
it with ``anthropic_error_body`` or ``openai_error_body``.
"""

from __future__ import annotations

from collections.abc import Mapping

from emulator.util.jsonvalue import JSONObject

# Anthropic's status ↔ error type table (reference: anthropic-messages.md §9).
ANTHROPIC_TYPE_BY_STATUS: Mapping[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    408: "timeout_error",
    409: "conflict_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "overloaded_error",
    504: "timeout_error",
    529: "overloaded_error",
}

ANTHROPIC_DEFAULT_MESSAGE: Mapping[str, str] = {
    "invalid_request_error": "Invalid request",
    "authentication_error": "invalid x-api-key",
    "billing_error": "Your credit balance is too low to access the Anthropic API.",
    "permission_error": "Your API key does not have permission to use the specified resource.",
    "not_found_error": "Not Found",
    "timeout_error": "Request timed out",
    "conflict_error": "Conflict",
    "request_too_large": "Request exceeds the maximum allowed number of bytes.",
    # The documented 429's opening words (its limit figures are unknown here).
    "rate_limit_error": "This request would exceed the rate limit for your organization.",
    "api_error": "Internal server error",
    "overloaded_error": "Overloaded",
}

# OpenAI's ``type`` for a status (reference: openai-chat-completions.md §7).
_OPENAI_TYPE_BY_STATUS: Mapping[int, str] = {
    429: "requests",
    500: "server_error",
    502: "server_error",
    503: "server_error",
    504: "server_error",
    529: "server_error",
}

_OPENAI_TYPE_BY_ANTHROPIC_TYPE: Mapping[str, str] = {
    "rate_limit_error": "requests",
    "api_error": "server_error",
    "overloaded_error": "server_error",
    "timeout_error": "server_error",
}


def anthropic_type_for(status: int) -> str:
    if status in ANTHROPIC_TYPE_BY_STATUS:
        return ANTHROPIC_TYPE_BY_STATUS[status]
    return "api_error" if status >= 500 else "invalid_request_error"


class ApiError(Exception):
    """An error answered to the client in the API's own shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        param: str | None = None,
        code: str | None = None,
        openai_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type or anthropic_type_for(status)
        self.param = param
        # OpenAI names every rate-limit 429 (reference: openai-chat-completions.md §7);
        # a scripted or forced 429 says no more than its status.
        self.code = code if code is not None or status != 429 else "rate_limit_exceeded"
        self.openai_type = openai_type
        self.headers: dict[str, str] = dict(headers or {})

    def openai_error_type(self) -> str:
        if self.openai_type:
            return self.openai_type
        if self.status in _OPENAI_TYPE_BY_STATUS:
            return _OPENAI_TYPE_BY_STATUS[self.status]
        return _OPENAI_TYPE_BY_ANTHROPIC_TYPE.get(self.error_type, "invalid_request_error")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.error_type!r}, {self.message!r})"


def invalid_request(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def not_found(
    message: str = "Not Found", *, param: str | None = None, code: str | None = None
) -> ApiError:
    return ApiError(404, message, param=param, code=code)


def anthropic_error_body(error: ApiError, request_id: str) -> JSONObject:
    return {
        "type": "error",
        "error": {"type": error.error_type, "message": error.message},
        "request_id": request_id,
    }


def anthropic_stream_error_body(error: ApiError, request_id: str) -> JSONObject:
    return anthropic_error_body(error, request_id)


def openai_error_body(error: ApiError) -> JSONObject:
    return {
        "error": {
            "message": error.message,
            "type": error.openai_error_type(),
            "param": error.param,
            "code": error.code,
        }
    }


# The control API's own error shape, whatever API headers the request carried:
# {"error": {"status": 404, "type": "not_found", "message": "..."}}.
_CONTROL_TYPE_BY_STATUS = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def control_error_body(error: ApiError) -> JSONObject:
    kind = _CONTROL_TYPE_BY_STATUS.get(
        error.status, "internal_error" if error.status >= 500 else "error"
    )
    return {"error": {"status": error.status, "type": kind, "message": error.message}}
