"""Folio's production gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app`.

Gunicorn also reads ./gunicorn.conf.py by itself when started from the repository root. Every
value below can be set from the environment, so one image fits any machine:

    PORT                   listen on 0.0.0.0:$PORT (default 8000)
    WEB_CONCURRENCY        worker processes (default: one per usable CPU, at least 2, at most 8)
    GUNICORN_THREADS       threads per worker (default 4; the gthread worker when above 1)
    GUNICORN_ACCESS_LOG    0 / false / no / off: no access log (default: one line a request on
                           stdout)
    GUNICORN_MAX_REQUESTS  recycle a worker after about this many requests (default 20000;
                           0 never recycles)
    GUNICORN_MAX_REQUESTS_MIN_SECONDS
                           ... but never one younger than about this (default 3600)

Anything else is overridden per run by gunicorn's own command line or GUNICORN_CMD_ARGS, both
of which win over this file (e.g. GUNICORN_CMD_ARGS="--keep-alive 65 --bind 127.0.0.1:8000").
A malformed variable stops gunicorn at start-up with a message naming it.
"""

import ctypes
import math
import os
import random
import socket
import struct
import time
from pathlib import Path
from typing import Any


def _env_int(name: str, default: int, minimum: int) -> int:
    """An integer environment variable, `default` when unset or empty; ValueError names it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1/0, true/false, yes/no or on/off, got {raw!r}")


def _usable_cpus() -> int:
    """CPUs this process may use: its affinity mask, lowered by a cgroup v2 quota (containers).

    os.cpu_count() reports the host's CPUs, which overcounts under `docker run --cpus` or a
    Kubernetes CPU limit.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text(encoding="ascii").split()
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cpus


bind = [f"0.0.0.0:{_env_int('PORT', 8000, 1)}"]

# Rendering is CPU-bound Python: one process per CPU can keep every core busy (the GIL runs
# one thread per process at a time), and the threads below cover the waits on the database
# and on slow clients, which is what the classic "2 x CPUs + 1" rule is for with one-request
# sync workers. Extra processes would only add memory (each worker holds its own page cache);
# on the 2-core machine 4 workers served no more than 2 (bench/README.md). At least 2, so a
# busy or recycling worker never leaves the site unanswered; at most 8, to bound memory.
workers = _env_int("WEB_CONCURRENCY", min(max(2, _usable_cpus()), 8), 1)

# gthread: a few threads per worker let a request waiting on the database or on a slow
# client's socket not hold up the others, and keep-alive connections do not pin a process.
# The classes are gunicorn's gthread and sync workers, except that the errors gunicorn answers
# itself (400, 414, 431) carry the security headers too (app/gunicorn_worker.py). Choose the
# threads with GUNICORN_THREADS: a worker class on the command line replaces these, and so
# does --threads above 1 over GUNICORN_THREADS=1 (gunicorn then swaps any *SyncWorker for its
# own gthread), and those errors go out without the headers.
threads = _env_int("GUNICORN_THREADS", 4, 1)
worker_class = ("app.gunicorn_worker.ThreadWorker" if threads > 1
                else "app.gunicorn_worker.SyncWorker")

# Forwarded headers are read by Folio alone, through Werkzeug's ProxyFix and PROXY_FIX's
# count of proxies (app/middleware.py). Gunicorn's defaults would also take X-Forwarded-Proto
# (-Ssl, -Protocol) and SCRIPT_NAME headers from any client on 127.0.0.1, so PROXY_FIX=0 would
# not trust none; and with PROXY_FIX > 0 two readers would judge the same headers, gunicorn
# answering 400 to combinations ProxyFix accepts. So gunicorn trusts no peer and no header
# (FORWARDED_ALLOW_IPS in the environment is ignored).
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""

# Import the app once in the master, then fork: a broken configuration stops the start instead
# of crash-looping workers, start-up is paid once, and the workers share the code's memory
# pages copy-on-write. post_fork below keeps database connections from being shared.
preload_app = True

# The control socket (gunicorn 25.1+, for `gunicornc`) is unused by Folio's operations. Its
# default path is one per user ($XDG_RUNTIME_DIR or ~/.gunicorn), so two instances on a
# machine fight over it, and a read-only home only earns a warning. Older gunicorns ignore
# this name; the command-line equivalent is --no-control-socket.
control_socket_disable = True

# Logs go to stdout/stderr for the container runtime or systemd to collect. With LOG_FORMAT=json
# (the default when FOLIO_ENV=production) both become JSON lines on stdout, the access log one
# structured record a request with its X-Request-ID (app/logs.py).
accesslog = "-" if _env_flag("GUNICORN_ACCESS_LOG", True) else None
errorlog = "-"
logger_class = "app.logs.GunicornLogger"

