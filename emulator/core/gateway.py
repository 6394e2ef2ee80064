"""Gateway-facing settings: route prefixes and extra required headers.

``--require-header NAME`` demands the header on every API request;
``NAME=VALUE`` demands that exact value; ``/prefix:NAME[=VALUE]`` applies only
under one route prefix. A missing or wrong header gets a 401 in the API's own
shape, naming the header.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from emulator.core.errors import ApiError
from emulator.util.wire_text import same_secret


@dataclass(frozen=True, slots=True)
class RequiredHeader:
    name: str
    value: str | None = None
    prefix: str | None = None

    def applies_to(self, path: str) -> bool:
        return self.prefix is None or path == self.prefix or path.startswith(self.prefix + "/")

    def failure(self, headers: Mapping[str, str]) -> ApiError | None:
        given = headers.get(self.name)
        if given is None:
            return ApiError(
                401, f"{self.name} header is required", openai_type="invalid_request_error"
            )
        if self.value is not None and not same_secret(given.strip(), self.value):
            return ApiError(
                401,
                f"invalid {self.name} header",
                code="invalid_api_key",
                openai_type="invalid_request_error",
            )
        return None


def normalize_prefix(raw: str) -> str:
    prefix = "/" + raw.strip().strip("/")
    if prefix == "/":
        raise ValueError(
            "a route prefix cannot be empty (the root is always served unless --no-root)"
        )
    if any(c.isspace() or c in "{}?#" for c in prefix):
        raise ValueError(f"invalid route prefix {raw!r}")
    return prefix


def parse_required_header(spec: str) -> RequiredHeader:
    prefix = None
    rest = spec.strip()
    if rest.startswith("/"):
        prefix_part, sep, rest = rest.partition(":")
        if not sep:
            raise ValueError(f"{spec!r}: expected /prefix:NAME[=VALUE]")
        prefix = normalize_prefix(prefix_part)
    name, sep, value = rest.partition("=")
    name = name.strip()
    if not name or any(c.isspace() or c == ":" for c in name):
        raise ValueError(f"{spec!r}: expected NAME or NAME=VALUE")
    return RequiredHeader(name, value.strip() if sep else None, prefix)


def check_required_headers(
    rules: Iterable[RequiredHeader], path: str, headers: Mapping[str, str]
) -> None:
    for rule in rules:
        if rule.applies_to(path):
            failure = rule.failure(headers)
            if failure is not None:
                raise failure
