"""The page store: Flask-Caching's backend, and with Redis an in-process stand-in for outages.

While Redis is unreachable each process keeps pages in its own bounded memory cache, as it does
with no Redis configured at all: losing Redis costs the sharing, not the caching. Keys carry
the content state, so neither copy can ever serve a page from before the last import.
"""

from __future__ import annotations

from typing import Any

from cachelib import SimpleCache

from app.caching.redis_guard import RedisGuard

_UNREACHABLE = object()


class PageStore:
    """get/set/add/delete on the configured backend. In-process backends need no guard;
    with Redis, every call goes through ``RedisGuard`` and, while Redis is down, to ``local``."""

    def __init__(self, backend: Any, guard: RedisGuard | None, max_entries: int,
                 seconds: int) -> None:
        self.backend = backend
        self.guard = guard
        self.local = SimpleCache(threshold=max_entries, default_timeout=seconds)
        if guard is not None:
            # Redis is shared again: free the memory the outage's pages took.
            guard.on_recovery(self.local.clear)

    def get(self, key: str) -> Any:
        return self._call("get", key)

    def set(self, key: str, value: Any, timeout: int) -> None:
        self._call("set", key, value, timeout=timeout)

    def add(self, key: str, value: Any, timeout: int) -> bool:
        """Store only if absent; True when this caller stored it (atomic in Redis, and within
        a process in the in-process cache)."""
        return bool(self._call("add", key, value, timeout=timeout))

    def delete(self, key: str) -> None:
        self._call("delete", key)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.guard is None:
            return getattr(self.backend, name)(*args, **kwargs)
        result = self.guard.call(lambda: getattr(self.backend, name)(*args, **kwargs),
                                 _UNREACHABLE)
        if result is _UNREACHABLE:
            return getattr(self.local, name)(*args, **kwargs)
        return result
