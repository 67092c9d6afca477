"""Locks across processes: two containers starting at once migrate once and import once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from app.locks import advisory_key, exclusive
from app.models import ImportRun, Post
from tests.conftest import REPO
from tests.servers import server_environment


@pytest.fixture
def engine(empty_database: str) -> Iterator[Engine]:
    engine = create_engine(empty_database)
    yield engine
    engine.dispose()


def test_advisory_keys_are_stable_distinct_bigints() -> None:
    assert advisory_key("import") == advisory_key("import")
    assert advisory_key("import") != advisory_key("schema")
    assert -2**63 <= advisory_key("import") < 2**63


def test_a_second_holder_waits_for_the_first(engine: Engine) -> None:
    events: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with exclusive(engine, "import"):
            events.append("first in")
            first_in.set()
            time.sleep(0.5)
            events.append("first out")

    def second() -> None:
        first_in.wait()
        with exclusive(engine, "import", on_wait=lambda: events.append("second waits")):
            events.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert events == ["first in", "second waits", "first out", "second in"]


def test_different_names_do_not_block_each_other(engine: Engine) -> None:
    waited: list[str] = []
    with exclusive(engine, "schema"), exclusive(engine, "import",
                                                on_wait=lambda: waited.append("import")):
        pass
    assert waited == []


def write_corpus(folder: Path, count: int) -> None:
    folder.mkdir()
    for number in range(count):
        (folder / f"post-{number:04d}.md").write_text(
            f"---\ntitle: Post {number}\ndate: 2025-01-01\ntags: t{number % 7}\n---\n\n"
            + f"Paragraph {number}.\n\n" * 20, encoding="utf-8")


def test_two_starts_at_once_migrate_once_and_import_once(empty_database: str,
                                                         tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_corpus(content, 400)
    env = server_environment(DATABASE_URL=empty_database, CONTENT_DIR=str(content))
    script = "flask db upgrade && flask import-posts"
    starts = [subprocess.Popen(
        ["sh", "-c", script], cwd=REPO, env={**env, "PATH": f"{Path(sys.executable).parent}:"
                                             f"{env['PATH']}"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [start.communicate(timeout=300)[0] for start in starts]

    assert [start.returncode for start in starts] == [0, 0], "\n".join(outputs)
    summaries = sorted(next(line for line in output.splitlines() if line.startswith("Import:"))
                       for output in outputs)
    assert summaries[0].startswith("Import: 0 added, 0 updated, 400 unchanged"), summaries
    assert summaries[1].startswith("Import: 400 added"), summaries
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Post)) == 400
        assert connection.scalar(select(func.count()).select_from(ImportRun)) == 1
    engine.dispose()
