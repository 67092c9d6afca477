"""WSGI entry point: `gunicorn wsgi:app`, and the app `flask` finds through .flaskenv."""

import gc
import sys

# Start-up builds hundreds of thousands of objects that live as long as the process (modules,
# classes, the URL map), and the cycle collector would walk them again and again while they
# are made: a fifth of the start-up of every `flask` command, such as a re-import with nothing
# to do. Collection resumes once the app exists, with those objects frozen out of its way.
gc.disable()
try:
    from app import create_app
    from app.config import ConfigError

    try:
        app = create_app()
    except ConfigError as error:
        # A setting ops must fix: one line saying which and why, not a traceback, and a
        # non-zero exit so the container stops instead of serving half-configured.
        print(f"Folio cannot start: {error}", file=sys.stderr)
        raise SystemExit(78) from None  # EX_CONFIG
finally:
    gc.freeze()
    gc.enable()
