"""Sync a folder of articles into the database, in one transaction.

The stages live in modules of their own, each testable without the others:

* ``files``: which files are articles, and reading one safely;
* ``planning``: which files changed, what they say, and what writing them means (no database);
* ``building``: rendering each planned file (in worker processes when there are many:
  ``workers``);
* ``writing``: the rows, streamed into the open transaction in batches as files are built;
* ``link_graph``: the links between posts, resolved against the whole site as each post is
  built (the workers see one file), and the posts linking to changed ones brought along;
* ``media_store``: the images and files posts reference, stored once by digest, with the
  variants of new images made in the workers.

This module runs them and decides when to commit: once at the end, or not at all. A reader
never sees a half-applied import, and an import killed part-way changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from app.content import link_graph, media_store, planning, sites, workers, writing
from app.content.building import RENDER_SECONDS, BuildJob, Built, BuiltPost, build_file
from app.content.metadata import SLUG_KEYS, URL_KEYS, MetaSettings
from app.content.planning import Existing, Plan
from app.content.problems import Problem
from app.content.related_index import refresh_related
from app.content.report import ImportReport, NoProgress, Progress

__all__ = ["ImportOptions", "ImportReport", "Progress", "import_posts"]

WRITE_BATCH = 200


@dataclass(frozen=True)
class ImportOptions:
    strict: bool = False  # any invalid file: write nothing
    dry_run: bool = False  # report what would change, write nothing
    prune: bool = False  # remove posts whose files are gone
    workers: int = 0  # render processes; 0: one per CPU
    render_seconds: float = RENDER_SECONDS  # a file still rendering after this is an error
    site_url: str = ""  # links to /posts/... on this site's host are links between posts
    settings: MetaSettings = field(default_factory=MetaSettings)


class _NothingWritten(Exception):
    """The import cannot be applied consistently; its problems are in the report."""


def import_posts(session: Session, folder: Path, options: ImportOptions | None = None,
                 progress: Progress | None = None, display: Path | None = None) -> ImportReport:
    """Sync the articles under ``folder`` into the database and return what happened.

    Commits once when there is something to write (and not ``dry_run``, and not ``strict``
    with errors); otherwise rolls back. ``display`` is the folder as the user named it, used in
    messages. Raises only for failures of the database itself.
    """
    options = options or ImportOptions()
    progress = progress or NoProgress()
    started = time.perf_counter()
    report = ImportReport(folder=str(display if display is not None else folder),
                          engine=options.settings.source.engine)
    try:
        paths = sites.reader_for(options.settings.source).discover(folder)
        existing = writing.existing_posts(session)
        processes = workers.worker_count(options.workers)
        examination = planning.examine(folder, paths, existing, options.settings, processes,
                                       progress, report)
        plans = planning.plan(examination.changed, existing, set(paths), options.prune, report)
        if options.dry_run:
            session.rollback()
        elif options.strict and report.errors:
            _write_nothing(session, report)
        elif plans or report.removed or (options.prune and media_store.orphans(session)):
            writing.restamp(session, examination.restamped)
            ranking_changes = _ranking_may_change(session, plans, report)
            _apply(session, folder, plans, existing, options, progress, report)
            if ranking_changes:
                refresh_related(session)
            report.seconds = time.perf_counter() - started
            writing.record_run(session, folder, report)
            session.commit()
            report.written = True
        elif examination.restamped:
            # Nothing changed for readers (no import run, no new content version), but the
            # next import should not read these files again.
            writing.restamp(session, examination.restamped)
            session.commit()
        else:
            session.rollback()
    except _NothingWritten:
        _write_nothing(session, report)
    except BaseException:
        session.rollback()
        raise
    report.seconds = time.perf_counter() - started
    return report


def _ranking_may_change(session: Session, plans: list[Plan], report: ImportReport) -> bool:
    """Whether any post's related posts may change: ranking all 10,000 posts again took most
    of a one-file edit's import, and an edit to a body changes none of them."""
    if report.added or report.removed:
        return True
    updated = {plan.post_id: plan for plan in plans if plan.post_id is not None}
    before = writing.ranking_inputs(session, list(updated))
    return any(before.get(post_id) != planning.ranking_inputs(plan.meta)
               for post_id, plan in updated.items())


