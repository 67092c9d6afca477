"""Finding the article files in a folder, and reading one safely.

An author's folder may hold anything: links pointing out of it, pipes, devices, names no
terminal can show, files too big to be articles. Nothing here parses; it decides which files
are articles and hands over their bytes, or a ContentError saying why not.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from app.content.characters import NOT_IN_NAMES, code_points
from app.content.problems import ContentError
from app.content.reader import MAX_FILE_BYTES, too_large

ARTICLE_SUFFIXES = (".md", ".markdown", ".ipynb")  # a Jupyter notebook is an article too
MAX_PATH_LENGTH = 1000  # Post.source_path


def discover(folder: Path) -> list[str]:
    """Article files under ``folder`` as sorted POSIX paths relative to it.

    Names starting with ``_`` or ``.`` are not articles (Hugo's ``_index.md``, editor files);
    hidden folders are skipped, and symbolic links to folders are not followed.
    """
    found: list[str] = []
    _collect(str(folder), "", found)
    return sorted(found)


def article_name(rel: str) -> str:
    """The name that gives the article at ``rel`` its slug and date: its file's, or for a page
    bundle (``2024-05-01-my-post/index.md``, the images beside it) its folder's."""
    folder, _, name = rel.rpartition("/")
    stem, dot, suffix = name.partition(".")
    if folder and stem == "index":
        return folder.rpartition("/")[2] + dot + suffix
    return name


def _collect(directory: str, prefix: str, found: list[str]) -> None:
    # Plain strings and scandir, not pathlib: a re-import of 10,000 unchanged files spent a
    # second building Path objects here.
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if _is_folder(entry):  # a link to a folder is a folder, and not followed
                if not entry.is_symlink():
                    _collect(entry.path, f"{prefix}{entry.name}/", found)
            elif not entry.name.startswith("_") and entry.name.lower().endswith(
                    ARTICLE_SUFFIXES):
                found.append(prefix + entry.name)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a loop of links: a file to report (read_source says why), not a folder
        return False


def read_source(folder: Path, rel: str) -> bytes:
    """The bytes of the article ``rel`` (a path :func:`discover` found) under ``folder``.

    Raises ContentError, reading nothing, for a name the database or a terminal cannot take,
    a symbolic link to a file outside ``folder``, anything but a regular file (a pipe would
    wait for a writer forever, ``/dev/zero`` never ends) and a file over the size limit.
    """
    check_name(rel)
    path = os.path.join(folder, rel)
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            path = str(_inside(folder, Path(path)))
        # Non-blocking, so that opening a pipe returns at once and fstat can turn it away.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ContentError(1, f"cannot read the file: {_reason(exc)}") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ContentError(1, "not a regular file (a pipe, socket or device); not read",
                               "only Markdown text files belong in the content folder")
        if info.st_size > MAX_FILE_BYTES:
            raise too_large(info.st_size)
        return handle.read(MAX_FILE_BYTES + 1)  # one that grew since is decode's to refuse


def _inside(folder: Path, link: Path) -> Path:
    """Where the symbolic link ``link`` leads, if that is inside ``folder``.

    Only links cost a resolve: :func:`discover` walks no linked folder, so a path that is not
    a link itself is a file inside the folder.
    """
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # a loop of links
        raise ContentError(1, "cannot read the file: a loop of symbolic links") from None
    if not target.is_relative_to(folder.resolve()):
        raise ContentError(1, f"a symbolic link to {target}, outside the content folder; "
                           "not read", "copy the file into the content folder instead")
    return target


def check_name(rel: str) -> None:
    """Raise ContentError for a path the database, a log or a terminal cannot take."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        raise ContentError(1, "the file name is not valid UTF-8",
                           "rename the file; names are shown and stored as UTF-8") from None
    invisible = NOT_IN_NAMES.findall(rel)
    if invisible:
        raise ContentError(1, f"the file name holds control or text-direction characters "
                           f"({code_points(invisible)})", "rename the file")
    if len(rel) > MAX_PATH_LENGTH:
        raise ContentError(1, f"the path is {len(rel)} characters long (at most "
                           f"{MAX_PATH_LENGTH})", "move the file to a shorter path")


def _reason(error: BaseException) -> str:
    return str(error.strerror if isinstance(error, OSError) and error.strerror else error)
