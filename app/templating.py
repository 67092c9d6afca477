"""Filters and globals the templates share: dates in the blog's time zone, absolute URLs."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, url_for


def register(app: Flask) -> None:
    app.add_template_filter(local_date)
    app.add_template_filter(iso_datetime)
    app.add_template_filter(rfc822_datetime)
    app.add_template_filter(toc_size)
    app.add_template_global(absolute_url)
    app.add_template_global(absolute)

    @app.context_processor
    def site() -> dict[str, Any]:
        config = current_app.config
        return {
            "site_name": config["SITE_NAME"],
            "site_description": config["SITE_DESCRIPTION"],
            "site_language": config["SITE_LANGUAGE"],
        }


def local_date(moment: datetime) -> str:
    """A publication date as readers of this blog read it: in the blog's time zone."""
    local = moment.astimezone(ZoneInfo(current_app.config["BLOG_TIMEZONE"]))
    return f"{local:%B} {local.day}, {local.year}"


def iso_datetime(moment: datetime) -> str:
    return moment.isoformat()


def rfc822_datetime(moment: datetime) -> str:
    """RSS 2.0 dates."""
    return format_datetime(moment)


def toc_size(entries: list[dict[str, Any]]) -> int:
    """Headings in a table of contents, nested ones included."""
    return sum(1 + toc_size(entry.get("children", [])) for entry in entries)


def site_root() -> str:
    return str(current_app.config["SITE_URL"]).rstrip("/")


def absolute_url(endpoint: str, **values: Any) -> str:
    """``url_for`` on the public address in SITE_URL, whatever host the request came in on."""
    path = url_for(endpoint, **values)
    script_root = request.script_root if has_request_context() else ""
    if script_root and path.startswith(script_root):
        path = path[len(script_root):]
    return site_root() + path


def absolute(address: str) -> str:
    """An address from content (``/static/x.png``, ``https://...``) made absolute."""
    return urljoin(site_root() + "/", address)
