"""The import's worker processes, and the timer that stops a render running away.

Reading and rendering a file is pure CPU work: spread over processes when there are many
files, in this process when there are few (a pool costs more than it saves for a handful).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import TypeVar

PARALLEL_THRESHOLD = 48  # below this many files, a worker pool costs more than it saves
CHUNK = 16

J = TypeVar("J")
R = TypeVar("R")


def worker_count(requested: int) -> int:
    """``requested`` processes, or one per CPU for 0."""
    return requested if requested > 0 else (os.cpu_count() or 1)


def parallel_map(func: Callable[[J], R], jobs: Sequence[J], workers: int, *,
                 chunk: int = CHUNK, threshold: int = PARALLEL_THRESHOLD) -> Iterator[R]:
    """``map`` over worker processes, in order, with a bounded number of chunks of ``chunk``
    jobs in flight (three per worker) so results never pile up in memory. Fewer than
    ``threshold`` jobs run in this process. ``func`` must be a module-level function (it is
    imported by name in the workers)."""
    if workers <= 1 or len(jobs) < threshold or sys.platform == "win32":
        yield from map(func, jobs)
        return
    from concurrent.futures import Future, ProcessPoolExecutor

    chunks: Iterable[Sequence[J]] = (jobs[i:i + chunk] for i in range(0, len(jobs), chunk))
    # Not "fork": a worker forked from the CLI would inherit the import lock's file and the
    # database's sockets and, killed or not, keep the lock held and the transaction open for
    # as long as it lives. The fork server is a fresh interpreter that holds none of them;
    # importing the workers' modules into it once keeps each worker's start a plain fork.
    context = multiprocessing.get_context("forkserver")
    preload = getattr(sys.modules[func.__module__], "WORKER_PRELOAD", ())
    context.set_forkserver_preload([__name__, func.__module__, *preload])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_start_worker) as pool:
        pending: deque[Future[list[R]]] = deque(
            pool.submit(_run_chunk, func, chunk) for chunk in islice(chunks, workers * 3))
        while pending:
            results = pending.popleft().result()
            following = next(iter(chunks), None)
            if following is not None:
                pending.append(pool.submit(_run_chunk, func, following))
            yield from results


def _run_chunk(func: Callable[[J], R], chunk: Sequence[J]) -> list[R]:
    return [func(job) for job in chunk]


def _start_worker() -> None:
    """Runs first in each worker process: die when the caller dies."""
    caller = multiprocessing.parent_process()
    if caller is not None:
        threading.Thread(target=_die_with, args=(caller,), name="die-with-caller",
                         daemon=True).start()


def _die_with(caller: multiprocessing.process.BaseProcess) -> None:
    # Left alone, a worker whose caller died would wait for work forever (it holds the writing
    # end of its own queue, so it never reads an end of file), and PR_SET_PDEATHSIG would not
    # help: a worker's parent is the fork server, which lives on while any worker keeps open
    # the pipe that tells it the caller is gone. The caller's end of this pipe closes however
    # the caller ends, SIGKILL included; if it already has, the join returns at once.
    caller.join()
    os.kill(os.getpid(), signal.SIGKILL)


RETRY_SECONDS = 0.1


class TooSlow(BaseException):
    """A block run under :func:`time_limit` ran out of time. Not an Exception, so that no
    ``except Exception`` in the code it interrupts can swallow it and run on unlimited."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TooSlow inside the block once it has run ``seconds``, where a timer signal can
    interrupt it: the main thread of a POSIX process (the CLI, each worker process) whose timer
    nobody else is using. Elsewhere the block runs without a limit."""
    if (not hasattr(signal, "setitimer") or threading.current_thread() is not
            threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0]):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    # Again every RETRY_SECONDS after the first: a signal that arrives while the collector
    # runs a weakref callback or a __del__ raises TooSlow there, where Python prints it and
    # carries on (a render of 8,000 paragraphs then ran to its end).
    signal.setitimer(signal.ITIMER_REAL, seconds, RETRY_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
