"""Redis as an optimisation, never a dependency: when it cannot be reached, each process caches
pages in its own memory and asks the database for the content version, logs one warning, tries
Redis again every ``REDIS_RETRY_SECONDS``, and says so when sharing resumes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
T = TypeVar("T")
# A Redis that answers does so in well under a millisecond; one that does not should cost a
# request no more than this before the guard stops asking.
SOCKET_TIMEOUT = 0.5


def connect(url: str) -> Any:
    """A client that fails fast: one quick retry (a pooled connection that Redis dropped on a
    restart), then the error, which the guard turns into a miss."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT,
                                socket_connect_timeout=SOCKET_TIMEOUT,
                                retry=Retry(NoBackoff(), 1), health_check_interval=30)


def describe(url: str) -> str:
    """Where Redis is, without the password."""
    parsed = urlsplit(url)
    database = parsed.path.strip("/") or "0"
    return f"{parsed.hostname or 'localhost'}:{parsed.port or 6379}/{database}"


class RedisGuard:
    """Runs Redis calls; while Redis is down, answers each with its fallback at once."""

    def __init__(self, where: str, retry_seconds: float) -> None:
        self.where = where
        self.retry_seconds = retry_seconds
        self.down = False
        self._retry_at = 0.0
        self._lock = threading.Lock()
        self._recovery_hooks: list[Callable[[], object]] = []

    def on_recovery(self, hook: Callable[[], object]) -> None:
        self._recovery_hooks.append(hook)

    def call(self, operation: Callable[[], T], fallback: T) -> T:
        import redis

        if self.down and not self._may_retry():
            return fallback
        try:
            result = operation()
        except redis.RedisError as error:
            self._failed(error)
            return fallback
        if self.down:
            self._recovered()
        return result

    def failed(self, error: Exception) -> None:
        """A Redis call made outside ``call`` failed (the listening thread of ``mirrors``):
        Redis counts as down, and its recovery is noticed as for any other call."""
        self._failed(error)

    def _may_retry(self) -> bool:
        """True for one caller once the retry time has come: a Redis that does not answer
        (rather than refusing) costs SOCKET_TIMEOUT, and only one request should pay it."""
        if time.monotonic() < self._retry_at:
            return False  # the common case while down, without taking the lock
        with self._lock:
            now = time.monotonic()
            if now < self._retry_at:
                return False
            self._retry_at = now + self.retry_seconds
            return True

    def _failed(self, error: Exception) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_seconds
            if self.down:
                return
            self.down = True
        log.warning("Redis at %s is unreachable (%s): caching pages in this process and "
                    "reading the content version from the database; retrying every %g s",
                    self.where, error, self.retry_seconds,
                    extra={"event": "redis_unavailable"})

    def _recovered(self) -> None:
        with self._lock:
            if not self.down:
                return
            self.down = False
        log.info("Redis at %s answers again: sharing the cache again", self.where,
                 extra={"event": "redis_recovered"})
        for hook in self._recovery_hooks:
            self.call(hook, None)
