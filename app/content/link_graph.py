"""The link graph (``post_links``) kept in step with the posts inside the import's transaction,
and checked on demand (``flask check-links``).

:mod:`links` says where one link leads. This module gives it the whole site to look in
(:func:`address_book`), records the links of each post the import renders (:class:`Linker`),
and then brings the rest of the site along: a post linking to a renamed post links to its new
address, a link to a post that did not exist leads to it once it does, and a link this import
breaks (its target removed or made a draft, its anchor gone) is reported at the linking file's
own line. Pages stay plain stored HTML, fast and cacheable: the rewriting happens here, once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import TypeVar
from urllib.parse import unquote

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.orm import Session

from app.content.building import BuiltPost
from app.content.links import (
    AddressBook,
    FoundLink,
    anchor_problem,
    claim_old_links,
    draft_problem,
    element_ids,
    find_links,
    resolve,
    rewrite_links,
    shown,
)
from app.content.planning import Existing, Plan
from app.content.problems import Notice, Problem
from app.content.report import ImportReport
from app.models import OldAddress, Post, PostAlias, PostLink, RemovedPost

T = TypeVar("T")
Reporter = Callable[[str, Notice], None]  # a problem at a source path

# Bound IN lists and executemany batches (SQLite caps the bound parameters of a statement),
# and the number of posts' HTML held at once.
_CHUNK = 500


@dataclass(frozen=True)
class LinkRow:
    """A link of a post the import rendered, before the posts have ids."""

    source: str  # the linking post's source path
    position: int  # among the post's article links (links.rewrite_links)
    line: int
    href: str  # as written
    target: str | None  # the target's source path; None: the link leads to no post
    anchor: str | None


@dataclass(frozen=True)
class BrokenLink:
    """A link that leads nowhere, or to a draft, or to a missing anchor: at ``source``."""

    source: str
    notice: Notice


def address_book(session: Session, existing: dict[str, Existing], plans: Sequence[Plan],
                 removed: Iterable[str] = (), site_url: str = "",
                 old_site_url: str = "") -> AddressBook:
    """The site as it will be once ``plans`` are written and the posts of the files
    ``removed`` are gone: every post's slug and draft flag by source path, the old slugs and
    aliases leading to each, and the slugs answering 410."""
    book = AddressBook(site_url, old_site_url=old_site_url)
    gone = {existing[rel].id: existing[rel].slug for rel in removed}
    planned = {plan.post_id: plan for plan in plans if plan.post_id is not None}
    drafts = set(session.scalars(select(Post.id).where(Post.draft.is_(True))))
    rel_of = {known.id: rel for rel, known in existing.items()
              if known.id not in gone and known.id not in planned}
    for rel in rel_of.values():
        book.add(rel, existing[rel].slug, existing[rel].id in drafts, existing[rel].address)
    for plan in plans:
        book.add(plan.rel, plan.meta.slug, plan.meta.draft, plan.meta.address)
        if plan.post_id is not None:
            rel_of[plan.post_id] = plan.rel
        for alias in plan.aliases:
            book.add_moved(alias, plan.rel)
        if plan.renamed and plan.old_slug is not None:
            book.add_moved(plan.old_slug, plan.rel)
    book.removed = set(session.scalars(select(RemovedPost.slug))) | set(gone.values())
    for slug, post_id, kind in session.execute(
            select(PostAlias.slug, PostAlias.post_id, PostAlias.kind)):
        if post_id in gone:
            book.removed.add(slug)
        elif post_id in rel_of and not (post_id in planned and kind == "alias"):
            book.moved.setdefault(slug, rel_of[post_id])
    _add_old_paths(session, book, plans, rel_of, planned)
    return book


def _add_old_paths(session: Session, book: AddressBook, plans: Sequence[Plan],
                   rel_of: dict[int, str], planned: dict[int, Plan]) -> None:
    """The addresses posts had on the site's previous engine: the stored ones of posts this
    import leaves as they are, and those the plans give."""
    for path, post_id in session.execute(select(OldAddress.path, OldAddress.post_id)
                                         .where(OldAddress.post_id.is_not(None))):
        if post_id in rel_of and post_id not in planned:
            book.old_paths[path] = rel_of[post_id]
    for plan in plans:
        for path in plan.meta.old_addresses:
            book.old_paths[unquote(path)] = plan.rel


class Linker:
    """The import's links: :meth:`relink` each post as it is built, :meth:`removing` before
    posts are pruned, :meth:`finish` once every post is written. Problems go to the report as
    warnings, or as errors under ``--strict``."""

    def __init__(self, book: AddressBook, existing: dict[str, Existing], report: ImportReport,
                 strict: bool = False) -> None:
        self.book = book
        self.report = report
        self.strict = strict
        self.ids = {rel: known.id for rel, known in existing.items()}
        self.rows: list[LinkRow] = []

    def relink(self, plan: Plan, post: BuiltPost) -> BuiltPost:
        """``post`` with its links to articles leading to their current addresses."""
        post = self._claim_old_links(post)
        new_hrefs = {}
        for position, link in enumerate(post.links):
            resolution = resolve(link, plan.rel, self.book)
            if resolution is None:
                continue
            self.rows.append(LinkRow(plan.rel, position, link.line, link.href,
                                     resolution.target, resolution.anchor))
            if resolution.target is not None:
                new_hrefs[position] = resolution.href
            if resolution.problem is not None:
                self._report(plan.rel, resolution.problem)
        return replace(post, html=rewrite_links(post.html, new_hrefs)) if new_hrefs else post

    def _claim_old_links(self, post: BuiltPost) -> BuiltPost:
        """Links to posts' addresses on the site's previous engine, as links to their files
        (the worker that rendered ``post`` knew no other post's old address)."""
        claimed = claim_old_links(post.html, self.book)
        if claimed == post.html:
            return post
        return replace(post, html=claimed, links=tuple(find_links(claimed, post.text, 1)))

    def removing(self, session: Session, post_ids: list[int]) -> None:
        """Report the links of the posts that stay to the posts ``post_ids``, about to go."""
        leaving = set(post_ids)
        rel_of = {post_id: rel for rel, post_id in self.ids.items()}
        for target_id, row in _links_to(session, post_ids):
            if row.source_id not in leaving:
                self._report(rel_of[row.source_id], Notice(
                    row.line, f"link to {shown(row.href)}: this import removes "
                    f"{rel_of[target_id]} (--prune); its address answers 410 Gone",
                    "remove the link, or link to another post"))

    def finish(self, session: Session, written: Sequence[Plan]) -> None:
        """Store the links of the ``written`` posts, bring the posts linking to them along,
        and report the anchors that are missing."""
        rebuilt = set()
        for plan in written:
            assert plan.post_id is not None
            self.ids[plan.rel] = plan.post_id
            rebuilt.add(plan.post_id)
        rel_of: dict[int, str] = {}
        for rel, post_id in self.ids.items():  # a moved file's post by its new path
            if rel in self.book.posts or post_id not in rel_of:
                rel_of[post_id] = rel
        self._store(session, rebuilt)
        _FollowUp(session, self.book, self.ids, rel_of, rebuilt).run(written, self._report)
        anchors = _Anchors(rel_of)
        for row in self.rows:
            if row.anchor and row.target is not None and row.target in self.ids:
                anchors.add(row.source, FoundLink(row.href, row.line), self.ids[row.target],
                            row.anchor)
        for target_id, stored in _links_to(session, sorted(rebuilt)):
            if stored.anchor and stored.source_id not in rebuilt:
                anchors.add(rel_of[stored.source_id], stored.link, target_id, stored.anchor)
        for broken in anchors.check(session):
            self._report(broken.source, broken.notice)

    def _store(self, session: Session, rebuilt: set[int]) -> None:
        for chunk in _chunks(sorted(rebuilt)):
            session.execute(delete(PostLink).where(PostLink.source_id.in_(chunk)))
        rows = []
        for row in self.rows:
            target_id = self.ids.get(row.target) if row.target is not None else None
            if row.target is not None and target_id is None:
                self._report(row.source, Notice(
                    row.line, f"link to {shown(row.href)}: {row.target} was not imported",
                    "fix the error reported for that file"))
            rows.append({"source_id": self.ids[row.source], "position": row.position,
                         "line": row.line, "href": row.href, "target_id": target_id,
                         "anchor": row.anchor})
        for batch in _chunks(rows):
            session.execute(insert(PostLink), batch)

    def _report(self, rel: str, notice: Notice) -> None:
        problem = Problem(self.report.where(rel), notice.line, notice.message, notice.hint,
                          "error" if self.strict else "warning")
        (self.report.errors if self.strict else self.report.warnings).append(problem)


@dataclass
class GraphCheck:
    """Every link between posts checked: how many there are, and the broken ones."""

    links: int = 0
    broken: list[BrokenLink] = field(default_factory=list)


def check_graph(session: Session, site_url: str = "") -> GraphCheck:
    """The stored links between posts checked against the database as it is now: links that
    lead to no post, to a draft, or to an anchor the target does not have, sorted by file and
    line. (The graph is as the last import left it: run it first.)"""
    existing = {path: Existing(post_id, slug, "") for path, post_id, slug in
                session.execute(select(Post.source_path, Post.id, Post.slug))}
    book = address_book(session, existing, [], (), site_url)
    rel_of = {known.id: rel for rel, known in existing.items()}
    result = GraphCheck()
    anchors = _Anchors(rel_of)
    for row in _stored(session):
        result.links += 1
        source = rel_of[row.source_id]
        if row.target_id is None:
            resolution = resolve(row.link, source, book)
            if resolution is not None:
                result.broken.append(BrokenLink(source, resolution.problem or Notice(
                    row.line, f"link to {shown(row.href)}: leads to no post yet",
                    "run flask import-posts: the post it names now exists")))
            continue
        target = rel_of[row.target_id]
        if book.posts[target].draft:
            result.broken.append(BrokenLink(source, draft_problem(row.link, target)))
        elif row.anchor:
            anchors.add(source, row.link, row.target_id, row.anchor)
    result.broken += anchors.check(session)
    result.broken.sort(key=lambda broken: (broken.source, broken.notice.line))
    return result


class _FollowUp:
    """The posts this import did not render whose links it changes: those linking to a
    renamed post (their pages now link to its new address), those with a link that leads
    somewhere at last, and those linking to a post that is now a draft (reported)."""

    def __init__(self, session: Session, book: AddressBook, ids: dict[str, int],
                 rel_of: dict[int, str], rebuilt: set[int]) -> None:
        self.session = session
        self.book = book
        self.ids = ids
        self.rel_of = rel_of
        self.rebuilt = rebuilt
        self.new_hrefs: dict[int, dict[int, str]] = defaultdict(dict)
        self.found: list[dict[str, object]] = []

    def run(self, written: Sequence[Plan], report: Reporter) -> None:
        renamed = [plan.post_id for plan in written
                   if (plan.renamed or plan.moved) and plan.post_id]
        drafts = {plan.post_id for plan in written if plan.meta.draft and plan.post_id}
        for row in _stored(self.session, PostLink.target_id.is_(None)):
            if row.source_id not in self.rebuilt and row.source_id in self.rel_of:
                self._resolve_again(row)
        for target_id, row in _links_to(self.session, sorted({*renamed, *drafts})):
            if row.source_id in self.rebuilt:
                continue
            target = self.rel_of[target_id]
            self.new_hrefs[row.source_id][row.position] = self.book.posts[target].href(
                row.anchor)
            if target_id in drafts:
                report(self.rel_of[row.source_id], draft_problem(row.link, target))
        self._rewrite()

    def _resolve_again(self, row: _Stored) -> None:
        resolution = resolve(row.link, self.rel_of[row.source_id], self.book)
        if resolution is None or resolution.target is None or resolution.target not in self.ids:
            return
        self.new_hrefs[row.source_id][row.position] = resolution.href
        self.found.append({"source_id": row.source_id, "position": row.position,
                           "target_id": self.ids[resolution.target]})

    def _rewrite(self) -> None:
        for batch in _chunks(self.found):
            self.session.execute(update(PostLink), batch)
        for chunk in _chunks(sorted(self.new_hrefs)):
            pages = self.session.execute(select(Post.id, Post.html).where(Post.id.in_(chunk)))
            changed = [{"id": post_id, "html": new} for post_id, page in pages
                       if (new := rewrite_links(page, self.new_hrefs[post_id])) != page]
            if changed:
                self.session.execute(update(Post), changed)


class _Anchors:
    """Links to ``#anchor``s, checked against the ids of their targets' stored pages (written
    in this transaction for the posts just rendered), a chunk of pages at a time."""

    def __init__(self, rel_of: dict[int, str]) -> None:
        self.rel_of = rel_of
        self.by_target: dict[int, list[tuple[str, FoundLink, str]]] = defaultdict(list)

    def add(self, source: str, link: FoundLink, target_id: int, anchor: str) -> None:
        self.by_target[target_id].append((source, link, anchor))

    def check(self, session: Session) -> Iterator[BrokenLink]:
        for chunk in _chunks(sorted(self.by_target)):
            for target_id, page in session.execute(
                    select(Post.id, Post.html).where(Post.id.in_(chunk))):
                ids = element_ids(page)
                for source, link, anchor in self.by_target[target_id]:
                    problem = anchor_problem(link, anchor, self.rel_of[target_id], ids)
                    if problem is not None:
                        yield BrokenLink(source, problem)


@dataclass(frozen=True)
class _Stored:
    """A row of ``post_links``."""

    source_id: int
    position: int
    line: int
    href: str
    target_id: int | None
    anchor: str | None

    @property
    def link(self) -> FoundLink:
        return FoundLink(self.href, self.line)


def _stored(session: Session, *where: ColumnElement[bool]) -> Iterator[_Stored]:
    rows = session.execute(select(PostLink.source_id, PostLink.position, PostLink.line,
                                  PostLink.href, PostLink.target_id, PostLink.anchor).where(*where))
    return (_Stored(*row) for row in rows)


def _links_to(session: Session, target_ids: Sequence[int]) -> Iterator[tuple[int, _Stored]]:
    """The stored links to the posts ``target_ids``, each with its target's id."""
    for chunk in _chunks(target_ids):
        for row in _stored(session, PostLink.target_id.in_(chunk)):
            assert row.target_id is not None
            yield row.target_id, row


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk
