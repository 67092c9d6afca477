"""The import's workers hold nothing of the process that started them, and keep its limits.

A worker forked from the CLI would inherit the import lock's file and the database's sockets,
and keep both for as long as it lived: the next import would wait for a lock nobody frees.
Workers are started by a fork server instead; these tests look at what a worker has open, and
check that an import run in-process (the click runner) still renders in workers, under the
render time limit its caller set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine, make_url

from app.content import workers
from app.extensions import db
from app.locks import exclusive
from app.models import Post
from tests.conftest import ArticleWriter

WORKERS = 2


@pytest.fixture
def engine(empty_database: str) -> Iterator[Engine]:
    engine = create_engine(empty_database)
    yield engine
    engine.dispose()


def open_files(_: object = None) -> set[str]:
    """What this process has open besides stdin, stdout and stderr, as /proc names it: a path,
    or ``socket:[inode]``, ``pipe:[inode]``."""
    names = set()
    for entry in os.scandir("/proc/self/fd"):
        if int(entry.name) > 2:
            try:
                names.add(os.readlink(entry.path))
            except OSError:  # closed since it was listed (the listing's own descriptor)
                continue
    return names


def test_workers_hold_neither_the_lock_nor_a_database_connection(engine: Engine) -> None:
    with exclusive(engine, "import"), engine.begin() as connection:
        connection.execute(select(1))
        ours = open_files()
        seen = list(workers.parallel_map(open_files, range(workers.PARALLEL_THRESHOLD),
                                        WORKERS))

    # What the caller holds for the import: sockets to the server, or the database file and
    # the lock file beside it (a name in /proc is the same file, a socket's inode the same
    # connection; pipes are the pool's own queues, shared by design).
    if engine.dialect.name == "postgresql":
        held = {name for name in ours if name.startswith("socket:")}
        assert len(held) >= 2, ours  # the lock's session and the transaction's
    else:
        database = make_url(str(engine.url)).database
        assert database
        held = {name for name in ours if name.startswith(database)}
        assert f"{database}.import.lock" in held, ours
    shared = held & set().union(*seen)
    assert not shared, f"the workers hold the caller's {shared}"


def test_an_import_in_process_renders_in_workers_under_the_callers_time_limit(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    # Enough files for the worker pool, and two workers even on a one-CPU machine.
    app.config["IMPORT_WORKERS"] = WORKERS
    for number in range(workers.PARALLEL_THRESHOLD):
        write_article(f"post-{number:02d}.md", f"Paragraph {number}.\n")
    # About 2 MB of ordinary paragraphs: seconds to render in any release of Python-Markdown,
    # on any machine, where each of the others takes milliseconds.
    paragraph = "Some *emphasis*, a [link](https://example.com) and `code`. " * 4 + "\n\n"
    write_article("slow.md", paragraph * 8000)
    app.config["IMPORT_RENDER_SECONDS"] = 1.0  # the default is a minute

    result = runner.invoke(args=["import-posts"])

    assert result.exit_code == 1, result.output
    assert re.search(r"slow\.md:5: error: the Markdown was still rendering after 1 s; not "
                     r"imported", result.output), result.output
    assert f"Import: {workers.PARALLEL_THRESHOLD} added, 0 updated" in result.output
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Post))
    assert stored == workers.PARALLEL_THRESHOLD
