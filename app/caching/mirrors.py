"""Where processes tell each other that the content changed, faster than asking the database.

* ``RedisMirror`` (``REDIS_URL`` set): the whole content state, shared by every container. A
  process that starts while the database is unreachable can still compute the keys and ETags
  of the pages Redis holds. Each change is also published on a channel, which a thread of
  each process listens to: while it listens, a request reads the state from memory instead
  of making a round trip to Redis (a third of the requests a second, at thousands a second).
* ``FileMirror`` (SQLite): the version alone, in a small file beside the database.

A mirror is a copy that may lag the database (an import killed between its commit and its
publication; an import made while Redis was unreachable); ``tracker`` notices and repairs that.
It never moves backwards: a process that read the database before a newer import published
must not put the older state back, so every write is "set if newer", atomic in Redis (a Lua
script) and under a file lock beside SQLite.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
import weakref
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

# Store the state unless the one held is as new or newer, and publish it to the listeners.
# KEYS[1]: the state's hash; ARGV: version, publication time of the newest public post, the
# state as JSON, the channel.
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
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 1
"""
LISTEN_POLL_SECONDS = 1.0  # how often the listener looks up from the channel (to stop)


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
        self.channel = key + ":changes"
        self._set_if_newer = client.register_script(SET_IF_NEWER)
        self._parsed: tuple[bytes, ContentState] | None = None
        # What the listening thread of this process last heard; None while it does not listen
        # (not started yet in this process, or Redis lost): then each read asks Redis.
        self._heard: Reading | None = None
        self._listener_pid: int | None = None
        self._listener_lock = threading.Lock()

    def read(self) -> Reading | None:
        heard = self._heard
        if heard is not None and self._listener_pid == os.getpid():
            return heard
        self._listen()
        return self._fetch()

    def publish(self, state: ContentState) -> None:
        args = [state.version, repr(state.published), state.to_json(), self.channel]
        self.guard.call(lambda: self._set_if_newer(keys=[self.key], args=args), None)

    def _fetch(self) -> Reading | None:
        raw = self.guard.call(lambda: self.client.hget(self.key, "state"), _UNREACHABLE)
        if raw is _UNREACHABLE:
            return None
        return self._reading(raw)

    def _reading(self, raw: object) -> Reading:
        if not isinstance(raw, bytes):
            return EMPTY  # None: absent
        state = self._parse(raw)
        return Reading(raw, state.version, state) if state is not None else EMPTY

    def _listen(self) -> None:
        """Start this process's listening thread, once (threads do not survive a fork: each
        gunicorn worker starts its own on its first request)."""
        if self._listener_pid == os.getpid():
            return
        with self._listener_lock:
            if self._listener_pid == os.getpid():
                return
            self._listener_pid = os.getpid()
            self._heard = None
            mirror = weakref.ref(self)  # the thread ends once the app and its mirror are gone
            threading.Thread(target=_listen_while_alive, args=(mirror, self.guard.retry_seconds),
                             name="content-state-listener", daemon=True).start()

    def _hear(self, reading: Reading) -> None:
        """Keep what was heard unless it is older than what is kept: messages queued before
        the thread read the hash may arrive after it."""
        heard = self._heard
        if heard is not None and heard.state is not None and reading.state is not None \
                and reading.state.rank < heard.state.rank:
            return
        self._heard = reading

    def _deaf(self) -> None:
        self._heard = None

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


def _listen_while_alive(mirror: weakref.ref[RedisMirror], retry_seconds: float) -> None:
    """Subscribe, read the hash once (so nothing published before is missed), then keep each
    state published. On a Redis error, reads ask Redis again (through the guard, which now
    counts Redis as down), and the thread tries again later; its first read after that goes
    through the guard too, so the recovery is noticed (and the database asked: imports made
    meanwhile never reached Redis)."""
    import redis

    while (alive := mirror()) is not None:
        channel, guard = alive.channel, alive.guard
        pubsub = alive.client.pubsub(ignore_subscribe_messages=True)
        del alive  # no strong reference while waiting: the app may go meanwhile
        try:
            pubsub.subscribe(channel)
            if not _relay(mirror, pubsub):
                return
        except (redis.RedisError, OSError, ValueError) as error:
            # ValueError, OSError: a socket closed under the thread (a client shut down).
            guard.failed(error)
            if (alive := mirror()) is None:
                return
            alive._deaf()
            del alive
            time.sleep(retry_seconds)
        finally:
            with contextlib.suppress(redis.RedisError, OSError):
                pubsub.close()


def _relay(mirror: weakref.ref[RedisMirror], pubsub: Any) -> bool:
    """Messages into the mirror until it is gone (False) or Redis fails (raises)."""
    import redis

    first = True
    while True:
        message = pubsub.get_message(timeout=LISTEN_POLL_SECONDS)
        alive = mirror()
        if alive is None:
            return False
        if first:  # subscribed: what the hash holds now, then every change
            first = False
            reading = alive._fetch()  # through the guard: a recovery runs its hooks
            if reading is None:
                raise redis.ConnectionError("Redis did not answer the listener's first read")
            alive._hear(reading)
        if message is not None and message.get("type") == "message":
            alive._hear(alive._reading(message["data"]))
        del alive


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
