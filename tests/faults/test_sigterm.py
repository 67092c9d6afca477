"""SIGTERM to gunicorn under load (a deploy, a scale-down): requests in flight finish.

gunicorn runs with the production settings (``gunicorn.conf.py``: gthread, here 2 workers × 2
threads) on a small imported site, on SQLite and on PostgreSQL. It serves
``tests.faults.slow_wsgi``: ``wsgi.app`` plus one test-only behaviour, a request with
``X-Test-Delay`` sleeps first, so that when the test sends SIGTERM some requests are certainly
inside the workers and others are queued behind them.

What a client can see, and what each test holds to:

- a request the server has read (running, or queued for a thread) is answered in full: a 200
  whose body is as long as its Content-Length says; nobody sees a reset, a broken pipe, a body
  cut short or a connection closed under a request it was already sent;
- a kept-alive connection left idle is closed with a FIN after a short linger (gthread's
  ``STOP_KEEPALIVE_LINGER``, 2 s), and a request sent on it during the linger is answered with
  ``Connection: close``. A client whose request crosses that FIN gets no answer and retries:
  the request never reached the app (``retryable``, allowed);
- a connection attempted after the listener closed is refused (ECONNREFUSED): counted, not a
  failure;
- gunicorn exits 0 within ``graceful_timeout``.

A connection opened *after* the signal, while the workers drain, is another matter: the
listening socket stays open until the last worker exits, so the kernel completes the handshake
and queues the connection, no worker accepts it any more, and it is reset when the listener
closes. ``gunicorn.conf.py`` therefore stops new handshakes at shutdown and lets the workers
empty the accept queue first; ``test_connections_opened_while_draining_are_refused_not_reset``
shows a client connecting meanwhile is refused, never reset.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import os
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ArticleWriter
from tests.faults.slow_wsgi import DELAY_HEADER
from tests.servers import Gunicorn, prepared_site, server_environment

SLOW_S = 1.5  # how long a slow request takes; SIGTERM arrives while it runs
SIGNAL_AFTER_S = 0.5  # slow requests are sent this long before the signal
GRACEFUL_TIMEOUT_S = 20  # gunicorn.conf.py
KEEPALIVE_LINGER_S = 2.0  # gunicorn.workers.gthread.STOP_KEEPALIVE_LINGER
# Longer than the kernel's SYN retries over a whole shutdown (1 s, 3 s, 7 s): a connection
# attempt may wait for the listener to close and then be refused.
CONNECT_TIMEOUT_S = 15
PAGES = ("/", "/posts/post-03", "/tags/python", "/archive/", "/feed.xml", "/posts/post-07")

OK, REFUSED, RETRYABLE = "ok", "refused", "retryable"
ALLOWED = (OK, REFUSED, RETRYABLE)


@dataclass
class SlowGunicorn(Gunicorn):
    """The Gunicorn helper serving ``tests.faults.slow_wsgi:app`` instead of ``wsgi:app``, in a
    process session of its own so a failed test can sweep every worker."""

    module: str = "tests.faults.slow_wsgi:app"
    own_session: bool = True

    def terminate(self) -> tuple[int, float]:
        """SIGTERM to the master; its exit status and how long it took to exit."""
        assert self.process is not None
        signalled = time.monotonic()
        self.signal(signal.SIGTERM)
        status = self.process.wait(GRACEFUL_TIMEOUT_S + 10)
        return status, time.monotonic() - signalled

    def sweep(self) -> None:
        """SIGKILL whatever is left of the server's process group (after a failed test)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


# Clients


@dataclass
class Outcome:
    kind: str  # who sent it: slow-fresh, slow-kept, fresh, kept
    path: str
    sent_at: float
    result: str = OK  # ok, refused, retryable, or what went wrong: "reset: ...", "status 500"
    done_at: float = 0.0
    closed: bool = False  # answered with "Connection: close"


