"""A recording session: for each API request, replay it, forward and record it, or
refuse it, as the record mode says (``modes``)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from emulator.core.errors import ApiError, invalid_request
from emulator.core.paths import Family, family_for
from emulator.pipeline import replay
from emulator.pipeline.keys import EXCHANGE, RUNTIME
from emulator.record import proxy
from emulator.record.cassette import Cassette
from emulator.scenario import record_modes as modes
from emulator.scenario.fingerprint import DEFAULT_MATCH_KEYS, fingerprint, normalise
from emulator.scenario.replay_timing import ReplayTiming
from emulator.scenario.scrub import Scrubber, secrets_of
from emulator.surfaces.common import decode_json_object, read_body
from emulator.util.jsonvalue import JSONObject


@dataclass
class Recorder:
    mode: modes.RecordMode
    # Base URL per API family ("anthropic", "openai"); none in a replay-only session.
    upstreams: Mapping[str, str] = field(default_factory=dict)
    cassette: Cassette | None = None
    match_keys: tuple[str, ...] = DEFAULT_MATCH_KEYS
    scrubber: Scrubber = field(default_factory=Scrubber)
    replay_timing: ReplayTiming = field(default_factory=ReplayTiming)
    _session: aiohttp.ClientSession | None = None
    _lock: asyncio.Lock | None = None

    @property
    def cassette_was_new(self) -> bool:
        return self.cassette is not None and self.cassette.was_new

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=proxy.UPSTREAM_TIMEOUT, auto_decompress=True
            )
        return self._session

    async def handle(self, http: web.Request, endpoint: str) -> web.StreamResponse:
        runtime = http.app[RUNTIME]
        family = family_for(http.path, http.headers)
        raw = await read_body(http, runtime.config.max_body_bytes)
        try:
            body: JSONObject | None = decode_json_object(http, raw, family)
        except ApiError:
            if self.mode == "none" or self.cassette is None:
                raise
            body = None  # the upstream says what it thinks of it; nothing to record
        index = runtime.recorded_index()
        action = modes.decide(
            self.mode,
            recorded=body is not None and index.contains(endpoint, body),
            cassette_was_new=self.cassette_was_new,
        )
        if action is modes.Action.REPLAY and body is not None:
            found = index.take(endpoint, body, http.headers)
            if found is not None:
                return await replay.send_recorded(http, found, family, self.replay_timing)
            action = modes.Action.REFUSE
        if action is modes.Action.FORWARD and self.cassette is not None:
            return await self._forward(http, endpoint, family, raw, body)
        nearest = index.nearest(endpoint, body) if body is not None else []
        http[EXCHANGE].api = endpoint
        listed = "; ".join(miss.describe() for miss in nearest) or "no recordings are loaded"
        raise invalid_request(
            f"llm-emulator: no recording matches this {endpoint} request and the record mode "
            f"{self.mode!r} does not record it. Nearest recordings: {listed}"
        )

    async def _forward(
        self,
        http: web.Request,
        endpoint: str,
        family: Family,
        raw: bytes,
        body: JSONObject | None,
    ) -> web.StreamResponse:
        assert self.cassette is not None
        base = self.upstreams.get(family)
        if base is None:
            raise invalid_request(f"llm-emulator record: no upstream is set for the {family} API")
        url = proxy.upstream_url(base, _api_path(http.path), http.query_string)
        forwarded = await proxy.forward(http, self._client(), url, raw)
        if body is not None:
            runtime = http.app[RUNTIME]
            extra = runtime.secret_headers
            secrets = secrets_of(http.headers, extra) | {k for k in runtime.config.api_keys if k}
            found = fingerprint(endpoint, body, self.match_keys)
            normal = normalise(body)
            shown = {k: normal[k] for k in self.match_keys if k in normal}
            described = found.to_json(default_keys=self.match_keys == DEFAULT_MATCH_KEYS)
            described["request"] = self.scrubber.value(shown, secrets)
            reply = {"recorded": self.scrubber.value(forwarded.answer.to_json(), secrets)}
            assert isinstance(reply["recorded"], dict)
            self.cassette.add(found, described, reply)
            self.cassette.write()
            http[EXCHANGE].rule = f"recorded:{found.endpoint}"
        return forwarded.response


def _api_path(path: str) -> str:
    """The path the upstream serves: from ``/v1/`` on (a route prefix is the emulator's)."""
    at = path.find("/v1/")
    return path[at:] if at >= 0 else path
