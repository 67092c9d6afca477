"""The import's first passes, without the database: which files changed, what they say, and
what writing them means.

1. *scan*: hash every file with the pipeline's fingerprint; a file whose hash matches the
   database's is skipped at once;
2. *examine*: read the frontmatter of the changed files (in worker processes when there are
   many), so that slugs, collisions and tag spellings are decided with every file in view;
3. *plan*: which post each file becomes, which keeps an old slug, which aliases it claims,
   and (for pages) which address it answers at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple

from app.content import files, media, sites, workers
from app.content.metadata import (
    ALIAS_KEYS,
    SLUG_KEYS,
    URL_KEYS,
    ArticleMeta,
    MetaSettings,
    normalise,
)
from app.content.pages import POST
from app.content.problems import ContentError, InvalidArticle, Notice, Problem
from app.content.reader import RawArticle, decode
from app.content.report import ImportReport, Progress
from app.content.sites import Translated
from app.content.slugs import slugify

# The modules whose code shapes a stored post: when any of them changes (a new release, a
# fix), the next import re-renders every file, with no version number to remember to bump.
# (tests/content/test_planning.py checks that every module building and the site readers
# import is here.)
PIPELINE_MODULES = ("addresses", "building", "characters", "dialects", "highlight",
                    "html_repairs", "images", "links", "maths", "mathml", "media", "metadata",
                    "nesting", "notebooks", "pages", "reader", "render", "slugs", "values")


# A file modified this close to the start of an import could be modified again within the
# same tick of the file system's clock, unseen by its stamp: such a file gets no stamp, and is
# read again next time (git's "racy clean" rule).
RACY_SECONDS = 2.0


class Existing(NamedTuple):
    """A post the database holds, as the plan needs it (a tuple: a re-import builds 10,000)."""

    id: int
    slug: str
    digest: str
    stamp: str | None = None
    address: str | None = None  # a page's: where it answers
    # The files of the content folder it references, with their stamps as the last import
    # read them: one that changed renders the post again (the file's bytes are the post's).
    media: tuple[tuple[str, str | None], ...] = ()


@dataclass
class Examination:
    """The changed files, read, and the unchanged ones whose stamp is out of date (post id,
    new stamp): a file touched, copied or restored keeps its post but needs its stamp again."""

    changed: list[Examined]
    restamped: list[tuple[int, str | None]]


@dataclass
class Examined:
    """A changed file, read: its metadata, or why it cannot be imported."""

    rel: str
    digest: str
    stamp: str | None = None
    meta: ArticleMeta | None = None
    notices: list[Notice] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)
    # The site engine's constructs its body held, translated or left as text, by name.
    translated: Counter[str] = field(default_factory=Counter)
    left: Counter[str] = field(default_factory=Counter)


@dataclass
class Plan:
    """What the write pass does for one changed file."""

    rel: str
    digest: str
    stamp: str | None
    meta: ArticleMeta
    post_id: int | None  # None: a new post
    old_slug: str | None
    aliases: list[str] = field(default_factory=list)
    old_address: str | None = None

    @property
    def renamed(self) -> bool:
        return self.old_slug is not None and self.old_slug != self.meta.slug

    @property
    def moved(self) -> bool:
        """A page that answered at another address before this import."""
        return self.old_address is not None and self.old_address != self.meta.address


@cache
def pipeline_fingerprint(settings: MetaSettings) -> bytes:
    """Everything besides the file's bytes that shapes a post: a change re-renders all."""
    parts = [_pipeline_source_digest(), settings.timezone, settings.default_author,
             settings.source.engine, settings.source.fingerprint,
             f"dialect={settings.dialect}",
             f"maths={settings.maths}", f"math_inline_dollars={settings.math_inline_dollars}",
             ",".join(sorted(settings.reserved)), ",".join(settings.static_dirs),
             ",".join(settings.served_static), f"media_max_bytes={settings.media_max_bytes}"]
    parts += [version(name) for name in ("markdown", "pygments", "nh3", "ftfy", "latex2mathml",
                                         "pillow")]
    return "\x00".join(parts).encode() + b"\x00"


