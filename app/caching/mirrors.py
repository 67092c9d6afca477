"""Where processes tell each other that the content changed, faster than asking the database.

* ``RedisMirror`` (``REDIS_URL`` set): the whole content state, shared by every container. A
  process that starts while the database is unreachable can still compute the keys and ETags
  of the pages Redis holds.
* ``FileMirror`` (SQLite): the version alone, in a small file beside the database.

A mirror is a copy that may lag the database (an import killed between its commit and its
publication; an import made while Redis was unreachable); ``tracker`` notices and repairs that.
It never moves backwards: a process that read the database before a newer import published
must not put the older state back, so every write is "set if newer", atomic in Redis (a Lua
script) and under a file lock beside SQLite.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import make_url

from app.caching.redis_guard import RedisGuard
from app.caching.state import ContentState

log = logging.getLogger(__name__)
_UNREACHABLE = object()

# Store the state unless the one held is as new or newer. KEYS[1]: the state's hash; ARGV:
# version, publication time of the newest public post, the state as JSON.
SET_IF_NEWER = """
local held = redis.call('HMGET', KEYS[1], 'version', 'published')
local version, published = tonumber(held[1]), tonumber(held[2])
if version and published then
  local new_version, new_published = tonumber(ARGV[1]), tonumber(ARGV[2])
  if version > new_version or (version == new_version and published >= new_published) then
    return 0
  end
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'published', ARGV[2], 'state', ARGV[3])
return 1
"""


@dataclass(frozen=True)
class Reading:
    """What a mirror held at one moment."""

    token: object  # compared for equality: a different token means the mirror changed
    version: str | None  # None: the mirror holds nothing (never written, evicted, deleted)
    state: ContentState | None = None  # the whole state, where the mirror keeps it (Redis)

    def is_behind(self, state: ContentState) -> bool:
        if self.version is None:
            return True
        if self.state is not None:
            return self.state.rank < state.rank
        return int(self.version) < int(state.version)


EMPTY = Reading(None, None)


class Mirror(Protocol):
    def read(self) -> Reading | None:
        """What the mirror holds; None when it cannot be reached (ask the database)."""

    def publish(self, state: ContentState) -> None:
        """Hold ``state`` unless what the mirror holds is as new or newer; never raises."""


class RedisMirror:
    def __init__(self, client: Any, guard: RedisGuard, key: str) -> None:
        # The key never expires: a worker started during a database outage needs the state
        # for as long as Redis holds pages stored under it, which is CACHE_SECONDS after the
        # last time it was current, not after it was published.
        self.client = client
        self.guard = guard
        self.key = key
        self._set_if_newer = client.register_script(SET_IF_NEWER)
        self._parsed: tuple[bytes, ContentState] | None = None

    def read(self) -> Reading | None:
        raw = self.guard.call(lambda: self.client.hget(self.key, "state"), _UNREACHABLE)
        if raw is _UNREACHABLE:
            return None
        if not isinstance(raw, bytes):
            return EMPTY  # None: absent
        state = self._parse(raw)
        return Reading(raw, state.version, state) if state is not None else EMPTY

    def publish(self, state: ContentState) -> None:
        args = [state.version, repr(state.published), state.to_json()]
        self.guard.call(lambda: self._set_if_newer(keys=[self.key], args=args), None)

    def _parse(self, raw: bytes) -> ContentState | None:
        parsed = self._parsed  # one tuple, read once: other threads replace it whole
        if parsed is not None and parsed[0] == raw:
            return parsed[1]
        try:
            state = ContentState.from_json(raw)
        except (ValueError, KeyError, TypeError):
            return None  # not ours, or from an incompatible version: the database decides
        self._parsed = (raw, state)
        return state


class FileMirror:
    """The version in a file beside the SQLite database: one ``stat`` a request."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cached: tuple[tuple[int, int], Reading] | None = None
        self._warned = False  # a read-only folder would otherwise warn on every check

    def read(self) -> Reading | None:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_ino)
            cached = self._cached
            if cached is not None and cached[0] == stamp:
                return cached[1]
            version = self.path.read_text().strip()
        except FileNotFoundError:
            return EMPTY
        except OSError:
            return None
        reading = Reading(version, version) if version.isdigit() else EMPTY
        self._cached = (stamp, reading)
        return reading

    def publish(self, state: ContentState) -> None:
        try:
            with self._locked():
                held = self.read()
                if held is not None and not held.is_behind(state):
                    return
                temporary = self.path.with_suffix(".tmp")
                temporary.write_text(state.version)
                os.replace(temporary, self.path)  # atomic: readers see old or new
        except OSError as error:
            # Readers still learn of the change from the database within VERSION_CHECK_SECONDS.
            if self._warned:
                return
            self._warned = True
            log.warning("could not write the content version to %s: %s", self.path, error,
                        extra={"event": "content_version_unwritten"})

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def version_file(database_url: str) -> Path | None:
    """Beside an SQLite database file; None for in-memory SQLite and server databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database + ".version")
