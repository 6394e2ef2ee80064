"""JSON typing aliases and the one JSON codec (orjson) used everywhere."""

from __future__ import annotations

from typing import Any

import orjson

JSONValue = Any  # untrusted JSON until validated; narrowed by the surfaces
JSONObject = dict[str, Any]


dumps = orjson.dumps


def dumps_str(value: object) -> str:
    return orjson.dumps(value).decode()


def canonical(value: object) -> bytes:
    """Key-sorted bytes: equal JSON values give equal bytes."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def loads(data: bytes | str) -> JSONValue:
    return orjson.loads(data)


JSONDecodeError = orjson.JSONDecodeError
