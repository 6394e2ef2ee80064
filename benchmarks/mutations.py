"""Mutated requests for every endpoint: valid seeds bent by hostile changes.

One vocabulary serves the hypothesis suite (which draws through hypothesis and
shrinks) and ``python -m benchmarks.fuzz`` (which draws from a seeded
``random.Random``): both go through a ``Chooser``.

Coverage: every route (the Anthropic and OpenAI APIs at the root and under
route prefixes, /v1/models and /v1/models/{id}, every /_emulator control route,
/healthz, /metrics, an unknown path), with
- body values replaced, deleted, wrapped or added: wrong types, huge and
  boundary integers, -0.0, tiny and huge floats, control characters, long
  strings, nesting up to 5,000 levels;
- raw JSON literals no encoder writes: 1e400, NaN, Infinity, -0, 5,000-digit
  integers, lone surrogate escapes;
- body bytes: invalid UTF-8, NUL and control bytes, a BOM, truncation, random
  bytes, UTF-16 with a charset;
- encodings: real and fake gzip/deflate, br, zstd, unknown codings,
  content-types and charsets, chunked transfer;
- headers: any bytes (invalid UTF-8, NUL, DEL, lone CR or LF, 8 KiB values) in
  the key, version, beta, Expect, test-id, override (x-emulator-force) and
  gateway headers, missing and repeated headers, malformed header names;
- admin tokens (a server with --admin-token) and required gateway headers;
- methods, query strings (bad numbers, bad percent-escapes) and model ids.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

T = TypeVar("T")
Family = Literal["anthropic", "openai"]

CLAUDE = "claude-sonnet-4-6"
GPT = "gpt-4o-mini"
API_KEY = "sk-ant-fuzz-0123456789abcdef"
GATEWAY_HEADER = "x-gateway-auth"  # the --require-header name fuzzed servers demand


class Chooser(Protocol):
    def pick(self, options: Sequence[T]) -> T: ...

    def number(self, lo: int, hi: int) -> int: ...

    def octets(self, max_size: int) -> bytes: ...


@dataclass(frozen=True)
class Target:
    """How the server under test was started (what a valid request must carry)."""

    prefixes: tuple[str, ...] = ("",)
    admin_token: str | None = None
    required: tuple[tuple[str, str], ...] = ()


@dataclass
class Case:
    method: str
    path: str
    query: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    chunked: bool = False
    # The error shape every 4xx must have; None where either API's is right
    # (models, health, unknown paths: chosen by the request's headers; the control
    # API's paths have a shape of their own, schemas/control_error.json).
    family: Family | None = None
    # x-emulator-force asked for a fault: a dropped or cut answer is what was asked.
    forced_fault: bool = False
    labels: list[str] = field(default_factory=list)
    # The deepest nesting of the JSON body before any byte or encoding change.
    depth: int = 0

    def header(self, name: str) -> bytes | None:
        wanted = name.encode().lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def encode(self) -> bytes:
        head = [f"{self.method} {self.path}".encode() + self.query + b" HTTP/1.1"]
        head += [b"host: 127.0.0.1", b"connection: close"]
        head += [key + b": " + value for key, value in self.headers]
        if self.chunked:
            head.append(b"transfer-encoding: chunked")
            half = len(self.body) // 2
            parts = [p for p in (self.body[:half], self.body[half:]) if p]
            body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
        else:
            head.append(b"content-length: %d" % len(self.body))
            body = self.body
        return b"\r\n".join(head) + b"\r\n\r\n" + body


ANTHROPIC = (("x-api-key", API_KEY), ("anthropic-version", "2023-06-01"))
OPENAI = (("authorization", "Bearer " + API_KEY),)
JSON = (("content-type", "application/json"),)
SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 1, "maxLength": 40},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 3},
    },
    "required": ["city"],
    "additionalProperties": False,
}
USER = [{"role": "user", "content": "hello there"}]


@dataclass(frozen=True)
class Seed:
    """A valid request: ``api`` routes are served under every prefix."""

    name: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: object = None
    api: bool = True
    control: bool = False


SEEDS: tuple[Seed, ...] = (
    Seed("messages", "POST", "/v1/messages", ANTHROPIC + JSON,
         {"model": CLAUDE, "max_tokens": 32, "messages": USER}),
    Seed("messages-rich", "POST", "/v1/messages", ANTHROPIC + JSON, {
        "model": CLAUDE, "max_tokens": 64, "stream": False, "temperature": 0.5,
        "system": [{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}],
        "messages": [*USER, {"role": "assistant", "content": [{"type": "text", "text": "hi"}]},
                     {"role": "user", "content": [{"type": "text", "text": "weather?"}]}],
        "tools": [{"name": "weather", "description": "w", "input_schema": SCHEMA}],
        "tool_choice": {"type": "auto"}, "stop_sequences": ["END"],
        "metadata": {"user_id": "u1"}}),
    Seed("messages-tool", "POST", "/v1/messages", ANTHROPIC + JSON, {
        "model": CLAUDE, "max_tokens": 64, "messages": USER,
        "tools": [{"name": "weather", "input_schema": SCHEMA}],
        "tool_choice": {"type": "tool", "name": "weather"}}),
    Seed("messages-stream", "POST", "/v1/messages", ANTHROPIC + JSON,
         {"model": CLAUDE, "max_tokens": 32, "messages": USER, "stream": True}),
    Seed("messages-thinking", "POST", "/v1/messages", ANTHROPIC + JSON, {
        "model": CLAUDE, "max_tokens": 2048, "messages": USER,
        "thinking": {"type": "enabled", "budget_tokens": 1024}}),
    Seed("count-tokens", "POST", "/v1/messages/count_tokens", ANTHROPIC + JSON,
         {"model": CLAUDE, "messages": USER, "tools": [{"name": "t", "input_schema": SCHEMA}]}),
    Seed("complete", "POST", "/v1/complete", ANTHROPIC + JSON, {
        "model": "claude-2.1", "prompt": "\n\nHuman: hi\n\nAssistant:",
        "max_tokens_to_sample": 32, "stop_sequences": ["\n\nHuman:"]}),
    Seed("complete-stream", "POST", "/v1/complete", ANTHROPIC + JSON, {
        "model": "claude-2.1", "prompt": "\n\nHuman: hi\n\nAssistant:",
        "max_tokens_to_sample": 32, "stream": True}),
    Seed("chat", "POST", "/v1/chat/completions", OPENAI + JSON,
         {"model": GPT, "messages": USER, "max_tokens": 32}),
    Seed("chat-rich", "POST", "/v1/chat/completions", OPENAI + JSON, {
        "model": GPT, "n": 2, "temperature": 0.2, "top_p": 0.9, "seed": 7, "user": "u",
        "messages": [{"role": "system", "content": "brief"}, *USER],
        "tools": [{"type": "function",
                   "function": {"name": "weather", "parameters": SCHEMA, "strict": True}}],
        "tool_choice": "auto", "stop": ["END"], "logit_bias": {"50256": -100}}),
    Seed("chat-format", "POST", "/v1/chat/completions", OPENAI + JSON, {
        "model": GPT, "messages": USER,
        "response_format": {"type": "json_schema",
                            "json_schema": {"name": "w", "schema": SCHEMA, "strict": True}}}),
    Seed("chat-stream", "POST", "/v1/chat/completions", OPENAI + JSON, {
        "model": GPT, "messages": USER, "stream": True,
        "stream_options": {"include_usage": True}}),
    Seed("models-anthropic", "GET", "/v1/models", ANTHROPIC),
    Seed("models-openai", "GET", "/v1/models", OPENAI),
    Seed("model-anthropic", "GET", "/v1/models/" + CLAUDE, ANTHROPIC),
    Seed("model-openai", "GET", "/v1/models/" + GPT, OPENAI),
    Seed("healthz", "GET", "/healthz", (), api=False),
    Seed("metrics", "GET", "/metrics", (), api=False),
    Seed("unknown", "GET", "/v1/nothing/here", OPENAI, api=False),
    Seed("scenarios-list", "GET", "/_emulator/scenarios", (), api=False, control=True),
    Seed("scenario-add", "POST", "/_emulator/scenarios", JSON, {
        "name": "fuzzed", "rules": [{"name": "r", "match": {"last_user_text": "^zzz-(?P<x>\\w+)$"},
                                     "reply": {"text": "got {x}"}}]}, api=False, control=True),
    Seed("scenario-put", "PUT", "/_emulator/scenarios/fuzzed", JSON,
         {"rules": [{"name": "r", "match": {"model": "nobody-*"}, "reply": {"text": "t"}}]},
         api=False, control=True),
    Seed("scenario-delete", "DELETE", "/_emulator/scenarios/nothing", (), api=False, control=True),
    Seed("journal", "GET", "/_emulator/journal", (), api=False, control=True),
    Seed("cache", "GET", "/_emulator/cache", (), api=False, control=True),
    Seed("clock", "GET", "/_emulator/clock", (), api=False, control=True),
    Seed("clock-advance", "POST", "/_emulator/clock/advance", JSON, {"seconds": 1},
         api=False, control=True),
    Seed("chaos", "PUT", "/_emulator/chaos", JSON, {"specs": ["rate_limit=0"]},
         api=False, control=True),
    Seed("rate-limits", "PUT", "/_emulator/rate-limits", JSON,
         {"specs": ["rpm=1000000,itpm=100000000,otpm=100000000"]}, api=False, control=True),
)  # fmt: skip


def family_of(path: str) -> Family | None:
    if "/v1/chat/" in path:
        return "openai"
    if "/v1/messages" in path or "/v1/complete" in path:
        return "anthropic"
    return None


# --- values -----------------------------------------------------------------

_LIT = "\x00lit:"  # a string that stands for a raw JSON literal, swapped in after dumps

RAW_LITERALS = (
    "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "-0", "-0.0", "1E+999999999",
    "18446744073709551616", "-9223372036854775809", "1" + "0" * 5000, "0.1e-99999",
    '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', "01", "+1", ".5", "0x10", "1_000",
    "[1,]", "{,}", "tru", '"\t"',
)  # fmt: skip

INTEGERS = (0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, 10**400)
FLOATS = (-0.0, 0.5, 1e-300, 5e-324, 1e308, 1e20, -1e20, 1.7976931348623157e308)
STRINGS = (
    "", " ", "\x00", "\x1b[31m", "\x7f", "\u2028\u2029", "\ufeff", "é" * 5, "💥", "a" * 70_000,
    "\r\n\r\nHTTP/1.1 200 OK", "{{x}}", "${x}", "%s%n", "^(a+)+$", "../../etc/passwd",
    "claude-*", "gpt-4o-mini\x00", "\n\nHuman: x\n\nAssistant:",
)  # fmt: skip
DEPTHS = (2, 20, 100, 200, 300, 1000, 5000)


def nested(depth: int, kind: str) -> str:
    """``depth`` levels of lists or objects, as a raw literal (too deep for json.dumps)."""
    opener, closer = ("[", "]") if kind == "list" else ('{"a":', "}")
    return _LIT + opener * depth + "1" + closer * depth


def nesting_depth(body: bytes) -> int:
    """The deepest nesting of brackets in ``body`` outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def hostile_value(c: Chooser) -> object:
    kind = c.pick(("int", "float", "str", "literal", "nest", "type", "container"))
    if kind == "int":
        return c.pick(INTEGERS)
    if kind == "float":
        return c.pick(FLOATS)
    if kind == "str":
        return c.pick(STRINGS)
    if kind == "literal":
        return _LIT + c.pick(RAW_LITERALS)
    if kind == "nest":
        return nested(c.pick(DEPTHS), c.pick(("list", "dict")))
    if kind == "type":
        return c.pick((None, True, False, [], {}, "", 0))
    return c.pick(([None], [[]], {"": None}, {"type": "text"}, [{"type": "image"}], ["x"] * 50))


