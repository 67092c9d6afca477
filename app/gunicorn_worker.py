"""Gunicorn workers whose own error responses carry Folio's security headers, and which are
recycled rarely.

A request gunicorn refuses before Folio sees it (a malformed header: 400, a request line too
long: 414, headers too large or too many: 431) is answered by gunicorn's ``handle_error``,
which writes a small HTML page with none of the headers ``app.middleware`` gives every other
response. These workers are gunicorn's own, except that the page goes out with those headers:
the status, the page, the logging and the access log line are gunicorn's, untouched.

Gunicorn recycles a worker after ``max_requests`` requests, a safety net against leaks. At the
thousands of requests a second Folio serves, 20,000 requests is a restart every few seconds,
each emptying that worker's page cache. So a worker is also never recycled younger than
``min_age`` seconds, which ``gunicorn.conf.py``'s ``post_fork`` sets, with jitter: busy
workers restart about once an hour, quiet ones after their requests, never all at once.

``gunicorn.conf.py`` names them: ``ThreadWorker`` (gthread) with threads, ``SyncWorker``
without, as gunicorn itself would choose.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any

from gunicorn.workers.gthread import ThreadWorker as GunicornThreadWorker
from gunicorn.workers.sync import SyncWorker as GunicornSyncWorker

from app.config import Defaults
from app.middleware import hsts_value, security_headers


def header_block(config: Mapping[str, Any], *, tls: bool) -> bytes:
    """The security headers as raw header lines, HSTS only when gunicorn terminates TLS.

    Behind a proxy gunicorn cannot tell the scheme of a request it could not parse, so those
    errors get no HSTS (the proxy's own responses should carry it).
    """
    headers = security_headers(config)
    hsts = hsts_value(int(config.get("HSTS_SECONDS", 0))) if tls else None
    if hsts:
        headers.append(("Strict-Transport-Security", hsts))
    return b"".join(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers)


def with_headers(response: bytes, headers: bytes) -> bytes:
    """``response`` (status line, headers, body) with ``headers`` after its status line."""
    if not response.startswith(b"HTTP/"):
        return response
    status_line, end_of_line, rest = response.partition(b"\r\n")
    return status_line + end_of_line + headers + rest if end_of_line else response


class ClientWithHeaders:
    """The client socket, as gunicorn's error writer uses it, adding ``headers`` to what it
    writes. Everything else goes to the socket itself."""

    def __init__(self, sock: Any, headers: bytes) -> None:
        self._sock = sock
        self._headers = headers

    def sendall(self, data: bytes) -> None:
        self._sock.sendall(with_headers(data, self._headers))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class SecurityHeadersOnErrors:
    """Mixed into a gunicorn worker: its ``handle_error`` writes through ``ClientWithHeaders``."""

    error_headers = b""
    # Provided by gunicorn's Worker, which comes after this class in the subclasses' bases.
    wsgi: Any
    cfg: Any

    def load_wsgi(self) -> None:
        super().load_wsgi()  # type: ignore[misc]
        # The app's own settings (CONTENT_SECURITY_POLICY, HSTS_SECONDS) when the WSGI object
        # is the Flask app; the defaults for anything else gunicorn was pointed at.
        config = getattr(self.wsgi, "config", None) or vars(Defaults)
        self.error_headers = header_block(config, tls=bool(self.cfg.is_ssl))

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        super().handle_error(req, ClientWithHeaders(client, self.error_headers),  # type: ignore[misc]
                             addr, exc)


class RecycledRarely:
    """Mixed into a gunicorn worker: ``max_requests`` counts only once the worker is
    ``min_age`` seconds old. Gunicorn compares its request count with ``max_requests`` on
    every request, so before that age the limit reads as unreachable."""

    min_age = 0.0  # seconds; post_fork sets the configured value, with jitter
    born = float("-inf")  # monotonic time of the fork; post_fork sets it

    @property
    def max_requests(self) -> int:
        if time.monotonic() - self.born < self.min_age:
            return sys.maxsize
        return self._max_requests

    @max_requests.setter
    def max_requests(self, value: int) -> None:
        self._max_requests = value


# gunicorn ships no type hints, so its classes are Any to mypy.
class ThreadWorker(RecycledRarely, SecurityHeadersOnErrors,
                   GunicornThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker: its error responses with Folio's security headers, recycled
    no younger than ``min_age``."""


class SyncWorker(RecycledRarely, SecurityHeadersOnErrors,
                 GunicornSyncWorker):  # type: ignore[misc]
    """gunicorn's sync worker: its error responses with Folio's security headers, recycled no
    younger than ``min_age``."""
