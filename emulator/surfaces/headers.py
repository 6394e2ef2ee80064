"""Response headers each API puts on every answer."""

from __future__ import annotations

from emulator.ids import ORGANIZATION_ID


def anthropic_headers(request_id: str) -> dict[str, str]:
    return {"request-id": request_id, "anthropic-organization-id": ORGANIZATION_ID}


def openai_headers(request_id: str) -> dict[str, str]:
    return {
        "x-request-id": request_id,
        "openai-version": "2020-10-01",
        "openai-organization": "llm-emulator",
        "openai-processing-ms": "1",
        "access-control-expose-headers": "X-Request-ID",
    }
