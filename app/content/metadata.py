"""Frontmatter to :class:`ArticleMeta`: one small normaliser per field, all errors collected.

Authors arrive from Jekyll, Hugo and Pelican, so each field accepts the spellings those engines
use (``categories`` lists, ``description`` or ``summary`` excerpts, ``lastmod``, ``draft`` or
``published: false``, dates with or without a time and offset, TOML's native dates).
Pages (``type: page``, or a file under ``pages/``) take a few keys of their own: ``url``,
``menu`` and ``weight`` (``app.content.pages``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from app.content.addresses import url_safe
from app.content.pages import PAGE, POST, address_of, parse_url, reserved_segment
from app.content.problems import ContentError, InvalidArticle, Notice
from app.content.reader import RawArticle
from app.content.sites.base import FOLIO, SiteSource
from app.content.slugs import fallback_slug, slugify

WORDS_PER_MINUTE = 230
# The longest values the database stores (app/models.py): longer ones are the author's to fix,
# said here rather than by a database error that stops the whole import.
MAX_TITLE_LENGTH = 500
MAX_NAME_LENGTH = 200  # an author, a category or a tag
MAX_ADDRESS_LENGTH = 1000  # the image and its description
MAX_READING_MINUTES = 10_000
MAX_WEIGHT = 1_000_000  # a menu position: any order an author needs, inside a database integer
MENUS = ("main",)  # the menus a page can join
# Where a page of a site moved in from another engine answers when its own address is one of
# Folio's (a Pelican page at /search).
MOVED_PAGES_FOLDER = "pages"

# Keys each field is read from, first present wins. Everything else lands in ``extra``.
TITLE_KEYS = ("title",)
DATE_KEYS = ("date",)
UPDATED_KEYS = ("updated", "lastmod", "last_modified_at", "modified")
AUTHOR_KEYS = ("authors", "author")
CATEGORY_KEYS = ("category", "categories")
TAG_KEYS = ("tags",)
READ_TIME_KEYS = ("read_time", "reading_time")
IMAGE_KEYS = ("image",)
IMAGE_ALT_KEYS = ("image_alt", "feature_image_alt")
TOC_KEYS = ("toc",)
EXCERPT_KEYS = ("excerpt", "description", "summary")
DRAFT_KEYS = ("draft",)
EXPIRES_KEYS = ("expires", "expirydate", "expiry_date")
PUBLISHED_FLAG_KEYS = ("published",)
SLUG_KEYS = ("slug",)
ALIAS_KEYS = ("aliases", "redirect_from")
TYPE_KEYS = ("type",)
URL_KEYS = ("url",)
MENU_KEYS = ("menu",)
WEIGHT_KEYS = ("weight",)
PAGE_ONLY_KEYS = URL_KEYS + MENU_KEYS + WEIGHT_KEYS
MODELLED_KEYS = frozenset(
    TITLE_KEYS + DATE_KEYS + UPDATED_KEYS + AUTHOR_KEYS + CATEGORY_KEYS + TAG_KEYS
    + READ_TIME_KEYS + IMAGE_KEYS + EXCERPT_KEYS + DRAFT_KEYS + PUBLISHED_FLAG_KEYS + SLUG_KEYS
    + ALIAS_KEYS + IMAGE_ALT_KEYS + TOC_KEYS + TYPE_KEYS + PAGE_ONLY_KEYS + EXPIRES_KEYS
)

_FILE_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")
_DATE_TIME = re.compile(
    r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:[T ]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?)?"
    r"[ \t]*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
_LOOSE_DATE = re.compile(r"\b(\d{4})[-/]\d{1,2}[-/]\d{1,2}\b")
_LOOSE_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\b")
_LOOSE_OFFSET = re.compile(r"(?<![\w:])(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})(?!\w)", re.IGNORECASE)
_DAY_NAMES = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
_READ_TIME = re.compile(r"^(\d+)\s*(?:m|mins?|minutes?)?(?:\s+read)?$", re.IGNORECASE)
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0", ""}
DATE_HINT = "write dates as YYYY-MM-DD, or YYYY-MM-DD HH:MM[:SS] with an optional +HH:MM offset"


@dataclass(frozen=True)
class MetaSettings:
    """Site settings that shape a post: what the normalisers and the renderer need."""

    timezone: str = "UTC"
    default_author: str = "Anonymous"
    # Whether the body has maths at all: a Pelican site without a maths plugin wrote \\[ and \\(
    # as Markdown's escaped brackets, which its readers saw as brackets.
    maths: bool = True
    math_inline_dollars: bool = True  # $...$ is inline maths
    # The Markdown the site was written in: "folio" (Python-Markdown's), or "gfm" where a
    # site's engine reads GitHub-flavoured Markdown (kramdown's GFM input, Hugo's goldmark):
    # a list right after a paragraph, ~~strike~~ (app.content.render).
    dialect: str = "folio"
    # First path segments Folio's own routes own (``tags``, ``search``...): no page may answer
    # under them. The app derives them from its URL map; empty, nothing is checked.
    reserved: frozenset[str] = frozenset()
    # Where articles' files live (app.content.media): the content folder's static areas, by
    # path inside it (``/images/a.png`` is looked up in each), and the folders Folio itself
    # serves at /static/ (an address there that is in none of the areas is left as it is).
    static_dirs: tuple[str, ...] = ("static",)
    served_static: tuple[str, ...] = ()
    media_max_bytes: int = 25 * 1024 * 1024
    # The site the import reads (app.content.sites): Folio's own folder, or one written for
    # another engine, whose reader translates it.
    source: SiteSource = field(default_factory=SiteSource)

    @property
    def foreign(self) -> bool:
        """A site written for another engine: a post that engine published is not lost to one
        of Folio's stricter rules (an overlong value is shortened, with a warning)."""
        return self.source.engine != FOLIO


