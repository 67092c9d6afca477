import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from app.content.related import Candidate, related_posts

START = datetime(2024, 1, 1, tzinfo=UTC)


def post(
    post_id: int, day: float, category: int | None = None, tags: Sequence[int] = ()
) -> Candidate:
    return Candidate(post_id, START + timedelta(days=day), category, tuple(tags))


def score(a: Candidate, b: Candidate) -> int:
    shared = len(set(a.tag_ids) & set(b.tag_ids))
    same_category = a.category_id is not None and a.category_id == b.category_id
    return 2 * shared + (1 if same_category else 0)


def brute_force(posts: Sequence[Candidate], limit: int = 6) -> dict[int, list[int]]:
    """The ranking as specified, one pair at a time."""
    related: dict[int, list[int]] = {}
    for one in posts:
        others = [other for other in posts if other.id != one.id and score(one, other) > 0]
        others.sort(
            key=lambda other: (
                -score(one, other),
                abs(other.published_at - one.published_at),
                -(other.published_at - START),
                other.id,
            )
        )
        related[one.id] = [other.id for other in others[:limit]]
    return related


def random_blog(
    seed: int,
    size: int,
    tags: int,
    tag_weights: list[float] | None,
    categories: int,
    days: int,
) -> list[Candidate]:
    rng = random.Random(seed)
    posts: list[Candidate] = []
    for post_id in rng.sample(range(1, 10 * size), size):
        count = rng.randint(0, 5)
        chosen = {rng.choices(range(tags), tag_weights)[0] for _ in range(count)}
        category = rng.choice([None, *range(categories)])
        # Whole hours on few days, so equal dates and equal distances both happen often.
        published = START + timedelta(hours=rng.randrange(days * 24))
        posts.append(Candidate(post_id, published, category, tuple(chosen)))
    return posts


def test_shared_tags_beat_category() -> None:
    posts = [
        post(1, 0, category=1, tags=[10, 11]),
        post(2, 1, category=1, tags=[10]),
        post(3, 50, category=2, tags=[10, 11]),
        post(4, 2, category=1),
    ]
    assert related_posts(posts)[1] == [3, 2, 4]


def test_category_breaks_ties_between_equal_tag_counts() -> None:
    posts = [
        post(1, 0, category=1, tags=[10]),
        post(2, 1, category=2, tags=[10]),
        post(3, 30, category=1, tags=[10]),
    ]
    assert related_posts(posts)[1] == [3, 2]


def test_closer_date_breaks_equal_scores() -> None:
    posts = [
        post(1, 10, tags=[10]),
        post(2, 0, tags=[10]),
        post(3, 13, tags=[10]),
        post(4, 8, tags=[10]),
    ]
    assert related_posts(posts)[1] == [4, 3, 2]


def test_equal_distance_goes_to_the_newer_then_the_smaller_id() -> None:
    posts = [
        post(5, 10, tags=[10]),
        post(1, 7, tags=[10]),
        post(2, 13, tags=[10]),
        post(4, 13, tags=[10]),
        post(3, 13, tags=[10]),
    ]
    assert related_posts(posts)[5] == [2, 3, 4, 1]


def test_far_post_with_more_shared_tags_beats_near_ones() -> None:
    near = [post(post_id, post_id, tags=[10]) for post_id in range(2, 200)]
    far = post(999, 5000, tags=[10, 11])
    posts = [post(1, 0, tags=[10, 11]), *near, far]
    assert related_posts(posts, limit=3)[1] == [999, 2, 3]


def test_a_post_is_never_related_to_itself() -> None:
    posts = [post(post_id, 0, category=1, tags=[10, 11]) for post_id in range(1, 5)]
    related = related_posts(posts)
    assert related == {1: [2, 3, 4], 2: [1, 3, 4], 3: [1, 2, 4], 4: [1, 2, 3]}


def test_posts_sharing_nothing_are_never_related() -> None:
    posts = [
        post(1, 0, category=1, tags=[10]),
        post(2, 0, category=2, tags=[11]),
        post(3, 0, category=1, tags=[12]),
    ]
    assert related_posts(posts) == {1: [3], 2: [], 3: [1]}


def test_a_post_without_tags_or_category_has_no_related_posts() -> None:
    posts = [post(1, 0), post(2, 0, category=1, tags=[10]), post(3, 1)]
    related = related_posts(posts)
    assert related[1] == []
    assert related[3] == []
    assert related[2] == []


@pytest.mark.parametrize("limit", [0, 1, 3, 6])
def test_limit_is_respected(limit: int) -> None:
    posts = [post(post_id, post_id, category=1, tags=[10]) for post_id in range(1, 11)]
    related = related_posts(posts, limit=limit)
    assert all(len(ids) == limit for ids in related.values())
    assert related[1] == list(range(2, 2 + limit))


def test_default_limit_is_six() -> None:
    posts = [post(post_id, post_id, tags=[10]) for post_id in range(1, 21)]
    assert all(len(ids) == 6 for ids in related_posts(posts).values())


def test_every_post_gets_an_entry_in_input_order() -> None:
    posts = [post(3, 0), post(1, 1, tags=[10]), post(2, 2, tags=[10])]
    assert list(related_posts(posts)) == [3, 1, 2]


def test_empty_blog() -> None:
    assert related_posts([]) == {}


def test_result_is_deterministic_whatever_the_input_order() -> None:
    posts = random_blog(seed=7, size=300, tags=12, tag_weights=None, categories=4, days=20)
    expected = related_posts(posts)
    shuffled = posts[:]
    random.Random(8).shuffle(shuffled)
    assert related_posts(shuffled) == expected
    assert related_posts(posts) == expected


def test_a_tag_listed_twice_counts_once() -> None:
    posts = [
        post(1, 0, category=1, tags=[10, 10, 11]),
        post(2, 9, category=1, tags=[11]),
        post(3, 1, category=2, tags=[10]),
    ]
    assert related_posts(posts)[1] == [2, 3]


@pytest.mark.parametrize(
    ("posts", "message"),
    [
        ([Candidate(1, datetime(2024, 1, 1), None, ())], "timezone-aware"),  # noqa: DTZ001
        ([post(1, 0), post(1, 1)], "share an id"),
    ],
)
def test_bad_input_is_refused(posts: list[Candidate], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        related_posts(posts)


def test_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        related_posts([post(1, 0)], limit=-1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_brute_force_on_small_tags(seed: int) -> None:
    # Sixty tags over 300 posts: each tag is on a handful of posts.
    posts = random_blog(seed, size=300, tags=60, tag_weights=None, categories=8, days=400)
    assert related_posts(posts) == brute_force(posts)


@pytest.mark.parametrize(("seed", "limit"), [(4, 6), (5, 1), (6, 15)])
def test_matches_brute_force_on_a_larger_blog_with_skewed_tags(seed: int, limit: int) -> None:
    # Zipf-like tags on 800 posts: the biggest tag is on about half the posts and dates
    # collide, so windows must widen and every tie-break is exercised.
    weights = [1 / rank for rank in range(1, 31)]
    posts = random_blog(seed, size=800, tags=30, tag_weights=weights, categories=5, days=30)
    assert related_posts(posts, limit=limit) == brute_force(posts, limit=limit)
