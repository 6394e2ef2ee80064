"""The route table of every API surface, each handler behind the guard."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from emulator.expect import handle_expect
from emulator.guard import guarded
from emulator.surfaces import anthropic_complete, anthropic_messages, models, openai_chat


def add_api_routes(router: web.UrlDispatcher, prefix: str = "") -> None:
    post = partial(router.add_post, expect_handler=handle_expect)
    get = partial(router.add_get, expect_handler=handle_expect, allow_head=False)
    post(prefix + "/v1/messages", guarded(anthropic_messages.create_message))
    post(prefix + "/v1/messages/count_tokens", guarded(anthropic_messages.count_tokens))
    post(prefix + "/v1/complete", guarded(anthropic_complete.create_completion))
    post(prefix + "/v1/chat/completions", guarded(openai_chat.create_chat_completion))
    get(prefix + "/v1/models", guarded(models.list_models))
    get(prefix + "/v1/models/{model_id}", guarded(models.retrieve_model))
