"""Full-text search on the database's own engine: FTS5 on SQLite, tsvector on PostgreSQL.

Both answer the same three questions for a parsed query, narrowed to public posts and
optionally to a tag or category: which posts match, best first (title matches before
anything else, then relevance, then newest); how many match; and a snippet of each with the
matched words marked. Snippet markers are control characters, replaced by ``<mark>`` only
after the text around them is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from app import queries
from app.models import (
    SEARCH_LANGUAGE,
    SEARCH_VECTOR_COLUMN,
    SQLITE_SEARCH_INDEX,
    Category,
    Post,
    SearchDocument,
    Tag,
)
from app.search.query import Term, fts5_expression, tsquery_expression

MARK_START, MARK_END = "\x02", "\x03"


@dataclass(frozen=True)
class Filters:
    public_at: datetime
    tag: Tag | None = None
    category: Category | None = None
    pages: bool = False  # pages too, or posts only

    def conditions(self) -> list[ColumnElement[bool]]:
        """What a post must satisfy to be a result: public now, and filed as asked."""
        visible = queries.is_public if self.pages else queries.is_listed
        return [visible(self.public_at),
                *(queries.filed_under(item) for item in (self.tag, self.category)
                  if item is not None)]

    def post_ids(self) -> Select[Any]:
        """The ids of the posts a search may return."""
        return select(Post.id).where(*self.conditions())

    def apply(self, statement: Select[Any], post_id: Any) -> Select[Any]:
        """Narrow ``statement`` (over search documents) by joining the posts it may return."""
        return statement.join(Post, Post.id == post_id).where(*self.conditions())


@dataclass(frozen=True)
class Match:
    post_id: int
    snippet: str  # plain text with MARK_START/MARK_END around matched words


class SearchBackend:
    def matches(self, session: Session, terms: list[Term], filters: Filters, offset: int,
                limit: int) -> Sequence[Match]:
        raise NotImplementedError

    def count(self, session: Session, terms: list[Term], filters: Filters) -> int:
        raise NotImplementedError

    def newest(self, session: Session, terms: list[Term], filters: Filters,
               limit: int) -> Sequence[int]:
        """Matching post ids, newest first (for the search feed)."""
        raise NotImplementedError


class SQLiteBackend(SearchBackend):
    """FTS5 with BM25, title weighted highest; ``search_index`` mirrors search_documents."""

    index_table = table(SQLITE_SEARCH_INDEX, column("rowid"))
    index: ColumnElement[Any] = literal_column(SQLITE_SEARCH_INDEX)
    rowid: ColumnElement[Any] = index_table.c.rowid

    def _matching(self, columns: list[Any], terms: list[Term], filters: Filters) -> Select[Any]:
        # The full-text index must drive, probing the set of public posts. Joined, or with a
        # bare "rowid IN", SQLite hands FTS5 one rowid lookup per post (seconds at 10,000
        # posts); "rowid + 0" is an expression FTS5 cannot be asked to use.
        return select(*columns).select_from(self.index_table).where(
            self.index.op("MATCH")(fts5_expression(terms)),
            (self.rowid + 0).in_(filters.post_ids()))

    def matches(self, session: Session, terms: list[Term], filters: Filters, offset: int,
                limit: int) -> Sequence[Match]:
        in_title = self.rowid.in_(
            select(self.rowid).where(
                self.index.op("MATCH")("{title} : (" + fts5_expression(terms) + ")")))
        rank = func.bm25(self.index, 10.0, 4.0, 2.0, 1.0)
        published = select(Post.published_at).where(Post.id == self.rowid).scalar_subquery()
        ranked = (self._matching([self.rowid], terms, filters)
                  .order_by(in_title.desc(), rank, published.desc(), self.rowid.desc())
                  .offset(offset).limit(limit))
        ids = list(session.scalars(ranked))
        if not ids:
            return []
        # Snippets only for the page shown: SQLite would build one for every match before
        # sorting, which at 50,000 posts takes seconds for a common word.
        snippet = func.snippet(self.index, -1, MARK_START, MARK_END, "…", 24)
        snippets = dict(session.execute(
            select(self.rowid, snippet).select_from(self.index_table)
            .where(self.index.op("MATCH")(fts5_expression(terms)), self.rowid.in_(ids))).all())
        return [Match(post_id, snippets.get(post_id, "")) for post_id in ids]

    def count(self, session: Session, terms: list[Term], filters: Filters) -> int:
        return session.scalar(self._matching([func.count()], terms, filters)) or 0

    def newest(self, session: Session, terms: list[Term], filters: Filters,
               limit: int) -> Sequence[int]:
        statement = (filters.post_ids()
                     .where(Post.id.in_(self._matching([self.rowid], terms, filters)))
                     .order_by(Post.published_at.desc(), Post.id.desc()).limit(limit))
        return session.scalars(statement).all()


class PostgresBackend(SearchBackend):
    """A weighted tsvector (title A; tags, category, excerpt B; body C), kept by PostgreSQL in
    a generated column under a GIN index: matching and ranking read it, never the body."""

    vector: ColumnElement[Any] = literal_column(
        f"{SearchDocument.__tablename__}.{SEARCH_VECTOR_COLUMN}")

    def _query(self, terms: list[Term]) -> ColumnElement[Any]:
        return func.to_tsquery(literal_column(f"'{SEARCH_LANGUAGE}'"),
                               tsquery_expression(terms))

    def _matching(self, columns: list[Any], terms: list[Term], filters: Filters) -> Select[Any]:
        statement = select(*columns).select_from(SearchDocument).where(
            self.vector.op("@@")(self._query(terms)))
        return filters.apply(statement, SearchDocument.post_id)

    def matches(self, session: Session, terms: list[Term], filters: Filters, offset: int,
                limit: int) -> Sequence[Match]:
        query = self._query(terms)
        language: ColumnElement[Any] = literal_column(f"'{SEARCH_LANGUAGE}'")
        # Parsing a title is cheap (a body is not: ranking by re-parsing every matching body
        # took 7 s for a common word at 10,000 posts).
        in_title = func.to_tsvector(language, SearchDocument.title).op("@@")(query)
        rank = func.ts_rank_cd(self.vector, query, 1)
        order = (in_title.desc(), rank.desc(), Post.published_at.desc(), Post.id.desc())
        ranked = (self._matching([SearchDocument.post_id, SearchDocument.body,
                                  func.row_number().over(order_by=order).label("position")],
                                 terms, filters)
                  .order_by(*order).offset(offset).limit(limit).subquery())
        # Headlines are costly: only for the page shown, after ranking.
        headline = func.ts_headline(
            language, ranked.c.body, query,
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
            "MaxFragments=2, FragmentDelimiter=\" … \"")
        rows = session.execute(select(ranked.c.post_id, headline).order_by(ranked.c.position))
        return [Match(post_id, text_) for post_id, text_ in rows]

    def count(self, session: Session, terms: list[Term], filters: Filters) -> int:
        return session.scalar(self._matching([func.count()], terms, filters)) or 0

    def newest(self, session: Session, terms: list[Term], filters: Filters,
               limit: int) -> Sequence[int]:
        statement = (self._matching([SearchDocument.post_id], terms, filters)
                     .order_by(Post.published_at.desc(), Post.id.desc()).limit(limit))
        return session.scalars(statement).all()


def backend_for(dialect: str) -> SearchBackend:
    if dialect == "sqlite":
        return SQLiteBackend()
    if dialect == "postgresql":
        return PostgresBackend()
    raise RuntimeError(f"full-text search supports SQLite and PostgreSQL, not {dialect}")
