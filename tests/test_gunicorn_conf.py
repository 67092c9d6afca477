"""gunicorn.conf.py: the production server settings, as the file computes them and as gunicorn
itself reads them."""

from __future__ import annotations

import inspect
import os
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from gunicorn.config import KNOWN_SETTINGS

from tests.conftest import REPO

CONF = REPO / "gunicorn.conf.py"
SERVER_VARIABLES = ("PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_ACCESS_LOG",
                    "GUNICORN_MAX_REQUESTS", "GUNICORN_MAX_REQUESTS_MIN_SECONDS",
                    "GUNICORN_CMD_ARGS")

Settings = Callable[..., dict[str, Any]]


@pytest.fixture(autouse=True)
def _no_server_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SERVER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Run the file under the given environment variables and return what it defines."""

    def load(**env: str) -> dict[str, Any]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONF))

    return load


def gunicorn_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in SERVER_VARIABLES}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'folio.sqlite3'}", FLASK_APP="wsgi", **extra)
    return env


def test_defaults_are_the_production_settings(settings: Settings) -> None:
    conf = settings()

    assert conf["bind"] == ["0.0.0.0:8000"]
    assert conf["threads"] == 4 and conf["worker_class"] == "app.gunicorn_worker.ThreadWorker"
    assert conf["preload_app"] is True
    assert conf["control_socket_disable"] is True
    assert conf["accesslog"] == "-" and conf["errorlog"] == "-"
    assert (conf["keepalive"], conf["timeout"], conf["graceful_timeout"]) == (5, 30, 20)
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (20_000, 2_000)
    assert conf["_max_requests_min_seconds"] == 3600
    assert conf["forwarded_allow_ips"] == "" and conf["forwarder_headers"] == ""
    assert conf["secure_scheme_headers"] == {}


def test_default_workers_follow_the_usable_cpus_within_bounds(settings: Settings) -> None:
    conf = settings()

    assert conf["workers"] == min(max(2, conf["_usable_cpus"]()), 8)
    assert 1 <= conf["_usable_cpus"]() <= len(os.sched_getaffinity(0))


def test_worker_heartbeat_lives_in_memory_when_it_can(settings: Settings) -> None:
    expected = "/dev/shm" if os.path.isdir("/dev/shm") else None

    assert settings()["worker_tmp_dir"] == expected


@pytest.mark.parametrize(
    ("env", "name", "expected"),
    [
        ({"PORT": "5000"}, "bind", ["0.0.0.0:5000"]),
        ({"WEB_CONCURRENCY": "3"}, "workers", 3),
        ({"WEB_CONCURRENCY": " 12 "}, "workers", 12),
        ({"GUNICORN_THREADS": "1"}, "worker_class", "app.gunicorn_worker.SyncWorker"),
        ({"GUNICORN_THREADS": "8"}, "threads", 8),
        ({"GUNICORN_ACCESS_LOG": "0"}, "accesslog", None),
        ({"GUNICORN_ACCESS_LOG": "off"}, "accesslog", None),
        ({"GUNICORN_ACCESS_LOG": "False"}, "accesslog", None),
        ({"GUNICORN_ACCESS_LOG": "yes"}, "accesslog", "-"),
        ({"GUNICORN_ACCESS_LOG": ""}, "accesslog", "-"),
        ({"GUNICORN_MAX_REQUESTS": "0"}, "max_requests_jitter", 0),
        ({"GUNICORN_MAX_REQUESTS": "1000"}, "max_requests_jitter", 100),
        ({"GUNICORN_MAX_REQUESTS_MIN_SECONDS": "0"}, "_max_requests_min_seconds", 0),
        ({"GUNICORN_MAX_REQUESTS_MIN_SECONDS": "600"}, "_max_requests_min_seconds", 600),
    ],
)
def test_environment_overrides(settings: Settings, env: dict[str, str], name: str,
                               expected: object) -> None:
    assert settings(**env)[name] == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORT", "http"), ("PORT", "0"), ("WEB_CONCURRENCY", "two"), ("WEB_CONCURRENCY", "0"),
     ("GUNICORN_THREADS", "-1"), ("GUNICORN_MAX_REQUESTS", "1e4"),
     ("GUNICORN_MAX_REQUESTS_MIN_SECONDS", "-5"), ("GUNICORN_ACCESS_LOG", "maybe")],
)
def test_a_malformed_variable_is_named(settings: Settings, name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        settings(**{name: value})


def test_every_setting_is_one_gunicorn_knows(settings: Settings) -> None:
    """Gunicorn silently ignores unknown names in a config file: a typo would go unnoticed."""
    known = {setting.name for setting in KNOWN_SETTINGS}
    defined = {name for name, value in settings().items()
               if not name.startswith("_") and not inspect.ismodule(value)
               and not inspect.isclass(value)}

    assert defined - known == set()
    assert {"bind", "workers", "threads", "post_fork", "control_socket_disable"} <= defined


def test_gunicorn_check_config_passes(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "-c", str(CONF), "wsgi:app"],
        cwd=REPO, env=gunicorn_env(tmp_path), capture_output=True, text=True, timeout=120,
        check=False)

    assert done.returncode == 0, done.stderr


def test_gunicorn_resolves_the_environment_through_the_file(tmp_path: Path) -> None:
    env = gunicorn_env(tmp_path, WEB_CONCURRENCY="3", GUNICORN_THREADS="2",
                       GUNICORN_ACCESS_LOG="0", FORWARDED_ALLOW_IPS="*")
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "-c", str(CONF), "wsgi:app"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    printed = dict(line.split(" = ", 1) for line in done.stdout.splitlines() if " = " in line)
    printed = {name.strip(): value.strip() for name, value in printed.items()}

    assert done.returncode == 0, done.stderr
    assert printed["workers"] == "3" and printed["threads"] == "2"
    assert printed["worker_class"] == "app.gunicorn_worker.ThreadWorker"
    assert printed["preload_app"] == "True"
    assert printed["control_socket_disable"] == "True" and printed["accesslog"] == "None"
    # Forwarded headers are ProxyFix's alone (PROXY_FIX): gunicorn trusts no peer, no header.
    assert printed["forwarded_allow_ips"] == "[]" and printed["secure_scheme_headers"] == "{}"
    assert printed["forwarder_headers"] == "[]"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(tmp_path: Path, **extra: str) -> Iterator[str]:
    """Folio under gunicorn with this file (preloaded; 2 workers unless told), on an empty
    database; its log in tmp_path/gunicorn.log."""
    env = gunicorn_env(tmp_path, **{"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "2",
                                    "GUNICORN_ACCESS_LOG": "0", "FOLIO_ENV": "production",
                                    "SECRET_KEY": secrets.token_hex(32), **extra})
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=REPO, env=env,
                   capture_output=True, timeout=120, check=True)
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONF), "--bind", f"127.0.0.1:{port}",
         "wsgi:app"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)  # the master stops its workers before it exits
        server.wait(timeout=60)
        log.close()


@pytest.fixture
def served_folio(tmp_path: Path) -> Iterator[str]:
    with serving(tmp_path) as base:
        yield base


@pytest.mark.parametrize(("min_seconds", "recycled"), [("0", True), ("3600", False)])
def test_a_worker_is_recycled_after_max_requests_only_once_old_enough(
        tmp_path: Path, min_seconds: str, recycled: bool) -> None:
    """GUNICORN_MAX_REQUESTS alone restarted a busy worker every few seconds; a young worker
    now serves on past it, an old enough one is recycled as before."""
    with serving(tmp_path, WEB_CONCURRENCY="1", GUNICORN_MAX_REQUESTS="5",
                 GUNICORN_MAX_REQUESTS_MIN_SECONDS=min_seconds) as base:
        assert get_when_up(base + "/robots.txt") == 200
        for _ in range(20):
            assert get_when_up(base + "/robots.txt") == 200
    log = (tmp_path / "gunicorn.log").read_text()

    assert ("Autorestarting worker" in log) is recycled, log
    booted = log.count("Booting worker")
    assert (booted >= 3) if recycled else (booted == 1), log


def get_when_up(url: str, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_preloaded_server_with_this_file_serves_folio(served_folio: str) -> None:
    # Workers booted (post_fork ran in each) and answer from their own database connections.
    assert get_when_up(served_folio + "/") == 200
    assert get_when_up(served_folio + "/robots.txt") == 200


def raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# What gunicorn refuses before Folio sees it, and the status it answers.
REFUSED = {
    "a header name with a space": (400, b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n"
                                        b"Connection: close\r\n\r\n"),
    "a 10,000-character request line": (414, b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\n"
                                             b"Host: x\r\nConnection: close\r\n\r\n"),
    "a 20 KB header": (431, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20_000
                       + b"\r\nConnection: close\r\n\r\n"),
    "200 headers": (431, b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-H%d: v\r\n" % n for n in range(200)) + b"Connection: close\r\n\r\n"),
}


CUSTOM_CSP = "default-src 'self'; script-src 'none'; frame-ancestors 'none'; report-to ops"


def head_of(answer: bytes) -> tuple[int, dict[str, str]]:
    """The status and headers (names lower-cased) of a raw HTTP response."""
    lines = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    fields = (line.split(":", 1) for line in lines[1:])
    return int(lines[0].split(" ", 2)[1]), {name.lower(): value.strip() for name, value in fields}


@pytest.mark.parametrize("threads", [1, 2], ids=["sync", "gthread"])
def test_gunicorn_refusals_carry_the_security_headers(tmp_path: Path, threads: int) -> None:
    """What never reaches Flask is bounded by gunicorn itself, and answered with the same
    security headers as every page; the server goes on serving."""
    from tests.servers import Gunicorn, server_environment

    env = server_environment(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                             GUNICORN_ACCESS_LOG="0", CONTENT_SECURITY_POLICY=CUSTOM_CSP)
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=1, threads=threads) as server:
        answers = {case: raw_request(server.port, request)
                   for case, (_, request) in REFUSED.items()}
        still_alive = raw_request(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                  b"Connection: close\r\n\r\n")
    for case, (expected, _) in REFUSED.items():
        status, headers = head_of(answers[case])
        assert status == expected, (case, answers[case][:300])
        assert headers.get("content-security-policy") == CUSTOM_CSP, case  # the app's own
        assert headers.get("x-content-type-options") == "nosniff", case
        assert headers.get("x-frame-options") == "DENY", case
        assert headers.get("referrer-policy") == "strict-origin-when-cross-origin", case
        assert "strict-transport-security" not in headers  # gunicorn cannot know the scheme
    assert still_alive.startswith(b"HTTP/1.1 200")


def forwarded_request(path: str, *fields: bytes) -> bytes:
    return (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: blog.example.com\r\n"
            + b"".join(field + b"\r\n" for field in fields) + b"Connection: close\r\n\r\n")


@pytest.mark.parametrize("proxy_fix", ["0", "1"])
def test_forwarded_headers_are_trusted_only_through_proxy_fix(tmp_path: Path,
                                                              proxy_fix: str) -> None:
    """From 127.0.0.1, which gunicorn trusts by default: with PROXY_FIX=0 no header makes a
    request HTTPS or moves its SCRIPT_NAME; with PROXY_FIX=1 ProxyFix alone reads them, and
    gunicorn no longer refuses combinations of scheme headers it used to judge."""
    from tests.servers import Gunicorn, server_environment

    env = server_environment(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                             PROXY_FIX=proxy_fix, GUNICORN_ACCESS_LOG="0")
    claims = [(b"X-Forwarded-Proto: https",), (b"X-Forwarded-Ssl: on",),
              (b"X-Forwarded-Protocol: ssl",), (b"X-Forwarded-Proto: https",
                                                b"X-Forwarded-Ssl: off")]
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=1) as server:
        answers = [head_of(raw_request(server.port, forwarded_request("/healthz", *claim)))
                   for claim in claims]
        # In capitals: no page can have the address either, so the answer never waits on a
        # database lookup (this one has no tables).
        prefixed = head_of(raw_request(server.port, forwarded_request(
            "/PREFIX/archive", b"SCRIPT_NAME: /PREFIX")))
    hsts = ["strict-transport-security" in headers for _, headers in answers]
    if proxy_fix == "0":
        assert hsts == [False, False, False, False]  # plain HTTP, whatever the headers say
    else:  # ProxyFix reads X-Forwarded-Proto, and only that
        assert hsts == [True, False, False, True]
    assert [status for status, _ in answers] == [200, 200, 200, 200]
    assert prefixed[0] == 404  # not a 308 to /PREFIX/archive/: the header was dropped
