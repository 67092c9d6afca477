"""Without Redis, the workers of one server share a folder of cached pages: what one worker
rendered, the others (and a worker recycled after it) answer as a hit."""

from __future__ import annotations

import os
import pickle
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from app.caching import shared
from tests.conftest import REPO, ArticleWriter
from tests.servers import Gunicorn, fetch, server_environment


def test_a_folder_is_made_for_this_process_and_removed_when_it_exits(tmp_path: Path) -> None:
    made = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from app.caching.shared import make_folder; "
         "folder = make_folder(Path(sys.argv[1])); print(folder, folder.is_dir())",
         str(tmp_path)], cwd=REPO, capture_output=True, text=True, check=True)
    folder, existed = made.stdout.split()

    assert existed == "True" and Path(folder).parent == tmp_path
    assert Path(folder).name.startswith(f"{shared.PREFIX}")
    assert not Path(folder).exists()  # its process has exited


def test_a_forked_child_leaves_the_folder_to_its_parent(tmp_path: Path) -> None:
    """A gunicorn worker exits (recycled) long before its master: the folder must stay."""
    script = ("import os, sys; from pathlib import Path; "
              "from app.caching.shared import make_folder; "
              "folder = make_folder(Path(sys.argv[1])); pid = os.fork()\n"
              "if pid == 0: sys.exit(0)\n"
              "os.waitpid(pid, 0); print(folder.is_dir())")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "True"


def test_the_folder_of_a_process_that_was_killed_is_removed_by_the_next(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    orphan = tmp_path / f"{shared.PREFIX}{gone.pid}-abc"
    living = tmp_path / f"{shared.PREFIX}{os.getpid()}-def"
    orphan.mkdir()
    living.mkdir()

    shared.remove_orphans(tmp_path)

    assert not orphan.exists() and living.exists()


def test_without_a_folder_each_process_caches_for_itself(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    assert shared.make_folder(tmp_path / "missing" / "deeper") is None
    assert "each worker caches pages for itself" in caplog.text


def test_an_app_without_redis_caches_in_a_shared_folder(app: Flask) -> None:
    assert app.config["CACHE_TYPE"] == shared.BACKEND
    assert Path(app.config["CACHE_DIR"]).is_dir()
    assert app.extensions["folio_page_store"].near is not None


@pytest.mark.parametrize("recycling", [False, True], ids=["two workers", "recycled worker"])
def test_a_page_rendered_by_one_worker_is_a_hit_in_every_other(
        app: Flask, runner: FlaskCliRunner, database_url: str, content_dir: Path,
        write_article: ArticleWriter, tmp_path: Path, recycling: bool) -> None:
    write_article("first.md", title="First Post", date="2025-01-01")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    environment = server_environment(DATABASE_URL=database_url, CONTENT_DIR=str(content_dir),
                                     SITE_URL="http://blog.test", GUNICORN_ACCESS_LOG="0")
    if recycling:  # one worker, replaced every 3 requests
        environment.update(GUNICORN_MAX_REQUESTS="3", GUNICORN_MAX_REQUESTS_MIN_SECONDS="0")
    with Gunicorn(environment, tmp_path / "gunicorn.log", workers=1 if recycling else 2,
                  threads=1) as server:
        answers = [fetch(server.base + "/posts/first", headers={"Connection": "close"})
                   for _ in range(12)]
        log = server.log()

    assert [answer.status for answer in answers] == [200] * 12
    assert [answer.headers["X-Cache"] for answer in answers] == ["miss"] + ["hit"] * 11, log
    if recycling:
        assert log.count("Booting worker") >= 3, log


def test_add_is_atomic_across_processes(tmp_path: Path) -> None:
    """Eight processes race for one render lock: exactly one takes it."""
    script = ("import sys; from app.caching.shared import SharedFolderCache; "
              "store = SharedFolderCache(sys.argv[1], threshold=50); "
              "print(store.add('lock:page:x', 1, timeout=60))")
    racers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], cwd=REPO,
                               stdout=subprocess.PIPE, text=True) for _ in range(8)]
    said = [racer.communicate(timeout=60)[0].strip() for racer in racers]

    assert sorted(said) == ["False"] * 7 + ["True"]


def test_an_expired_lock_can_be_taken_again(tmp_path: Path) -> None:
    from app.caching.shared import SharedFolderCache

    store = SharedFolderCache(str(tmp_path), threshold=50)
    assert store.add("lock:page:x", 1, timeout=1)
    assert not store.add("lock:page:x", 1, timeout=1)
    (Path(store._get_filename("lock:page:x"))).write_bytes(  # expired an hour ago
        struct.pack("I", int(time.time()) - 3600) + pickle.dumps(1))

    assert store.add("lock:page:x", 2, timeout=60) and store.get("lock:page:x") == 2
    store.delete("lock:page:x")
    assert store.get("lock:page:x") is None


def test_memory_backs_the_folder_only_where_it_is_roomy(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(shared.tempfile, "tempdir", None)  # read TMPDIR again
    monkeypatch.setattr(shared, "SHM_MIN_FREE_BYTES", 1)
    roomy = shared.default_parent()
    monkeypatch.setattr(shared, "SHM_MIN_FREE_BYTES", 1 << 62)  # more than any machine has

    assert roomy == (Path("/dev/shm") if Path("/dev/shm").is_dir() else tmp_path)
    assert shared.default_parent() == tmp_path


def test_a_folder_removed_under_the_server_is_made_again(tmp_path: Path) -> None:
    from app.caching.shared import SharedFolderCache

    folder = tmp_path / "pages"
    store = SharedFolderCache(str(folder), threshold=50)
    shutil.rmtree(folder)  # systemd-tmpfiles cleaning /tmp, say

    assert store.add("lock:page:x", 1, timeout=60)
    assert store.set("page:x", b"page", timeout=60) and store.get("page:x") == b"page"


def test_an_unwritable_folder_lets_the_request_render_without_a_lock(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from app.caching.shared import SharedFolderCache

    folder = tmp_path / "pages"
    store = SharedFolderCache(str(folder), threshold=50)
    shutil.rmtree(folder)
    folder.write_text("a file where the folder was")  # nothing can be made there

    assert store.add("lock:page:x", 1, timeout=60)  # render now, rather than wait on nobody
    assert "could not write to the shared page folder" in caplog.text
    assert not store.set("page:x", b"page", timeout=60)  # cachelib logs and stores nothing
