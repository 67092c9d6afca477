"""The Redis guard's pure parts: how it names Redis in logs, and when it asks Redis again."""

from __future__ import annotations

import threading
import time

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


def test_when_the_retry_time_comes_only_one_caller_pays_for_the_attempt() -> None:
    """A Redis that does not answer costs each attempt the socket timeout: the requests that
    arrive meanwhile take the fallback instead of queueing behind it."""
    guard = RedisGuard("here", retry_seconds=0.05)
    guard.call(refused, None)
    time.sleep(0.1)  # the retry time has come
    attempting, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def hanging() -> str:
        calls.append("attempt")
        attempting.set()
        release.wait(5)
        raise redis.TimeoutError("no answer")

    attempt = threading.Thread(target=guard.call, args=(hanging, None))
    attempt.start()
    attempting.wait(5)
    def answering() -> str:
        calls.append("second")
        return "value"

    meanwhile = guard.call(answering, "fallback")
    release.set()
    attempt.join(5)

    assert meanwhile == "fallback" and calls == ["attempt"]


def refused() -> None:
    raise redis.ConnectionError("refused")
