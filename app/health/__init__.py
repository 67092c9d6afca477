"""Health checks for orchestrators: ``/healthz`` (the process answers) and ``/readyz`` (it can
serve the site: database reachable, schema current, content imported)."""

from app.health.views import bp

__all__ = ["bp"]