def _pipeline_source_digest() -> str:
    package = Path(__file__).parent
    code = hashlib.sha256()
    for name in PIPELINE_MODULES:
        code.update((package / f"{name}.py").read_bytes())
    for reader in sorted((package / "sites").glob("*.py")):  # every engine's translations
        code.update(reader.read_bytes())
    return code.hexdigest()


def digest(fingerprint: bytes, data: bytes, companions: dict[str, bytes] | None = None) -> str:
    """The hash a post keeps of what it was built from: the pipeline, its file's bytes, and
    those of its companion files (a notebook's metadata beside it)."""
    code = hashlib.sha256(fingerprint + data)
    for rel, companion in sorted((companions or {}).items()):
        code.update(b"\x00" + rel.encode() + b"\x00" + companion)
    return code.hexdigest()


def read_sources(folder: Path, rel: str,
                 reader: sites.EngineReader) -> tuple[bytes, dict[str, bytes]]:
    """The bytes of the article ``rel`` and of each of its companion files that exists."""
    companions = {}
    for companion in reader.companions(rel):
        if os.path.isfile(os.path.join(folder, companion)):
            companions[companion] = files.read_source(folder, companion)
    return files.read_source(folder, rel), companions


def source_stamp(fingerprint: bytes, info: os.stat_result, started_ns: int) -> str | None:
    """The file's size, modification time and inode under this pipeline; None for a file
    modified within RACY_SECONDS of ``started_ns`` (see there)."""
    if info.st_mtime_ns >= started_ns - int(RACY_SECONDS * 1e9):
        return None
    pipeline = hashlib.sha256(fingerprint).hexdigest()[:16]
    return f"{pipeline}:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"


def examine(folder: Path, paths: list[str], existing: dict[str, Existing], settings: MetaSettings,
            processes: int, progress: Progress, report: ImportReport) -> Examination:
    """The files of ``paths`` that changed since the database's copy, read; counts the
    unchanged ones in ``report``. A file whose stamp matches costs one stat; any other is read
    and hashed, and unchanged if its hash matches."""
    fingerprint = pipeline_fingerprint(settings)
    reader = sites.reader_for(settings.source)
    started_ns = time.time_ns()
    changed: list[tuple[str, str, str | None]] = []
    unreadable: list[Examined] = []
    restamped: list[tuple[int, str | None]] = []
    media_stamps: dict[str, bool] = {}
    for rel in paths:
        known = existing.get(rel)
        try:
            stamp = _stamp(folder, rel, fingerprint, started_ns, reader.companions(rel))
            media_current = known is not None and _media_current(folder, known, media_stamps)
            if known is not None and media_current and stamp is not None \
                    and known.stamp == stamp:
                report.unchanged += 1
                continue
            file_digest = digest(fingerprint, *read_sources(folder, rel, reader))
        except ContentError as exc:
            unreadable.append(Examined(rel, "", errors=[exc]))
            continue
        if known is not None and media_current and known.digest == file_digest:
            report.unchanged += 1
            if known.stamp != stamp:
                restamped.append((known.id, stamp))
        else:
            changed.append((rel, file_digest, stamp))
    progress.phase("Reading", len(changed))
    jobs = [(str(folder), rel, file_digest, settings) for rel, file_digest, _ in changed]
    examined = []
    for (_, _, stamp), result in zip(changed, workers.parallel_map(examine_file, jobs, processes),
                                     strict=True):
        result.stamp = stamp
        examined.append(result)
        progress.advance()
    return Examination(unreadable + examined, restamped)


def _media_current(folder: Path, known: Existing, seen: dict[str, bool]) -> bool:
    """Whether every file the post references is as the last import read it (a missing one
    still missing); ``seen`` remembers each file's answer (a cover shared by many posts)."""
    for source, stamp in known.media:
        key = f"{source}\x00{stamp}"
        current = seen.get(key)
        if current is None:
            current = seen[key] = media.still_as_read(str(folder), source, stamp)
        if not current:
            return False
    return True


