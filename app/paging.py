"""The ``?page=N`` parameter every paginated page shares."""

from __future__ import annotations

import re

from flask import abort, request

# Positive integers of a sane length: "0", "-1", "2.5", "abc" and "9" * 40 are all 404s.
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


def requested_page() -> int:
    """The page asked for; anything but a positive integer is a page that does not exist."""
    raw = request.args.get("page")
    if raw is None:
        return 1
    if not _PAGE_NUMBER.fullmatch(raw):
        abort(404)
    return int(raw)
