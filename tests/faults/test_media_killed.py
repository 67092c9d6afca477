"""An import killed with SIGKILL while it stores its images leaves no file of them behind.

The media store is in the database, inside the import's one transaction: a killed import's
files are not half there, not there at all, and the next import stores every one of them. On
SQLite and PostgreSQL, with the same snapshot of every table the killed-import test takes.
"""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

from PIL import Image

from tests.faults.test_import_killed import Importer, run_import, snapshot
from tests.servers import flask_command, server_environment

IMAGES = 24  # each with its variants (WebP, AVIF, three widths): seconds of work to interrupt
STORING = re.compile(rb"Storing files\s.*?(\d+)/(\d+)")
IMPORT_TIMEOUT_S = 600


class StoringImporter(Importer):
    """The import, watched through its "Storing files" progress bar rather than rendering."""

    progress = STORING


def photographs(folder: Path) -> None:
    for n in range(IMAGES):
        post = folder / f"trip-{n:02d}"
        post.mkdir(parents=True)
        noise = Image.effect_noise((1800, 1200), 40 + n).convert("RGB")
        buffer = io.BytesIO()
        noise.save(buffer, "JPEG", quality=85)
        (post / "photo.jpg").write_bytes(buffer.getvalue())
        (post / "index.md").write_text(
            f"---\ntitle: Trip {n}\ndate: 2025-01-{n % 28 + 1:02d}\n---\n![Photo](photo.jpg)\n")
    old = time.time() - 60
    for path in folder.rglob("*"):
        os.utime(path, (old, old))


def test_an_import_killed_while_storing_files_leaves_none(empty_database: str,
                                                          tmp_path: Path) -> None:
    folder = tmp_path / "content"
    photographs(folder)
    env = server_environment(DATABASE_URL=empty_database, IMPORT_WORKERS="2")
    migrated = flask_command(env, "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    before = snapshot(empty_database)

    with StoringImporter(env, folder, tmp_path / "killed-import.log") as importer:
        importer.wait_until_rendered(0.25, timeout=IMPORT_TIMEOUT_S)
        importer.kill()
    assert importer.done < importer.total, "the import finished before it could be killed"

    after = snapshot(empty_database)
    assert after["tables"]["media_files"] == [] and after["tables"]["posts"] == []
    assert after == before
    summary = run_import(env, folder)
    assert summary.startswith(f"Import: {IMAGES} added")
    assert f"files: {IMAGES} stored" in summary