def get(connection: http.client.HTTPConnection, path: str, kind: str, *, reused: bool,
        headers: dict[str, str] | None = None) -> Outcome:
    """One GET on ``connection``, classified; never raises for anything a server can do.

    ``reused``: the connection has served a request before, so the server may have closed it
    while idle just as this request was written.
    """
    outcome = Outcome(kind, path, time.monotonic())
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        length = response.getheader("Content-Length")
        outcome.closed = response.getheader("Connection", "").lower() == "close"
        if response.status != 200:
            outcome.result = f"status {response.status}"
        elif length is None or int(length) != len(body):
            outcome.result = f"short body: {len(body)} of {length} bytes"
    except ConnectionRefusedError:
        outcome.result = REFUSED
    except (http.client.RemoteDisconnected, BrokenPipeError) as error:
        # A FIN before any byte of the answer. On a fresh connection the server dropped a
        # request it had accepted; on a reused one it is the idle close crossing this request.
        outcome.result = RETRYABLE if reused else f"{type(error).__name__}: {error}"
    except ConnectionResetError as error:
        outcome.result = f"reset: {error}"
    except http.client.IncompleteRead as error:
        outcome.result = f"incomplete read: {error!r}"
    except OSError as error:
        outcome.result = f"{errno.errorcode.get(error.errno or 0, 'error')}: {error}"
    outcome.done_at = time.monotonic()
    return outcome


def connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=CONNECT_TIMEOUT_S)


@dataclass
class Clients:
    """Threads sending ordinary requests, each outcome recorded.

    ``fresh`` threads open a connection per request and stop opening them once ``no_new`` is
    set (unless ``keep_connecting``); ``kept`` threads send request after request on one
    connection until the server closes it (or ``stop``).
    """

    port: int
    keep_connecting: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    no_new: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def may_connect(self) -> bool:
        return not self.stop.is_set() and (self.keep_connecting or not self.no_new.is_set())

    def fresh(self, n: int) -> None:
        while self.may_connect():
            connection = connect(self.port)
            outcome = get(connection, PAGES[n % len(PAGES)], "fresh", reused=False)
            connection.close()
            self.record(outcome)
            n += 1
            if outcome.result == REFUSED:
                time.sleep(0.05)

    def kept(self, n: int) -> None:
        connection, used = connect(self.port), False
        while not self.stop.is_set():
            outcome = get(connection, PAGES[n % len(PAGES)], "kept", reused=used)
            self.record(outcome)
            n += 1
            if outcome.result != OK or outcome.closed:
                connection.close()
                if not self.may_connect():
                    return
                connection, used = connect(self.port), False
            else:
                used = True
        connection.close()

    def start(self, fresh: int, kept: int) -> None:
        targets = [self.fresh] * fresh + [self.kept] * kept
        self.threads = [threading.Thread(target=target, args=(i,), daemon=True)
                        for i, target in enumerate(targets)]
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(CONNECT_TIMEOUT_S + 5)
        assert not any(thread.is_alive() for thread in self.threads)


