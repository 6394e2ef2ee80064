"""Stored Responses API responses, per API key, bounded by count and by bytes.

``store: true`` (the default) keeps a response so that ``GET``/``DELETE
/v1/responses/{id}``, its input items and ``previous_response_id`` find it. The
oldest responses are evicted first when either budget is exceeded, as a real
store's retention would eventually drop them.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from emulator.util import jsonvalue
from emulator.util.jsonvalue import JSONObject

DEFAULT_MAX_RESPONSES = 10_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The response as returned, and every input item of its conversation so far
    (the chain through ``previous_response_id`` flattened), each with its id."""

    response: JSONObject
    input_items: tuple[JSONObject, ...]
    size: int


class ResponseStore:
    def __init__(
        self, max_responses: int = DEFAULT_MAX_RESPONSES, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self._entries: OrderedDict[tuple[str, str], StoredResponse] = OrderedDict()
        self._max_responses = max_responses
        self._max_bytes = max_bytes
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def put(
        self,
        owner: str,
        response: JSONObject,
        input_items: tuple[JSONObject, ...],
        response_bytes: int | None = None,
    ) -> None:
        """Keep ``response`` with its input; ``response_bytes``, its serialized size
        when the caller has it at hand (else it is serialized here to be weighed)."""
        if response_bytes is None:
            response_bytes = len(jsonvalue.dumps(response))
        size = response_bytes + sum(len(jsonvalue.dumps(i)) for i in input_items)
        if size > self._max_bytes:
            return  # larger than the whole budget: never kept, as if evicted at once
        key = (owner, str(response["id"]))
        self._drop(key)
        self._entries[key] = StoredResponse(response, input_items, size)
        self._bytes += size
        while len(self._entries) > self._max_responses or self._bytes > self._max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size

    def get(self, owner: str, response_id: str) -> StoredResponse | None:
        return self._entries.get((owner, response_id))

    def delete(self, owner: str, response_id: str) -> bool:
        return self._drop((owner, response_id))

    def _drop(self, key: tuple[str, str]) -> bool:
        found = self._entries.pop(key, None)
        if found is None:
            return False
        self._bytes -= found.size
        return True

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