@dataclass
class ArticleMeta:
    title: str
    slug: str
    author: str
    published_at: dt.datetime | None  # None: a page with no date (the import's time is used)
    updated_at: dt.datetime | None
    category: str | None
    tags: list[str]
    reading_minutes: int | None  # None: compute from the text
    image: str | None
    image_alt: str | None  # None: the image is described by the title
    excerpt: str | None  # None: take it from the body
    draft: bool
    aliases: list[str]
    # Everyone who wrote it, ``author`` first (Pelican's `Authors: A, B`, an `authors:` list).
    authors: list[str] = field(default_factory=list)
    expires_at: dt.datetime | None = None  # Hugo's expiryDate: gone from the site after it
    # Exact paths the old site served it at (its engine's permalinks, redirect_from, Hugo
    # aliases): each answers 301 to it.
    old_addresses: list[str] = field(default_factory=list)
    toc: bool = True  # frontmatter `toc: false` hides the table of contents
    kind: str = POST  # or PAGE
    url: str | None = None  # a page's own address (`url: /about/team`)
    menu: str | None = None  # a page's menu ("main")
    menu_weight: int | None = None  # its place there: smaller first
    extra: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)  # frontmatter key -> file line

    def line_of(self, *keys: str) -> int:
        return next((self.key_lines[k] for k in keys if k in self.key_lines), 1)

    @property
    def address(self) -> str | None:
        """Where a page answers (``/about``); None for a post."""
        return address_of(self.slug, self.url) if self.kind == PAGE else None


@dataclass(frozen=True)
class _Unusable:
    """What to tell the author when a field's normaliser finds nothing usable in a value
    (returns None): the value is ignored, and the notice names its key."""

    reason: str
    hint: str


class _Fields:
    """Reads fields from one article, collecting every error instead of stopping at the first.
    Each field is read from its own key, so its errors and notices carry that key's line."""

    def __init__(self, raw: RawArticle, lenient: bool = False) -> None:
        self.raw = raw
        self.lenient = lenient
        self.errors: list[ContentError] = []
        self.notices: list[Notice] = []

    def first(self, keys: Iterable[str]) -> tuple[str, Any] | None:
        for key in keys:
            if key in self.raw.meta and self.raw.meta[key] is not None:
                return key, self.raw.meta[key]
        return None

    def read(self, keys: Iterable[str], parse: Callable[[Any], Any], default: Any = None,
             unusable: _Unusable | None = None) -> Any:
        """``parse`` applied to the first of ``keys`` present; ``default`` when none is, or
        when it raises ContentError (recorded against that key)."""
        found = self.first(keys)
        if found is None:
            return default
        key, value = found
        shortened: list[tuple[int, int]] = []
        token = _SHORTENED.set(shortened if self.lenient else None)
        try:
            parsed = parse(value)
        except ContentError as exc:
            self.errors.append(ContentError(self.raw.line_of(key), f"{key}: {exc.message}",
                                            exc.hint))
            return default
        finally:
            _SHORTENED.reset(token)
        for length, limit in shortened:
            self.warn(key, f"{key}: a value is {length} characters long; shortened to {limit}",
                      "Folio stores at most that much; shorten it in the source")
        if parsed is None and unusable is not None:
            self.warn(key, f"{key}: {value!r} {unusable.reason}", unusable.hint)
        return parsed

    def error(self, line: int, message: str, hint: str) -> None:
        self.errors.append(ContentError(line, message, hint))

    def warn(self, key: str, message: str, hint: str = "") -> None:
        self.notices.append(Notice(self.raw.line_of(key), message, hint))


