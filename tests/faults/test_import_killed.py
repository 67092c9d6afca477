"""``flask import-posts`` killed with SIGKILL halfway through a large corpus changes nothing.

The import is one transaction; this holds it to that in the harshest way a process can stop: no
exception handler, no rollback, no `finally`, its worker processes killed with it. On SQLite and
on PostgreSQL:

1. a database holding a first batch of posts (so there is something to damage);
2. a snapshot of all of it: every row of every table (the models' tables, Alembic's, and on
   SQLite FTS5's own tables, so the search index itself is compared), ordered, plus search
   results read through the index (a GIN index scan on PostgreSQL);
3. ``flask import-posts`` of the whole corpus (new posts, and changed versions of some old
   ones), its stderr on a pseudo-terminal so the CLI draws its progress bar: once the bar
   says half the posts are rendered (the importer writes them in batches as it renders), the
   whole process group gets SIGKILL;
4. the snapshot again: identical. Nothing stays locked: PostgreSQL ends the dead import's
   sessions, with any advisory lock they held, and a lock file beside a SQLite database can
   be taken at once;
5. the next import completes with exit status 0, in bounded time, and reports exactly the
   work the killed one did not do.

PostgreSQL's sequences are not transactional, so the killed import may have used up post ids;
they are not part of the snapshot (nothing reads them but the next insert).

A SIGKILL to the CLI alone (its process group spared, as when an out-of-memory killer picks it)
must end the import just as completely: its render workers die with it, and nothing of it keeps
the import lock or a database session, so the next import starts at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.models import SEARCH_VECTOR_COLUMN, SQLITE_SEARCH_INDEX, Base
from tests.conftest import SHARED
from tests.servers import REPO, flask_command, server_environment

POSTS = 2_000  # 10 write batches of the importer's 200
FIRST_BATCH = 200
CHANGED_EVERY = 10  # every 10th post of the first batch comes back changed
IMPORT_TIMEOUT_S = 600  # on a busy 2-core machine 2,000 posts take 20-40 s
SEARCH_WORDS = ("caching", "latency", "postgresql", "kubernetes")
PROGRESS = re.compile(rb"Rendering\s.*?(\d+)/(\d+)")
# The corpus's shortest posts, to render quickly. Killed at half-way: after the first write batch
# (200), and with enough left that both workers are busy (while the CLI writes a batch, they
# render the 96 posts in flight).
CLI_ALONE_POSTS = 500
CLI_ALONE_KILLED_AT = 0.5
SETTLE_S = 10  # how long anything of a killed import may outlive it
NEXT_IMPORT_TIMEOUT_S = 300  # 500 short posts take 10-40 s; waiting on a dead import: forever


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``gen_corpus.py POSTS`` (the shared benchmark generator); on CI its absence fails."""
    generator = SHARED / "bench" / "gen_corpus.py"
    if not generator.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{generator} is missing: CI must run with ../shared beside the checkout")
        pytest.skip(f"{generator} not present")
    folder = tmp_path_factory.mktemp("corpus") / "all"
    subprocess.run([sys.executable, generator, str(POSTS), folder], check=True,
                   capture_output=True, timeout=120)
    return folder


def split_corpus(corpus: Path, target: Path) -> tuple[Path, Path, int]:
    """The first batch as a folder of its own, and the whole corpus with every
    CHANGED_EVERY-th post of that batch edited; the number edited."""
    first, whole = target / "first", target / "whole"
    shutil.copytree(corpus, whole)
    first.mkdir()
    names = sorted(path.name for path in whole.glob("*.md"))
    assert len(names) == POSTS
    changed = 0
    for n, name in enumerate(names[:FIRST_BATCH]):
        shutil.copyfile(whole / name, first / name)
        if n % CHANGED_EVERY == 0:
            with (whole / name).open("a", encoding="utf-8") as article:
                article.write("\n\nA paragraph added after the first import.\n")
            changed += 1
    return first, whole, changed


# The snapshot


