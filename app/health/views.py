"""``/healthz`` and ``/readyz``: never cached, JSON, cheap enough to poll every few seconds."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.extensions import MIGRATIONS_DIR, db
from app.health import checks

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers. Deliberately asks nothing of the database, so a database
    outage makes containers unready, not restarted."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    session = db.session()
    results = {"database": checks.database(session)}
    if results["database"] is None:
        results["schema"] = checks.schema(session, MIGRATIONS_DIR)
        results["content"] = checks.content(session)
    failed = {name: reason for name, reason in results.items() if reason is not None}
    body = {"status": "unavailable" if failed else "ready",
            "checks": {name: reason or "ok" for name, reason in results.items()}}
    return _no_store(jsonify(body)), 503 if failed else 200


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
