"""Filters and globals the templates share."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app


def register(app: Flask) -> None:
    app.add_template_filter(local_date)
    app.add_template_filter(iso_datetime)

    @app.context_processor
    def site() -> dict[str, Any]:
        return {"site_name": current_app.config["SITE_NAME"]}


def local_date(moment: datetime) -> str:
    """A publication date as readers of this blog read it: in the blog's time zone."""
    local = moment.astimezone(ZoneInfo(current_app.config["BLOG_TIMEZONE"]))
    return f"{local:%B} {local.day}, {local.year}"


def iso_datetime(moment: datetime) -> str:
    return moment.isoformat()
