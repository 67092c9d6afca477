"""Storing the files posts reference, inside the import's one transaction.

A file's bytes are stored once, by digest: a file already in the store costs nothing on
re-import, whichever post references it. A new image is processed (its variants made, its
metadata stripped: :mod:`app.content.images`) in the import's worker processes, and its rows
are streamed into the transaction as each is ready, so that 500 photographs never sit in
memory at once. Which post references which file is kept too (``post_media``): ``--prune``
removes the files no post references any more.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from app.content import workers
from app.content.media import MISSING, MediaFile
from app.content.problems import Problem
from app.content.report import ImportReport, Progress
from app.models import MediaFile as MediaRow
from app.models import PostMedia

if TYPE_CHECKING:
    from app.content.media_files import Processed


def references(session: Session, post_ids: list[int]) -> dict[int, tuple[tuple[str, str | None],
                                                                          ...]]:
    """The files each post references, as (source path, stamp), by post id; every post's when
    ``post_ids`` is empty."""
    query = select(PostMedia.post_id, PostMedia.source, PostMedia.stamp)
    found: dict[int, list[tuple[str, str | None]]] = {}
    for post_id, source, stamp in session.execute(query):
        found.setdefault(post_id, []).append((source, stamp))
    return {post_id: tuple(files) for post_id, files in found.items()}


class MediaWriter:
    """The files of the posts an import writes: their references at once, their bytes once
    every post is built (:meth:`store`)."""

    def __init__(self, session: Session, folder: str) -> None:
        self.session = session
        self.folder = folder
        self.pending: dict[str, MediaFile] = {}
        self._stored: set[str] | None = None

    def reference(self, posts: list[tuple[int, tuple[MediaFile, ...], tuple[str, ...]]]) -> None:
        """Record which files the posts (id, files, paths of missing files) reference now,
        replacing what they did."""
        if not posts:
            return
        self.session.execute(delete(PostMedia).where(
            PostMedia.post_id.in_([post_id for post_id, _, _ in posts])))
        rows = []
        for post_id, files, missing in posts:
            rows += [{"post_id": post_id, "source": file.source, "digest": file.digest,
                      "stamp": file.stamp} for file in files]
            rows += [{"post_id": post_id, "source": source, "digest": "", "stamp": MISSING}
                     for source in missing if source not in {file.source for file in files}]
            for file in files:
                self.pending.setdefault(file.digest, file)
        if rows:
            self.session.execute(insert(PostMedia), rows)

    def store(self, processes: int, progress: Progress, report: ImportReport) -> None:
        """Store the referenced files the store does not hold yet."""
        stored = set(self.session.execute(
            select(MediaRow.digest).where(MediaRow.digest.in_(list(self.pending)))).scalars())
        new = [file for digest, file in self.pending.items() if digest not in stored]
        if not new:
            return
        progress.phase("Storing files", len(new))
        jobs = [(self.folder, file) for file in new]
        for file, processed in zip(new, _process_all(jobs, processes), strict=True):
            progress.advance()
            if processed.problem is not None:
                report.errors.append(Problem(report.where(file.source), 1, processed.problem,
                                             "replace the file and import again"))
                continue
            self.session.execute(insert(MediaRow), list(processed.rows))
            report.media_added += 1


def _process_all(jobs: list[tuple[str, MediaFile]], processes: int) -> Iterator[Processed]:
    # One image a job, and parallel from two: an image takes a second of work, and its
    # variants megabytes, of which only a few may wait in this process at a time. Imported
    # here: Pillow is for imports that store files, not for every import's start-up.
    from app.content.media_files import process_file

    return workers.parallel_map(process_file, jobs, processes, chunk=1, threshold=2)


def orphans(session: Session) -> int:
    """How many stored files no post references (``--prune`` removes them)."""
    query = select(func.count(func.distinct(MediaRow.digest))).where(
        ~MediaRow.digest.in_(select(PostMedia.digest)))
    return int(session.execute(query).scalar_one())


def prune(session: Session) -> int:
    """Remove the stored files no post references; how many there were."""
    gone = orphans(session)
    if gone:
        session.execute(delete(MediaRow).where(~MediaRow.digest.in_(select(PostMedia.digest))))
    return gone
