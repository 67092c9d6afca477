"""app/gunicorn_worker.py: gunicorn's own error pages, written with Folio's security headers.
The real server is in test_gunicorn_conf.py; here, the pieces on a socket pair."""

from __future__ import annotations

import socket

import pytest
from gunicorn import util

from app.config import Defaults
from app.gunicorn_worker import ClientWithHeaders, header_block, with_headers

HEADERS = b"X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"


def test_headers_go_after_the_status_line() -> None:
    response = b"HTTP/1.1 414 URI Too Long\r\nConnection: close\r\n\r\n<html></html>"

    assert with_headers(response, HEADERS) == (
        b"HTTP/1.1 414 URI Too Long\r\n" + HEADERS + b"Connection: close\r\n\r\n<html></html>")


@pytest.mark.parametrize("data", [b"", b"<html>a body</html>", b"HTTP/1.1 400"])
def test_anything_but_a_response_head_is_left_alone(data: bytes) -> None:
    assert with_headers(data, HEADERS) == data


def test_gunicorns_error_writer_sends_the_headers_through_the_wrapped_socket() -> None:
    server_side, client_side = socket.socketpair()
    with server_side, client_side:
        # write_error switches the socket to non-blocking and back: those calls must reach it.
        util.write_error(ClientWithHeaders(server_side, HEADERS), 431,
                         "Request Header Fields Too Large", "too many headers")
        server_side.shutdown(socket.SHUT_WR)
        answer = b"".join(iter(lambda: client_side.recv(65536), b""))
        assert server_side.gettimeout() is None  # blocking again, as gunicorn left it

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n" + HEADERS)
    assert b"Content-Length: %d" % len(body) in head  # the page itself is unchanged


def test_the_header_block_is_the_apps_headers() -> None:
    config = {**vars(Defaults), "CONTENT_SECURITY_POLICY": "default-src 'none'"}
    block = header_block(config, tls=False).decode()

    assert block.startswith("Content-Security-Policy: default-src 'none'\r\n")
    assert "X-Content-Type-Options: nosniff\r\n" in block
    assert "X-Frame-Options: DENY\r\n" in block
    assert "Strict-Transport-Security" not in block
    assert block.endswith("\r\n") and "\r\n\r\n" not in block


@pytest.mark.parametrize(("seconds", "tls", "expected"), [
    (300, True, "max-age=300; includeSubDomains"), (0, True, None), (300, False, None)])
def test_hsts_only_when_gunicorn_terminates_tls(seconds: int, tls: bool,
                                                expected: str | None) -> None:
    block = header_block({**vars(Defaults), "HSTS_SECONDS": seconds}, tls=tls).decode()
    fields = dict(line.split(": ", 1) for line in block.splitlines())

    assert fields.get("Strict-Transport-Security") == expected
