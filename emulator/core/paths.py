"""Which API a request path belongs to, by its shape alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Family = Literal["anthropic", "openai"]

CONTROL_PREFIX = "/_emulator"

_OPENAI_PATHS = ("/v1/chat/", "/v1/responses", "/v1/embeddings")


def family_for(path: str, headers: Mapping[str, str]) -> Family:
    """The API whose error shape a request to ``path`` should get."""
    if any(marker in path for marker in _OPENAI_PATHS) or path.endswith("/v1/chat"):
        return "openai"
    if "/v1/messages" in path or "/v1/complete" in path:
        return "anthropic"
    if "anthropic-version" in headers or "x-api-key" in headers:
        return "anthropic"
    return "openai"
