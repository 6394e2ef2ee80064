"""The route table of every API surface, each handler behind the guard."""

from __future__ import annotations

from aiohttp import web

from emulator.guard import guarded
from emulator.record.hook import recording
from emulator.surfaces import (
    anthropic_complete,
    anthropic_messages,
    models,
    openai_chat,
    openai_embeddings,
    openai_responses,
)


def add_api_routes(router: web.UrlDispatcher, prefix: str = "") -> None:
    router.add_post(
        prefix + "/v1/messages", guarded(recording(anthropic_messages.create_message, "messages"))
    )
    router.add_post(
        prefix + "/v1/messages/count_tokens",
        guarded(recording(anthropic_messages.count_tokens, "count_tokens")),
    )
    router.add_post(
        prefix + "/v1/complete",
        guarded(recording(anthropic_complete.create_completion, "complete")),
    )
    router.add_post(
        prefix + "/v1/chat/completions",
        guarded(recording(openai_chat.create_chat_completion, "chat")),
    )
    _add_responses_routes(router, prefix)
    router.add_post(
        prefix + "/v1/embeddings",
        guarded(recording(openai_embeddings.create_embeddings, "embeddings")),
    )
    router.add_get(prefix + "/v1/models", guarded(models.list_models), allow_head=False)
    router.add_get(
        prefix + "/v1/models/{model_id}", guarded(models.retrieve_model), allow_head=False
    )


def _add_responses_routes(router: web.UrlDispatcher, prefix: str) -> None:
    responses = prefix + "/v1/responses"
    router.add_post(responses, guarded(recording(openai_responses.create_response, "responses")))
    router.add_post(
        responses + "/input_tokens",
        guarded(recording(openai_responses.count_input_tokens, "input_tokens")),
    )
    one = responses + "/{response_id}"
    router.add_get(one, guarded(openai_responses.retrieve_response), allow_head=False)
    router.add_delete(one, guarded(openai_responses.delete_response))
    router.add_get(
        one + "/input_items", guarded(openai_responses.list_input_items), allow_head=False
    )
