"""Response headers each API puts on every answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from emulator.core.ids import ORGANIZATION_ID


@dataclass(frozen=True, slots=True)
class FamilyHeaders:
    """What one API family sends on every answer: its request id under its own name,
    and headers that never change."""

    name: str
    request_id_header: str
    constant: Mapping[str, str]

    def for_request(self, request_id: str) -> dict[str, str]:
        return {self.request_id_header: request_id, **self.constant}


ANTHROPIC = FamilyHeaders(
    "anthropic",
    "request-id",
    MappingProxyType({"anthropic-organization-id": ORGANIZATION_ID}),
)
OPENAI = FamilyHeaders(
    "openai",
    "x-request-id",
    MappingProxyType(
        {
            "openai-version": "2020-10-01",
            "openai-organization": "llm-emulator",
            "openai-processing-ms": "1",
            "access-control-expose-headers": "X-Request-ID",
        }
    ),
)


def anthropic_headers(request_id: str) -> dict[str, str]:
    return ANTHROPIC.for_request(request_id)


def openai_headers(request_id: str) -> dict[str, str]:
    return OPENAI.for_request(request_id)
