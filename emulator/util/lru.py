"""A small least-recently-used map, for memos that must stay bounded."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._max_entries = max_entries

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> None:
        if self._max_entries <= 0:
            return
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


class SecondSight:
    """Admits what is offered a second time (among the last ``remembered`` offers).

    Memos in front of costly work pay off when the same input comes back, and cost
    a store and an eviction when it never does: a load of prompts each sent once
    churned every memo on the path for nothing (about 7% of answering one). A memo
    that asks first keeps only what came back, at the price of doing the work once
    more for it. Only fingerprints are remembered; one shared by chance admits an
    entry one offer early."""

    __slots__ = ("_offered_once", "_remembered")

    def __init__(self, remembered: int = 4096) -> None:
        self._offered_once: set[int] = set()
        self._remembered = remembered

    def admits(self, key: Hashable) -> bool:
        fingerprint = hash(key)
        if fingerprint in self._offered_once:
            self._offered_once.discard(fingerprint)
            return True
        if len(self._offered_once) >= self._remembered:
            self._offered_once.clear()
        self._offered_once.add(fingerprint)
        return False

    def clear(self) -> None:
        self._offered_once.clear()


class IdentityMemo(Generic[V]):
    """Results computed from immutable objects that are served again (parsed requests
    are kept and reused), keyed by the object's identity plus ``extra``. An entry keeps
    its object alive, so its id cannot be reused by another object meanwhile."""

    def __init__(self, max_entries: int) -> None:
        # Not an Lru: this sits on every request's path, and a layer less shows.
        self._entries: OrderedDict[tuple[int, Hashable], tuple[object, V]] = OrderedDict()
        self._max_entries = max_entries

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, source: object, extra: Hashable = None) -> V | None:
        key = (id(source), extra)
        found = self._entries.get(key)
        if found is not None and found[0] is source:
            self._entries.move_to_end(key)
            return found[1]
        return None

    def put(self, source: object, value: V, extra: Hashable = None) -> None:
        if self._max_entries <= 0:
            return
        key = (id(source), extra)
        self._entries[key] = (source, value)
        self._entries.move_to_end(key)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
