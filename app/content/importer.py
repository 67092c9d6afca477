"""Sync a folder of articles into the database, in one transaction.

Three passes keep it fast and memory-flat:

1. *scan*: hash every file; a file whose hash matches the database is skipped at once;
2. *examine*: read the frontmatter of the changed files (in worker processes when there are
   many), so slugs, collisions and tag spellings are decided with every file in view;
3. *build and write*: render the Markdown in worker processes and stream the rows into the
   open transaction in batches; commit once at the end, or roll back.

A reader never sees a half-applied import, and an import killed part-way changes nothing.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import stat
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from app.content.characters import NOT_IN_NAMES, code_points
from app.content.metadata import (
    ALIAS_KEYS,
    SLUG_KEYS,
    ArticleMeta,
    MetaSettings,
    normalise,
    reading_minutes,
)
from app.content.problems import ContentError, InvalidArticle, Notice, Problem
from app.content.reader import MAX_FILE_BYTES, RawArticle, decode, read_article, too_large
from app.content.related_index import refresh_related
from app.content.render import plain_text, render_markdown, template_tag_notice
from app.content.slugs import slugify
from app.models import (
    Author,
    Category,
    ImportRun,
    Post,
    PostAlias,
    RemovedPost,
    SearchDocument,
    Tag,
    post_tags,
    related_posts,
    utcnow,
)

# The modules whose code shapes a stored post: when any of them changes (a new release, a
# fix), the next import re-renders every file, with no version number to remember to bump.
PIPELINE_MODULES = ("addresses", "characters", "highlight", "metadata", "nesting", "reader",
                    "render", "slugs", "values")
ARTICLE_SUFFIXES = (".md", ".markdown")
WRITE_BATCH = 200
# Search looks at this much of a post's text; a book-length post is still found by its start.
SEARCH_TEXT_LIMIT = 200_000
PARALLEL_THRESHOLD = 48  # below this many files, a worker pool costs more than it saves
CHUNK = 16
# Python-Markdown takes time quadratic in the length of a paragraph for some input (thousands of
# unclosed `[` or `![`): a 100 kB file of them would render for hours. A real article renders
# in well under a second per 100 kB, so a file still rendering after this long is reported.
RENDER_SECONDS = 60.0
MAX_PATH_LENGTH = 1000  # Post.source_path

NamedModel = type[Author] | type[Category] | type[Tag]
J = TypeVar("J")
R = TypeVar("R")


class Progress(Protocol):
    def phase(self, label: str, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...


class _NoProgress:
    def phase(self, label: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass


@dataclass(frozen=True)
class ImportOptions:
    strict: bool = False  # any invalid file: write nothing
    dry_run: bool = False  # report what would change, write nothing
    prune: bool = False  # remove posts whose files are gone
    workers: int = 0  # render processes; 0: one per CPU
    settings: MetaSettings = field(default_factory=MetaSettings)


@dataclass
class ImportReport:
    folder: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)  # pruned
    missing: list[str] = field(default_factory=list)  # gone from disk, kept (no --prune)
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    written: bool = False

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.updated) + len(self.removed)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {self.unchanged} "
                f"unchanged, {len(self.removed)} removed, {len(self.warnings)} warnings, "
                f"{len(self.errors)} errors in {self.seconds:.2f} s")


@dataclass(frozen=True)
class _Existing:
    id: int
    slug: str
    digest: str


@dataclass
class _Examined:
    rel: str
    digest: str
    meta: ArticleMeta | None = None
    notices: list[Notice] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)


@dataclass
class _Plan:
    """What the write pass does for one changed file."""

    rel: str
    digest: str
    meta: ArticleMeta
    post_id: int | None  # None: a new post
    old_slug: str | None
    aliases: list[str] = field(default_factory=list)


@dataclass
class _Built:
    rel: str
    row: dict[str, Any] | None = None
    error: ContentError | None = None


def discover(folder: Path) -> list[str]:
    """Article files under ``folder`` as sorted POSIX paths relative to it.

    Names starting with ``_`` or ``.`` are not articles (Hugo's ``_index.md``, editor files);
    hidden folders are skipped, and symbolic links to folders are not followed.
    """
    found = []
    for directory, subdirectories, names in os.walk(folder):
        subdirectories[:] = [d for d in subdirectories if not d.startswith(".")]
        for name in names:
            if name.startswith(("_", ".")) or not name.lower().endswith(ARTICLE_SUFFIXES):
                continue
            found.append(Path(directory, name).relative_to(folder).as_posix())
    return sorted(found)


def read_source(folder: Path, rel: str) -> bytes:
    """The bytes of the article ``rel`` under ``folder``.

    Raises ContentError, reading nothing, for a name the database or a terminal cannot take,
    a symbolic link to a file outside ``folder``, anything but a regular file (a pipe would
    wait for a writer forever, ``/dev/zero`` never ends) and a file over the size limit.
    """
    _check_name(rel)
    try:
        target = (folder / rel).resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links
        raise ContentError(1, f"cannot read the file: {_reason(exc)}") from None
    if not target.is_relative_to(folder.resolve()):
        raise ContentError(1, f"a symbolic link to {target}, outside the content folder; "
                           "not read", "copy the file into the content folder instead")
    try:
        # Non-blocking, so that opening a pipe returns at once and fstat can turn it away.
        descriptor = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
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


def _check_name(rel: str) -> None:
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


def import_posts(session: Session, folder: Path, options: ImportOptions | None = None,
                 progress: Progress | None = None, display: Path | None = None) -> ImportReport:
    """Sync the articles under ``folder`` into the database and return what happened.

    Commits once when there is something to write (and not ``dry_run``, and not ``strict``
    with errors); otherwise rolls back. ``display`` is the folder as the user named it, used in
    messages. Raises only for failures of the database itself.
    """
    options = options or ImportOptions()
    progress = progress or _NoProgress()
    started = time.perf_counter()
    shown = display if display is not None else folder
    report = ImportReport(folder=str(shown))

    def where(rel: str) -> str:
        return str(shown / rel)

    try:
        files = discover(folder)
        existing = _existing_posts(session)
        examined = _examine_changed(folder, files, existing, options, progress, report)
        plans = _plan(examined, existing, set(files), options, report, where)
        if options.strict and report.errors and not options.dry_run:
            _write_nothing(session, report)
        elif options.dry_run:
            session.rollback()
        elif plans or report.removed:
            _apply(session, folder, plans, existing, options, progress, report, where)
            if options.strict and report.errors:  # a file that failed to render
                _write_nothing(session, report)
            else:
                refresh_related(session)
                report.seconds = time.perf_counter() - started
                _record_run(session, folder, report)
                session.commit()
                report.written = True
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    report.seconds = time.perf_counter() - started
    return report


def _write_nothing(session: Session, report: ImportReport) -> None:
    report.added, report.updated, report.removed = [], [], []
    session.rollback()


@cache
def pipeline_fingerprint(settings: MetaSettings) -> bytes:
    """Everything besides the file's bytes that shapes a post: a change re-renders all."""
    parts = [_pipeline_source_digest(), settings.timezone, settings.default_author]
    parts += [version(name) for name in ("markdown", "pygments", "nh3", "ftfy")]
    return "\x00".join(parts).encode() + b"\x00"


def _pipeline_source_digest() -> str:
    package = Path(__file__).parent
    code = hashlib.sha256()
    for name in PIPELINE_MODULES:
        code.update((package / f"{name}.py").read_bytes())
    return code.hexdigest()


def _digest(fingerprint: bytes, data: bytes) -> str:
    return hashlib.sha256(fingerprint + data).hexdigest()


def _existing_posts(session: Session) -> dict[str, _Existing]:
    rows = session.execute(select(Post.source_path, Post.id, Post.slug, Post.content_hash))
    return {path: _Existing(id, slug, digest) for path, id, slug, digest in rows}


# --- pass 1 and 2: scan and examine -----------------------------------------------------------

def _examine_changed(folder: Path, files: list[str], existing: dict[str, _Existing],
                     options: ImportOptions, progress: Progress,
                     report: ImportReport) -> list[_Examined]:
    fingerprint = pipeline_fingerprint(options.settings)
    changed: list[tuple[str, str]] = []
    unreadable: list[_Examined] = []
    for rel in files:
        try:
            digest = _digest(fingerprint, read_source(folder, rel))
        except ContentError as exc:
            unreadable.append(_Examined(rel, "", errors=[exc]))
            continue
        known = existing.get(rel)
        if known is not None and known.digest == digest:
            report.unchanged += 1
        else:
            changed.append((rel, digest))
    progress.phase("Reading", len(changed))
    jobs = [(str(folder), rel, digest, options.settings) for rel, digest in changed]
    examined = []
    for result in _parallel_map(_examine_file, jobs, _worker_count(options)):
        examined.append(result)
        progress.advance()
    return unreadable + examined


def _examine_file(job: tuple[str, str, str, MetaSettings]) -> _Examined:
    folder, rel, digest, settings = job
    result = _Examined(rel, digest)
    try:
        result.meta, _, result.notices = _parse(read_source(Path(folder), rel), rel, settings)
    except ContentError as exc:
        result.errors = [exc]
    except InvalidArticle as exc:
        result.errors = exc.errors
    except Exception as exc:  # a hostile file must not stop the import of the others
        result.errors = [ContentError(1, f"could not read this file: {exc!r}")]
    return result


def _parse(data: bytes, rel: str,
           settings: MetaSettings) -> tuple[ArticleMeta, RawArticle, list[Notice]]:
    text, notices = decode(data)
    raw = read_article(text)
    meta, meta_notices = normalise(raw, Path(rel).name, settings)
    tag_notice = template_tag_notice(raw.body, raw.body_line)
    notices += raw.notices + meta_notices + ([tag_notice] if tag_notice else [])
    return meta, raw, notices


# --- deciding what to write ---------------------------------------------------------------------

def _plan(examined: list[_Examined], existing: dict[str, _Existing], present: set[str],
          options: ImportOptions, report: ImportReport,
          where: Callable[[str], str]) -> list[_Plan]:
    """Resolve slugs and collisions with every file in view; fill the report's lists."""
    missing = sorted(rel for rel in existing if rel not in present)
    missing_by_slug = {existing[rel].slug: rel for rel in missing}
    changed = {item.rel for item in examined}
    # Unchanged posts keep their slugs; so do posts whose files are gone, until pruned.
    owner = {known.slug: rel for rel, known in existing.items()
             if rel in present and rel not in changed}
    plans: list[_Plan] = []
    for item in examined:
        for error in item.errors:
            report.errors.append(Problem.from_error(where(item.rel), error))
        report.warnings += [Problem.from_notice(where(item.rel), n) for n in item.notices]
        if item.meta is None:
            continue
        slug = item.meta.slug
        known = existing.get(item.rel)
        gone = missing_by_slug.get(slug)
        holder = owner.get(slug) or (gone if known is not None and not options.prune else None)
        if holder is not None and holder != item.rel:
            report.errors.append(_slug_clash(where, item, holder, holder in missing_by_slug.values()
                                             and holder not in owner.values()))
            continue
        owner[slug] = item.rel
        if known is None and gone is not None:
            # A file renamed or moved: the post keeps its identity (and feed id).
            known = existing[gone]
            missing.remove(gone)
            del missing_by_slug[slug]
        plans.append(_Plan(item.rel, item.digest, item.meta, known.id if known else None,
                           known.slug if known else None))
        (report.updated if known else report.added).append(item.rel)
    (report.removed if options.prune else report.missing).extend(missing)
    _plan_aliases(plans, owner, report, where)
    return plans


def _slug_clash(where: Callable[[str], str], item: _Examined, holder: str,
                holder_is_gone: bool) -> Problem:
    assert item.meta is not None
    line = item.meta.line_of(*SLUG_KEYS)
    if holder_is_gone:
        return Problem(where(item.rel), line, f"slug {item.meta.slug!r} still belongs to "
                       f"{where(holder)}, whose file is gone",
                       "run with --prune to remove that post, or set another slug: here")
    return Problem(where(item.rel), line, f"slug {item.meta.slug!r} is already used by "
                   f"{where(holder)}", "give one of the two files its own slug: line")


def _plan_aliases(plans: list[_Plan], owner: dict[str, str], report: ImportReport,
                  where: Callable[[str], str]) -> None:
    claimed: dict[str, str] = {}  # alias -> the file that gets it (the first to ask)
    for plan in plans:
        for alias in plan.meta.aliases:
            if alias == plan.meta.slug:
                continue
            holder = owner.get(alias) or claimed.get(alias)
            if holder is not None:
                what = "the slug" if alias in owner else "already an alias"
                report.warnings.append(Problem(
                    where(plan.rel), plan.meta.line_of(*ALIAS_KEYS),
                    f"alias {alias!r} is {what} of {where(holder)}; ignored",
                    "remove it from the aliases", "warning"))
            else:
                claimed[alias] = plan.rel
                plan.aliases.append(alias)


# --- pass 3: build and write ----------------------------------------------------------------------

def _apply(session: Session, folder: Path, plans: list[_Plan], existing: dict[str, _Existing],
           options: ImportOptions, progress: Progress, report: ImportReport,
           where: Callable[[str], str]) -> None:
    if options.prune and report.removed:
        _remove_posts(session, [existing[rel].id for rel in report.removed])
    _free_swapped_slugs(session, plans, existing)
    names = _Names(session, plans)
    progress.phase("Rendering", len(plans))
    by_rel = {plan.rel: plan for plan in plans}
    jobs = [(str(folder), p.rel, options.settings) for p in plans]
    batch: list[tuple[_Plan, dict[str, Any]]] = []
    failed: list[str] = []
    for built in _parallel_map(_build_file, jobs, _worker_count(options)):
        progress.advance()
        if built.row is None:
            assert built.error is not None
            report.errors.append(Problem.from_error(where(built.rel), built.error))
            failed.append(built.rel)
            continue
        batch.append((by_rel[built.rel], built.row))
        if len(batch) >= WRITE_BATCH:
            _write_batch(session, batch, names)
            batch = []
    if batch:
        _write_batch(session, batch, names)
    for rel in failed:
        (report.updated if rel in report.updated else report.added).remove(rel)
    _keep_old_addresses(session, plans, failed)
    _collect_orphans(session)


def _build_file(job: tuple[str, str, MetaSettings]) -> _Built:
    """Parse and render one file in full; runs in a worker process."""
    folder, rel, settings = job
    try:
        data = read_source(Path(folder), rel)
        meta, raw, _ = _parse(data, rel, settings)
    except (ContentError, InvalidArticle):
        return _Built(rel, error=ContentError(1, "the file changed while it was being imported",
                                              "run the import again"))
    except Exception as exc:
        return _Built(rel, error=ContentError(1, f"could not render this file: {exc!r}"))
    try:
        with _time_limit(RENDER_SECONDS):
            rendered = render_markdown(raw.body, title=meta.title)
    except ContentError as exc:
        return _Built(rel, error=ContentError(raw.body_line + exc.line - 1, exc.message,
                                              exc.hint))
    except _TooSlow:
        return _Built(rel, error=ContentError(
            raw.body_line, f"the Markdown was still rendering after {RENDER_SECONDS:g} s; not "
            "imported", "look for thousands of [, ![ or < that are never closed"))
    except Exception as exc:
        return _Built(rel, error=ContentError(1, f"could not render this file: {exc!r}"))
    return _Built(rel, row={
        "digest": _digest(pipeline_fingerprint(settings), data),
        "meta": meta,
        "text": raw.text,
        "html": rendered.html,
        "toc": rendered.toc,
        "excerpt": rendered.excerpt,
        "search_text": plain_text(rendered.html)[:SEARCH_TEXT_LIMIT],
        "reading_minutes": reading_minutes(rendered.word_count),
    })


class _TooSlow(BaseException):
    """A block run under :func:`_time_limit` ran out of time. Not an Exception, so that no
    ``except Exception`` in the code it interrupts can swallow it and run on unlimited."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise _TooSlow inside the block once it has run ``seconds``, where a timer signal can
    interrupt it: the main thread of a POSIX process (the CLI, each worker process) whose timer
    nobody else is using. Elsewhere the block runs without a limit."""
    if (not hasattr(signal, "setitimer") or threading.current_thread() is not
            threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0]):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Names:
    """Authors, categories and tags by slug, created on first use with the spelling of the
    earliest post that uses them (existing ones keep theirs)."""

    def __init__(self, session: Session, plans: list[_Plan]) -> None:
        self.session = session
        self.ids: dict[NamedModel, dict[str, int]] = {
            model: {slug: id for slug, id in session.execute(select(model.slug, model.id))}
            for model in (Author, Category, Tag)
        }
        self.spelling: dict[NamedModel, dict[str, str]] = {Author: {}, Category: {}, Tag: {}}
        for plan in sorted(plans, key=lambda p: (p.meta.published_at, p.rel)):
            names: dict[NamedModel, list[str]] = {Author: [plan.meta.author], Tag: plan.meta.tags,
                     Category: [plan.meta.category] if plan.meta.category else []}
            for model, values in names.items():
                for name in values:
                    self.spelling[model].setdefault(slugify(name), name)

    def id_of(self, model: NamedModel, name: str) -> int:
        slug = slugify(name)
        known = self.ids[model].get(slug)
        if known is None:
            spelled = self.spelling[model].get(slug, name)
            known = self.session.execute(
                insert(model).values(slug=slug, name=spelled).returning(model.id)).scalar_one()
            self.ids[model][slug] = known
        return known


