"""Real servers for the tests that need separate processes: gunicorn with the production
settings (``gunicorn.conf.py``), and ``flask`` commands run the way ops run them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str


def fetch(url: str, headers: Mapping[str, str] | None = None, timeout: float = 10) -> Reply:
    """GET ``url``; an HTTP error status is a Reply too, only a connection failure raises."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, dict(response.headers.items()),
                         response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers.items()), error.read().decode())


def server_environment(**settings: str) -> dict[str, str]:
    """The test process's environment plus ``settings``, for a server or a flask command."""
    return {**os.environ, "FLASK_APP": "wsgi", "PYTHONUNBUFFERED": "1", **settings}


@dataclass
class Gunicorn:
    """``gunicorn -c gunicorn.conf.py wsgi:app`` on a free loopback port; output to a file."""

    environment: dict[str, str]
    log_path: Path
    workers: int = 2
    threads: int = 2
    module: str = "wsgi:app"
    # A process session of its own, so that a failed test can kill every worker (os.killpg).
    own_session: bool = False
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> Gunicorn:
        env = {**self.environment, "WEB_CONCURRENCY": str(self.workers),
               "GUNICORN_THREADS": str(self.threads)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                 "--bind", f"127.0.0.1:{self.port}", self.module],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=self.own_session)
        if wait:
            self.wait_until_up()
        return self

    def wait_until_up(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n"
                                   + self.log())
            try:
                fetch(self.base + "/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start:\n" + self.log())

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def stop(self, timeout: float = 30) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def flask_command(environment: Mapping[str, str], *args: str,
                  timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``flask ARGS`` in the repository as a separate process; its output captured."""
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=REPO, env=dict(environment),
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def prepared_site(environment: Mapping[str, str]) -> None:
    """``flask db upgrade`` then ``flask import-posts``, as a deployment's start runs them;
    fails the test with the command's output if either fails."""
    for command in (("db", "upgrade"), ("import-posts",)):
        done = flask_command(environment, *command)
        assert done.returncode == 0, done.stderr