def normalise(raw: RawArticle, filename: str, settings: MetaSettings, *,
              in_pages_folder: bool = False) -> tuple[ArticleMeta, list[Notice]]:
    """Build the article's metadata; raises InvalidArticle listing every error found.

    ``filename`` is the file's name (``2024-05-01-hello.md``), used for the date and slug when
    the frontmatter has none; a file ``in_pages_folder`` is a page unless it says otherwise.
    """
    fields = _Fields(raw, lenient=settings.foreign)
    zone = ZoneInfo(settings.timezone)
    stem = PurePosixPath(filename).stem
    file_date = _FILE_DATE.match(stem)

    kind = _kind(fields, in_pages_folder)
    title = _required_title(fields)
    published_at = _published_at(fields, file_date, zone, required=kind == POST)
    updated_at = fields.read(UPDATED_KEYS, lambda v: parse_datetime(v, zone))
    reading = fields.read(READ_TIME_KEYS, _reading_minutes_or_none, unusable=_Unusable(
        "is not a number of minutes; computing it from the text", "write it as: read_time: 8 min"))
    image = fields.read(IMAGE_KEYS, _image, unusable=_Unusable(
        "is not a usable image address; ignored",
        "use a path inside the site (/static/images/x.jpg) or an https:// URL"))
    authors = fields.read(AUTHOR_KEYS, _people, [], unusable=_Unusable(
        f"has no letters or digits to name an author by; using {settings.default_author!r}",
        "write it as: author: Your Name"))
    category = fields.read(CATEGORY_KEYS, _category)
    tags = fields.read(TAG_KEYS, _tags, [])
    image_alt = fields.read(IMAGE_ALT_KEYS, _image_alt)
    expires_at = fields.read(EXPIRES_KEYS, lambda v: parse_datetime(v, zone))

    if fields.errors:
        raise InvalidArticle(fields.errors)
    assert title is not None and (published_at is not None or kind == PAGE)

    slug_source = file_date.group(2) if file_date else stem
    meta = ArticleMeta(
        title=title,
        slug=_slug(fields, slug_source, title, kind),
        author=authors[0] if authors else settings.default_author,
        authors=authors or [settings.default_author],
        expires_at=expires_at,
        published_at=published_at,
        updated_at=updated_at,
        category=category,
        tags=tags,
        reading_minutes=reading,
        image=image,
        image_alt=image_alt,
        excerpt=fields.read(EXCERPT_KEYS, _excerpt),
        draft=_is_draft(fields),
        aliases=fields.read(ALIAS_KEYS, _aliases, []),
        old_addresses=fields.read(ALIAS_KEYS, _alias_paths, []),
        toc=_wants_toc(fields),
        kind=kind,
        extra=to_json_safe({k: v for k, v in raw.meta.items() if k not in MODELLED_KEYS
                            or (kind == POST and k in PAGE_ONLY_KEYS)}),
        key_lines=raw.key_lines,
    )
    if kind == PAGE:
        _read_page_keys(fields, meta, settings.reserved)
    else:
        _ignore_page_keys(fields)
    if fields.errors:
        raise InvalidArticle(fields.errors)
    return meta, fields.notices


def _kind(fields: _Fields, in_pages_folder: bool) -> str:
    """``type: page`` or ``type: post`` says; else the folder does."""
    found = fields.first(TYPE_KEYS)
    if found is not None:
        key, value = found
        written = str(value).strip().lower()
        if written in (POST, PAGE):
            return written
        fields.warn(key, f"{key}: {value!r} is neither post nor page; taken as "
                    f"{PAGE if in_pages_folder else POST}", "write it as: type: page")
    return PAGE if in_pages_folder else POST


