"""A worker started while the database is unreachable (gunicorn recycled it, or the container
restarted) still answers the pages Redis holds: the whole content state is in Redis, so it can
compute their keys and ETags without the database. Pages Redis does not hold answer 503."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ArticleWriter
from tests.faults.proxy import cuttable
from tests.faults.redis_server import own_redis
from tests.servers import Gunicorn, fetch, flask_command, server_environment

CACHED = ("/", "/posts/first", "/tags/python")


def worker_pids(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def replace_the_worker(server: Gunicorn) -> int:
    """Kill the only worker; the pid of the one the master forks in its place, once it
    answers. Killed, not stopped: a crash leaves nothing to tidy up, as a recycle would not."""
    assert server.process is not None
    (old,) = worker_pids(server.process.pid)
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        new = worker_pids(server.process.pid) - {old}
        if new:
            server.wait_until_up()
            return new.pop()
        time.sleep(0.05)
    pytest.fail("gunicorn did not replace its worker:\n" + server.log())


@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)
def test_a_fresh_worker_answers_what_redis_holds_while_the_database_is_down(
        migrated_database: str, content_dir: Path, tmp_path: Path,
        write_article: ArticleWriter) -> None:
    real = make_url(migrated_database)
    write_article("first.md", title="First Post", date="2025-01-01", tags="Python")
    with own_redis(tmp_path / "redis") as redis_server, \
            cuttable(real.host or "127.0.0.1", real.port or 5432) as database:
        served = real.set(host="127.0.0.1", port=database.port)
        environment = server_environment(
            DATABASE_URL=served.render_as_string(hide_password=False),
            CONTENT_DIR=str(content_dir), SITE_URL="http://blog.test",
            REDIS_URL=redis_server.url)
        imported = flask_command(environment, "import-posts")
        assert imported.returncode == 0, imported.stdout + imported.stderr
        with Gunicorn(environment, tmp_path / "server.log", workers=1) as server:
            warm = {path: fetch(server.base + path) for path in CACHED}
            assert all(fetch(server.base + path).headers["X-Cache"] == "hit" for path in CACHED)

            database.cut()  # connections reset, new ones refused
            replace_the_worker(server)
            answers = {path: fetch(server.base + path) for path in CACHED}
            conditional = fetch(server.base + "/", {"If-None-Match": warm["/"].headers["ETag"]})
            never_cached = fetch(server.base + "/archive/")
            log = server.log()

    for path, answer in answers.items():
        assert answer.status == 200, log
        assert answer.headers["X-Cache"] == "hit"
        assert answer.body == warm[path].body
        assert answer.headers["ETag"] == warm[path].headers["ETag"]
    assert conditional.status == 304
    assert never_cached.status == 503  # the database really is out of reach
    assert "answering cached pages for the content state the mirror holds" in log
