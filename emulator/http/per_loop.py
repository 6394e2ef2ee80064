"""One object per running event loop (the emulator may serve in several threads' loops,
as the pytest fixture and the tests do), dropped with its loop.

The object is made with a weak proxy of its loop: the registry holds it strongly,
so a strong reference back would keep every loop ever used alive."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar, cast

T = TypeVar("T")


class PerLoop(Generic[T]):
    def __init__(self, make: Callable[[asyncio.AbstractEventLoop], T]) -> None:
        self._make = make
        self._made: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> T:
        """The running loop's, made on first use."""
        loop = asyncio.get_running_loop()
        made = self._made.get(loop)
        if made is None:
            weak_loop = cast(asyncio.AbstractEventLoop, weakref.proxy(loop))
            made = self._made[loop] = self._make(weak_loop)
        return made
