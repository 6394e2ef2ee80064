"""Which API a path belongs to, and the route table of every surface."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from emulator.surfaces import anthropic_complete, anthropic_messages, models, openai_chat
from emulator.surfaces.common import Family

ANTHROPIC_PATHS = ("/v1/messages", "/v1/complete")
CONTROL_PREFIX = "/_emulator"


def family_for(path: str, headers: Mapping[str, str]) -> Family:
    """The API whose error shape a request to ``path`` should get."""
    if "/v1/chat/" in path or path.endswith("/v1/chat"):
        return "openai"
    if any(marker in path for marker in ANTHROPIC_PATHS):
        return "anthropic"
    if "anthropic-version" in headers or "x-api-key" in headers:
        return "anthropic"
    return "openai"


def add_api_routes(router: web.UrlDispatcher, prefix: str = "") -> None:
    router.add_post(prefix + "/v1/messages", anthropic_messages.create_message)
    router.add_post(prefix + "/v1/messages/count_tokens", anthropic_messages.count_tokens)
    router.add_post(prefix + "/v1/complete", anthropic_complete.create_completion)
    router.add_post(prefix + "/v1/chat/completions", openai_chat.create_chat_completion)
    router.add_get(prefix + "/v1/models", models.list_models, allow_head=False)
    router.add_get(prefix + "/v1/models/{model_id}", models.retrieve_model, allow_head=False)
