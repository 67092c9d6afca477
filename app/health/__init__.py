"""Health checks for orchestrators: ``/healthz`` (the process answers) and ``/readyz`` (it can
serve the site: database reachable, schema current, content imported)."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from app.health import views  # noqa: E402,F401  (routes register on import)