def _read_page_keys(fields: _Fields, meta: ArticleMeta, reserved: frozenset[str]) -> None:
    """A page's address, menu and weight; its tags and category are nobody's business (pages
    appear in no list), so they are dropped with a warning."""
    meta.url = fields.read(URL_KEYS, parse_url)
    meta.menu = fields.read(MENU_KEYS, _menu, unusable=_Unusable(
        f"names no menu Folio has ({', '.join(MENUS)}); the page is in no menu",
        "write it as: menu: main"))
    meta.menu_weight = fields.read(WEIGHT_KEYS, _weight, unusable=_Unusable(
        f"is not a whole number from -{MAX_WEIGHT:,} to {MAX_WEIGHT:,}; ignored",
        "write it as: weight: 10"))
    for keys, dropped in ((TAG_KEYS, meta.tags), (CATEGORY_KEYS, meta.category)):
        found = fields.first(keys)
        if found is not None and dropped and not fields.lenient:
            fields.warn(found[0], f"{found[0]}: pages are not filed under tags or categories; "
                        "ignored", "remove it, or make this a post (type: post)")
    meta.tags, meta.category = [], None
    address = meta.address
    segment = reserved_segment(address, reserved) if address is not None else None
    if segment is not None:
        line = meta.line_of(*URL_KEYS, *SLUG_KEYS, *TYPE_KEYS)
        if fields.lenient:
            # The site's engine published it there: kept, at an address of its own.
            meta.url = f"/{MOVED_PAGES_FOLDER}/{meta.slug}"
            fields.notices.append(Notice(line, f"the page's address {address} is under "
                                         f"/{segment}, which Folio's own pages use; it answers "
                                         f"at {meta.url} instead", "give it another url:"))
            return
        fields.error(line, f"the page's address {address} is under /{segment}, which Folio's "
                     "own pages use", "give the page another slug: or url:")


def _ignore_page_keys(fields: _Fields) -> None:
    """A post keeps ``url``, ``menu`` and ``weight`` as unknown keys (other engines order posts
    by weight); an author expecting an address or a menu entry is told it does not happen."""
    for key in URL_KEYS + MENU_KEYS:
        if fields.first((key,)) is not None:
            fields.warn(key, f"{key}: only pages take this key; ignored for a post",
                        "make this a page (type: page), or remove the line")


def _menu(value: Any) -> str | None:
    """``main``, or a list holding it (Hugo lets a page join several menus)."""
    names = value if isinstance(value, list) else [value]
    wanted = {str(name).strip().lower() for name in names if not isinstance(name, dict | list)}
    return next((menu for menu in MENUS if menu in wanted), None)


def _weight(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value) if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        return None
    return number if -MAX_WEIGHT <= number <= MAX_WEIGHT else None


def _required_title(fields: _Fields) -> str | None:
    if fields.first(TITLE_KEYS) is None:
        fields.error(fields.raw.line_of("title"), "missing title",
                     "add a line: title: Your title")
        return None
    title: str | None = fields.read(TITLE_KEYS, _title)
    return title


def _published_at(fields: _Fields, file_date: re.Match[str] | None,
                  zone: ZoneInfo, required: bool) -> dt.datetime | None:
    """The frontmatter's date, else the file name's (``2024-05-01-hello.md``); a page may
    have neither (None)."""
    if fields.first(DATE_KEYS) is not None:
        moment: dt.datetime | None = fields.read(DATE_KEYS, lambda v: parse_datetime(v, zone))
        return moment
    if file_date is None and not required:
        return None
    if file_date is None:
        fields.error(1, "missing date",
                     "add a line: date: YYYY-MM-DD (or name the file YYYY-MM-DD-name.md)")
        return None
    return _file_name_date(file_date.group(1), zone, fields)


def _title(value: Any) -> str:
    if isinstance(value, dict | list):
        raise ContentError(1, "must be text", "write it as: title: Your title")
    title = " ".join(str(value).split())
    if not title:
        raise ContentError(1, "is empty", "write it as: title: Your title")
    return _at_most(MAX_TITLE_LENGTH, title, "keep the title short; put the rest in the excerpt")


