"""The Redis guard's pure parts: how it names Redis in logs, and when it asks Redis again."""

from __future__ import annotations

import pytest
import redis

from app.caching.redis_guard import RedisGuard, describe


@pytest.mark.parametrize(("url", "said"), [
    ("redis://:s3cret@cache.internal:6380/2", "cache.internal:6380/2"),
    ("rediss://user:pw@cache/", "cache:6379/0"),
    ("redis://127.0.0.1:6379", "127.0.0.1:6379/0"),
])
def test_redis_is_named_without_its_password(url: str, said: str) -> None:
    assert describe(url) == said


def test_while_down_calls_are_not_made_until_the_retry_time() -> None:
    guard = RedisGuard("here", retry_seconds=3600)
    calls: list[str] = []

    def failing() -> str:
        calls.append("asked")
        raise redis.ConnectionError("refused")

    assert guard.call(failing, "fallback") == "fallback"
    assert guard.call(failing, "fallback") == "fallback"
    assert calls == ["asked"] and guard.down


def test_recovery_runs_the_hooks_once() -> None:
    guard = RedisGuard("here", retry_seconds=0)
    recovered: list[str] = []
    guard.on_recovery(lambda: recovered.append("hook"))

    def failing() -> str:
        raise redis.ConnectionError("refused")

    guard.call(failing, None)
    assert guard.call(lambda: "value", None) == "value"
    assert guard.call(lambda: "value", None) == "value"
    assert recovered == ["hook"] and not guard.down
