"""The page store: with Redis, a near copy in each process in front of it; while Redis is down,
each process's stand-in. Against the real Redis."""

from __future__ import annotations

import time

import redis
from cachelib import RedisCache, SimpleCache

from app.caching.redis_guard import RedisGuard, connect
from app.caching.store import NearCache, PageStore
from tests.conftest import REDIS_URL

PAGE = (200, [("Content-Type", "text/html")], b"<p>page</p>", {})


def redis_store(prefix: str, max_entries: int = 10) -> tuple[PageStore, redis.Redis]:
    client = connect(REDIS_URL)
    backend = RedisCache(host=client, key_prefix=prefix, default_timeout=60)
    return PageStore(backend, RedisGuard("test", 60.0), max_entries, 60), client


def test_the_near_copy_drops_the_least_recently_used_first() -> None:
    near = NearCache(max_entries=2)
    near.set("page:a", 1, 60)
    near.set("page:b", 2, 60)
    assert near.get("page:a") == 1  # a is now the most recently used
    near.set("page:c", 3, 60)

    assert (near.get("page:a"), near.get("page:b"), near.get("page:c")) == (1, None, 3)
    assert len(near) == 2


def test_the_near_copy_keeps_nothing_past_its_lifetime() -> None:
    near = NearCache(max_entries=2)
    near.set("page:a", 1, 0.05)
    time.sleep(0.1)

    assert near.get("page:a") is None and len(near) == 0


def test_a_page_served_once_is_served_again_without_asking_redis(redis_prefix: str) -> None:
    store, client = redis_store(redis_prefix)
    store.set("page:x", PAGE, timeout=60)
    assert client.exists(f"{redis_prefix}page:x")

    client.delete(f"{redis_prefix}page:x")  # Redis no longer has it: only the near copy does

    assert store.get("page:x") == PAGE


def test_a_page_another_process_stored_is_fetched_once_then_kept_near(redis_prefix: str) -> None:
    other, client = redis_store(redis_prefix)
    other.set("page:y", PAGE, timeout=60)
    store, _ = redis_store(redis_prefix)  # a worker recycled after the page was stored

    assert store.get("page:y") == PAGE
    client.delete(f"{redis_prefix}page:y")
    assert store.get("page:y") == PAGE


def test_render_locks_are_never_kept_near(redis_prefix: str) -> None:
    """A lock must be seen going: kept near, a request would wait on a render long done."""
    store, client = redis_store(redis_prefix)
    assert store.add("lock:page:z", 1, timeout=60)
    assert store.get("lock:page:z") == 1

    store.delete("lock:page:z")

    assert store.get("lock:page:z") is None and store.near is not None and len(store.near) == 0


def test_pages_kept_while_redis_is_down_are_not_copied_near() -> None:
    """The stand-in holds them already; the near copy is only Redis's."""
    guard = RedisGuard("nowhere", 60.0)
    backend = RedisCache(host=connect("redis://127.0.0.1:1/0"), default_timeout=60)
    store = PageStore(backend, guard, 10, 60)

    store.set("page:x", PAGE, timeout=60)

    assert guard.down and store.get("page:x") == PAGE
    assert store.near is not None and len(store.near) == 0


def test_an_in_process_backend_gets_no_second_copy() -> None:
    store = PageStore(SimpleCache(threshold=10), None, 10, 60, near=False)
    store.set("page:x", PAGE, timeout=60)

    assert store.near is None and store.get("page:x") == PAGE
