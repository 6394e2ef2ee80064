"""What a base64 image really is, told by its first bytes, as the APIs check it.

Both APIs take PNG, JPEG, GIF and WebP. Data that is none of them is refused
(Anthropic: ``Could not process image``; OpenAI: ``invalid_image_format``), and
Anthropic also refuses an image whose bytes disagree with its ``media_type``.
"""

from __future__ import annotations

import base64
import binascii

# Enough base64 characters for the longest signature (WebP: 12 bytes), a multiple of 4.
_HEAD_CHARS = 16

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_media_type(data: str) -> str | None:
    """The media type the base64 ``data`` starts like, or None when it is no image
    the APIs take (or not base64)."""
    try:
        head = base64.b64decode(data[:_HEAD_CHARS], validate=True)
    except (binascii.Error, ValueError):
        return None
    for signature, media_type in _SIGNATURES:
        if head.startswith(signature):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def data_url_payload(url: str) -> str | None:
    """The base64 part of a ``data:<type>;base64,<data>`` URL, or None for any other URL."""
    if not url.startswith("data:"):
        return None
    header, comma, payload = url.partition(",")
    return payload if comma and header.endswith(";base64") else None