def _write_batch(session: Session, batch: list[tuple[_Plan, dict[str, Any]]],
                 names: _Names) -> None:
    now = utcnow()
    rows = []
    for plan, built in batch:
        meta: ArticleMeta = built["meta"]
        rows.append({
            "slug": meta.slug, "title": meta.title, "author_id": names.id_of(Author, meta.author),
            "category_id": names.id_of(Category, meta.category) if meta.category else None,
            "published_at": meta.published_at, "updated_at": meta.updated_at,
            "reading_minutes": meta.reading_minutes or built["reading_minutes"],
            "image": meta.image, "image_alt": meta.image_alt,
            "excerpt": meta.excerpt or built["excerpt"],
            "source": built["text"], "html": built["html"],
            "toc": built["toc"] if meta.toc else [],
            "source_path": plan.rel, "content_hash": built["digest"], "draft": meta.draft,
            "extra": meta.extra, "imported_at": now,
        })
    new = [(plan, row) for (plan, _), row in zip(batch, rows, strict=True) if plan.post_id is None]
    old = [(plan, row) for (plan, _), row in zip(batch, rows, strict=True) if plan.post_id]
    if new:
        ids = session.execute(insert(Post).returning(Post.id, sort_by_parameter_order=True),
                              [row for _, row in new]).scalars().all()
        for (plan, _), post_id in zip(new, ids, strict=True):
            plan.post_id = post_id
    if old:
        old_ids = [plan.post_id for plan, _ in old]
        session.execute(delete(post_tags).where(post_tags.c.post_id.in_(old_ids)))
        session.execute(delete(PostAlias).where(PostAlias.post_id.in_(old_ids)))
        session.execute(update(Post), [{"id": plan.post_id, **row} for plan, row in old])
    _write_search_documents(session, batch, rows, [plan.post_id for plan, _ in old])
    links = [{"post_id": plan.post_id, "tag_id": names.id_of(Tag, tag), "position": position}
             for plan, _ in batch for position, tag in enumerate(plan.meta.tags)]
    if links:
        session.execute(insert(post_tags), links)
    aliases = [{"slug": alias, "post_id": plan.post_id, "kind": "alias"}
               for plan, _ in batch for alias in plan.aliases]
    if aliases:
        session.execute(delete(PostAlias).where(PostAlias.slug.in_([a["slug"] for a in aliases])))
        session.execute(insert(PostAlias), aliases)


