from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template

from app import queries
from app.archive.grouping import by_year_and_month

bp = Blueprint("archive", __name__, url_prefix="/archive")


@bp.get("/")
def index() -> str:
    zone = ZoneInfo(current_app.config["BLOG_TIMEZONE"])
    years = by_year_and_month(queries.archive_entries(), zone)
    return render_template("archive/index.html", years=years)