def _at_most(limit: int, text: str, hint: str = "shorten it") -> str:
    """``text``, if it fits the database's column; otherwise an error, or on a site written for
    another engine (:data:`_SHORTENED` is collecting) the text cut to fit."""
    if len(text) <= limit:
        return text
    shortened = _SHORTENED.get()
    if shortened is None:
        raise ContentError(1, f"is {len(text)} characters long (at most {limit})", hint)
    shortened.append((len(text), limit))
    return text[:limit].rstrip()


# While a field of a foreign site's file is read: the values _at_most cut, as (length, limit).
_SHORTENED: ContextVar[list[tuple[int, int]] | None] = ContextVar("shortened", default=None)


def parse_datetime(value: Any, zone: ZoneInfo) -> dt.datetime:
    """A date or date-time as an aware UTC datetime; naive values are read in ``zone``."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=zone)
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day, tzinfo=zone)
    elif isinstance(value, str):
        moment = _parse_date_text(value.strip(), zone)
    else:
        raise ContentError(1, f"{value!r} is not a date", DATE_HINT)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31 23:30 -01:00 is in the year 10000 in UTC
        raise ContentError(1, f"{str(value)!r} is out of range in UTC", DATE_HINT) from None


def _parse_date_text(text: str, zone: ZoneInfo) -> dt.datetime:
    match = _DATE_TIME.match(text) or _lenient_date_match(text)
    if match is None:
        raise ContentError(1, f"{text!r} is not a date I can read", DATE_HINT)
    parts = match.groupdict()
    try:
        moment = dt.datetime(
            int(parts["y"]), int(parts["m"]), int(parts["d"]),
            int(parts["H"] or 0), int(parts["M"] or 0), int(parts["S"] or 0),
            int((parts["f"] or "0").ljust(6, "0")), tzinfo=zone,
        )
    except ValueError as exc:
        raise ContentError(1, f"{text!r} is an impossible date ({exc})", DATE_HINT) from None
    offset = parts["tz"]
    if offset is None:
        return moment
    written = written_offset(offset)
    if written is None:
        raise ContentError(1, f"{text!r} has an impossible offset {offset}", DATE_HINT)
    return moment.replace(tzinfo=written)


def written_offset(offset: str) -> dt.tzinfo | None:
    """The zone of an offset as dates write it (``Z``, ``UTC``, ``GMT``, ``+05:30``, ``-0800``,
    ``+02``); None for one that cannot be (``+25:00``)."""
    if offset.upper() in ("Z", "UTC", "GMT"):
        return dt.UTC
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        return None
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if offset[0] == "-" else delta)


def _lenient_date_match(text: str) -> re.Match[str] | None:
    """Dates as git and Ruby's Time.parse write them (``2023-01-29 18:30:22 2023 -0800``,
    ``Sun, 2023-01-29 ...``): keep the date, time and offset when whatever else is there is only
    a repeat of the year or a day name."""
    date = _LOOSE_DATE.search(text)
    if date is None:
        return None
    clock = _LOOSE_TIME.search(text, date.end())
    offset = _LOOSE_OFFSET.search(text, clock.end() if clock else date.end())
    rest = text
    for found in sorted((m for m in (date, clock, offset) if m), key=lambda m: -m.start()):
        rest = rest[:found.start()] + " " + rest[found.end():]
    leftovers = [token for token in re.split(r"[\s,]+", rest) if token]
    if any(token != date.group(1) and token.lower()[:3] not in _DAY_NAMES for token in leftovers):
        return None
    canonical = date.group(0) + (" " + clock.group(0) if clock else "") + (
        " " + offset.group(0) if offset else "")
    return _DATE_TIME.match(canonical)


def _file_name_date(text: str, zone: ZoneInfo, fields: _Fields) -> dt.datetime | None:
    try:
        return parse_datetime(text, zone)
    except ContentError as exc:
        fields.error(1, f"file name date: {exc.message}", exc.hint)
        return None


def _reading_minutes_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        minutes = value
    else:
        # Runs of spaces collapsed first: the pattern backtracks over them.
        match = _READ_TIME.match(" ".join(str(value).split()))
        if match is None or len(match.group(1)) > 6:
            return None
        minutes = int(match.group(1))
    if not 0 < minutes <= MAX_READING_MINUTES:  # also false for NaN
        return None
    return max(1, math.ceil(minutes))


def reading_minutes(word_count: int) -> int:
    return max(1, math.ceil(word_count / WORDS_PER_MINUTE))


def _people(value: Any) -> list[str] | None:
    """The authors' names (a list, or one name), de-duplicated; None when none has letters or
    digits (no address to show the author's posts at)."""
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        name = _person(item)
        if name is not None and slugify(name) not in {slugify(n) for n in names}:
            names.append(name)
    return names or None


def _person(value: Any) -> str | None:
    """An author's name, or None for one with no letters or digits."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("display_name")
    if value is None or isinstance(value, list | dict):
        return None
    name = " ".join(str(value).split())
    return _at_most(MAX_NAME_LENGTH, name) if slugify(name) else None


def _category(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
    elif isinstance(value, str) and "," in value:
        value = value.split(",", 1)[0]
    name = " ".join(str(value).split()) if value is not None else ""
    return _at_most(MAX_NAME_LENGTH, name) if slugify(name) else None


def _tags(value: Any) -> list[str]:
    """Tags from a list or a comma-separated string; stripped, de-duplicated by slug."""
    items = value if isinstance(value, list) else str(value).split(",")
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        if item is None or isinstance(item, dict | list):
            continue
        name = " ".join(str(item).split())
        slug = slugify(name)
        if slug and slug not in seen:
            seen.add(slug)
            tags.append(_at_most(MAX_NAME_LENGTH, name, f"shorten the tag {name[:30]!r}..."))
    return tags


def _image(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    address = value.strip()
    lowered = address.lower()
    if lowered.startswith(("http://", "https://")):
        return _at_most(MAX_ADDRESS_LENGTH, address)
    if ":" in address.split("/", 1)[0] or address.startswith("//"):
        return None  # javascript:, data:, protocol-relative: not from us
    # Browsers read %2e%2e as .. too.
    if ".." in PurePosixPath(unquote(address)).parts or "\\" in address:
        return None
    return _at_most(MAX_ADDRESS_LENGTH, url_safe(address))


def _excerpt(value: Any) -> str | None:
    text = " ".join(str(value).split())
    return text or None


def _image_alt(value: Any) -> str | None:
    text = _excerpt(value)
    return text and _at_most(MAX_ADDRESS_LENGTH, text)


def _is_draft(fields: _Fields) -> bool:
    draft = fields.first(DRAFT_KEYS)
    if draft is not None and _truthy(fields, *draft):
        return True
    published = fields.first(PUBLISHED_FLAG_KEYS)
    # Jekyll's `published: false` keeps a post unpublished.
    return published is not None and not _truthy(fields, *published)


def _wants_toc(fields: _Fields) -> bool:
    toc = fields.first(TOC_KEYS)
    return toc is None or _truthy(fields, *toc)


def _truthy(fields: _Fields, key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        fields.warn(key, f"{key}: {value!r} is not true or false; taken as false",
                    f"write it as: {key}: true")
    return False


def _slug(fields: _Fields, file_stem: str, title: str, kind: str) -> str:
    explicit = fields.first(SLUG_KEYS)
    if explicit is not None:
        slug = slugify(str(explicit[1]))
        if slug:
            return slug
        fields.warn(explicit[0], f"slug: {explicit[1]!r} has no letters or digits; "
                    "using the file name", "write it as: slug: my-post")
    return slugify(file_stem) or slugify(title) or fallback_slug(file_stem + title, kind)


def _aliases(value: Any) -> list[str]:
    """Old addresses of the post, reduced to the slug they end in."""
    items = value if isinstance(value, list) else [value]
    slugs: list[str] = []
    for item in items:
        last = PurePosixPath(str(item).strip().strip("/")).name
        slug = slugify(re.sub(r"\.html?$", "", last))
        if slug and slug not in slugs:
            slugs.append(slug)
    return slugs


def _alias_paths(value: Any) -> list[str]:
    """The aliases written as paths on the site (``/2019/old-name/``): each answers 301 at
    exactly that path, besides ``/posts/<slug>`` of the slug it ends in."""
    items = value if isinstance(value, list) else [value]
    paths = [str(item).strip() for item in items if isinstance(item, str | int)]
    return list(dict.fromkeys(path for path in paths
                              if path.startswith("/") and not path.startswith("//")))


def to_json_safe(value: Any, depth: int = 0) -> Any:
    """Frontmatter values as JSON: dates as ISO text, anything exotic as its text."""
    if depth > 20:
        return None
    if isinstance(value, dict):
        return {str(k): to_json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_safe(v, depth + 1) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)
