"""The import's worker pool and render timer (app/content/workers.py); what the workers hold
after their caller is killed is in tests/faults/test_import_workers.py."""

from __future__ import annotations

import time

import pytest

from app.content import workers


def square(number: int) -> int:
    return number * number


@pytest.mark.parametrize("count", [3, workers.PARALLEL_THRESHOLD * 2 + 5],
                         ids=["in-process", "pool"])
def test_parallel_map_keeps_the_order(count: int) -> None:
    assert list(workers.parallel_map(square, list(range(count)), 2)) == [
        n * n for n in range(count)]


def test_worker_count_is_one_per_cpu_for_zero() -> None:
    assert workers.worker_count(3) == 3
    assert workers.worker_count(0) >= 1


def test_time_limit_interrupts_a_block_that_runs_too_long() -> None:
    started = time.monotonic()
    with pytest.raises(workers.TooSlow), workers.time_limit(0.2):
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # an except Exception in the code it interrupts cannot stop it
                continue
    assert time.monotonic() - started < 5


def test_time_limit_lets_a_quick_block_finish_and_clears_the_timer() -> None:
    import signal

    with workers.time_limit(5):
        pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_limit_strikes_again_when_its_first_signal_is_swallowed() -> None:
    """A signal that lands in a weakref callback or a ``__del__`` raises TooSlow there, where
    Python prints it and carries on: the timer must strike again (CI once saw a render of
    8,000 paragraphs run to its end that way)."""
    swallowed = 0
    started = time.monotonic()
    with pytest.raises(workers.TooSlow), workers.time_limit(0.2):
        try:
            time.sleep(5)
        except workers.TooSlow:  # as the collector's callback would
            swallowed += 1
        time.sleep(5)
    assert swallowed == 1
    assert time.monotonic() - started < 2
