"""The page store: Flask-Caching's backend behind a Redis guard, so a Redis outage is a miss."""

from __future__ import annotations

from typing import Any

from app.caching.redis_guard import RedisGuard


class PageStore:
    """get/set/add/delete on the configured backend. In-process backends need no guard;
    with Redis, every call goes through ``RedisGuard`` and falls back to "not there"."""

    def __init__(self, backend: Any, guard: RedisGuard | None) -> None:
        self.backend = backend
        self.guard = guard

    def get(self, key: str) -> Any:
        if self.guard is None:
            return self.backend.get(key)
        return self.guard.call(lambda: self.backend.get(key), None)

    def set(self, key: str, value: Any, timeout: int) -> None:
        if self.guard is None:
            self.backend.set(key, value, timeout=timeout)
        else:
            self.guard.call(lambda: self.backend.set(key, value, timeout=timeout), False)

    def add(self, key: str, value: Any, timeout: int) -> bool:
        """Store only if absent; True when this caller stored it. With Redis down every caller
        "wins": each renders for itself, as it would with no cache at all."""
        if self.guard is None:
            return bool(self.backend.add(key, value, timeout=timeout))
        return bool(self.guard.call(lambda: self.backend.add(key, value, timeout=timeout), True))

    def delete(self, key: str) -> None:
        if self.guard is None:
            self.backend.delete(key)
        else:
            self.guard.call(lambda: self.backend.delete(key), False)
