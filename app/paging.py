"""The ``?page=N`` parameter every paginated page shares."""

from __future__ import annotations

from flask import abort, request

from app.routing import parse_number


def requested_page() -> int:
    """The page asked for; anything but a number from 1 to ``routing.MAX_NUMBER`` ("0", "-1",
    "2.5", "abc", "9" * 40) is a page that does not exist, a 404."""
    raw = request.args.get("page")
    if raw is None:
        return 1
    page = parse_number(raw)
    if page is None:
        abort(404)
    return page