def _write_search_documents(session: Session, batch: list[tuple[_Plan, dict[str, Any]]],
                            rows: list[dict[str, Any]], replaced: list[int | None]) -> None:
    if replaced:
        session.execute(delete(SearchDocument).where(SearchDocument.post_id.in_(replaced)))
    documents = []
    for (plan, built), row in zip(batch, rows, strict=True):
        meta: ArticleMeta = built["meta"]
        documents.append({
            "post_id": plan.post_id, "title": meta.title, "excerpt": row["excerpt"],
            "labels": " ".join([*meta.tags, meta.category or ""]).strip(),
            "body": built["search_text"],
        })
    session.execute(insert(SearchDocument), documents)


def _free_swapped_slugs(session: Session, plans: list[_Plan],
                        existing: dict[str, _Existing]) -> None:
    """Posts trading slugs in one import would trip the unique index mid-way: park the slugs
    being taken over under a placeholder first (rolled back with everything on failure)."""
    current = {known.slug: known.id for known in existing.values()}
    taken = [current[p.meta.slug] for p in plans
             if p.meta.slug in current and current[p.meta.slug] != p.post_id]
    if taken:
        session.execute(update(Post).where(Post.id.in_(taken))
                        .values(slug="~" + Post.id.cast(Post.slug.type)))


