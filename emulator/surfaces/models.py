"""GET /v1/models and GET /v1/models/{id}, in the shape of whichever API asks.

The Anthropic SDKs always send ``anthropic-version``; a request with it gets
the Anthropic shape (cursor pagination), any other the OpenAI shape.
"""

from __future__ import annotations

from aiohttp import web

from emulator.core.catalogue import Catalogue
from emulator.core.errors import ApiError, invalid_request
from emulator.http.headers import anthropic_headers, openai_headers
from emulator.pipeline.keys import REQUEST_ID, RUNTIME
from emulator.pipeline.respond import json_response
from emulator.surfaces.auth import anthropic_api_key, anthropic_version, openai_api_key
from emulator.surfaces.common import page_limit

DEFAULT_PAGE = 20
MAX_PAGE = 1000


def _is_anthropic(http: web.Request) -> bool:
    return "anthropic-version" in http.headers


def _page_limit(raw: str | None) -> int:
    return page_limit(
        raw,
        default=DEFAULT_PAGE,
        maximum=MAX_PAGE,
        not_an_integer=lambda _: invalid_request(
            "limit: Input should be a valid integer, unable to parse string as an integer"
        ),
        out_of_range=lambda _: invalid_request(f"limit: Input should be between 1 and {MAX_PAGE}"),
    )


def _cursor_id(catalogue: Catalogue, cursor: str | None) -> str | None:
    """A page cursor may name a model by an alias: it stands for the model's id."""
    if cursor is None:
        return None
    info = catalogue.by_name.get(cursor)
    return info.id if info is not None and info.provider == "anthropic" else cursor


def _anthropic_page(catalogue: Catalogue, http: web.Request) -> dict[str, object]:
    limit = _page_limit(http.query.get("limit"))
    ordered = sorted(catalogue.for_provider("anthropic"), key=lambda m: m.created, reverse=True)
    ids = [m.id for m in ordered]
    after = _cursor_id(catalogue, http.query.get("after_id"))
    before = _cursor_id(catalogue, http.query.get("before_id"))
    if before is not None:
        end = ids.index(before) if before in ids else 0
        page = ordered[max(0, end - limit) : end]
        has_more = end - limit > 0
    else:
        start = ids.index(after) + 1 if after in ids else (len(ids) if after else 0)
        page = ordered[start : start + limit]
        has_more = start + limit < len(ordered)
    return {
        "data": [m.to_anthropic() for m in page],
        "has_more": has_more,
        "first_id": page[0].id if page else None,
        "last_id": page[-1].id if page else None,
    }


async def list_models(http: web.Request) -> web.StreamResponse:
    rt = http.app[RUNTIME]
    if _is_anthropic(http):
        anthropic_api_key(http.headers, rt.config)
        anthropic_version(http.headers)
        body = _anthropic_page(rt.catalogue, http)
        return json_response(body, anthropic_headers(http[REQUEST_ID]))
    openai_api_key(http.headers, rt.config)
    data = [m.to_openai() for m in rt.catalogue.models]
    return json_response({"object": "list", "data": data}, openai_headers(http[REQUEST_ID]))


async def retrieve_model(http: web.Request) -> web.StreamResponse:
    rt = http.app[RUNTIME]
    name = http.match_info["model_id"]
    info = rt.catalogue.lookup(name)
    if _is_anthropic(http):
        anthropic_api_key(http.headers, rt.config)
        anthropic_version(http.headers)
        if info is None or info.provider != "anthropic":
            raise ApiError(404, f"model: {name}")
        return json_response(info.to_anthropic(), anthropic_headers(http[REQUEST_ID]))
    openai_api_key(http.headers, rt.config)
    if info is None:
        raise ApiError(
            404,
            f"The model '{name}' does not exist",
            param="model",
            code="model_not_found",
            openai_type="invalid_request_error",
        )
    body = info.to_openai()
    if name in info.aliases:  # an OpenAI snapshot is a model of its own, under its own id
        body["id"] = name
    return json_response(body, openai_headers(http[REQUEST_ID]))