def send_slow(port: int, fresh: int, kept: int) -> tuple[list[threading.Thread], list[Outcome]]:
    """Slow requests, one thread each: ``fresh`` on new connections, ``kept`` on connections
    that have already served a request (reused keep-alive connections)."""
    outcomes: list[Outcome] = []
    jobs = [(connect(port), "slow-fresh") for _ in range(fresh)]
    for _ in range(kept):
        connection = connect(port)
        warm = get(connection, "/", "warm", reused=False)
        assert warm.result == OK and not warm.closed, warm
        jobs.append((connection, "slow-kept"))

    def slow(connection: http.client.HTTPConnection, kind: str, path: str) -> None:
        outcomes.append(get(connection, path, kind, reused=kind == "slow-kept",
                            headers={DELAY_HEADER: str(SLOW_S)}))
        connection.close()

    threads = [threading.Thread(target=slow, args=(connection, kind, PAGES[i % len(PAGES)]),
                                daemon=True)
               for i, (connection, kind) in enumerate(jobs)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def tally(outcomes: list[Outcome]) -> str:
    counts = Counter((o.kind, o.result) for o in outcomes)
    return ", ".join(f"{kind} {result}: {n}" for (kind, result), n in sorted(counts.items()))


# The site and its server


@pytest.fixture
def site_environment(empty_database: str, content_dir: Path,
                     write_article: ArticleWriter) -> dict[str, str]:
    """A migrated database holding twelve imported posts; the environment that serves it."""
    paragraph = "A paragraph long enough to make each page several kilobytes. " * 20 + "\n\n"
    for n in range(1, 13):
        write_article(f"post-{n:02}.md", paragraph * 8, date=f"2025-01-{n:02}",
                      title=f"Post {n:02}", tags="Python, Testing", category="Notes",
                      author="Ada Lovelace")
    env = server_environment(DATABASE_URL=empty_database, CONTENT_DIR=str(content_dir),
                             SITE_URL="http://blog.test", GUNICORN_ACCESS_LOG="0")
    prepared_site(env)
    return env


@pytest.fixture
def server(site_environment: dict[str, str], tmp_path: Path) -> Iterator[SlowGunicorn]:
    gunicorn = SlowGunicorn(site_environment, tmp_path / "gunicorn.log", workers=2, threads=2)
    gunicorn.start()
    for page in PAGES:  # each page rendered once: the load is cache hits, as in production
        connection = connect(gunicorn.port)
        warm = get(connection, page, "warm", reused=False)
        connection.close()
        assert warm.result == OK, warm
    yield gunicorn
    gunicorn.sweep()


# The tests


def test_requests_in_flight_finish_on_sigterm(server: SlowGunicorn) -> None:
    clients = Clients(server.port)
    clients.start(fresh=2, kept=2)
    time.sleep(0.5)
    slow_threads, slow = send_slow(server.port, fresh=3, kept=3)  # 6 requests for 4 threads
    time.sleep(SIGNAL_AFTER_S)

    clients.no_new.set()  # the load balancer stops sending new connections here
    signalled_at = time.monotonic()
    status, took = server.terminate()
    for thread in slow_threads:
        thread.join(10)
    clients.finish()

    outcomes = slow + clients.outcomes
    failures = [o for o in outcomes if o.result not in ALLOWED]
    assert not failures, f"{tally(failures)}\n{failures[:5]}\n{server.log()}"
    assert status == 0, server.log()
    assert took < GRACEFUL_TIMEOUT_S
    assert len(slow) == 6 and all(o.result == OK for o in slow), tally(slow)
    assert all(o.sent_at < signalled_at < o.done_at for o in slow)  # in flight at the signal
    answered_after = [o for o in clients.outcomes
                      if o.result == OK and o.sent_at < signalled_at < o.done_at]
    assert answered_after, tally(clients.outcomes)  # the stream, too, was in flight
    assert all(o.result != RETRYABLE for o in outcomes if o.kind.startswith("slow"))


def test_idle_keepalive_connections_are_closed_cleanly(server: SlowGunicorn) -> None:
    idle = []
    for page in PAGES[:5]:
        connection = connect(server.port)
        first = get(connection, page, "kept", reused=False)
        assert first.result == OK and not first.closed, first
        idle.append(connection)
    late, quiet = idle[0], idle[1:]

    signalled_at = time.monotonic()
    server.signal(signal.SIGTERM)
    time.sleep(KEEPALIVE_LINGER_S / 4)
    during_linger = get(late, "/posts/post-03", "kept", reused=True)
    ends = []
    for connection in quiet:
        assert connection.sock is not None
        connection.sock.settimeout(GRACEFUL_TIMEOUT_S)
        try:
            ends.append((connection.sock.recv(1), time.monotonic() - signalled_at))
        except ConnectionResetError as error:
            ends.append((f"reset: {error}".encode(), time.monotonic() - signalled_at))
        connection.close()
    assert server.process is not None
    status = server.process.wait(GRACEFUL_TIMEOUT_S)

    assert during_linger.result == OK and during_linger.closed, during_linger
    assert [data for data, _ in ends] == [b""] * len(quiet)  # a FIN each: no RST, no bytes
    assert all(KEEPALIVE_LINGER_S - 0.5 < seconds < KEEPALIVE_LINGER_S + 2 for _, seconds in ends)
    assert status == 0, server.log()


def test_connections_opened_while_draining_are_refused_not_reset(server: SlowGunicorn) -> None:
    clients = Clients(server.port, keep_connecting=True)
    clients.start(fresh=3, kept=1)
    slow_threads, slow = send_slow(server.port, fresh=2, kept=0)  # the drain lasts about 1 s
    time.sleep(SIGNAL_AFTER_S)

    signalled_at = time.monotonic()
    status, took = server.terminate()
    for thread in slow_threads:
        thread.join(10)
    time.sleep(0.5)  # a few attempts after the exit too: those must be refused
    clients.finish()

    outcomes = slow + clients.outcomes
    assert status == 0, server.log()
    assert any(signalled_at < o.sent_at < signalled_at + took for o in clients.outcomes)
    assert any(o.result == REFUSED for o in clients.outcomes), tally(outcomes)
    failures = [o for o in outcomes if o.result not in ALLOWED]
    assert not failures, tally(failures)


def test_connection_refused_is_not_counted_as_a_reset() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        connection = connect(port)
        outcome = get(connection, "/", "fresh", reused=False)
        connection.close()

    assert outcome.result == REFUSED
