"""How each process knows its content state is current, at the cost of a file ``stat`` or one
Redis call a request.

Each process keeps the state in memory and loads it again from the database when

* its mirror (``mirrors``) shows another version: an import publishes to it right after its
  commit, so in normal running every process sees the import from its next request on;
* the database, asked at most every ``VERSION_CHECK_SECONDS``, says another version than the
  mirror: the database is the source of truth, and a mirror can lag it after a fault (an
  import killed between its commit and its publication, or made while Redis was away). The
  check repairs the mirror, so the other processes see the import at once too;
* the next scheduled publication time has passed.

Without a mirror to read (a server database without Redis, or Redis unreachable) every request
asks the database for the version: one indexed query. With the database unreachable, the state
Redis holds is used, so a worker started during the outage still answers the pages Redis holds.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence

from app.caching.mirrors import Mirror, Reading
from app.caching.state import ContentState, database_version, load_state
from app.database import UNAVAILABLE as DATABASE_UNAVAILABLE
from app.extensions import db

log = logging.getLogger(__name__)


class StateTracker:
    """This process's copy of the content state, refreshed only when it may have changed."""

    def __init__(self, mirrors: Sequence[Mirror], check_seconds: float) -> None:
        self.mirror = mirrors[0] if mirrors else None  # the one read: Redis, else the file
        self.mirrors = mirrors  # every one is published to
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._state: ContentState | None = None
        self._check_at = float("-inf")  # monotonic time of the next database check
        # What the last database check said the mirror's content stands for: the mirror's
        # token then, and the database's version. Until the mirror changes, the database's word
        # wins, also where the mirror cannot be written (a Redis ahead of a restored database).
        self._verdict: tuple[object, str] | None = None
        self._serving_without_database = False

    def state(self) -> ContentState:
        """The current state; needs an app context (it may ask the database). Raises the
        database's error (answered 503) when it is unreachable and no mirror holds a state."""
        reading = self._read()
        if reading is None or reading.version is None or self._check_due():
            state = self._checked(reading)
        else:
            state = self._state_for(self._version(reading), reading)
        if reading is not None and reading.is_behind(state):
            self._repair(reading, state)
        return state

    def peek(self) -> ContentState | None:
        """The state if the mirror shows it current and the database was asked recently enough;
        else None. Never asks the database, so it needs no app context."""
        reading = self._read()
        if reading is None or reading.version is None or self._check_due():
            return None
        return self._known_or_adopted(self._version(reading), reading)

    def publish(self) -> None:
        """Put the database's state into every mirror (unless one holds a newer state already):
        after an import has committed, and safe to repeat. Needs an app context."""
        state = load_state(database_version())
        for mirror in self.mirrors:
            mirror.publish(state)

    def check_soon(self) -> None:
        """Ask the database on the next request (Redis is back: its copy may predate imports
        made while it was away)."""
        self._check_at = float("-inf")

    def _read(self) -> Reading | None:
        return self.mirror.read() if self.mirror is not None else None

    def _check_due(self) -> bool:
        return time.monotonic() >= self._check_at

    def _version(self, reading: Reading) -> str | None:
        verdict = self._verdict
        if verdict is not None and verdict[0] == reading.token:
            return verdict[1]
        return reading.version

    def _checked(self, reading: Reading | None) -> ContentState:
        """The state after asking the database for the version (the mirror was read first, so
        the database's answer is at least as new as the mirror's)."""
        try:
            version = database_version()
        except DATABASE_UNAVAILABLE:
            fallback = self._without_database(reading)
            if fallback is None:
                raise
            return fallback
        self._check_at = time.monotonic() + self.check_seconds
        if reading is not None and reading.version is not None:
            self._verdict = (reading.token, version)
        if self._serving_without_database:
            self._serving_without_database = False
            log.info("the database answers again", extra={"event": "database_recovered"})
        return self._state_for(version, reading)

    def _state_for(self, version: str | None, reading: Reading | None) -> ContentState:
        current = self._known_or_adopted(version, reading)
        if current is not None:
            return current
        with self._lock:
            known = self._state  # another thread may have loaded it meanwhile
            if known is not None and known.version == version and known.is_current():
                return known
            fresh = load_state(version if version is not None else database_version())
            self._state = fresh
            return fresh

    def _known_or_adopted(self, version: str | None,
                          reading: Reading | None) -> ContentState | None:
        """The state for ``version`` without asking the database: the one this process knows,
        else the one the mirror holds (then kept); None when neither is current."""
        known = self._state
        if known is not None and known.version == version and known.is_current():
            return known
        adopted = self._adoptable(reading, version)
        if adopted is not None:
            self._state = adopted
        return adopted

    @staticmethod
    def _adoptable(reading: Reading | None, version: str | None) -> ContentState | None:
        """The whole state the mirror holds, when it is the version wanted and still current:
        taken as it is, without asking the database."""
        if reading is None or reading.state is None:
            return None
        state = reading.state
        return state if state.version == version and state.is_current() else None

    def _without_database(self, reading: Reading | None) -> ContentState | None:
        """The state to serve while the database cannot be reached: what Redis holds (or this
        process knew, if the mirror still shows it); None when there is none (a 503 then)."""
        with contextlib.suppress(*DATABASE_UNAVAILABLE):
            db.session.rollback()  # the connection may be gone; the pool discards it
        self._check_at = time.monotonic() + self.check_seconds  # not once a request meanwhile
        if reading is None or reading.version is None:
            return None
        version = self._version(reading)
        known = self._state
        state = known if known is not None and known.version == version \
            and known.is_current() else self._adoptable(reading, version)
        if state is not None:
            self._state = state
            if not self._serving_without_database:
                self._serving_without_database = True
                log.warning("the database is unreachable: answering cached pages for the "
                            "content state the mirror holds (version %s)", state.version,
                            extra={"event": "database_unavailable_serving_cache"})
        return state

    def _repair(self, reading: Reading, state: ContentState) -> None:
        # Only a lag is news: an empty mirror (first use, expiry) or a post gone live is not.
        if reading.version is not None and int(reading.version) < int(state.version):
            log.info("the content version's mirror said %s, the database %s: repairing it",
                     reading.version, state.version, extra={"event": "content_version_repaired"})
        for mirror in self.mirrors:
            mirror.publish(state)
