"""What the SDKs cannot send: broken bodies, missing auth, wrong paths and methods."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from conftest import ResponseChecker
from emulator.pipeline.config import EmulatorConfig
from emulator.testing import EmulatorThread
from tests.support import ANTHROPIC_HEADERS, CLAUDE, GPT, OPENAI_HEADERS

MESSAGE_BODY = {"model": CLAUDE, "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
CHAT_BODY = {"model": GPT, "messages": [{"role": "user", "content": "x"}]}


def _anthropic_error(
    response: httpx.Response, check: ResponseChecker, status: int, kind: str
) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    check("anthropic_error", body)
    assert body["error"]["type"] == kind
    assert body["request_id"] == response.headers["request-id"]
    return str(body["error"]["message"])


def _openai_error(
    response: httpx.Response, check: ResponseChecker, status: int
) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    check("openai_error", body)
    assert response.headers["x-request-id"].startswith("req_")
    error: dict[str, object] = body["error"]
    return error


class TestAuth:
    def test_anthropic_missing_key(
        self, http: httpx.Client, check_response: ResponseChecker
    ) -> None:
        headers = {k: v for k, v in ANTHROPIC_HEADERS.items() if k != "x-api-key"}
        response = http.post("/v1/messages", json=MESSAGE_BODY, headers=headers)
        message = _anthropic_error(response, check_response, 401, "authentication_error")
        assert message == "x-api-key header is required"

    def test_anthropic_bearer_key_accepted(self, http: httpx.Client) -> None:
        headers = {"authorization": "Bearer sk-ant-x", "anthropic-version": "2026-10-21"}
        assert http.post("/v1/messages", json=MESSAGE_BODY, headers=headers).status_code == 200

    def test_openai_missing_key(self, http: httpx.Client, check_response: ResponseChecker) -> None:
        response = http.post("/v1/chat/completions", json=CHAT_BODY)
        error = _openai_error(response, check_response, 401)
        assert str(error["message"]).startswith("You didn't provide an API key.")

    def test_missing_anthropic_version(
        self, http: httpx.Client, check_response: ResponseChecker
    ) -> None:
        response = http.post("/v1/messages", json=MESSAGE_BODY, headers={"x-api-key": "k"})
        message = _anthropic_error(response, check_response, 400, "invalid_request_error")
        assert message == "anthropic-version: header is required"

    def test_bad_anthropic_version(
        self, http: httpx.Client, check_response: ResponseChecker
    ) -> None:
        headers = {**ANTHROPIC_HEADERS, "anthropic-version": "2023-10-01"}
        response = http.post("/v1/messages", json=MESSAGE_BODY, headers=headers)
        message = _anthropic_error(response, check_response, 400, "invalid_request_error")
        assert message == 'anthropic-version: "2023-10-01" is not a valid version'

    def test_bad_beta_name(self, http: httpx.Client, check_response: ResponseChecker) -> None:
        headers = {**ANTHROPIC_HEADERS, "anthropic-beta": "prompt-caching-2024-07-31,nonsense"}
        response = http.post("/v1/messages", json=MESSAGE_BODY, headers=headers)
        message = _anthropic_error(response, check_response, 400, "invalid_request_error")
        assert message.startswith("Unexpected value(s) `nonsense` for the `anthropic-beta` header.")


@pytest.fixture(scope="module")
def keyed_server() -> Iterator[EmulatorThread]:
    config = EmulatorConfig(port=0, api_keys=("sk-good",), max_body_bytes=2048)
    with EmulatorThread(config) as running:
        yield running


class TestConfiguredKeysAndLimits:
    def test_unknown_key_refused(
        self, keyed_server: EmulatorThread, check_response: ResponseChecker
    ) -> None:
        with httpx.Client(base_url=keyed_server.base_url) as client:
            bad = client.post("/v1/messages", json=MESSAGE_BODY, headers=ANTHROPIC_HEADERS)
            assert (
                _anthropic_error(bad, check_response, 401, "authentication_error")
                == "invalid x-api-key"
            )
            good = client.post(
                "/v1/messages",
                json=MESSAGE_BODY,
                headers={**ANTHROPIC_HEADERS, "x-api-key": "sk-good"},
            )
            assert good.status_code == 200
            wrong = client.post("/v1/chat/completions", json=CHAT_BODY, headers=OPENAI_HEADERS)
            error = _openai_error(wrong, check_response, 401)
            assert error["code"] == "invalid_api_key"

    def test_oversized_body(
        self, keyed_server: EmulatorThread, check_response: ResponseChecker
    ) -> None:
        big = {**MESSAGE_BODY, "messages": [{"role": "user", "content": "x" * 5000}]}
        headers = {**ANTHROPIC_HEADERS, "x-api-key": "sk-good"}
        with httpx.Client(base_url=keyed_server.base_url) as client:
            response = client.post("/v1/messages", json=big, headers=headers)
            _anthropic_error(response, check_response, 413, "request_too_large")
            chunked = client.post(
                "/v1/messages", content=iter([b"{" + b" " * 4000 + b"}"]), headers=headers
            )
            _anthropic_error(chunked, check_response, 413, "request_too_large")


class TestBodies:
    @pytest.mark.parametrize("chunked", [False, True])
    def test_a_body_that_arrives_in_pieces(self, server: EmulatorThread, chunked: bool) -> None:
        body = json.dumps(
            {**MESSAGE_BODY, "messages": [{"role": "user", "content": "y" * 3000}]}
        ).encode()
        pieces = [body[i : i + 700] for i in range(0, len(body), 700)]
        framing = (
            "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {len(body)}\r\n"
        )
        head = (
            "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: k\r\n"
            "anthropic-version: 2023-06-01\r\nContent-Type: application/json\r\n"
            f"{framing}Connection: close\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(head)
            for piece in pieces:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        status_line, _, rest = reply.partition(b"\r\n")
        assert status_line == b"HTTP/1.1 200 OK", reply[:300]
        message = json.loads(rest.partition(b"\r\n\r\n")[2])
        assert message["type"] == "message"
        assert message["usage"]["input_tokens"] > 700  # the whole prompt was read

    @pytest.mark.parametrize(
        "raw", [b"{", b"not json", b"", b"\xff\xfe{}", b'{"a": "\xed\xa0\x80"}']
    )
    def test_malformed_json_anthropic(
        self, http: httpx.Client, check_response: ResponseChecker, raw: bytes
    ) -> None:
        response = http.post("/v1/messages", content=raw, headers=ANTHROPIC_HEADERS)
        message = _anthropic_error(response, check_response, 400, "invalid_request_error")
        assert message.startswith("The request body is not valid JSON")

    @pytest.mark.parametrize("raw", [b"{", b"\xff"])
    def test_malformed_json_openai(
        self, http: httpx.Client, check_response: ResponseChecker, raw: bytes
    ) -> None:
        response = http.post("/v1/chat/completions", content=raw, headers=OPENAI_HEADERS)
        error = _openai_error(response, check_response, 400)
        assert str(error["message"]).startswith("We could not parse the JSON body of your request.")
        assert error["param"] is None and error["code"] is None

    @pytest.mark.parametrize("raw", [b"[]", b"1", b'"s"', b"null"])
    def test_non_object_body(
        self, http: httpx.Client, check_response: ResponseChecker, raw: bytes
    ) -> None:
        response = http.post("/v1/messages", content=raw, headers=ANTHROPIC_HEADERS)
        _anthropic_error(response, check_response, 400, "invalid_request_error")
        response = http.post("/v1/chat/completions", content=raw, headers=OPENAI_HEADERS)
        _openai_error(response, check_response, 400)

    def test_wrong_content_type(self, http: httpx.Client, check_response: ResponseChecker) -> None:
        headers = {**ANTHROPIC_HEADERS, "content-type": "text/plain"}
        response = http.post("/v1/messages", content=b"{}", headers=headers)
        _anthropic_error(response, check_response, 400, "invalid_request_error")

    def test_missing_field_names_path(
        self, http: httpx.Client, check_response: ResponseChecker
    ) -> None:
        # anthropic-messages.md §9: "<field>: Field required".
        body = {"model": CLAUDE, "messages": [{"role": "user", "content": "x"}]}
        response = http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS)
        message = _anthropic_error(response, check_response, 400, "invalid_request_error")
        assert message == "max_tokens: Field required"

    def test_extra_field_names_path(
        self, http: httpx.Client, check_response: ResponseChecker
    ) -> None:
        # anthropic-messages.md §3: "<json.path>: Extra inputs are not permitted", with
        # this very example. (Which of several errors comes first is unconfirmed, so
        # each body here has one.)
        body = {
            "model": CLAUDE,
            "max_tokens": 5,
            "messages": [{"role": "user", "content": "x", "name": "n"}],
        }
        response = http.post("/v1/messages", json=body, headers=ANTHROPIC_HEADERS)
        message = _anthropic_error(response, check_response, 400, "invalid_request_error")
        assert message == "messages.0.name: Extra inputs are not permitted"


class TestRoutes:
    def test_unknown_anthropic_path(
        self, http: httpx.Client, check_response: ResponseChecker
    ) -> None:
        response = http.post("/v1/message", json=MESSAGE_BODY, headers=ANTHROPIC_HEADERS)
        assert _anthropic_error(response, check_response, 404, "not_found_error") == "Not Found"

    def test_unknown_openai_path(self, http: httpx.Client, check_response: ResponseChecker) -> None:
        response = http.post("/v1/chat/completion", json=CHAT_BODY, headers=OPENAI_HEADERS)
        error = _openai_error(response, check_response, 404)
        assert error["code"] == "unknown_url"
        assert str(error["message"]).startswith("Unknown request URL: POST /v1/chat/completion.")

    def test_wrong_method(self, http: httpx.Client, check_response: ResponseChecker) -> None:
        response = http.get("/v1/messages", headers=ANTHROPIC_HEADERS)
        _anthropic_error(response, check_response, 405, "invalid_request_error")
        response = http.delete("/v1/chat/completions", headers=OPENAI_HEADERS)
        _openai_error(response, check_response, 405)

    def test_request_ids_unique(self, http: httpx.Client) -> None:
        seen = {
            http.post("/v1/messages", json=MESSAGE_BODY, headers=ANTHROPIC_HEADERS).headers[
                "request-id"
            ]
            for _ in range(20)
        }
        assert len(seen) == 20

    def test_healthz(self, http: httpx.Client) -> None:
        response = http.get("/healthz")
        assert response.status_code == 200 and response.json() == {"status": "ok"}
