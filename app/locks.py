"""Locks that hold across every process and container sharing one database.

Two containers starting at once must not both migrate the schema or both import the same
files: on PostgreSQL a session-level advisory lock, on SQLite an ``flock`` on a file beside the
database. Both belong to the holder's connection or open file, so a process that dies, even
by ``SIGKILL``, releases its lock with it: a crash never leaves the next start blocked.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL's advisory locks take a bigint)."""
    digest = hashlib.blake2b(f"folio:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def exclusive(engine: Engine, name: str,
              on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the lock ``name`` on ``engine``'s database, waiting for another holder to finish
    (``on_wait`` is called once first, to say so)."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name, on_wait):
            yield
        return
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" \
            and not database.startswith("file:"):
        with _file_lock(Path(f"{database}.{name}.lock"), on_wait):
            yield
        return
    yield  # an in-memory database lives in one process: nothing to share


@contextmanager
def _advisory_lock(engine: Engine, name: str,
                   on_wait: Callable[[], None] | None) -> Iterator[None]:
    key = advisory_key(name)
    # A connection of its own, outside any transaction: the lock lasts as long as the session,
    # not a transaction, so the work inside may commit as often as it likes.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if not connection.scalar(select(func.pg_try_advisory_lock(key))):
            if on_wait is not None:
                on_wait()
            connection.execute(select(func.pg_advisory_lock(key)))
        try:
            yield
        finally:
            connection.execute(select(func.pg_advisory_unlock(key)))


@contextmanager
def _file_lock(path: Path, on_wait: Callable[[], None] | None) -> Iterator[None]:
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
