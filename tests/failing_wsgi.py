"""The production app plus one route that fails, so tests can see how an unhandled error is
logged by a real server (the app itself has no way to fail on purpose)."""

from wsgi import app


@app.get("/_fail")
def fail() -> str:
    raise RuntimeError("a deliberate failure for the logging test")
