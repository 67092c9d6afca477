"""WSGI entry point: `gunicorn wsgi:app`, and the app `flask` finds through .flaskenv."""

import sys

from app import create_app
from app.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    # A setting ops must fix: one line saying which and why, not a traceback, and a non-zero
    # exit so the container stops instead of serving half-configured.
    print(f"Folio cannot start: {error}", file=sys.stderr)
    raise SystemExit(78) from None  # EX_CONFIG
