"""Per-connection database settings, and what a lost database means for a request."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import scoped_session

# The database is down, restarting, out of connections or dropped ours: a condition of the
# moment, not a bug. Pools reconnect by themselves (pool_pre_ping), so the next request works.
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
LOST_CONNECTION_LOG_INTERVAL = 10.0  # seconds: one warning, not one per request

log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    # WAL lets readers keep reading the last committed state while an import writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def checkpoint(engine: Engine) -> None:
    """Fold SQLite's write-ahead log back into the database file and empty it, after a write
    as large as an import. SQLite's own checkpoint at commit gives way to any reader of the
    moment and never shrinks the log: after a cold import of 10,000 posts it held 400 MB, and
    the next small commit spent 0.4 s copying them. Best effort: a reader may hold part."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def install_sqlite_pragmas() -> None:
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


def describe(url: URL | str) -> str:
    """The database in words fit for a log: never the password, nor the whole URL."""
    url = make_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return f"SQLite database {url.database or ':memory:'}"
    where = f"{url.host or 'localhost'}:{url.port}" if url.port else (url.host or "localhost")
    return f"{backend} database {url.database!r} at {where}"


class ThrottledWarning:
    """Log a recurring failure at most once per interval, with how often it recurred."""

    def __init__(self, logger: logging.Logger, message: str, event: str,
                 interval: float) -> None:
        self.logger, self.message, self.event, self.interval = logger, message, event, interval
        self.lock = threading.Lock()
        self.last = float("-inf")
        self.suppressed = 0

    def warning(self, error: BaseException) -> None:
        with self.lock:
            now = time.monotonic()
            if now - self.last < self.interval:
                self.suppressed += 1
                return
            suppressed, self.suppressed, self.last = self.suppressed, 0, now
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        self.logger.warning("%s: %s%s", self.message,
                            reason[0] if reason else type(error).__name__,
                            f" ({suppressed} more since the last warning)" if suppressed else "",
                            extra={"event": self.event})


def lost_connection_log() -> ThrottledWarning:
    """The warning ``end_session`` gives, once per interval: a restart drops every connection."""
    return ThrottledWarning(log, "a database connection was lost as a request ended; the pool "
                            "discarded it", "database_connection_lost",
                            LOST_CONNECTION_LOG_INTERVAL)


def end_session(session: scoped_session[Any], lost_connections: ThrottledWarning) -> None:
    """Close the request's session, as Flask-SQLAlchemy's teardown does, but never raise.

    The response is made by then, and an exception would make gunicorn replace it with its bare
    500. A connection the server dropped after the request's last query (a restart, a failover,
    ``pg_terminate_backend``) fails the ROLLBACK that ends the transaction: there is nothing
    left to undo, and SQLAlchemy has invalidated the connection, so the pool never lends it
    again. Any other failure is a bug, logged with its traceback, the response still served.
    """
    try:
        session.remove()
    except Exception as error:
        # The failed close stopped before the session was forgotten: forget it, or the next app
        # context given the same id would inherit it.
        session.registry.clear()
        if isinstance(error, UNAVAILABLE):
            lost_connections.warning(error)
        else:
            log.error("could not end the request's database session", exc_info=error)
