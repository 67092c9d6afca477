"""The outside addresses that answered well, remembered in the database for a while.

Only good answers are kept (directly, or after redirects): a re-run within ``max_age`` does not
ask those hosts again, while a broken or rate-limited address is always asked again, since that
is the answer an author wants to see change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from itertools import islice
from typing import TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.linkcheck.external import Outcome
from app.models import LinkCheck

_CHUNK = 500  # SQLite caps the bound parameters of one statement
T = TypeVar("T")


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def remembered(session: Session, urls: Iterable[str], max_age: timedelta,
               now: datetime) -> dict[str, Outcome]:
    """The outcomes of ``urls`` checked since ``now - max_age``."""
    by_hash = {url_hash(url): url for url in urls}
    found: dict[str, Outcome] = {}
    for chunk in _chunks(list(by_hash)):
        rows = session.execute(
            select(LinkCheck.url_hash, LinkCheck.status, LinkCheck.final_url,
                   LinkCheck.redirect_status)
            .where(LinkCheck.url_hash.in_(chunk), LinkCheck.checked_at >= now - max_age))
        for digest, status, final_url, redirect_status in rows:
            url = by_hash[digest]
            found[url] = Outcome(url, status, final_url=final_url,
                                 redirect_status=redirect_status)
    return found


def remember(session: Session, outcomes: Iterable[Outcome], now: datetime,
             max_age: timedelta) -> None:
    """Keep the good outcomes, forget what was kept of the others and whatever is older than
    ``max_age`` (addresses no post links to any more go that way); the caller commits."""
    outcomes = list(outcomes)
    session.execute(delete(LinkCheck).where(LinkCheck.checked_at < now - max_age))
    for chunk in _chunks([url_hash(outcome.url) for outcome in outcomes]):
        session.execute(delete(LinkCheck).where(LinkCheck.url_hash.in_(chunk)))
    rows = [{"url_hash": url_hash(o.url), "url": o.url, "checked_at": now, "status": o.status,
             "final_url": o.final_url, "redirect_status": o.redirect_status}
            for o in outcomes if not o.broken and not o.unknown]
    for batch in _chunks(rows):
        session.execute(insert(LinkCheck), batch)


def _chunks(items: Sequence[T]) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk
