"""One logging story: text for people, JSON lines on stdout for machines (production).

Every record, from Folio, gunicorn or a library, goes through the root logger's one handler.
In JSON each line is one object: ``time``, ``level``, ``logger``, ``message``, the record's
structured fields (``extra=``), the ``request_id`` of the request being served, and an
``exception`` with the traceback. Gunicorn's access log becomes one such object a request
(``GunicornLogger``); the request id comes from ``X-Request-ID`` or is made up, and is echoed
back to the client (``app.middleware``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger as _GunicornBaseLogger

from app import config

REQUEST_ID_ENVIRON = "folio.request_id"
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName"}
FOLIO_LOGGERS = ("app", "alembic.runtime.migration")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    """Stamp records made while a request is served with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = current_request_id()
            if request_id is not None:
                record.request_id = request_id
        return True


def current_request_id() -> str | None:
    from flask import has_request_context, request

    if has_request_context():
        return request.environ.get(REQUEST_ID_ENVIRON)
    return None


def configure(log_format: str, level: str) -> None:
    """Give the root logger its one handler (replacing what an earlier call installed)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_folio", False):
            root.removeHandler(handler)
    if log_format == "json":
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    handler._folio = True  # type: ignore[attr-defined]
    if not any(not getattr(h, "_folio", False) for h in root.handlers):
        root.addHandler(handler)  # unless the host (pytest, a logging config) set its own
    # Our own loggers at LOG_LEVEL; libraries keep the root's WARNING, or they chatter.
    for name in FOLIO_LOGGERS:
        logging.getLogger(name).setLevel(level.upper())


def environment_log_format(environ: dict[str, str] | None = None) -> str:
    """LOG_FORMAT as the app will read it, for code that runs before the app (gunicorn)."""
    environ = dict(os.environ if environ is None else environ)
    return config.log_format({"LOG_FORMAT": environ.get("LOG_FORMAT") or None,
                              "FOLIO_ENV": environ.get("FOLIO_ENV") or "development"})


class GunicornLogger(_GunicornBaseLogger):  # type: ignore[misc]
    """Gunicorn's logger, speaking JSON when LOG_FORMAT is json: its error log goes to stdout
    through ``JsonFormatter``, and its access log is one structured record a request."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.json = environment_log_format() == "json"
        if not self.json:
            return
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if isinstance(handler, logging.StreamHandler) and not isinstance(
                        handler, logging.FileHandler):
                    handler.setStream(sys.stdout)
                handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.json:
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        duration_ms = request_time.total_seconds() * 1000
        self.access_log.info("%s %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
                             status, extra={
            "event": "request",
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": int(status),
            "duration_ms": round(duration_ms, 2),
            "bytes": getattr(resp, "sent", None),
            "request_id": environ.get(REQUEST_ID_ENVIRON),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
        })