def _keep_old_addresses(session: Session, plans: list[_Plan], failed: list[str]) -> None:
    """A renamed post answers at its old slug; a slug in use again is no longer gone."""
    if any(p.rel in failed and p.old_slug and p.old_slug != p.meta.slug for p in plans):
        raise RuntimeError("a post that changes its slug failed to render; nothing was written")
    in_use = set(session.execute(select(Post.slug)).scalars())
    renamed = [{"slug": p.old_slug, "post_id": p.post_id, "kind": "renamed"} for p in plans
               if p.old_slug and p.old_slug != p.meta.slug and p.old_slug not in in_use]
    if renamed:
        session.execute(delete(PostAlias).where(PostAlias.slug.in_([r["slug"] for r in renamed])))
        session.execute(insert(PostAlias), renamed)
    session.execute(delete(PostAlias).where(PostAlias.slug.in_(select(Post.slug))))
    session.execute(delete(RemovedPost).where(RemovedPost.slug.in_(select(Post.slug))))
    session.execute(delete(RemovedPost).where(RemovedPost.slug.in_(select(PostAlias.slug))))


def _remove_posts(session: Session, post_ids: list[int]) -> None:
    """Delete pruned posts, leaving a tombstone for each address they answered at."""
    slugs = list(session.execute(select(Post.slug).where(Post.id.in_(post_ids))).scalars())
    slugs += session.execute(
        select(PostAlias.slug).where(PostAlias.post_id.in_(post_ids))).scalars()
    session.execute(delete(post_tags).where(post_tags.c.post_id.in_(post_ids)))
    session.execute(delete(PostAlias).where(PostAlias.post_id.in_(post_ids)))
    session.execute(delete(SearchDocument).where(SearchDocument.post_id.in_(post_ids)))
    session.execute(delete(related_posts).where(or_(related_posts.c.post_id.in_(post_ids),
                                                    related_posts.c.related_id.in_(post_ids))))
    session.execute(delete(Post).where(Post.id.in_(post_ids)))
    session.execute(delete(RemovedPost).where(RemovedPost.slug.in_(slugs)))
    now = utcnow()
    session.execute(insert(RemovedPost), [{"slug": s, "removed_at": now} for s in slugs])


