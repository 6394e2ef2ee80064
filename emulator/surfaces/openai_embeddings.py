"""POST /v1/embeddings: deterministic vectors (emulator.scenario.embeddings), API-shaped."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

from aiohttp import web

from emulator.core.catalogue import Catalogue
from emulator.core.errors import ApiError, invalid_request
from emulator.core.tokenizer import count_tokens
from emulator.http.headers import openai_headers
from emulator.pipeline.keys import EXCHANGE, REQUEST_ID, RUNTIME
from emulator.pipeline.record_hook import replayed
from emulator.scenario import embeddings
from emulator.surfaces.auth import openai_api_key
from emulator.surfaces.common import checked_json_bytes, decode_json_object, read_body
from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject, JSONValue
from emulator.validation.schemas import openai_error_fields

MAX_INPUTS = 2048
# Per input, for a model the catalogue does not list (listed ones: their context_window).
MAX_INPUT_TOKENS = 8192
MAX_REQUEST_TOKENS = 300_000
# Above this many components in one answer, the vectors are made off the event loop.
_INLINE_COMPONENTS = 64 * 1536

_INVALID_INPUT = (
    "'$.input' is invalid. Please check the API reference: "
    "https://platform.openai.com/docs/api-reference."
)


# What --accept-any-model answers for a name the catalogue does not list.
_STAND_IN = "text-embedding-3-small"
_STAND_IN_DIMS = 1536


@dataclass(frozen=True, slots=True)
class EmbeddingModel:
    """What an embeddings request may ask of its model (from the catalogue)."""

    dims: int
    sets_dimensions: bool
    max_input_tokens: int


def _items(raw: object) -> list[str | list[int]]:
    if isinstance(raw, str):
        items: list[str | list[int]] = [raw]
    elif isinstance(raw, list) and raw and all(type(t) is int for t in raw):
        items = [list(raw)]
    elif isinstance(raw, list):
        items = list(raw)
    else:
        items = []
    if not items or len(items) > MAX_INPUTS or any(len(item) == 0 for item in items):
        raise invalid_request(_INVALID_INPUT)
    return items


def _tokens(item: str | list[int]) -> int:
    return count_tokens(item) if isinstance(item, str) else len(item)


def _model(body: JSONObject, catalogue: Catalogue) -> tuple[str, EmbeddingModel]:
    name = str(body["model"])
    info = catalogue.lookup(name)
    if info is None:
        if not catalogue.accept_any:
            raise ApiError(
                404,
                f"The model `{name}` does not exist or you do not have access to it.",
                code="model_not_found",
                openai_type="invalid_request_error",
            )
        info = catalogue.lookup(_STAND_IN)
        if info is None or not info.is_embedding:
            return name, EmbeddingModel(_STAND_IN_DIMS, True, MAX_INPUT_TOKENS)
    if not info.is_embedding:
        # The real API's answer for a text model (403, no param or code).
        raise ApiError(
            403,
            "You are not allowed to generate embeddings from this model",
            openai_type="invalid_request_error",
        )
    return name, EmbeddingModel(
        info.embedding_dimensions, info.shortens_embeddings, info.context_window
    )


def _dims(body: JSONObject, model: EmbeddingModel) -> int:
    asked = body.get("dimensions")
    if asked is None:
        return model.dims
    if not model.sets_dimensions:
        raise invalid_request("This model does not support specifying dimensions.")
    if not isinstance(asked, int) or not 1 <= asked <= model.dims:
        raise invalid_request(
            f"Invalid value for 'dimensions' = {asked}. Must be between 1 and {model.dims}.",
            param="dimensions",
        )
    return asked


def _render(
    items: list[str | list[int]],
    *,
    name: str,
    seed: int,
    model: EmbeddingModel,
    dims: int,
    as_base64: bool,
    tokens: int,
) -> bytes:
    data: list[JSONValue] = []
    for index, item in enumerate(items):
        vector = embeddings.embed(item, model=name, seed=seed, native_dims=model.dims, dims=dims)
        value: JSONValue = embeddings.as_base64(vector) if as_base64 else vector.tolist()
        data.append({"object": "embedding", "index": index, "embedding": value})
    body = {
        "object": "list",
        "data": data,
        "model": name,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return jsonvalue.dumps(body)


async def create_embeddings(http: web.Request) -> web.StreamResponse:
    rt = http.app[RUNTIME]
    openai_api_key(http.headers, rt.config)
    http[EXCHANGE].api = "embeddings"
    limit = rt.config.max_body_bytes
    raw = checked_json_bytes(http, await read_body(http, limit), limit, "openai")
    body = decode_json_object(http, raw, "openai")
    violation = rt.schemas.validate("openai_embeddings_request", body)
    if violation is not None:
        message, param, code = openai_error_fields(violation)
        raise invalid_request(message, param=param, code=code)
    if rt.recorded_index():
        recorded = await replayed(http, "embeddings", body)
        if recorded is not None:
            return recorded
    name, model = _model(body, rt.catalogue)
    dims = _dims(body, model)
    items = _items(body.get("input"))
    counts = [_tokens(item) for item in items]
    for index, count in enumerate(counts):
        if count > model.max_input_tokens:
            raise invalid_request(
                f"This model's maximum context length is {model.max_input_tokens} tokens, "
                f"however you requested {count} tokens ({count} in your prompt; 0 for the "
                "completion). Please reduce your prompt; or completion length.",
                param=f"input[{index}]" if len(items) > 1 else "input",
            )
    tokens = sum(counts)
    if tokens > MAX_REQUEST_TOKENS:
        raise invalid_request(
            f"Requested {tokens} tokens, max {MAX_REQUEST_TOKENS} tokens per request",
            param="input",
            code="max_tokens_per_request",
        )
    make = partial(
        _render,
        items,
        name=name,
        seed=rt.config.seed,
        model=model,
        dims=dims,
        as_base64=body.get("encoding_format") == "base64",
        tokens=tokens,
    )
    small = len(items) * dims <= _INLINE_COMPONENTS
    payload = make() if small else await asyncio.to_thread(make)
    http[EXCHANGE].response_body = payload
    return web.Response(
        body=payload, headers=openai_headers(http[REQUEST_ID]), content_type="application/json"
    )
