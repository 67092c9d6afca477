"""The folder where the workers of one server share their page cache, without Redis.

Each gunicorn worker used to cache pages in its own memory: every worker rendered every page
once, and a recycled worker rendered them all again while requests queued behind the big ones
(the sitemap, the archive). The workers of one server now share a folder of cached pages
(cachelib's ``FileSystemCache``: one file a page, written whole and renamed into place, so a
reader never sees half of one), and each keeps the pages it served last in memory in front of
it (``store.NearCache``).

The folder belongs to the process that made it: with gunicorn's ``preload_app`` that is the
master, before it forks, so the workers of one server share it and no other server does (two
servers on two databases can reach the same content version, and the keys would collide).
It is removed when that process exits, and a folder left by one that was killed is removed
by the next one to start. Memory-backed ``/dev/shm`` where there is a roomy one, else the
temporary folder: hits are answered from each worker's near copy, so the folder is read only
by a worker that has not seen a page yet.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import struct
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask_caching.backends.filesystemcache import FileSystemCache

log = logging.getLogger(__name__)
PREFIX = "folio-pages-"
BACKEND = "app.caching.shared.SharedFolderCache"  # Flask-Caching's CACHE_TYPE


class SharedFolderCache(FileSystemCache):
    """Flask-Caching's folder cache, with an ``add`` that is atomic across processes: a cold
    page's render lock, which lets one worker render it while the others wait (cachelib's own
    ``add`` checks, then writes, so two workers could both take the lock)."""

    def set(self, key: str, value: Any, timeout: int | timedelta | None = None,
            mgmt_element: bool = False) -> bool:
        try:
            self._recreated()
        except OSError as error:
            log.warning("could not write to the shared page folder %s: %s", self._path, error,
                        extra={"event": "page_cache_unwritable"})
            return False  # not cached: the page is rendered again next time
        return bool(super().set(key, value, timeout, mgmt_element))

    def add(self, key: str, value: Any, timeout: int | timedelta | None = None) -> bool:
        """True when this caller stored it; also when the folder cannot be written (then the
        caller renders without a lock: waiting on one nobody holds would cost every request
        the wait)."""
        filename = self._get_filename(key)
        try:
            self._recreated()
            for _ in range(2):  # a second try after removing an entry that had expired
                if self._link_new(filename, value, timeout):
                    self._update_count(delta=1)
                    return True
                if self.get(key) is not None:
                    return False  # held, and current
                with contextlib.suppress(FileNotFoundError):
                    os.remove(filename)
        except OSError as error:
            log.warning("could not write to the shared page folder %s: %s", self._path, error,
                        extra={"event": "page_cache_unwritable"})
            return True
        return False

    def _recreated(self) -> None:
        """The folder back if something removed it (a cleaner of old temporary files)."""
        if not os.path.isdir(self._path):
            os.makedirs(self._path, mode=0o700, exist_ok=True)

    def _link_new(self, filename: str, value: Any, timeout: int | timedelta | None) -> bool:
        """The entry written whole beside ``filename``, then linked to it: a link fails if
        the name exists, and a reader never sees a half-written entry."""
        fd, temporary = tempfile.mkstemp(suffix=self._fs_transaction_suffix, dir=self._path)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(struct.pack("I", self._normalize_timeout(timeout)))
                self.serializer.dump(value, file)
            os.link(temporary, filename)
            return True
        except FileExistsError:
            return False
        finally:
            with contextlib.suppress(OSError):
                os.remove(temporary)


# Docker gives a container 64 MB of /dev/shm: a full folder would refuse pages (cachelib
# logs and stores nothing), so a small one is passed over for the temporary folder.
SHM_MIN_FREE_BYTES = 256 * 1024 * 1024


def default_parent() -> Path:
    """/dev/shm (memory) when it is writable and roomy, else the temporary folder (TMPDIR)."""
    shm = Path("/dev/shm")
    with contextlib.suppress(OSError):
        stats = os.statvfs(shm)
        if os.access(shm, os.W_OK) and stats.f_bavail * stats.f_frsize >= SHM_MIN_FREE_BYTES:
            return shm
    return Path(tempfile.gettempdir())


def make_folder(parent: Path | None = None) -> Path | None:
    """A new folder for this process's server, removed at its exit; None (each process then
    caches for itself) when none can be made."""
    parent = parent or default_parent()
    remove_orphans(parent)
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))
    except OSError as error:
        log.warning("no shared page cache in %s (%s): each worker caches pages for itself",
                    parent, error, extra={"event": "page_cache_unshared"})
        return None
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # a forked worker exits too, and must leave it to its master
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    return folder


def remove_orphans(parent: Path) -> None:
    """Remove the folders of processes that are gone (killed before they could)."""
    with contextlib.suppress(OSError):
        for folder in parent.glob(f"{PREFIX}*"):
            pid = folder.name[len(PREFIX):].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
