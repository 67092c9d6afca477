"""The media store's files, served at ``/media/<digest>/<name>``: the images and files that
articles reference, and the variants of their images (``app.content.media`` says what goes
in; the rows are in the database, so every replica serves them).

A file's bytes never change under its address, so each process keeps the most used ones in
memory (MEDIA_CACHE_BYTES) and answers them in front of Flask (``serving.MediaFastPath``),
as fast as a cached page; a miss is a view like any other, with its error pages.
"""

from flask import Flask

from app.media.serving import FILES, FileCache, MediaFastPath
from app.media.views import bp

__all__ = ["bp", "install"]


def install(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions[FILES] = FileCache(int(app.config["MEDIA_CACHE_BYTES"]))
    app.wsgi_app = MediaFastPath(app.extensions[FILES], app.wsgi_app)  # type: ignore[method-assign]
