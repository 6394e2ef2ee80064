"""An answer's headers: its family's, the rate limits', a stream's, its request id.

All but the request id are shared between answers while the rate-limit headers
stay the same object (the unenforced buckets' change once a second), so their
union is kept, both as a multidict (a copy of one is much cheaper than building
one) and serialized (for answers sent whole). Headers made for one answer
(enforced limits) are left to aiohttp: checking and serializing them here would
cost more than it saves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from multidict import CIMultiDict

from emulator.http import sse, whole_response
from emulator.http.headers import FamilyHeaders


@dataclass(frozen=True, slots=True)
class _Shared:
    limit_headers: Mapping[str, str]
    headers: CIMultiDict[str]
    lines: bytes | None


@dataclass(slots=True)  # not frozen: made for every answer, and frozen costs a call per field
class AnswerHead:
    shared: _Shared
    request_id_header: str
    request_id: str

    @property
    def limit_headers(self) -> Mapping[str, str]:
        return self.shared.limit_headers

    def headers(self) -> CIMultiDict[str]:
        """A multidict of its own, for answers that go aiohttp's way."""
        headers = self.shared.headers.copy()
        headers.add(self.request_id_header, self.request_id)
        return headers

    def lines(self) -> bytes | None:
        """Serialized, as ``whole_response.send_whole`` takes them; None when one
        cannot be sent as it is."""
        shared = self.shared.lines
        if shared is None:
            return None
        return shared + whole_response.header_line(self.request_id_header, self.request_id)


def answer_head(
    family: FamilyHeaders, request_id: str, limit_headers: Mapping[str, str], stream: bool
) -> AnswerHead:
    kind = (family.name, stream)
    shared = _LAST_SHARED.get(kind)
    if shared is None or shared.limit_headers is not limit_headers:
        headers = CIMultiDict(family.constant)
        headers.extend(limit_headers)
        if stream:
            headers.update(sse.STREAM_HEADERS)
        if isinstance(limit_headers, MappingProxyType):
            shared = _Shared(limit_headers, headers, whole_response.head_lines(headers.items()))
            _LAST_SHARED[kind] = shared
        else:  # one answer's own (enforced limits): aiohttp serializes them as fast
            shared = _Shared(limit_headers, headers, None)
    return AnswerHead(shared, family.request_id_header, request_id)


# Per family and kind of answer, the last shared limit headers and their union with
# the rest (only read-only limit headers are shared between answers).
_LAST_SHARED: dict[tuple[str, bool], _Shared] = {}
