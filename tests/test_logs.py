"""Logs a machine can read: in production, JSON lines on stdout from the app, gunicorn and the
commands, one per request with its id, one per import with its summary, errors with their
tracebacks, and never a password, the secret key or a whole database URL."""

from __future__ import annotations

import json
import logging
import secrets
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from app import create_app
from app.logs import JsonFormatter, RequestIdFilter
from tests.servers import Gunicorn, fetch, flask_command, server_environment

PASSWORD = "Hunter2-" + secrets.token_hex(4)


def test_a_record_becomes_one_json_object() -> None:
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.LogRecord("app.x", logging.ERROR, __file__, 1, "failed %s", ("here",),
                                   sys.exc_info())
    record.added = 3
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "error" and entry["logger"] == "app.x"
    assert entry["message"] == "failed here" and entry["added"] == 3
    assert entry["time"].endswith("Z")
    assert "ValueError: broken" in entry["exception"] and "Traceback" in entry["exception"]


def test_records_made_during_a_request_carry_its_id(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"},
                     instance_path=str(tmp_path))
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "inside", (), None)
    with app.test_request_context(environ_base={"folio.request_id": "abc123"}):
        RequestIdFilter().filter(record)
    assert record.request_id == "abc123"  # type: ignore[attr-defined]


def with_password(url: str) -> str:
    """The database URL with a password, which trust authentication ignores."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return url
    return parsed.set(password=PASSWORD).render_as_string(hide_password=False)


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = [line for line in text.splitlines() if line.strip()]
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}")
    return entries


def assert_no_secrets(text: str, database_url: str, secret_key: str) -> None:
    assert secret_key not in text
    assert PASSWORD not in text
    assert database_url not in text


def test_production_logs_are_json_lines_and_keep_secrets(
        migrated_database: str, content_dir: Path, tmp_path: Path) -> None:
    (content_dir / "first.md").write_text("---\ntitle: First Post\ndate: 2025-01-01\n---\n\n"
                                          "Hi, and [a link to nothing](gone.md).\n")
    (content_dir / "broken.md").write_text("---\ntitle: [unclosed\n---\n\nText.\n")
    database_url = with_password(migrated_database)
    secret_key = secrets.token_hex(32)
    env = server_environment(FOLIO_ENV="production", SECRET_KEY=secret_key,
                             DATABASE_URL=database_url, CONTENT_DIR=str(content_dir))

    commands = [flask_command(env, *args) for args in (["wait-for-db"], ["db", "upgrade"],
                                                       ["import-posts"], ["check-links"])]
    command_output = "".join(result.stdout + result.stderr for result in commands)
    # broken.md is an error; the link to gone.md a warning, and check-links' broken link
    assert [result.returncode for result in commands] == [0, 0, 1, 1]
    entries = json_lines("".join(result.stdout for result in commands))
    assert all(result.stderr == "" for result in commands), command_output
    imports = [entry for entry in entries if entry.get("event") == "import"]
    assert len(imports) == 1
    assert (imports[0]["added"], imports[0]["errors"], imports[0]["written"]) == (1, 1, True)
    problem = next(entry for entry in entries if entry.get("event") == "import_problem")
    assert problem["level"] == "error" and problem["file"].endswith("broken.md")
    assert problem["line"] == 2
    link = next(entry for entry in entries if entry.get("event") == "link_problem")
    assert (link["level"], link["file"].endswith("first.md"), link["line"]) == ("error", True, 6)
    checked = next(entry for entry in entries if entry.get("event") == "check_links")
    assert (checked["internal"], checked["broken"]) == (1, 1)
    assert_no_secrets(command_output, database_url, secret_key)

    server = Gunicorn(env, tmp_path / "gunicorn.log", module="tests.failing_wsgi:app").start()
    try:
        sent = fetch(server.base + "/posts/first", headers={"X-Request-ID": "edge-42"})
        made = fetch(server.base + "/")
        missing = fetch(server.base + "/no/such/page")
        failed = fetch(server.base + "/_fail")
    finally:
        assert server.stop() == 0
    log = server.log()
    entries = json_lines(log)
    requests = {entry["path"]: entry for entry in entries if entry.get("event") == "request"}

    assert sent.headers["X-Request-ID"] == "edge-42"
    assert requests["/posts/first"]["request_id"] == "edge-42"
    assert requests["/"]["request_id"] == made.headers["X-Request-ID"]
    assert (missing.status, requests["/no/such/page"]["status"]) == (404, 404)
    assert failed.status == 500 and "Traceback" not in failed.body
    for entry in requests.values():
        assert entry["method"] == "GET" and entry["duration_ms"] >= 0
        assert set(entry) >= {"time", "level", "message", "status", "request_id"}
    error = next(entry for entry in entries if entry.get("message") == "unhandled error")
    assert "RuntimeError: a deliberate failure" in error["exception"]
    assert error["request_id"] == failed.headers["X-Request-ID"]
    assert any(entry["logger"] == "gunicorn.error" for entry in entries)  # its own lines too
    assert_no_secrets(log, database_url, secret_key)


def test_text_logs_outside_production(migrated_database: str, content_dir: Path) -> None:
    (content_dir / "first.md").write_text("---\ntitle: First Post\ndate: 2025-01-01\n---\n\n"
                                          "Hi, and [a link to nothing](gone.md).\n")
    env = server_environment(DATABASE_URL=migrated_database, CONTENT_DIR=str(content_dir))
    result = flask_command(env, "import-posts")
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1].startswith("Import: 1 added")
    assert not result.stdout.lstrip().startswith("{")