def _collect_orphans(session: Session) -> None:
    """Tags, categories and authors left without posts go."""
    session.execute(delete(Tag).where(~Tag.id.in_(select(post_tags.c.tag_id))))
    session.execute(delete(Category).where(
        ~Category.id.in_(select(Post.category_id).where(Post.category_id.is_not(None)))))
    session.execute(delete(Author).where(~Author.id.in_(select(Post.author_id))))


def _record_run(session: Session, folder: Path, report: ImportReport) -> None:
    session.add(ImportRun(
        source_dir=str(folder), added=len(report.added), updated=len(report.updated),
        unchanged=report.unchanged, removed=len(report.removed),
        warnings=len(report.warnings), errors=len(report.errors), seconds=report.seconds,
    ))


# --- worker processes -------------------------------------------------------------------------

def _worker_count(options: ImportOptions) -> int:
    return options.workers if options.workers > 0 else (os.cpu_count() or 1)


def _run_chunk(func: Callable[[J], R], chunk: Sequence[J]) -> list[R]:
    return [func(job) for job in chunk]


def _parallel_map(func: Callable[[J], R], jobs: Sequence[J], workers: int) -> Iterator[R]:
    """``map`` over worker processes, in order, with a bounded number of chunks in flight so
    results never pile up in memory. Small jobs run in this process."""
    if workers <= 1 or len(jobs) < PARALLEL_THRESHOLD or sys.platform == "win32":
        yield from map(func, jobs)
        return
    from concurrent.futures import Future, ProcessPoolExecutor

    chunks: Iterable[Sequence[J]] = (jobs[i:i + CHUNK] for i in range(0, len(jobs), CHUNK))
    # Not "fork": a worker forked from the CLI would inherit the import lock's file and the
    # database's sockets and, killed or not, keep the lock held and the transaction open for
    # as long as it lives. The fork server is a fresh interpreter that holds none of them;
    # importing the workers' modules into it once keeps each worker's start a plain fork.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, func.__module__])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                             initargs=(RENDER_SECONDS,)) as pool:
        pending: deque[Future[list[R]]] = deque(
            pool.submit(_run_chunk, func, chunk) for chunk in islice(chunks, workers * 3))
        while pending:
            results = pending.popleft().result()
            following = next(iter(chunks), None)
            if following is not None:
                pending.append(pool.submit(_run_chunk, func, following))
            yield from results


def _start_worker(render_seconds: float) -> None:
    """Runs first in each worker process: render under the caller's time limit (the worker
    imported this module afresh, at its default) and die when the caller dies."""
    global RENDER_SECONDS
    RENDER_SECONDS = render_seconds
    caller = multiprocessing.parent_process()
    if caller is not None:
        threading.Thread(target=_die_with, args=(caller,), name="die-with-caller",
                         daemon=True).start()


def _die_with(caller: multiprocessing.process.BaseProcess) -> None:
    # Left alone, a worker whose caller died would wait for work forever (it holds the writing
    # end of its own queue, so it never reads an end of file), and PR_SET_PDEATHSIG would not
    # help: a worker's parent is the fork server, which lives on while any worker keeps open
    # the pipe that tells it the caller is gone. The caller's end of this pipe closes however
    # the caller ends, SIGKILL included; if it already has, the join returns at once.
    caller.join()
    os.kill(os.getpid(), signal.SIGKILL)
