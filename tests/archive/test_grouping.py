"""Grouping by month, as readers in the blog's time zone see the dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from app.archive.grouping import by_year_and_month


def post(moment: str) -> SimpleNamespace:
    return SimpleNamespace(slug=f"post-{moment}", title=f"Post of {moment}",
                           published_at=datetime.fromisoformat(moment).replace(tzinfo=UTC))


def test_groups_newest_first() -> None:
    posts = [post("2025-02-03T10:00"), post("2025-02-01T10:00"), post("2025-01-09T10:00"),
             post("2023-12-31T10:00")]

    years = by_year_and_month(posts, ZoneInfo("UTC"))

    assert [(y.year, [m.first_day for m in y.months], y.count) for y in years] == [
        (2025, [date(2025, 2, 1), date(2025, 1, 1)], 3),
        (2023, [date(2023, 12, 1)], 1),
    ]


def test_a_late_evening_post_belongs_to_the_local_month() -> None:
    new_year = post("2024-12-31T23:30")

    berlin = by_year_and_month([new_year], ZoneInfo("Europe/Berlin"))
    utc = by_year_and_month([new_year], ZoneInfo("UTC"))

    assert berlin[0].months[0].first_day == date(2025, 1, 1)
    assert utc[0].months[0].first_day == date(2024, 12, 1)
    # The date in words is the reader's too, computed once here rather than in the template.
    assert berlin[0].months[0].posts[0].day == "January 1, 2025"
    assert utc[0].months[0].posts[0].day == "December 31, 2024"


def test_no_posts_no_years() -> None:
    assert by_year_and_month([], ZoneInfo("UTC")) == []
