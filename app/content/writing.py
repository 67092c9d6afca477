"""The import's SQL: every row it writes, inside the one transaction the importer commits.

Nothing here decides what to write (``planning`` does) or renders (``building`` does): these
functions take plans and built posts and turn them into rows, in batches.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from app.content import media_store
from app.content.building import BuiltPost
from app.content.pages import POST
from app.content.planning import UNRANKED, Existing, Plan, RankingInputs
from app.content.report import ImportReport
from app.content.slugs import slugify
from app.models import (
    Author,
    Category,
    ImportRun,
    OldAddress,
    Post,
    PostAlias,
    PostLink,
    PostMedia,
    RemovedPost,
    SearchDocument,
    Tag,
    post_authors,
    post_tags,
    related_posts,
    utcnow,
)

NamedModel = type[Author] | type[Category] | type[Tag]
MAX_OLD_ADDRESS = 1000  # OldAddress.path


def existing_posts(session: Session) -> dict[str, Existing]:
    """Every post and page the database holds, by its source path."""
    # Core rows, not ORM entities: a re-import of 10,000 unchanged files reads them all.
    rows = session.connection().execute(select(
        Post.source_path, Post.id, Post.slug, Post.content_hash, Post.source_stamp, Post.path))
    files = media_store.references(session, [])
    return {source: Existing(id, slug, digest, stamp, address, files.get(id, ()))
            for source, id, slug, digest, stamp, address in rows}


def ranking_inputs(session: Session, post_ids: list[int]) -> dict[int, RankingInputs]:
    """planning.ranking_inputs of the posts ``post_ids`` as the database holds them now."""
    if not post_ids:
        return {}
    tags: dict[int, list[str]] = {post_id: [] for post_id in post_ids}
    for ids in _chunks(post_ids):
        rows = session.execute(
            select(post_tags.c.post_id, Tag.slug).join(Tag, Tag.id == post_tags.c.tag_id)
            .where(post_tags.c.post_id.in_(ids))
            .order_by(post_tags.c.post_id, post_tags.c.position))
        for post_id, slug in rows:
            tags[post_id].append(slug)
    found: dict[int, RankingInputs] = {}
    for ids in _chunks(post_ids):
        rows = session.execute(
            select(Post.id, Post.kind, Post.published_at, Post.draft, Category.slug)
            .outerjoin(Category, Category.id == Post.category_id).where(Post.id.in_(ids)))
        for post_id, kind, published_at, draft, category in rows:
            found[post_id] = UNRANKED if kind != POST else (
                published_at.astimezone(UTC), draft, category, tuple(tags[post_id]))
    return found


def _chunks(items: list[int], size: int = 500) -> list[list[int]]:
    # SQLite caps the bound parameters of one statement.
    return [items[start:start + size] for start in range(0, len(items), size)]


def restamp(session: Session, stamps: list[tuple[int, str | None]]) -> None:
    """Store the new stamps of unchanged files (see planning.Examination)."""
    if stamps:
        session.execute(update(Post), [{"id": post_id, "source_stamp": stamp}
                                       for post_id, stamp in stamps])


class Names:
    """Authors, categories and tags by slug, created on first use with the spelling of the
    earliest post that uses them (existing ones keep theirs)."""

    def __init__(self, session: Session, plans: list[Plan]) -> None:
        self.session = session
        self.spelling: dict[NamedModel, dict[str, str]] = {Author: {}, Category: {}, Tag: {}}
        for plan in sorted(plans, key=lambda p: (p.meta.published_at or utcnow(), p.rel)):
            names: dict[NamedModel, list[str]] = {Author: _authors(plan), Tag: plan.meta.tags,
                     Category: [plan.meta.category] if plan.meta.category else []}
            for model, values in names.items():
                for name in values:
                    self.spelling[model].setdefault(slugify(name), name)
        # Only the names these plans use: a one-file edit need not read every tag of the site.
        self.ids: dict[NamedModel, dict[str, int]] = {model: {} for model in self.spelling}
        for model, spelled in self.spelling.items():
            wanted = list(spelled)
            for start in range(0, len(wanted), 500):  # SQLite's bound-parameter cap
                rows = session.execute(select(model.slug, model.id).where(
                    model.slug.in_(wanted[start:start + 500])))
                self.ids[model].update({slug: id for slug, id in rows})

    def id_of(self, model: NamedModel, name: str) -> int:
        slug = slugify(name)
        known = self.ids[model].get(slug)
        if known is None:
            spelled = self.spelling[model].get(slug, name)
            known = self.session.execute(
                insert(model).values(slug=slug, name=spelled).returning(model.id)).scalar_one()
            self.ids[model][slug] = known
        return known


def _authors(plan: Plan) -> list[str]:
    return plan.meta.authors or [plan.meta.author]


def write_batch(session: Session, batch: list[tuple[Plan, BuiltPost]], names: Names) -> None:
    """Insert or update the posts of ``batch``, with their tags, authors, aliases, old
    addresses and search text."""
    now = utcnow()
    rows = []
    for plan, built in batch:
        meta = plan.meta
        rows.append({
            "slug": meta.slug, "title": meta.title, "author_id": names.id_of(Author, meta.author),
            "category_id": names.id_of(Category, meta.category) if meta.category else None,
            # A page with no date is as new as this version of its file.
            "published_at": meta.published_at or now, "updated_at": meta.updated_at,
            "expires_at": meta.expires_at,
            "reading_minutes": meta.reading_minutes or built.reading_minutes,
            "image": built.image, "image_alt": meta.image_alt, "image_media": built.image_media,
            "excerpt": meta.excerpt or built.excerpt,
            "source": built.text, "html": built.html,
            "toc": built.toc if meta.toc else [],
            "source_path": plan.rel, "content_hash": built.digest,
            "source_stamp": plan.stamp, "draft": meta.draft,
            "extra": meta.extra, "imported_at": now, "kind": meta.kind, "path": meta.address,
            "menu": meta.menu, "menu_weight": meta.menu_weight,
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
        session.execute(delete(post_authors).where(post_authors.c.post_id.in_(old_ids)))
        session.execute(delete(OldAddress).where(OldAddress.post_id.in_(old_ids)))
        # The frontmatter's aliases are written again below; the slugs of earlier renames
        # are not in the file, and must keep leading to the post.
        session.execute(delete(PostAlias).where(PostAlias.post_id.in_(old_ids),
                                                PostAlias.kind == "alias"))
        session.execute(update(Post), [{"id": plan.post_id, **row} for plan, row in old])
    _write_search_documents(session, batch, rows, [plan.post_id for plan, _ in old])
    links = [{"post_id": plan.post_id, "tag_id": names.id_of(Tag, tag), "position": position}
             for plan, _ in batch for position, tag in enumerate(plan.meta.tags)]
    if links:
        session.execute(insert(post_tags), links)
    session.execute(insert(post_authors), [
        {"post_id": plan.post_id, "author_id": names.id_of(Author, name), "position": position}
        for plan, _ in batch for position, name in enumerate(_authors(plan))])
    _write_old_addresses(session, batch)
    aliases = [{"slug": alias, "post_id": plan.post_id, "kind": "alias"}
               for plan, _ in batch for alias in plan.aliases]
    if aliases:
        session.execute(delete(PostAlias).where(PostAlias.slug.in_([a["slug"] for a in aliases])))
        session.execute(insert(PostAlias), aliases)


def _write_search_documents(session: Session, batch: list[tuple[Plan, BuiltPost]],
                            rows: list[dict[str, object]], replaced: list[int | None]) -> None:
    if replaced:
        session.execute(delete(SearchDocument).where(SearchDocument.post_id.in_(replaced)))
    documents = []
    for (plan, built), row in zip(batch, rows, strict=True):
        meta = plan.meta
        documents.append({
            "post_id": plan.post_id, "title": meta.title, "excerpt": row["excerpt"],
            "labels": " ".join([*meta.tags, meta.category or ""]).strip(),
            "body": built.search_text,
        })
    session.execute(insert(SearchDocument), documents)


def _write_old_addresses(session: Session, batch: list[tuple[Plan, BuiltPost]]) -> None:
    """Each old path leads to the post that claims it; of two posts claiming one path, the
    later written (a path is one redirect)."""
    claimed = {unquote(path): plan.post_id for plan, _ in batch
               for path in plan.meta.old_addresses if len(unquote(path)) <= MAX_OLD_ADDRESS}
    if not claimed:
        return
    paths = list(claimed)
    for start in range(0, len(paths), 500):  # SQLite's bound-parameter cap
        session.execute(delete(OldAddress).where(OldAddress.path.in_(paths[start:start + 500])))
    session.execute(insert(OldAddress), [{"path": path, "post_id": post_id, "target": None}
                                         for path, post_id in claimed.items()])


def write_site_redirects(session: Session, redirects: dict[str, str]) -> None:
    """The old site's site-wide addresses (feeds, tag and category pages), replacing the last
    import's; a post's own old address is never overwritten by one."""
    session.execute(delete(OldAddress).where(OldAddress.post_id.is_(None)))
    taken = set(session.scalars(select(OldAddress.path)))
    wanted = {unquote(path): target for path, target in redirects.items()}
    rows = [{"path": path, "post_id": None, "target": target} for path, target in wanted.items()
            if path not in taken and path != target and len(path) <= MAX_OLD_ADDRESS]
    if rows:
        session.execute(insert(OldAddress), rows)


def free_swapped_slugs(session: Session, plans: list[Plan],
                       existing: dict[str, Existing]) -> None:
    """Posts trading slugs (or pages addresses) in one import would trip a unique index
    mid-way: park the slugs being taken over under a placeholder, and the addresses nowhere,
    first (rolled back with everything on failure). Each parked row is rewritten by its own
    plan: planning gives nobody the slug or address of a file it does not rewrite."""
    current = {known.slug: known.id for known in existing.values()}
    taken = [current[p.meta.slug] for p in plans
             if p.meta.slug in current and current[p.meta.slug] != p.post_id]
    if taken:
        session.execute(update(Post).where(Post.id.in_(taken))
                        .values(slug="~" + Post.id.cast(Post.slug.type)))
    located = {known.address: known.id for known in existing.values() if known.address}
    moved = [located[p.meta.address] for p in plans
             if p.meta.address in located and located[p.meta.address] != p.post_id]
    if moved:
        session.execute(update(Post).where(Post.id.in_(moved)).values(path=None))


def keep_old_addresses(session: Session, plans: list[Plan]) -> None:
    """A renamed post answers at its old slug; a slug in use again is no longer gone."""
    in_use = set(session.execute(select(Post.slug)).scalars())
    renamed = [{"slug": p.old_slug, "post_id": p.post_id, "kind": "renamed"} for p in plans
               if p.renamed and p.old_slug not in in_use]
    if renamed:
        session.execute(delete(PostAlias).where(PostAlias.slug.in_([r["slug"] for r in renamed])))
        session.execute(insert(PostAlias), renamed)
    session.execute(delete(PostAlias).where(PostAlias.slug.in_(select(Post.slug))))
    session.execute(delete(RemovedPost).where(RemovedPost.slug.in_(select(Post.slug))))
    session.execute(delete(RemovedPost).where(RemovedPost.slug.in_(select(PostAlias.slug))))


def remove_posts(session: Session, post_ids: list[int]) -> None:
    """Delete pruned posts, leaving a tombstone for each address they answered at."""
    slugs = list(session.execute(select(Post.slug).where(Post.id.in_(post_ids))).scalars())
    slugs += session.execute(
        select(PostAlias.slug).where(PostAlias.post_id.in_(post_ids))).scalars()
    session.execute(delete(post_tags).where(post_tags.c.post_id.in_(post_ids)))
    session.execute(delete(post_authors).where(post_authors.c.post_id.in_(post_ids)))
    session.execute(delete(OldAddress).where(OldAddress.post_id.in_(post_ids)))
    session.execute(delete(PostAlias).where(PostAlias.post_id.in_(post_ids)))
    # Links to a removed post stay known, leading nowhere: `flask check-links` lists them.
    session.execute(delete(PostLink).where(PostLink.source_id.in_(post_ids)))
    session.execute(update(PostLink).where(PostLink.target_id.in_(post_ids))
                    .values(target_id=None))
    session.execute(delete(SearchDocument).where(SearchDocument.post_id.in_(post_ids)))
    session.execute(delete(PostMedia).where(PostMedia.post_id.in_(post_ids)))
    session.execute(delete(related_posts).where(or_(related_posts.c.post_id.in_(post_ids),
                                                    related_posts.c.related_id.in_(post_ids))))
    session.execute(delete(Post).where(Post.id.in_(post_ids)))
    session.execute(delete(RemovedPost).where(RemovedPost.slug.in_(slugs)))
    now = utcnow()
    session.execute(insert(RemovedPost), [{"slug": s, "removed_at": now} for s in slugs])


def names(session: Session) -> tuple[list[str], list[str], list[str]]:
    """Every tag, category and author name of the site, as stored."""
    return (list(session.scalars(select(Tag.name))), list(session.scalars(select(Category.name))),
            list(session.scalars(select(Author.name))))


def collect_orphans(session: Session) -> None:
    """Tags, categories and authors left without posts go."""
    session.execute(delete(Tag).where(~Tag.id.in_(select(post_tags.c.tag_id))))
    session.execute(delete(Category).where(
        ~Category.id.in_(select(Post.category_id).where(Post.category_id.is_not(None)))))
    session.execute(delete(Author).where(~Author.id.in_(select(post_authors.c.author_id)),
                                         ~Author.id.in_(select(Post.author_id))))


def record_run(session: Session, folder: Path, report: ImportReport) -> None:
    session.add(ImportRun(
        source_dir=str(folder), added=len(report.added), updated=len(report.updated),
        unchanged=report.unchanged, removed=len(report.removed),
        warnings=len(report.warnings), errors=len(report.errors), seconds=report.seconds,
    ))
