"""The route table of every API surface, each handler behind the guard."""

from __future__ import annotations

from aiohttp import web

from emulator.guard import guarded
from emulator.surfaces import anthropic_complete, anthropic_messages, models, openai_chat


def add_api_routes(router: web.UrlDispatcher, prefix: str = "") -> None:
    router.add_post(prefix + "/v1/messages", guarded(anthropic_messages.create_message))
    router.add_post(prefix + "/v1/messages/count_tokens", guarded(anthropic_messages.count_tokens))
    router.add_post(prefix + "/v1/complete", guarded(anthropic_complete.create_completion))
    router.add_post(prefix + "/v1/chat/completions", guarded(openai_chat.create_chat_completion))
    router.add_get(prefix + "/v1/models", guarded(models.list_models), allow_head=False)
    router.add_get(
        prefix + "/v1/models/{model_id}", guarded(models.retrieve_model), allow_head=False
    )