def _write_nothing(session: Session, report: ImportReport) -> None:
    report.write_nothing()
    session.rollback()


def _apply(session: Session, folder: Path, plans: list[Plan], existing: dict[str, Existing],
           options: ImportOptions, progress: Progress, report: ImportReport) -> None:
    """Write the plans as they are built. Raises _NothingWritten when the import cannot be
    applied as planned (``--strict`` and a file that failed to render or a broken link, or a
    renamed post or moved page that failed to render)."""
    removed = report.removed if options.prune else []
    book = link_graph.address_book(session, existing, plans, removed, options.site_url,
                                   options.settings.source.old_site_url)
    linker = link_graph.Linker(book, existing, report, options.strict)
    if removed:
        pruned = [existing[rel].id for rel in removed]
        linker.removing(session, pruned)
        writing.remove_posts(session, pruned)
    writing.free_swapped_slugs(session, plans, existing)
    names = writing.Names(session, plans)
    files = media_store.MediaWriter(session, str(folder))
    by_rel = {plan.rel: plan for plan in plans}
    failed: list[Plan] = []
    batch: list[tuple[Plan, BuiltPost]] = []
    progress.phase("Rendering", len(plans))
    for built in _build(folder, plans, options):
        progress.advance()
        report.warnings += [Problem.from_notice(report.where(built.rel), n) for n in built.notices]
        report.errors += [Problem.from_error(report.where(built.rel), e) for e in built.kept_errors]
        if built.post is None:
            failed.append(_failed(by_rel[built.rel], built, report))
            continue
        plan = by_rel[built.rel]
        batch.append((plan, linker.relink(plan, built.post)))
        if len(batch) >= WRITE_BATCH:
            _write(session, batch, names, files)
            batch = []
    if batch:
        _write(session, batch, names, files)
    if failed and (options.strict or any(plan.renamed or plan.moved for plan in failed)):
        raise _NothingWritten
    writing.keep_old_addresses(session, plans)
    failed_rels = {plan.rel for plan in failed}
    linker.finish(session, [plan for plan in plans if plan.rel not in failed_rels])
    files.store(workers.worker_count(options.workers), progress, report)
    if options.settings.foreign:
        reader = sites.reader_for(options.settings.source)
        writing.write_site_redirects(session, reader.site_redirects(*writing.names(session)))
    if options.strict and report.errors:
        raise _NothingWritten
    if options.prune:
        report.media_removed = media_store.prune(session)
    writing.collect_orphans(session)


def _write(session: Session, batch: list[tuple[Plan, BuiltPost]], names: writing.Names,
           files: media_store.MediaWriter) -> None:
    writing.write_batch(session, batch, names)
    files.reference([(plan.post_id, built.media, built.missing) for plan, built in batch
                     if plan.post_id is not None])


def _build(folder: Path, plans: list[Plan], options: ImportOptions) -> Iterator[Built]:
    jobs = [BuildJob(str(folder), plan.rel, plan.digest, plan.meta, options.settings,
                     options.render_seconds) for plan in plans]
    return workers.parallel_map(build_file, jobs, workers.worker_count(options.workers))


def _failed(plan: Plan, built: Built, report: ImportReport) -> Plan:
    """Report a file that did not render; it is then neither added nor updated."""
    assert built.error is not None
    report.errors.append(Problem.from_error(report.where(plan.rel), built.error))
    (report.updated if plan.rel in report.updated else report.added).remove(plan.rel)
    if plan.renamed:
        # Its old slug may already be parked for the post taking it over (free_swapped_slugs):
        # written without it, that post would answer at no address at all.
        report.errors.append(Problem(
            report.where(plan.rel), plan.meta.line_of(*SLUG_KEYS),
            f"the post changes its slug from {plan.old_slug!r} to {plan.meta.slug!r} but did "
            "not render, so nothing was written", "fix the error above and import again"))
    elif plan.moved:
        report.errors.append(Problem(
            report.where(plan.rel), plan.meta.line_of(*URL_KEYS, *SLUG_KEYS),
            f"the page moves from {plan.old_address} to {plan.meta.address} but did not "
            "render, so nothing was written", "fix the error above and import again"))
    return plan
