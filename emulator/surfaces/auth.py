"""Credentials and the Anthropic version/beta headers, checked before the body."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from emulator.core.errors import ApiError, invalid_request
from emulator.pipeline.config import EmulatorConfig
from emulator.util.wire_text import readable

ANTHROPIC_VERSIONS = frozenset({"2023-01-01", "2023-06-01", "2026-10-21"})

# Beta names known to the real API; any other name is refused under --strict.
KNOWN_BETAS = frozenset(
    {
        "message-batches-2024-09-24",
        "prompt-caching-2024-07-31",
        "computer-use-2024-10-22",
        "computer-use-2025-01-24",
        "computer-use-2025-11-24",
        "pdfs-2024-09-25",
        "token-counting-2024-11-01",
        "token-efficient-tools-2025-02-19",
        "output-128k-2025-02-19",
        "files-api-2025-04-14",
        "mcp-client-2025-04-04",
        "mcp-client-2025-11-20",
        "dev-full-thinking-2025-05-14",
        "interleaved-thinking-2025-05-14",
        "code-execution-2025-05-22",
        "code-execution-2025-08-25",
        "extended-cache-ttl-2025-04-11",
        "context-1m-2025-08-07",
        "context-management-2025-06-27",
        "model-context-window-exceeded-2025-08-26",
        "skills-2025-10-02",
        "fine-grained-tool-streaming-2025-05-14",
        "search-results-2025-06-09",
        "web-fetch-2025-09-10",
        "structured-outputs-2025-11-13",
        "effort-2025-11-24",
        "advanced-tool-use-2025-11-20",
        "fast-mode-2026-02-01",
        "max-tokens-3-5-sonnet-2024-07-15",
        "tools-2024-04-04",
        "tools-2024-05-16",
    }
)
_BETA_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*-\d{4}-\d{2}-\d{2}$")

_OPENAI_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization "
    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field "
    "(with blank username) if you're accessing the API from your browser and are prompted for a "
    "username. You can obtain an API key from https://platform.openai.com/account/api-keys."
)


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("Authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def anthropic_api_key(headers: Mapping[str, str], config: EmulatorConfig) -> str:
    key = headers.get("x-api-key")
    if key is None:
        key = _bearer(headers)
    if key is None:
        raise ApiError(401, "x-api-key header is required")
    if not config.is_key_accepted(key.strip()):
        raise ApiError(401, "invalid x-api-key")
    return key.strip()


def anthropic_caller_key(headers: Mapping[str, str], config: EmulatorConfig) -> str:
    """The API key of an Anthropic request whose key, version and betas pass (in the
    real API's order), else the API's error."""
    key = anthropic_api_key(headers, config)
    anthropic_version(headers)
    anthropic_betas(headers, strict=config.strict)
    return key


def anthropic_version(headers: Mapping[str, str]) -> str:
    version = headers.get("anthropic-version")
    if version is None:
        raise invalid_request("anthropic-version: header is required")
    version = version.strip()
    if version not in ANTHROPIC_VERSIONS:
        raise invalid_request(f'anthropic-version: "{version}" is not a valid version')
    return version


def anthropic_betas(headers: Mapping[str, str], *, strict: bool) -> tuple[str, ...]:
    if "anthropic-beta" not in headers:
        return ()
    names = tuple(
        name.strip()
        for value in headers.getall("anthropic-beta", [])  # type: ignore[attr-defined]
        for name in value.split(",")
        if name.strip()
    )
    unknown = [n for n in names if not _is_beta_accepted(n, KNOWN_BETAS, strict=strict)]
    if unknown:
        listed = ", ".join(f"`{n}`" for n in unknown)
        raise invalid_request(
            f"Unexpected value(s) {listed} for the `anthropic-beta` header. Please consult our "
            "documentation at platform.claude.com/docs or try again without the header."
        )
    return names


def _is_beta_accepted(name: str, known: Collection[str], *, strict: bool) -> bool:
    if name in known:
        return True
    return not strict and bool(_BETA_NAME.match(name))


# mask_key shows the last characters only of keys this long, and then only these.
MASK_MIN_KEY_LENGTH = 20
MASK_SHOWN_SUFFIX = 4
MASK_MAX_PREFIX = 8
_KEY_TYPE_PREFIX = re.compile(r"^[a-z]+-(?:[a-z]+-)?")


def mask_key(key: str) -> str:
    """``key`` as a 401 body (and so the journal) may show it: like OpenAI's
    ``sk-proj-****…abcd``, the key's type label (lower-case letters and dashes, at
    most 8 characters) and its last 4 characters, for keys of 20 characters or
    more; a shorter key shows nothing, not even its length."""
    if len(key) < MASK_MIN_KEY_LENGTH:
        return "*" * 8
    label = _KEY_TYPE_PREFIX.match(key)
    prefix = label.group() if label is not None and len(label.group()) <= MASK_MAX_PREFIX else ""
    hidden = len(key) - len(prefix) - MASK_SHOWN_SUFFIX
    return f"{prefix}{'*' * hidden}{readable(key[-MASK_SHOWN_SUFFIX:])}"


def openai_api_key(headers: Mapping[str, str], config: EmulatorConfig) -> str:
    key = _bearer(headers)
    if not key:
        raise ApiError(401, _OPENAI_NO_KEY, openai_type="invalid_request_error")
    if not config.is_key_accepted(key):
        raise ApiError(
            401,
            f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
            openai_type="invalid_request_error",
        )
    return key
