"""Small web sites on 127.0.0.1 for the link checker to ask (the ``remote`` fixture): one
route per kind of answer, every request recorded (method, path, when, which site) so tests can
count them and time them. Nothing leaves the machine."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_SECONDS = 2.0  # /slow answers after this long; tests give up well before


@dataclass
class Request:
    method: str
    path: str
    at: float
    port: int


@dataclass
class Remote:
    """The local sites (one per port: one host each) and what they were asked."""

    servers: list[ThreadingHTTPServer] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    most_in_flight: int = 0

    def url(self, path: str, host: int = 0) -> str:
        return f"http://127.0.0.1:{self.servers[host].server_address[1]}{path}"

    def asked(self, path: str | None = None) -> list[str]:
        """The methods of the requests for ``path`` (all paths: "METHOD /path"), in order."""
        with self.lock:
            if path is None:
                return [f"{r.method} {r.path}" for r in self.requests]
            return [r.method for r in self.requests if r.path == path]

    def times(self, port_of_host: int = 0) -> list[float]:
        port = self.servers[port_of_host].server_address[1]
        with self.lock:
            return [r.at for r in self.requests if r.port == port]


# path -> (status to HEAD, status to GET, Location, seconds to wait first)
ROUTES: dict[str, tuple[int, int, str | None, float]] = {
    "/ok": (200, 200, None, 0),
    "/missing": (404, 404, None, 0),
    "/no-head": (405, 200, None, 0),
    "/head-not-implemented": (501, 200, None, 0),
    "/lies": (404, 200, None, 0),  # says 404 to HEAD, serves the page to GET
    "/moved": (301, 301, "/ok", 0),
    "/moved-to-nothing": (302, 302, "/missing", 0),
    "/loop": (302, 302, "/loop", 0),
    "/busy": (429, 429, None, 0),
    "/slow": (200, 200, None, SLOW_SECONDS),
    "/a-moment": (200, 200, None, 0.3),
}


class _Handler(BaseHTTPRequestHandler):
    server: _Site

    def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(0)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(1)

    def _answer(self, which: int) -> None:
        remote = self.server.remote
        path = self.path.split("?", 1)[0]
        with remote.lock:
            remote.requests.append(Request(self.command, path, time.monotonic(),
                                           self.server.server_address[1]))
            remote.in_flight += 1
            remote.most_in_flight = max(remote.most_in_flight, remote.in_flight)
        try:
            head, get, location, wait = ROUTES.get(path, (404, 404, None, 0))
            time.sleep(wait)
            body = b"<p>A page.</p>"
            self.send_response((head, get)[which])
            if location is not None:
                self.send_header("Location", location)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)
        finally:
            with remote.lock:
                remote.in_flight -= 1

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Site(ThreadingHTTPServer):
    daemon_threads = True
    remote: Remote

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on /slow: nothing to report


@contextmanager
def serving(sites: int = 4) -> Iterator[Remote]:
    """``sites`` local sites (one host each, by port) on 127.0.0.1, sharing one record of
    requests; stopped on leaving."""
    found = Remote()
    threads = []
    for _ in range(sites):
        server = _Site(("127.0.0.1", 0), _Handler)
        server.remote = found
        found.servers.append(server)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        threads.append(thread)
    yield found
    for server in found.servers:
        server.shutdown()
        server.server_close()
    for thread in threads:
        thread.join(timeout=5)
