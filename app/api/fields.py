"""The API's own marshmallow fields: what a slug, a page number and a moment look like when a
client sends them, and how our addresses are written when we answer."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import fields, validate

from app.content.pages import PAGE
from app.feeds.content import absolute_links
from app.routing import SLUG_REGEX, SlugConverter
from app.templating import absolute, absolute_url

SLUG_PATTERN = f"^{SLUG_REGEX}$"
_SLUG = re.compile(SLUG_REGEX)


def is_slug(text: str) -> bool:
    return _SLUG.fullmatch(text) is not None


def slug_parameter_schema(converter: SlugConverter) -> dict[str, Any]:
    """How flask-smorest documents a ``<slug:...>`` path parameter."""
    return {"type": "string", "pattern": SLUG_PATTERN}


class Slug(fields.String):
    """A query parameter naming a tag, category or author by its slug."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.Regexp(
            SLUG_PATTERN, error="Not a slug: lower-case letters, digits and hyphens."), **kwargs)


class Count(fields.Integer):
    """A positive whole number written in ASCII digits: ``1``, not ``1.0``, `` 1`` or ``1_0``
    (which Python's ``int`` would take)."""

    _DIGITS = re.compile(r"[0-9]{1,12}")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and not self._DIGITS.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


_DATE = r"\d{4}-\d{2}-\d{2}"
_MOMENT = re.compile(rf"{_DATE}(?:[Tt ]\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d{{1,9}})?)?"
                     r"(?:[Zz]|[+-]\d{2}:\d{2})?)?")


class Moment(fields.Field[datetime]):
    """An ISO 8601 date (``2025-01-31``, midnight UTC) or date and time
    (``2025-01-31T09:30:00+01:00``; without an offset, UTC). Loads an aware UTC datetime."""

    default_error_messages = {
        "invalid": "Not an ISO 8601 date or date and time, such as 2025-01-31 or "
                   "2025-01-31T09:30:00Z.",
    }

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"anyOf": [{"type": "string", "format": "date"},
                              {"type": "string", "format": "date-time"}],
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any,
                     **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not _MOMENT.fullmatch(value):
            raise self.make_error("invalid")
        try:
            moment = datetime.fromisoformat(value.upper())
        except ValueError:  # a 30th of February, a 25th hour
            raise self.make_error("invalid") from None
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # year 1 at +01:00, year 9999 at -01:00: as far as time goes
            if moment.year == 1:
                return datetime.min.replace(tzinfo=UTC)
            return datetime.max.replace(tzinfo=UTC)


class PageUrl(fields.String):
    """A slug dumped as the absolute URL (on SITE_URL) of the page ``endpoint`` shows for it."""

    def __init__(self, endpoint: str, argument: str = "slug", **kwargs: Any) -> None:
        kwargs.setdefault("attribute", "slug")
        kwargs.setdefault("dump_only", True)  # several may read the same slug
        metadata = {"format": "uri", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.endpoint = endpoint
        self.argument = argument

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str:
        return absolute_url(self.endpoint, **{self.argument: value})


class ContentUrl(fields.String):
    """An address written in content (``/static/x.png``, ``https://...``), made absolute."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"format": "uri", **kwargs.pop("metadata", {})}
        super().__init__(allow_none=True, metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return absolute(value) if value else None


class PostHtml(fields.String):
    """A post's or page's rendered body with its links and images made absolute, as feeds
    carry it: a client has no idea where ``diagram.svg`` or ``#fn:1`` lives."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str:
        if obj.kind == PAGE:
            return absolute_links(value, absolute_url("pages.detail", address=obj.path))
        return absolute_links(value, absolute_url("posts.detail", slug=obj.slug))

