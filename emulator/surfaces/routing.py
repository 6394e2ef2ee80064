"""The route table of every API surface, each handler behind the guard."""

from __future__ import annotations

from functools import partial

from aiohttp import web
from aiohttp.typedefs import Handler

from emulator.pipeline.record_hook import recording
from emulator.surfaces import (
    anthropic_complete,
    anthropic_messages,
    models,
    openai_chat,
    openai_embeddings,
    openai_responses,
)
from emulator.surfaces.expect import handle_expect
from emulator.surfaces.guard import guarded


def add_api_routes(router: web.UrlDispatcher, prefix: str = "") -> None:
    post = partial(router.add_post, expect_handler=handle_expect)
    get = partial(router.add_get, expect_handler=handle_expect, allow_head=False)
    delete = partial(router.add_delete, expect_handler=handle_expect)

    def recorded(handler: Handler, surface: str) -> Handler:
        return guarded(recording(handler, surface))

    post(prefix + "/v1/messages", recorded(anthropic_messages.create_message, "messages"))
    post(
        prefix + "/v1/messages/count_tokens",
        recorded(anthropic_messages.count_tokens, "count_tokens"),
    )
    post(prefix + "/v1/complete", recorded(anthropic_complete.create_completion, "complete"))
    post(prefix + "/v1/chat/completions", recorded(openai_chat.create_chat_completion, "chat"))
    responses = prefix + "/v1/responses"
    post(responses, recorded(openai_responses.create_response, "responses"))
    post(
        responses + "/input_tokens",
        recorded(openai_responses.count_input_tokens, "input_tokens"),
    )
    get(responses + "/{response_id}", guarded(openai_responses.retrieve_response))
    delete(responses + "/{response_id}", guarded(openai_responses.delete_response))
    get(responses + "/{response_id}/input_items", guarded(openai_responses.list_input_items))
    post(prefix + "/v1/embeddings", recorded(openai_embeddings.create_embeddings, "embeddings"))
    get(prefix + "/v1/models", guarded(models.list_models))
    get(prefix + "/v1/models/{model_id}", guarded(models.retrieve_model))