def _stamp(folder: Path, rel: str, fingerprint: bytes, started_ns: int,
           companions: list[str]) -> str | None:
    try:
        info = os.stat(os.path.join(folder, rel))
    except OSError:
        return None  # read_source says why
    stamp = source_stamp(fingerprint, info, started_ns)
    for companion in companions:  # rare: a notebook's metadata file
        try:
            other = source_stamp(fingerprint, os.stat(os.path.join(folder, companion)),
                                 started_ns)
        except OSError:
            other = "absent"
        if stamp is None or other is None:
            return None
        stamp = hashlib.sha256(f"{stamp}|{other}".encode()).hexdigest()[:60]
    return stamp


def examine_file(job: tuple[str, str, str, MetaSettings]) -> Examined:
    """Read one file's metadata; runs in a worker process."""
    folder, rel, file_digest, settings = job
    result = Examined(rel, file_digest)
    try:
        data, companions = read_sources(Path(folder), rel, sites.reader_for(settings.source))
        result.meta, translated, result.notices = read_translated(data, rel, settings,
                                                                  companions)
        result.translated, result.left = translated.translated, translated.left
        if digest(pipeline_fingerprint(settings), data, companions) != file_digest:
            raise ContentError(1, "the file changed while it was being imported",
                               "run the import again")
    except ContentError as exc:
        result.errors = [exc]
    except InvalidArticle as exc:
        result.errors = exc.errors
    except Exception as exc:  # a hostile file must not stop the import of the others
        result.errors = [ContentError(1, f"could not read this file: {exc!r}")]
    return result


def parse_article(data: bytes, rel: str,
                  settings: MetaSettings) -> tuple[ArticleMeta, RawArticle, list[Notice]]:
    """A file's bytes as normalised metadata, the raw article, and the warnings on the way.

    Raises ContentError or InvalidArticle for a file that cannot be imported.
    """
    meta, translated, notices = read_translated(data, rel, settings)
    return meta, translated.raw, notices


def read_translated(data: bytes, rel: str, settings: MetaSettings,
                    companions: dict[str, bytes] | None = None,
                    ) -> tuple[ArticleMeta, Translated, list[Notice]]:
    """:func:`parse_article`, with what the site's reader translated and left; ``companions``:
    the bytes of the article's companion files (:func:`read_sources`)."""
    from app.content.render import template_tag_notice  # only for files that changed

    text, notices = decode(data)
    reader = sites.reader_for(settings.source)
    translated = reader.read(text, rel, {name: decode(companion)[0]
                                         for name, companion in (companions or {}).items()})
    raw = translated.raw
    meta, meta_notices = normalise(raw, files.article_name(rel), settings,
                                   in_pages_folder=reader.is_page(rel))
    meta.old_addresses = _unique(meta.old_addresses + translated.addresses
                                 + reader.old_addresses(meta, rel))
    # A foreign site's reader says what it left untranslated, construct by construct.
    tag_notice = None if settings.foreign else template_tag_notice(raw.body, raw.body_line)
    notices += raw.notices + meta_notices + ([tag_notice] if tag_notice else [])
    return meta, translated, notices


def _unique(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))


def plan(examined: list[Examined], existing: dict[str, Existing], present: set[str],
         prune: bool, report: ImportReport) -> list[Plan]:
    """Resolve slugs, page addresses and collisions with every file in view; fill the
    report's lists."""
    missing = sorted(rel for rel in existing if rel not in present)
    missing_by_slug = {existing[rel].slug: rel for rel in missing}
    changed = {item.rel for item in examined}
    # Unchanged posts keep their slugs; so do posts whose files are gone, until pruned.
    owner = {known.slug: rel for rel, known in existing.items()
             if rel in present and rel not in changed}
    addresses = _Addresses(existing, present, changed, prune)
    plans: list[Plan] = []
    for item in examined:
        report.translated.update(item.translated)
        report.left.update(item.left)
        for error in item.errors:
            report.errors.append(Problem.from_error(report.where(item.rel), error))
        report.warnings += [Problem.from_notice(report.where(item.rel), n) for n in item.notices]
        if item.meta is None:
            continue
        slug = item.meta.slug
        known = existing.get(item.rel)
        gone = missing_by_slug.get(slug)
        holder = owner.get(slug) or (gone if known is not None and not prune else None)
        if holder is not None and holder != item.rel:
            holder_is_gone = holder in missing_by_slug.values() and holder not in owner.values()
            report.errors.append(_slug_clash(report, item, holder, holder_is_gone))
            continue
        # A file renamed or moved: the post keeps its identity (and feed id).
        takes_over = gone if known is None else None
        clash = addresses.claim(item, takes_over, report)
        if clash is not None:
            report.errors.append(clash)
            continue
        owner[slug] = item.rel
        if takes_over is not None:
            known = existing[takes_over]
            missing.remove(takes_over)
            del missing_by_slug[slug]
        plans.append(Plan(item.rel, item.digest, item.stamp, item.meta,
                          known.id if known else None, known.slug if known else None,
                          old_address=known.address if known else None))
        (report.updated if known else report.added).append(item.rel)
    (report.removed if prune else report.missing).extend(missing)
    _plan_aliases(plans, owner, report)
    return plans


