"""The page store: Flask-Caching's backend (Redis, else a folder the workers of a server share,
``shared``), with a near copy in each process, and an in-process stand-in while Redis is down.

With Redis, every hit used to be a round trip and an unpickling: a third fewer requests a
second than one container's in-process cache. So each process keeps the pages it served
lately in ``NearCache`` too, and asks Redis only for a page it has not seen. That copy is
never stale, for the same reason Redis is not: keys carry the content state, and an import
or a scheduled post makes new keys. A worker that gunicorn recycles starts with an empty near
copy and fills it from Redis (or the shared folder), not by rendering again.

While Redis is unreachable each process keeps pages in its own bounded memory cache, as it does
with no Redis configured at all: losing Redis costs the sharing, not the caching.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from cachelib import SimpleCache

from app.caching.redis_guard import RedisGuard

_UNREACHABLE = object()
PAGE_PREFIX = "page:"  # what the near copy keeps: pages, never the render locks


class NearCache:
    """A process's bounded copy of recently served entries: the least recently used go first,
    and none outlives the lifetime it was stored with. Values are kept as they are (no
    pickling), so a hit costs a dictionary lookup; they must never be mutated."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            expires, value = found
            if time.monotonic() >= expires:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: Any, timeout: float) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + timeout, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class PageStore:
    """get/set/add/delete on the configured backend, the pages it gave or took kept ``near``
    as well (unless it is in this process already). With Redis, every call goes through
    ``RedisGuard`` and, while Redis is down, to ``local``."""

    def __init__(self, backend: Any, guard: RedisGuard | None, max_entries: int,
                 seconds: int, *, near: bool = True) -> None:
        self.backend = backend
        self.guard = guard
        self.seconds = seconds
        self.local = SimpleCache(threshold=max_entries, default_timeout=seconds)
        # An in-process backend is near already (near=False): a copy would only double memory.
        self.near = NearCache(max_entries) if near else None
        if guard is not None:
            # Redis is shared again: free the memory the outage's pages took.
            guard.on_recovery(self.local.clear)

    def get(self, key: str) -> Any:
        if self.near is None or not key.startswith(PAGE_PREFIX):
            return self._call("get", key)[0]
        value = self.near.get(key)
        if value is not None:
            return value
        value, shared = self._call("get", key)
        if value is not None and shared:
            self.near.set(key, value, self.seconds)
        return value

    def set(self, key: str, value: Any, timeout: int) -> None:
        _, shared = self._call("set", key, value, timeout=timeout)
        if self.near is not None and shared and key.startswith(PAGE_PREFIX):
            self.near.set(key, value, timeout)

    def add(self, key: str, value: Any, timeout: int) -> bool:
        """Store only if absent; True when this caller stored it (atomic in Redis, and within
        a process in the in-process cache)."""
        return bool(self._call("add", key, value, timeout=timeout)[0])

    def delete(self, key: str) -> None:
        self._call("delete", key)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, bool]:
        """The backend's answer, and whether it came from the shared store (Redis, the shared
        folder) rather than this process's stand-in for Redis."""
        if self.guard is None:
            return getattr(self.backend, name)(*args, **kwargs), True
        result = self.guard.call(lambda: getattr(self.backend, name)(*args, **kwargs),
                                 _UNREACHABLE)
        if result is _UNREACHABLE:
            return getattr(self.local, name)(*args, **kwargs), False
        return result, True
