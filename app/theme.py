"""A site's own look, without forking Folio: files in the instance folder win over Folio's.

* ``instance/templates/``: a template there replaces Folio's of the same name, file by file;
  Folio's own stay reachable as ``folio/<name>``, so an override can extend the original
  (``{% extends "folio/base.html" %}``).
* ``instance/static/``: a file there is served at ``/static/<its path>``, beside Folio's
  files, and in place of one of the same name.
* ``instance/static/css/extra.css``: when present, every page links it after Folio's styles.

The overrides are read at start-up. Their fingerprint is part of every cache key
(``THEME_FINGERPRINT``), so a restart with another theme never serves a page cached with the
old one, also from a Redis shared with other processes. Nothing here can weaken the
Content-Security-Policy header, which ``app.middleware`` adds to every response: a template
that carries a <script> or a style attribute only gets it blocked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, current_app, send_from_directory
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from werkzeug.exceptions import NotFound

from app.assets import asset_url

EXTRA_CSS = "css/extra.css"  # under instance/static/
_THEME = "folio_theme"  # app.extensions


@dataclass(frozen=True)
class Theme:
    templates: Path  # instance/templates
    static: Path  # instance/static
    extra_css: bool  # instance/static/css/extra.css exists


def install(app: Flask) -> None:
    """Look in the instance folder first for templates and static files."""
    theme = Theme(Path(app.instance_path, "templates"), Path(app.instance_path, "static"),
                  Path(app.instance_path, "static", EXTRA_CSS).is_file())
    folio = FileSystemLoader(Path(app.root_path, "templates"))
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(theme.templates), folio, PrefixLoader({"folio": folio})])
    app.view_functions["static"] = static
    app.extensions[_THEME] = theme
    app.config["THEME_FINGERPRINT"] = fingerprint(theme)
    app.add_template_global(extra_css_url)


def served_static_folders(app: Flask) -> tuple[str, ...]:
    """The folders served at /static/, the instance's first: an article's ``/static/...``
    image that is in neither the content folder nor these is a missing file."""
    theme: Theme = app.extensions[_THEME]
    return (str(theme.static), str(app.static_folder))


def static(filename: str) -> Response:
    """``/static/<filename>``: the instance's file if it has one, else Folio's."""
    theme: Theme = current_app.extensions[_THEME]
    try:
        return send_from_directory(theme.static, filename)
    except NotFound:
        return current_app.send_static_file(filename)


def extra_css_url() -> str | None:
    """The address of the site's extra stylesheet, or None when it has none."""
    theme: Theme = current_app.extensions[_THEME]
    return asset_url(EXTRA_CSS) if theme.extra_css else None


def fingerprint(theme: Theme) -> str:
    """What the overrides change in a rendered page: every template (name and content) and
    whether the extra stylesheet is there. Empty for a site without overrides."""
    files = sorted(theme.templates.rglob("*")) if theme.templates.is_dir() else []
    templates = [path for path in files if path.is_file()]
    if not templates and not theme.extra_css:
        return ""
    digest = hashlib.sha256(b"extra.css" if theme.extra_css else b"")
    for path in templates:
        digest.update(b"\x00" + path.relative_to(theme.templates).as_posix().encode() + b"\x00")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