def table_rows(connection: Connection) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, as reprs, sorted: the models' tables, Alembic's and, on
    SQLite, FTS5's virtual table and the shadow tables that hold the index itself."""
    present = set(inspect(connection).get_table_names())
    declared = {table.name for table in Base.metadata.sorted_tables}
    assert declared <= present, f"tables missing: {declared - present}"
    dump = {}
    for name in sorted(present):
        rows = connection.execute(text(f'SELECT * FROM "{name}"'))
        dump[name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return dump


def indexed_search(connection: Connection) -> dict[str, list[int]]:
    """The posts each search word finds, read through the search index (not the table)."""
    found = {}
    for word in SEARCH_WORDS:
        if connection.dialect.name == "sqlite":
            query = text(f"SELECT rowid FROM {SQLITE_SEARCH_INDEX} "
                         f"WHERE {SQLITE_SEARCH_INDEX} MATCH :word ORDER BY rowid")
        else:
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            query = text(f"SELECT post_id FROM search_documents WHERE {SEARCH_VECTOR_COLUMN} "
                         "@@ plainto_tsquery('english', :word) ORDER BY post_id")
        found[word] = list(connection.execute(query, {"word": word}).scalars())
    return found


def snapshot(url: str) -> dict[str, Any]:
    """All the database holds, and what its search index answers; on SQLite also the
    content-version mirror files beside the database (not its WAL, shared memory or locks)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            state: dict[str, Any] = {"tables": table_rows(connection),
                                     "search": indexed_search(connection)}
            if connection.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
                connection.execute(text(f"INSERT INTO {SQLITE_SEARCH_INDEX}"
                                        f"({SQLITE_SEARCH_INDEX}) VALUES ('integrity-check')"))
            connection.rollback()
    finally:
        engine.dispose()
    database = make_url(url).database
    if make_url(url).get_backend_name() == "sqlite" and database:
        path = Path(database)
        state["beside"] = {
            other.name: other.read_bytes() for other in sorted(path.parent.iterdir())
            if other.name.startswith(path.name + ".") and not other.name.endswith(".lock")}
    return state


def post_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM posts")).scalar_one())
    finally:
        engine.dispose()


# The killed import


class Importer:
    """``flask import-posts FOLDER`` in a process group of its own, stderr on a pty so the
    progress bar is drawn; the bar's last ``done/total`` is kept up to date by a thread."""

    progress = PROGRESS  # the bar watched: rendering

    def __init__(self, env: dict[str, str], folder: Path, log: Path) -> None:
        primary, secondary = pty.openpty()
        self.primary = primary
        self.done, self.total = 0, 0
        self.output = bytearray()
        with log.open("wb") as stdout:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "import-posts", str(folder)], cwd=REPO,
                env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=secondary,
                start_new_session=True)
        os.close(secondary)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.primary, 65536)
            except OSError:  # EIO: every process holding the terminal is gone
                break
            if not chunk:
                break
            self.output += chunk
            for done, total in self.progress.findall(chunk):
                self.done, self.total = int(done), int(total)
        os.close(self.primary)

    def wait_until_rendered(self, fraction: float, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not (self.total and self.done >= fraction * self.total):
            assert self.process.poll() is None, (
                f"the import ended (status {self.process.returncode}) before "
                f"{fraction:.0%} was rendered:\n{self.output[-2000:].decode(errors='replace')}")
            assert time.monotonic() < deadline, "no progress from the import"
            time.sleep(0.02)

    def kill_cli(self) -> None:
        """SIGKILL to the CLI alone, not its process group."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def survivors(self, timeout: float) -> list[str]:
        """The processes of the import's group still alive after up to ``timeout`` seconds,
        as pid and command line."""
        deadline = time.monotonic() + timeout
        while self.group() and time.monotonic() < deadline:
            time.sleep(0.05)
        return [f"{pid}: {command_line(pid)}" for pid in self.group()]

    def workers(self) -> list[int]:
        """The import's live worker processes: the group but the CLI and the helpers it started
        with a command line of their own (multiprocessing's fork server, resource tracker)."""
        return [pid for pid in self.group() if pid != self.process.pid and not (
            parent_of(pid) == self.process.pid and "multiprocessing" in command_line(pid))]

    def group(self) -> list[int]:
        """The live processes of the import's process group (the CLI and its workers)."""
        members = []
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    stat = Path(f"/proc/{entry.name}/stat").read_text()
                    state, _, group = stat[stat.rindex(")") + 2:].split()[:3]
                except (OSError, ValueError):
                    continue
                if int(group) == self.process.pid and state != "Z":  # zombies are dead
                    members.append(int(entry.name))
        return members

    def __enter__(self) -> Importer:
        return self

    def __exit__(self, *exc: object) -> None:
        # The test failed first, or killed the CLI alone: leave nothing of the import running.
        if self.process.returncode is None or self.group():
            self.kill()

    def kill(self) -> None:
        """SIGKILL to the whole group, then wait until none of it is left."""
        with contextlib.suppress(ProcessLookupError):  # the CLI and all of its are gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        deadline = time.monotonic() + 10
        while self.group() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not self.group(), "processes of the killed import are still running"
        self.reader.join(10)


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return "(gone)"


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[1])


def postgres_sessions(url: str) -> list[tuple[int, Any]]:
    """The other sessions on this PostgreSQL database: (pid, transaction id or None)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [(pid, xid) for pid, xid in connection.execute(text(
                "SELECT pid, backend_xid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))]
    finally:
        engine.dispose()


def advisory_locks(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND d.datname = current_database()")).scalar_one())
    finally:
        engine.dispose()


def assert_no_lock_left(url: str, sessions_before_kill: list[tuple[int, Any]],
                        within: float = 30) -> None:
    """PostgreSQL ends the dead client's sessions (and their locks) within ``within`` seconds;
    SQLite's lock files beside the database are free: the kernel released the dead process's
    flock."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        dead = {pid for pid, _ in sessions_before_kill}
        deadline = time.monotonic() + within
        while dead & {pid for pid, _ in postgres_sessions(url)}:
            assert time.monotonic() < deadline, "the killed import's sessions live on"
            time.sleep(0.1)
        assert advisory_locks(url) == 0
        return
    assert parsed.database
    database = Path(parsed.database)
    lock_files = list(database.parent.glob(f"{database.name}.*.lock"))
    assert lock_files, "no lock file: the import took no lock to check"
    for lock_file in lock_files:
        with lock_file.open("a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if held
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_import(env: dict[str, str], folder: Path) -> str:
    """The summary of a completed import. The generated corpus names cover images it does not
    include: each is an error (exit status 1), its post imported all the same; any other error
    fails the test."""
    return completed(flask_command(env, "import-posts", str(folder), timeout=IMPORT_TIMEOUT_S))


def completed(done: subprocess.CompletedProcess[str]) -> str:
    """The summary line of an import that ran to its end with no error but missing covers."""
    errors = re.findall(r"^\S+:\d+: error: (.*)$", done.stdout + done.stderr, re.MULTILINE)
    assert done.returncode == (1 if errors else 0), done.stderr[-3000:]
    assert all(": there is no file " in error for error in errors), done.stderr[-3000:]
    summary = [line for line in done.stdout.splitlines() if line.startswith("Import: ")]
    assert summary, done.stdout[-3000:]
    return summary[-1]


def test_import_killed_halfway_leaves_the_database_as_it_was(
        empty_database: str, corpus: Path, tmp_path: Path) -> None:
    first, whole, changed = split_corpus(corpus, tmp_path)
    # IMPORT_WORKERS: render in worker processes even on a one-CPU machine, so they are killed too.
    env = server_environment(DATABASE_URL=empty_database, IMPORT_WORKERS="2")
    migrated = flask_command(env, "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    assert run_import(env, first).startswith(f"Import: {FIRST_BATCH} added, 0 updated")
    before = snapshot(empty_database)
    assert len(before["tables"]["posts"]) == FIRST_BATCH
    assert all(before["search"].values())

    with Importer(env, whole, tmp_path / "killed-import.log") as importer:
        importer.wait_until_rendered(0.5, IMPORT_TIMEOUT_S)
        workers = len(importer.workers())
        sessions = postgres_sessions(empty_database) if "postgresql" in empty_database else []
        importer.kill()

    assert importer.total == POSTS - FIRST_BATCH + changed  # what the killed import would write
    assert workers >= 1  # its render processes were killed with it
    if sessions:  # the import had written: its transaction had an id
        assert any(xid is not None for _, xid in sessions), sessions
    assert_no_lock_left(empty_database, sessions)
    assert snapshot(empty_database) == before

    summary = run_import(env, whole)

    assert summary.startswith(f"Import: {POSTS - FIRST_BATCH} added, {changed} updated, "
                              f"{FIRST_BATCH - changed} unchanged, 0 removed")
    assert post_count(empty_database) == POSTS
    after = snapshot(empty_database)
    assert len(after["search"]["caching"]) > len(before["search"]["caching"])


def test_import_whose_cli_alone_is_killed_leaves_no_worker_lock_or_session(
        empty_database: str, corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "posts"
    folder.mkdir()
    for article in sorted(corpus.glob("*.md"), key=lambda path: path.stat().st_size)[
            :CLI_ALONE_POSTS]:
        shutil.copyfile(article, folder / article.name)
    env = server_environment(DATABASE_URL=empty_database, IMPORT_WORKERS="2")
    migrated = flask_command(env, "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    postgresql = make_url(empty_database).get_backend_name() == "postgresql"

    with Importer(env, folder, tmp_path / "killed-import.log") as importer:
        importer.wait_until_rendered(CLI_ALONE_KILLED_AT, IMPORT_TIMEOUT_S)
        assert len(importer.workers()) == 2, importer.group()
        sessions = postgres_sessions(empty_database) if postgresql else []
        importer.kill_cli()
        survivors = importer.survivors(SETTLE_S)
        assert not survivors, f"the killed import's processes live on: {survivors}"

    if postgresql:  # the import had written its first batch: its transaction had an id
        assert any(xid is not None for _, xid in sessions), sessions
    assert_no_lock_left(empty_database, sessions, within=SETTLE_S)
    started = time.monotonic()
    done = flask_command(env, "import-posts", str(folder), timeout=NEXT_IMPORT_TIMEOUT_S)
    summary = completed(done)
    assert "Another import" not in done.stderr, f"it waited ({time.monotonic() - started:.0f} s)"
    assert summary.startswith(f"Import: {CLI_ALONE_POSTS} added, 0 updated"), summary
    assert post_count(empty_database) == CLI_ALONE_POSTS