RankingInputs = tuple[dt.datetime, bool, str | None, tuple[str, ...]] | None
UNRANKED: RankingInputs = None  # a page: never ranked, never related


def ranking_inputs(meta: ArticleMeta) -> RankingInputs:
    """What related-post ranking reads of a post (app.content.related): an edit that keeps
    these for every post leaves every post's related list as it was."""
    if meta.kind != POST or meta.published_at is None:
        return UNRANKED
    category = slugify(meta.category) if meta.category else None
    return (meta.published_at.astimezone(dt.UTC), meta.draft, category,
            tuple(slugify(tag) for tag in meta.tags))


def _slug_clash(report: ImportReport, item: Examined, holder: str,
                holder_is_gone: bool) -> Problem:
    assert item.meta is not None
    line = item.meta.line_of(*SLUG_KEYS)
    if holder_is_gone:
        return Problem(report.where(item.rel), line, f"slug {item.meta.slug!r} still belongs to "
                       f"{report.where(holder)}, whose file is gone",
                       "run with --prune to remove that post, or set another slug: here")
    return Problem(report.where(item.rel), line, f"slug {item.meta.slug!r} is already used by "
                   f"{report.where(holder)}", "give one of the two files its own slug: line")


class _Addresses:
    """Who answers at each page address, as the plan goes: a page whose file is unchanged keeps
    its address; one whose file is gone keeps it too until pruned (its row is still there)."""

    def __init__(self, existing: dict[str, Existing], present: set[str], changed: set[str],
                 prune: bool) -> None:
        self.owner = {known.address: rel for rel, known in existing.items()
                      if known.address and rel in present and rel not in changed}
        self.gone = {} if prune else {known.address: rel for rel, known in existing.items()
                                      if known.address and rel not in present}

    def claim(self, item: Examined, takes_over: str | None,
              report: ImportReport) -> Problem | None:
        """Give ``item`` its address, or say who holds it. ``takes_over``: the gone file
        whose post ``item`` becomes (its own address, then)."""
        assert item.meta is not None
        address = item.meta.address
        if address is None:
            return None
        holder = self.owner.get(address)
        gone = self.gone.get(address)
        line = item.meta.line_of(*URL_KEYS, *SLUG_KEYS)
        if holder is not None and holder != item.rel:
            return Problem(report.where(item.rel), line, f"the address {address} is already "
                           f"the page {report.where(holder)}", "give one of the two pages "
                           "its own url: or slug:")
        if gone is not None and gone not in (item.rel, takes_over):
            return Problem(report.where(item.rel), line, f"the address {address} still "
                           f"belongs to {report.where(gone)}, whose file is gone",
                           "run with --prune to remove that page, or set another url: here")
        self.owner[address] = item.rel
        return None


def _plan_aliases(plans: list[Plan], owner: dict[str, str], report: ImportReport) -> None:
    claimed: dict[str, str] = {}  # alias -> the file that gets it (the first to ask)
    for item in plans:
        for alias in item.meta.aliases:
            if alias == item.meta.slug:
                continue
            holder = owner.get(alias) or claimed.get(alias)
            if holder is not None:
                what = "the slug" if alias in owner else "already an alias"
                report.warnings.append(Problem(
                    report.where(item.rel), item.meta.line_of(*ALIAS_KEYS),
                    f"alias {alias!r} is {what} of {report.where(holder)}; ignored",
                    "remove it from the aliases", "warning"))
            else:
                claimed[alias] = item.rel
                item.aliases.append(alias)