# Idle keep-alive seconds: long enough for a browser to fetch a page and then its stylesheet
# on the same connection. Behind a load balancer, raise it above the balancer's idle timeout
# (e.g. --keep-alive 65 behind an AWS ALB's 60 s) so Folio never closes a connection the
# balancer is about to reuse, which shows up as sporadic 502s.
keepalive = 5

# A worker silent this long is killed and replaced. Pages render in milliseconds, so 30 s
# only trips on a real hang (a deadlock, a stuck database) rather than on a slow page.
timeout = 30

# On SIGTERM (a deploy), in-flight requests get this long to finish. Under the 30 s that
# Kubernetes waits before SIGKILL; `docker stop` waits only 10 s unless given --time.
graceful_timeout = 20

# Folio's own memory is bounded (the page cache has a size limit), so recycling workers is a
# safety net for leaks in libraries, not routine: 20,000 requests is hours at a blog's
# traffic. But it is seconds at the rate Folio serves, and each restart empties a worker's
# in-process caches: so a worker is also never recycled younger than
# GUNICORN_MAX_REQUESTS_MIN_SECONDS (app/gunicorn_worker.py). Both get 10% of jitter, which
# keeps the workers from restarting at the same moment.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 20_000, 0)
max_requests_jitter = max_requests // 10
_max_requests_min_seconds = _env_int("GUNICORN_MAX_REQUESTS_MIN_SECONDS", 3600, 0)

# The worker heartbeat touches a file every second; on a disk-backed /tmp (Docker's overlay
# filesystem) that call can block and get a healthy worker killed. /dev/shm is memory.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def post_fork(server: Any, worker: Any) -> None:
    """Date the worker's birth for its recycling, and give it its own database connections.

    With preload_app the app and its SQLAlchemy engines are created in the master. A connection
    pooled there before the fork would be inherited by every worker, and two processes talking
    over one SQLite handle or PostgreSQL socket corrupt each other's state. SQLAlchemy's remedy:
    the child drops the inherited pool without closing the connections the parent holds.
    """
    worker.born = time.monotonic()
    worker.min_age = _max_requests_min_seconds * random.uniform(1.0, 1.1)
    if not server.cfg.preload_app:
        return
    flask_app = worker.app.wsgi()
    if not hasattr(flask_app, "app_context"):  # wrapped in middleware: nothing to reset
        return
    from app.extensions import db

    with flask_app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


# --- a graceful stop that resets no client ----------------------------------------------------
#
# On SIGTERM gunicorn's workers stop accepting and finish what they hold, but the listening
# socket stays open until the last worker exits: the kernel keeps completing handshakes and
# queueing connections nobody will accept, and resets them all at the end. So before the stop
# begins, the master attaches a socket filter that drops every new SYN (no new connection is
# established; a client's retry finds the port closed, a plain "refused"), waits for the
# workers, still accepting, to empty the accept queue, and only then lets gunicorn stop.

_SO_ATTACH_FILTER = 26  # Linux, <asm-generic/socket.h>
_TCP_INFO_UNACKED = 24  # offset of tcpi_unacked: on a listener, the accept queue's length
_QUEUE_DRAIN_SECONDS = 2.0
# A classic BPF program of one instruction, "return 0": accept no packet.
_DROP_EVERYTHING = (ctypes.c_uint8 * 8)(*struct.pack("HBBI", 0x06, 0, 0, 0))


def _stop_new_handshakes(listener: Any) -> None:
    program = struct.pack("HxxxxxxP", 1, ctypes.addressof(_DROP_EVERYTHING))
    listener.sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, program)


def _accept_queue_length(listener: Any) -> int:
    info = listener.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return int(struct.unpack_from("I", info, _TCP_INFO_UNACKED)[0])


def when_ready(server: Any) -> None:
    if not hasattr(socket, "TCP_INFO"):  # not Linux: gunicorn's own stop
        return
    gunicorn_stop = server.stop

    def stop(graceful: bool = True) -> None:
        # Only when this master alone owns the sockets: during a USR2 re-exec or under systemd
        # socket activation another process goes on accepting on them.
        sole_owner = server.reexec_pid == server.master_pid == 0 and not server.systemd
        listeners = [listener for listener in server.LISTENERS
                     if listener.sock.family in (socket.AF_INET, socket.AF_INET6)]
        if graceful and sole_owner and listeners:
            try:
                for listener in listeners:
                    _stop_new_handshakes(listener)
                deadline = time.monotonic() + _QUEUE_DRAIN_SECONDS
                while any(map(_accept_queue_length, listeners)) and time.monotonic() < deadline:
                    time.sleep(0.002)
            except OSError as error:  # a kernel without the filter: stop as gunicorn would
                server.log.warning("could not close the listeners gracefully: %s", error)
        gunicorn_stop(graceful)

    server.stop = stop
