"""The README's first command, `bash scripts/serve.sh`, run for real on a port of its own: the
pages it serves name the address they are served at."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.servers import Reply, fetch, free_port

START_SECONDS = 180  # the install is a no-op in a set-up checkout; the import takes seconds


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes], Path]]:
    """serve.sh on a free port, on an SQLite database of the test's own."""
    port = free_port()
    log = tmp_path / "serve.log"
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("SITE_URL", "HOST", "PORT", "DATABASE_URL")}
    environment.update(PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path / 'folio.sqlite3'}")
    with open(log, "wb") as output:
        process = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=REPO, env=environment,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        yield port, process, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve.sh exited with {process.returncode}:\n{log.read_text()}")
        try:
            fetch(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"serve.sh did not serve within {START_SECONDS} s:\n{log.read_text()}")


def get(port: int, path: str) -> Reply:
    reply = fetch(f"http://127.0.0.1:{port}{path}")
    assert reply.status == 200, (path, reply.status)
    return reply


def test_pages_name_the_port_served(
        served: tuple[int, subprocess.Popen[bytes], Path]) -> None:
    port, process, log = served
    wait_for(port, process, log)
    site = f"http://localhost:{port}"
    home = get(port, "/").body
    assert re.search(rf'<link rel="canonical" href="{re.escape(site)}/"', home), home[:2000]
    assert "localhost:5000" not in home
    feed = get(port, "/feed.xml").body
    assert f"{site}/posts/" in feed and "localhost:5000" not in feed
