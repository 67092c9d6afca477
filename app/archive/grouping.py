"""Grouping posts by the year and month they appeared in, in the blog's time zone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.templating import date_in_words


@dataclass(frozen=True)
class Archived:
    """A post as the archive lists it, its date already in words: the archive lists every
    post, and a filter called once a row in the template took a third of its time."""

    slug: str
    title: str
    published_at: datetime
    day: str  # the publication date in words, in the blog's time zone


@dataclass
class Month:
    first_day: date
    posts: list[Archived] = field(default_factory=list)


@dataclass
class Year:
    year: int
    months: list[Month] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(month.posts) for month in self.months)


def by_year_and_month(posts: Iterable[Any], zone: ZoneInfo) -> Sequence[Year]:
    """Newest-first posts (rows of slug, title, published_at) into newest-first years and
    months; a post published at 23:30 UTC on 31 January belongs to February in Berlin, as its
    readers see it."""
    years: list[Year] = []
    for post in posts:
        local = post.published_at.astimezone(zone)
        if not years or years[-1].year != local.year:
            years.append(Year(local.year))
        months = years[-1].months
        if not months or months[-1].first_day.month != local.month:
            months.append(Month(date(local.year, local.month, 1)))
        months[-1].posts.append(Archived(post.slug, post.title, post.published_at,
                                         date_in_words(local)))
    return years