# --- body object mutations ------------------------------------------------------

Slot = tuple[dict[str, object] | list[object], str | int]


def slots(value: object) -> list[Slot]:
    """Every (container, key) in ``value``, outermost first."""
    found: list[Slot] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                found.append((node, key))
                stack.append(child)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                found.append((node, index))
                stack.append(child)
    return found


def mutate_object(c: Chooser, body: object, labels: list[str]) -> object:
    """One change somewhere in ``body`` (changed in place where it can be)."""
    places = slots(body)
    how = c.pick(("replace", "replace", "delete", "wrap", "add", "whole"))
    if how == "whole" or not places:
        labels.append("body:whole")
        return hostile_value(c)
    container, key = c.pick(places)
    if how == "replace":
        labels.append(f"body:replace:{key}")
        container[key] = hostile_value(c)  # type: ignore[index]  # key fits its container
    elif how == "delete":
        labels.append(f"body:delete:{key}")
        del container[key]  # type: ignore[arg-type]  # key fits its container
    elif how == "wrap":
        labels.append(f"body:wrap:{key}")
        inner = container[key]  # type: ignore[index]  # key fits its container
        container[key] = c.pick(([inner], {"x": inner}, [inner, inner]))  # type: ignore[index]
    elif isinstance(container, dict):
        labels.append("body:add")
        container[c.pick(("x", "", "\x00", "type", "__proto__", "stream", "n"))] = hostile_value(c)
    else:
        labels.append("body:append")
        container.append(hostile_value(c))
    return body


def serialize(body: object) -> bytes:
    text = json.dumps(body, allow_nan=True)
    marker = json.dumps(_LIT)[:-1]
    if marker not in text:
        return text.encode()
    decoder = json.JSONDecoder()
    out: list[str] = []
    done = 0
    while (at := text.find(marker, done)) >= 0:
        literal, done_at = decoder.raw_decode(text, at)
        out += [text[done:at], literal[len(_LIT) :]]
        done = done_at
    out.append(text[done:])
    return "".join(out).encode()


# --- byte, header and request-line mutations ---------------------------------

BAD_BYTES = (b"\xff", b"\xc3\x28", b"\x00", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\x1b", b"\x80")
HEADER_NAMES = (
    "x-api-key", "authorization", "anthropic-version", "anthropic-beta", "expect",
    "x-emulator-force", "x-emulator-test-id", "content-type", "accept", "openai-organization",
    "x-stainless-retry-count", "user-agent", "x-gateway-auth", "x-unknown",
)  # fmt: skip
HEADER_VALUES = (
    b"\xff", b"\x80abc", "é".encode(), "é".encode("latin-1"), b"\x00", b"\x7f", b"a\tb",
    b"a" * 9000, b"sk-\xff\xfe", b"Bearer \xff", b"Bearer " + "ключ".encode(), b"", b" ",
    b"2023-06-01\x00", b"prompt-caching-2024-07-31,\xff", b"100-continue", b"\x01\x02",
    b"a\rb", b"a\nb", b"a\r\n b",
)  # fmt: skip
FORCE_VALUES = (
    "drop:inf", "drop:nan", "drop:-inf", "drop:1e400", "stall:nan", "stall:inf", "stall:-1",
    "stall:1e400", "stall:-0", "drop:-1", "drop:1e30", "malformed:nan", "error_event:inf",
    "empty:nan", "429", "400", "404", "0", "99999999999999999999", "{", "[]", "{}",
    '{"error": {"status": 429, "retry_after": 1e400}}', '{"error": {"status": "x"}}',
    '{"text": 1}', '{"fault": {"kind": "stall", "seconds": -1}}', "stall:0.001", "drop:0",
    "unknown", "drop:", ":", "stall:1:2", "\x00",
)  # fmt: skip
FAULT_KINDS = ("drop", "stall", "malformed", "empty", "error_event")
CONTENT_TYPES = (
    b"application/json; charset=utf-16", b"application/json; charset=latin-1",
    b"application/json; charset=\xff", b"text/plain", b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=x", b"application/yaml", b"application/json;;;", b"",
    b"application/json; charset=utf-8; charset=ascii", b"*/*",
)  # fmt: skip
QUERIES = (
    b"?limit=0", b"?limit=1e400", b"?limit=-1", b"?limit=%ff", b"?limit=99999999999999999999",
    b"?since=nan", b"?since=inf", b"?since=1e400", b"?since=-1e400", b"?api=%00", b"?path=%zz",
    b"?test_id=%ff%fe", b"?after_id=\xff", b"?before_id=x&after_id=y", b"?beta=true",
    b"?" + b"a=b&" * 2000,
)  # fmt: skip
MODEL_IDS = ("%ff", "%00", "a" * 5000, "..%2f..", "claude-*", "%2e", "\xe9")
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO")


def _set_header(case: Case, name: bytes, value: bytes) -> None:
    case.headers = [(k, v) for k, v in case.headers if k.lower() != name.lower()]
    case.headers.append((name, value))


def _encoding(c: Chooser, case: Case) -> None:
    how = c.pick(("gzip", "deflate", "fake-gzip", "fake-deflate", "br", "zstd", "identity",
                  "gzip, deflate", "x-unknown", "\xff", "truncated-gzip"))  # fmt: skip
    case.labels.append(f"encoding:{how}")
    if how == "gzip":
        case.body = gzip.compress(case.body)
    elif how == "deflate":
        case.body = zlib.compress(case.body)
    elif how == "truncated-gzip":
        case.body = gzip.compress(case.body)[:-6]
        how = "gzip"
    name = how.removeprefix("fake-")
    _set_header(case, b"content-encoding", name.encode("latin-1"))


def _header_value(c: Chooser, case: Case) -> None:
    name = c.pick(HEADER_NAMES)
    value = c.pick((*HEADER_VALUES, c.octets(40)))
    case.labels.append(f"header:{name}")
    _set_header(case, name.encode(), value)


def _force(c: Chooser, case: Case) -> None:
    value = c.pick(FORCE_VALUES)
    case.labels.append(f"force:{value[:24]}")
    kind = value.partition(":")[0]
    case.forced_fault = kind in FAULT_KINDS or value.startswith("{")
    _set_header(case, b"x-emulator-force", value.encode())


def _drop_header(c: Chooser, case: Case) -> None:
    if case.headers:
        name = c.pick(case.headers)[0]
        case.labels.append(f"drop-header:{name.decode('latin-1')}")
        case.headers = [(k, v) for k, v in case.headers if k != name]


def _repeat_header(c: Chooser, case: Case) -> None:
    if case.headers:
        name, _ = c.pick(case.headers)
        case.labels.append(f"repeat-header:{name.decode('latin-1')}")
        case.headers.append((name, c.pick(HEADER_VALUES[:12])))


def _header_name(c: Chooser, case: Case) -> None:
    name = c.pick((b"x-api-key ", b"X-API-KEY", b"x\xffy", b"x-api-key\t", b"x y", b"\x00"))
    case.labels.append("header-name")
    case.headers.append((name, API_KEY.encode()))


def _body_bytes(c: Chooser, case: Case) -> None:
    how = c.pick(("insert", "truncate", "random", "bom", "utf16"))
    case.labels.append(f"bytes:{how}")
    at = c.number(0, len(case.body))
    if how == "insert":
        case.body = case.body[:at] + c.pick((*BAD_BYTES, c.octets(8))) + case.body[at:]
    elif how == "truncate":
        case.body = case.body[:at]
    elif how == "random":
        case.body = c.octets(300)
    elif how == "bom":
        case.body = b"\xef\xbb\xbf" + case.body
    else:
        case.body = case.body.decode("utf-8", "replace").encode("utf-16")
        _set_header(case, b"content-type", b"application/json; charset=utf-16")


def _content_type(c: Chooser, case: Case) -> None:
    case.labels.append("content-type")
    _set_header(case, b"content-type", c.pick(CONTENT_TYPES))


def _request_line(c: Chooser, case: Case) -> None:
    how = c.pick(("method", "query", "model-id"))
    case.labels.append(f"line:{how}")
    if how == "method":
        case.method = c.pick(METHODS)
    elif how == "query":
        case.query = c.pick(QUERIES)
    else:
        prefix = case.path.partition("/v1/")[0]
        case.path = f"{prefix}/v1/models/{c.pick(MODEL_IDS)}"


def _chunked(c: Chooser, case: Case) -> None:
    case.labels.append("chunked")
    case.chunked = True


def _admin(c: Chooser, case: Case) -> None:
    value = c.pick((b"Bearer \xff", b"Bearer " + "é".encode(), b"Bearer ", b"Basic abc", b"",
                    b"Bearer wrong", b"bearer  spaced", b"Bearer \x00", c.octets(20)))  # fmt: skip
    case.labels.append("admin-token")
    _set_header(case, b"authorization", value)


CaseMutator = Callable[[Chooser, Case], None]
CASE_MUTATORS: tuple[CaseMutator, ...] = (
    _encoding, _header_value, _header_value, _force, _drop_header, _repeat_header,
    _header_name, _body_bytes, _body_bytes, _content_type, _request_line, _chunked, _admin,
)  # fmt: skip


def make_case(c: Chooser, target: Target) -> Case:
    """A valid request for ``target``, then up to 3 body and 2 request changes."""
    seed = c.pick(SEEDS)
    prefix = c.pick(target.prefixes) if seed.api else ""
    path = prefix + seed.path
    headers = [(k.encode(), v.encode()) for k, v in seed.headers]
    if seed.api:
        headers += [(k.encode(), v.encode()) for k, v in target.required]
    if seed.control and target.admin_token:
        headers.append((b"authorization", b"Bearer " + target.admin_token.encode()))
    case = Case(seed.method, path, headers=headers, family=family_of(path), labels=[seed.name])
    body = json.loads(json.dumps(seed.body))  # a fresh copy to change
    if body is not None:
        for _ in range(c.number(0, 3)):
            body = mutate_object(c, body, case.labels)
        case.body = serialize(body)
        case.depth = nesting_depth(case.body)
    for _ in range(c.number(0, 2)):
        c.pick(CASE_MUTATORS)(c, case)
    return case
