"""Run the emulator on its own event loop in a background thread.

This serves sync SDK clients, async clients on another loop, and code under
test that makes its own HTTP calls, without deadlock: the pytest plugin and
our own tests build on it.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from types import TracebackType

from aiohttp import web

from emulator.app import create_app
from emulator.http import shutdown
from emulator.http.write_coalescing import CoalescingAppRunner
from emulator.pipeline.config import EmulatorConfig
from emulator.pipeline.keys import RUNTIME
from emulator.pipeline.runtime import Runtime
from emulator.util.clock import Clock

_START_TIMEOUT_S = 30.0


class EmulatorThread:
    """``with EmulatorThread(config) as server: server.base_url``"""

    def __init__(self, config: EmulatorConfig | None = None, *, clock: Clock | None = None) -> None:
        self.config = config or EmulatorConfig(port=0)
        self.app = create_app(self.config, clock=clock)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="llm-emulator", daemon=True)
        self._runner: CoalescingAppRunner | None = None
        self._started: Future[int] = Future()
        self.port = 0

    @property
    def runtime(self) -> Runtime:
        return self.app[RUNTIME]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._loop.run_forever()
        self._loop.run_until_complete(self._stop())
        self._loop.close()

    async def _start(self) -> None:
        try:
            self._runner = CoalescingAppRunner(
                self.app,
                head_timeout_s=self.config.head_timeout_s,
                handle_signals=False,
                access_log=None,
                shutdown_timeout=shutdown.CANCELLED_GRACE_S,
            )
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", self.config.port)
            await site.start()
            self._started.set_result(self._runner.addresses[0][1])
        except BaseException as err:
            self._started.set_exception(err)
            raise

    async def _stop(self) -> None:
        if self._runner is not None:
            await shutdown.close_on_time(
                self._runner, self._runner.http_server, self.config.shutdown_timeout_s
            )

    def start(self) -> EmulatorThread:
        self._thread.start()
        self.port = self._started.result(timeout=_START_TIMEOUT_S)
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=_START_TIMEOUT_S)

    def __enter__(self) -> EmulatorThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
