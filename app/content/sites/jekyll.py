"""Jekyll sites: ``_config.yml``, the posts, drafts and pages Jekyll publishes, their front
matter as Jekyll reads it, and the addresses Jekyll gave them.

What Jekyll does is the rule here (Jekyll 4.3's ``Configuration``, ``EntryFilter``,
``Document``, ``Page`` and ``URL``; the tests build fixture sites with Jekyll itself where it is
installed and compare):

* posts are the files named ``YYYY-MM-DD-title.ext`` under any ``_posts/`` folder (the folders
  above it are the post's first categories), drafts any file under ``_drafts/``; a post needs no
  front matter;
* pages are the Markdown and HTML files with front matter anywhere else, outside folders and
  files whose names start with ``_ . # ~`` and outside ``exclude`` (plus Jekyll's own
  excludes), ``include`` winning over both. Folio cannot run a Liquid layout, so a page whose
  content is made by one is not imported (:func:`listing_reason`): pages that loop over
  ``site.posts``/``site.tags``/``paginator`` (Folio lists posts, tags and the archive itself),
  and pages with no text of their own (a home page or a tag page whose layout lists the
  posts). A home page with text of its own is the page ``/home``. The dry run names each
  page not imported, and its old address leads to Folio's list (:meth:`Reader.site_redirects`);
* ``tags``/``categories`` given as a string are split on spaces; a singular ``tag`` or
  ``category`` is one name; Folio files a post under its first category, the others are kept;
* a page answers at its Jekyll address without ``.html`` (``/FAQ.html`` is ``/faq``).

The body's Liquid and kramdown are :mod:`app.content.sites.liquid`'s.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from app.content import files
from app.content.pages import PAGE, POST
from app.content.problems import ContentError, Notice
from app.content.reader import RawArticle, decode, read_article
from app.content.sites import liquid
from app.content.sites.base import (
    ConfigError,
    SiteConfig,
    SiteSource,
    Translated,
    read_config_text,
)
from app.content.slugs import slugify

if TYPE_CHECKING:
    from app.content.metadata import ArticleMeta

ENGINE = "jekyll"
CONFIG_NAMES = ("_config.yml", "_config.yaml", "_config.toml")
MARKDOWN_EXT = "markdown,mkdown,mkdn,mkd,md"
HTML_SUFFIXES = (".html", ".htm")
DEFAULT_EXCLUDES = (".sass-cache", ".jekyll-cache", "gemfiles", "Gemfile", "Gemfile.lock",
                    "node_modules", "vendor/bundle/", "vendor/cache/", "vendor/gems/",
                    "vendor/ruby/")
STYLES = {
    "none": "/:categories/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
}
POST_FOLDERS = ("_posts", "_drafts")
# Ruby's strftime names, whatever the locale.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DATE_NAME = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^./]+)$")
_FRONT_MATTER = re.compile(rb"\A---\s*\r?\n")
_SPECIAL = (".", "_", "#", "~")
_LOOP = re.compile(r"\{%-?\s*for\s+\w+\s+in\s+((?:site|paginator)\.\w+)")
_ENTITY = re.compile(r"&#?\w{1,10};")
_IMAGE_PREFIX = re.compile(
    r"""['"](/[\w./-]*/)['"]\s*\|\s*append:\s*page\.image|(/[\w./-]*/)\{\{\s*page\.image\s*\}\}""")
_CONFIG_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*[:=]", re.MULTILINE)
# Folio's lists that a Jekyll listing page's address leads to, by what the page loops over.
_LISTS = {"site.tags": "/tags", "site.categories": "/categories", "site.posts": "/archive",
          "paginator.posts": "/"}


def find_config(root: Path) -> Path | None:
    return next((root / name for name in CONFIG_NAMES if (root / name).is_file()), None)


def configure(root: Path, config_path: Path) -> SiteConfig:
    """The site's settings from ``_config.yml``, and the map of its posts and pages that the
    reader (in worker processes, with no files at hand) needs. Raises ContentError for a
    configuration file that cannot be read."""
    text = read_config_text(config_path, config_path.name)
    config = _load_config(text, config_path.name)
    settings = _settings(config)
    walk = _walk(root, settings)
    settings.update(
        posts=post_names(walk.posts),
        documents=sorted(walk.posts + walk.drafts + walk.pages),
        listings=[listing.as_json() for listing in walk.listings],
        image_prefix=_image_prefix(root),
        feeds=_feeds(root, config),
        feed_options=_feed_options(config),
    )
    source = SiteSource.of(ENGINE, settings, index_keys=("posts", "documents"))
    return SiteConfig(source, config_path.name, _overrides(settings), _taken(settings, walk),
                      _unread(config, text))


def _load_config(text: str, name: str) -> dict[str, Any]:
    """The configuration's mapping; raises ConfigError at the line YAML stopped at."""
    try:
        loaded = tomllib.loads(text) if name.endswith(".toml") else yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigError(name, line, f"not valid YAML: {exc.problem}",
                          "Jekyll could not read it either; fix the line") from None
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(name, 1, f"cannot be read: {exc}") from None
    return loaded if isinstance(loaded, dict) else {}


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that change what the posts mean, as plain JSON data."""
    kramdown = config.get("kramdown") if isinstance(config.get("kramdown"), dict) else {}
    permalink = str(config.get("permalink") or "date")
    return {
        "baseurl": _baseurl(config.get("baseurl")),
        "url": str(config.get("url") or "").rstrip("/"),
        # Where the old site was served, so links to it in bodies lead to the posts.
        "base_url": (str(config.get("url") or "").rstrip("/")
                     + _baseurl(config.get("baseurl"))) if config.get("url") else "",
        "timezone": _timezone(config.get("timezone")),
        "author": _author(config.get("author")),
        "permalink_style": permalink,
        "permalink": _post_template(config, permalink),
        "excerpt_separator": str(config.get("excerpt_separator", "\n\n")),
        "markdown_ext": [f".{ext.strip().lower()}" for ext in
                         str(config.get("markdown_ext") or MARKDOWN_EXT).split(",")],
        "dialect": _dialect(config, kramdown or {}),
        "heading_ids": _heading_ids(config, kramdown or {}),
        "exclude": [str(p) for p in _strings(config.get("exclude"))] + list(DEFAULT_EXCLUDES),
        "include": [str(p) for p in _strings(config.get("include"))],
        "defaults": [d for d in _strings(config.get("defaults")) if isinstance(d, dict)
                     and isinstance(d.get("values"), dict)],
        "show_drafts": bool(config.get("show_drafts")),
        "plugins": [str(p) for p in _strings(config.get("plugins") or config.get("gems"))],
        "archives": config.get("jekyll-archives") if isinstance(
            config.get("jekyll-archives"), dict) else {},
        "site": _scalars(config),
    }


def _baseurl(value: Any) -> str:
    """``/lil-log`` for ``lil-log``, ``/lil-log/`` or ``/lil-log``; "" for none."""
    path = str(value or "").strip().strip("/")
    return f"/{path}" if path else ""


def _timezone(value: Any) -> str | None:
    if not value:
        return None
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return str(value)


def _author(value: Any) -> str | None:
    """The site's author: a name, or a mapping with one."""
    if isinstance(value, dict):
        value = value.get("name")
    if not isinstance(value, str | int):
        return None
    return " ".join(str(value).split()) or None


def _post_template(config: Mapping[str, Any], style: str) -> str:
    collections = config.get("collections")
    posts = collections.get("posts") if isinstance(collections, dict) else None
    if isinstance(posts, dict) and posts.get("permalink"):
        style = str(posts["permalink"])
    return STYLES.get(style.lstrip(":"), style)


def _dialect(config: Mapping[str, Any], kramdown: Mapping[str, Any]) -> str:
    """Jekyll reads GFM unless the site asks kramdown for its own input."""
    engine = str(config.get("markdown") or "kramdown").lower()
    given = str(kramdown.get("input") or "GFM").lower()
    return "folio" if engine == "kramdown" and given == "kramdown" else "gfm"


def _heading_ids(config: Mapping[str, Any], kramdown: Mapping[str, Any]) -> str | None:
    """How the site's kramdown named headings: by its GFM input's rule (Jekyll's default),
    its own input's, or not at all (``auto_ids: false``, or another Markdown engine)."""
    engine = str(config.get("markdown") or "kramdown").lower()
    if engine != "kramdown" or kramdown.get("auto_ids") is False:
        return None
    return "kramdown" if str(kramdown.get("input") or "GFM").lower() == "kramdown" else "gfm"


def _strings(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _scalars(value: Any, depth: int = 0) -> Any:
    """The configuration's scalar settings, nested in mappings, for ``{{ site.X }}``."""
    if isinstance(value, dict) and depth < 5:
        kept = {str(k): _scalars(v, depth + 1) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None}
    if isinstance(value, bool | int | float | str):
        return value
    return None


def _overrides(settings: Mapping[str, Any]) -> dict[str, Any]:
    overrides: dict[str, Any] = {
        # Jekyll reads a date without an offset in the build machine's zone; GitHub Pages
        # and most builders run in UTC.
        "timezone": settings["timezone"] or "UTC",
        "dialect": settings["dialect"],
        # kramdown's maths is $$ only; a single $ is a dollar sign.
        "math_inline_dollars": False,
        # /assets/a.png is assets/a.png of the site's root.
        "static_dirs": (".",),
    }
    if settings["author"]:
        overrides["default_author"] = settings["author"]
    return overrides


def _image_prefix(root: Path) -> str | None:
    """Where the site's layouts find a post's ``image: name.png`` (``/assets/images/``): the
    first folder a layout prepends to ``page.image`` that exists."""
    for folder in ("_layouts", "_includes"):
        for template in sorted((root / folder).glob("*.htm*")):
            text = template.read_text(encoding="utf-8", errors="replace")
            for match in _IMAGE_PREFIX.finditer(text):
                prefix = match.group(1) or match.group(2)
                if (root / prefix.strip("/")).is_dir():
                    return prefix
    return None


def _feeds(root: Path, config: Mapping[str, Any]) -> dict[str, str]:
    """The site's feeds by path: jekyll-feed's, and feed templates at the root."""
    feeds = {}
    plugins = {str(p) for p in _strings(config.get("plugins") or config.get("gems"))}
    if "jekyll-feed" in plugins:
        options = config.get("feed") if isinstance(config.get("feed"), dict) else {}
        feeds["/" + str((options or {}).get("path") or "feed.xml").lstrip("/")] = "/feed.xml"
    for name, target in (("feed.xml", "/feed.xml"), ("atom.xml", "/feed.xml"),
                         ("rss.xml", "/rss.xml"), ("feed.json", "/feed.json")):
        if (root / name).is_file() and _has_front_matter(root / name):
            feeds[f"/{name}"] = target
    return feeds


def _feed_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """jekyll-feed's feeds of a tag (``feed: tags:``) and of a category (``feed:
    categories:``), where the site has the plugin and asks for them."""
    plugins = {str(p) for p in _strings(config.get("plugins") or config.get("gems"))}
    options = config.get("feed")
    if "jekyll-feed" not in plugins or not isinstance(options, dict):
        return {}
    tags = options.get("tags")
    return {"tags": (tags if isinstance(tags, dict) else {}) if tags else None,
            "categories": [str(c) for c in _strings(options.get("categories"))]}


def _unread(config: Mapping[str, Any], text: str) -> list[Notice]:
    lines = {m.group(1): text.count("\n", 0, m.start()) + 1 for m in _CONFIG_KEY.finditer(text)}
    notices = []
    if config.get("timezone") and _timezone(config["timezone"]) is None:
        notices.append(Notice(lines.get("timezone", 1), f"timezone: {config['timezone']!r} is "
                              "no time zone Folio knows; dates are read in UTC",
                              "write an IANA name, such as Europe/Paris"))
    collections = config.get("collections")
    others = [str(name) for name in (collections or {})
              if name != "posts"] if isinstance(collections, dict | list) else []
    if others:
        notices.append(Notice(lines.get("collections", 1), f"collections: {', '.join(others)} "
                              "are not imported (only posts and pages are)",
                              "move what should be imported into _posts/ or pages"))
    if config.get("paginate"):
        notices.append(Notice(lines.get("paginate", 1), "paginate: Folio pages its own lists; "
                              "the old page addresses (/page2/) are not kept"))
    return notices


def _taken(settings: Mapping[str, Any], walk: _Files) -> list[str]:
    taken = [f"baseurl: {settings['baseurl'] or '(none)'}", f"url: {settings['url'] or '(none)'}",
             "timezone: " + (settings["timezone"] or "UTC (not set; Jekyll used the build "
                                                      "machine's, UTC on GitHub Pages)"),
             f"author: {settings['author'] or '(none)'}",
             f"permalink: {settings['permalink']}",
             f"excerpt_separator: {settings['excerpt_separator']!r}",
             f"markdown: {'GFM' if settings['dialect'] == 'gfm' else 'kramdown'}, $$ maths",
             f"posts: {len(walk.posts)}, drafts: {len(walk.drafts)}, pages: {len(walk.pages)}"]
    taken += [f"not imported: {listing.rel} ({listing.reason})" for listing in walk.listings]
    return taken


# Finding the site's files, as Jekyll's reader and EntryFilter do.

@dataclass
class Listing:
    """A page Folio does not import (its layout makes it), and where its address leads."""

    rel: str
    reason: str
    target: str | None = None  # a path of Folio's, or None: the tag or category below
    tag: str | None = None
    category: str | None = None
    permalink: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"rel": self.rel, "target": self.target, "tag": self.tag,
                "category": self.category, "permalink": self.permalink}


@dataclass
class _Files:
    posts: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)


def _walk(root: Path, settings: Mapping[str, Any]) -> _Files:
    found = _Files()
    filters = _Filter(settings["exclude"], settings["include"])
    suffixes = tuple(settings["markdown_ext"]) + HTML_SUFFIXES
    _visit(root, "", filters, suffixes, found)
    found.posts.sort()
    found.drafts.sort()
    found.pages.sort()
    return found


@dataclass(frozen=True)
class _Filter:
    exclude: list[str]
    include: list[str]

    def skipped(self, name: str, rel: str) -> bool:
        """Whether Jekyll skips the entry ``name`` at ``rel`` (a folder's ends with /)."""
        if self._matches(self.include, rel) or self._matches(self.include, name):
            return False
        if self._matches([p for p in self.exclude if p not in self.include], rel):
            return True
        return name.startswith(_SPECIAL) or name.endswith("~")

    @staticmethod
    def _matches(patterns: list[str], rel: str) -> bool:
        bare = rel.rstrip("/")
        return any(fnmatch.fnmatchcase(bare, p) or bare.startswith(p) or p == rel
                   for p in patterns)


def _visit(root: Path, prefix: str, filters: _Filter, suffixes: tuple[str, ...],
           found: _Files) -> None:
    folder = root / prefix if prefix else root
    for special, into in (("_posts", found.posts), ("_drafts", found.drafts)):
        posts = folder / special
        if posts.is_dir() and not posts.is_symlink():
            _collect_posts(root, f"{prefix}{special}/", filters, suffixes, into,
                           dated=special == "_posts")
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        rel = prefix + entry.name
        is_folder = entry.is_dir(follow_symlinks=False)
        if filters.skipped(entry.name, rel + ("/" if is_folder else "")):
            continue
        if is_folder:
            _visit(root, rel + "/", filters, suffixes, found)
        elif entry.is_file() and entry.name.lower().endswith(suffixes) \
                and _has_front_matter(Path(entry.path)):
            _add_page(root, rel, found)


def _collect_posts(root: Path, prefix: str, filters: _Filter, suffixes: tuple[str, ...],
                   into: list[str], *, dated: bool) -> None:
    for entry in sorted(os.scandir(root / prefix), key=lambda e: e.name):
        rel = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            if not filters.skipped(entry.name, rel + "/"):
                _collect_posts(root, rel + "/", filters, suffixes, into, dated=dated)
        elif not filters.skipped(entry.name, rel) and entry.name.lower().endswith(suffixes) \
                and (not dated or DATE_NAME.match(entry.name)):
            into.append(rel)


def _has_front_matter(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return bool(_FRONT_MATTER.match(handle.readline(4096)))
    except OSError:
        return False


def _add_page(root: Path, rel: str, found: _Files) -> None:
    try:
        text, _ = decode(files.read_source(root, rel))
    except ContentError:
        found.pages.append(rel)  # the import reports why it cannot be read
        return
    listing = listing_reason(text, rel)
    if listing is None:
        found.pages.append(rel)
    else:
        found.listings.append(listing)


def listing_reason(text: str, rel: str) -> Listing | None:
    """Why a page is not imported, when its content is made by Jekyll's Liquid and layouts
    rather than written: the site's home page, a page that loops over the site's posts, tags
    or categories, or one with no text of its own. None for a page to import."""
    try:
        raw = read_article(text, foreign=True)
    except ContentError:
        return None  # the import reports it
    body, meta = raw.body, raw.meta
    permalink = _name(meta.get("permalink"))
    home = "/" if "/" not in rel and PurePosixPath(rel).stem == "index" else None
    loop = _LOOP.search(body)
    if loop is not None:
        return Listing(rel, f"lists {loop.group(1)} with a Liquid loop; Folio makes its "
                       "own lists", home or _LISTS.get(loop.group(1), "/"), permalink=permalink)
    if not visible_text(body).strip():
        return Listing(rel, "no text of its own; its layout makes the page", home,
                       tag=_name(meta.get("tag")), category=_name(meta.get("category")),
                       permalink=permalink)
    return None


def visible_text(text: str) -> str:
    """``text`` without its Liquid, HTML tags and entities: what a reader would see of it."""
    lines = []
    for line in text.split("\n"):
        pieces, position = [], 0
        for token in liquid.tokens(line):
            pieces.append(line[position:token.start])
            position = token.end
        lines.append("".join(pieces) + line[position:])
    return _ENTITY.sub(" ", _without_tags("\n".join(lines)))


def _without_tags(text: str) -> str:
    pieces, position = [], 0
    while (start := text.find("<", position)) != -1:
        end = text.find(">", start)
        if end == -1:
            break
        pieces.append(text[position:start])
        position = end + 1
    return "".join(pieces) + text[position:]


def _name(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value).strip() else None


def post_names(posts: list[str]) -> dict[str, str]:
    """Every name ``{% post_url %}`` accepts for each post: ``2018-01-01-a`` and, for one in a
    subfolder (``_posts/sub/`` or ``sub/_posts/``), ``sub/2018-01-01-a``; the bare name also
    finds a post in a subfolder when no other post has it (Jekyll's deprecated match)."""
    names: dict[str, str] = {}
    bare: dict[str, list[str]] = {}
    for rel in posts:
        before, _, inside = rel.rpartition("_posts/")
        stem = PurePosixPath(inside).with_suffix("").as_posix()
        folders = "/".join(p for p in (before.strip("/"), str(PurePosixPath(stem).parent))
                           if p and p != ".")
        name = PurePosixPath(stem).name
        names[f"{folders}/{name}" if folders else name] = rel
        bare.setdefault(name, []).append(rel)
    for name, rels in bare.items():
        if len(rels) == 1:
            names.setdefault(name, rels[0])
    return names


# Reading one file.

def jekyll_slugify(text: str, mode: str = "default", *, cased: bool = False) -> str:
    """Jekyll's ``Utils.slugify``: runs of what the mode does not keep become ``-``."""
    pattern = {"raw": r"\s+", "pretty": r"[^\w.~!$&'()+,;=@]+",
               "ascii": r"[^A-Za-z0-9]+"}.get(mode, r"[\W_]+")
    slug = re.sub(pattern, "-", text)
    slug = re.sub(r"^-|-$", "", slug)
    return slug if cased else slug.lower()


def split_names(value: Any) -> list[str]:
    """Jekyll's plural ``tags`` and ``categories``: a string is split on white space, a
    list kept (its empty items dropped)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value if item is not None and str(item) != ""]
    return str(value).split()


def post_tags(front: Mapping[str, Any]) -> list[str] | None:
    """``tag`` (one name, as written) wins over ``tags`` (split); None for neither."""
    if front.get("tag") is not None:
        return split_names([front["tag"]] if not isinstance(front["tag"], list)
                           else front["tag"])
    if "tags" in front:
        return split_names(front["tags"])
    return None


def post_categories(rel: str, front: Mapping[str, Any]) -> list[str]:
    """The folders above ``_posts/``, then ``categories`` (split), then ``category``."""
    before = rel.split("_posts/", 1)[0] if "_posts/" in rel else ""
    found = [part for part in before.split("/") if part]
    found += split_names(front.get("categories"))
    single = front.get("category")
    found += split_names(single if isinstance(single, list) else
                         [single] if single is not None else None)
    return list(dict.fromkeys(found))


def titleize(slug: str) -> str:
    return " ".join(word.capitalize() for word in slug.split("-") if word)


def frontmatter_defaults(defaults: list[dict[str, Any]], rel: str, kind: str) -> dict[str, Any]:
    """The ``defaults`` values that apply to ``rel`` (``kind``: "posts" or "pages"); a set
    with a longer ``scope.path``, or with a ``type``, wins over one without."""
    merged: dict[str, Any] = {}
    chosen: list[tuple[int, bool, dict[str, Any]]] = []
    for entry in defaults:
        scope: dict[str, Any] = entry["scope"] if isinstance(entry.get("scope"), dict) else {}
        kind_given = scope.get("type")
        if kind_given is not None and str(kind_given).rstrip("s") + "s" != kind:
            continue
        path = str(scope.get("path") or "").lstrip("/")
        if path and not _under_scope(rel, path):
            continue
        chosen.append((len(path), kind_given is not None, entry["values"]))
    for _, _, values in sorted(chosen, key=lambda item: (item[0], item[1])):
        merged.update(values)
    return merged


def with_defaults(defaults: Mapping[str, Any], front: Mapping[str, Any]) -> dict[str, Any]:
    """The front matter over its defaults; categories from both (Jekyll merges them)."""
    merged = {**defaults, **front}
    if "categories" in defaults and "categories" in front:
        merged["categories"] = split_names(defaults["categories"]) + split_names(
            front["categories"])
    return merged


def _under_scope(rel: str, scope: str) -> bool:
    if "*" not in scope:
        return rel.startswith(scope)
    parts = rel.split("/")
    return any(fnmatch.fnmatchcase("/".join(parts[:n]), scope) for n in range(1, len(parts) + 1))


@dataclass(frozen=True)
class _Site:
    """The settings the reader works from, read once per process."""

    settings: Mapping[str, Any]

    @cached_property
    def values(self) -> liquid.SiteValues:
        s = self.settings
        return liquid.SiteValues(s["baseurl"], s["url"], s["site"], s["posts"],
                                 frozenset(s["documents"]), s["heading_ids"])

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings["timezone"] or "UTC")


class Reader:
    def __init__(self, source: SiteSource) -> None:
        self.source = source
        self.site = _Site(source.settings)

    @property
    def settings(self) -> Mapping[str, Any]:
        return self.site.settings

    def discover(self, root: Path) -> list[str]:
        found = _walk(root, self.settings)
        return sorted(found.posts + found.drafts + found.pages)

    def is_page(self, rel: str) -> bool:
        return not _is_post(rel)

    def companions(self, rel: str) -> list[str]:
        return []

    def read(self, text: str, rel: str, companions: dict[str, str]) -> Translated:
        post = _is_post(rel)
        raw = _raw_article(text, post=post)
        front = with_defaults(frontmatter_defaults(self.settings["defaults"], rel,
                                                   "posts" if post else "pages"), raw.meta)
        house = _House(front, dict(raw.key_lines), raw.body)
        addresses = self._house_keys(house, rel)
        separator = str(front.get("excerpt_separator", self.settings["excerpt_separator"]))
        body = liquid.mark_excerpt(raw.body, separator)
        markdown = PurePosixPath(rel).suffix.lower() in self.settings["markdown_ext"]
        translation = liquid.translate(body, self.site.values, front, markdown=markdown)
        notices = raw.notices + house.notices + [
            Notice(raw.body_line + n.line - 1, n.message, n.hint) for n in translation.notices]
        article = RawArticle(house.meta, translation.body, raw.text, raw.body_line,
                             house.key_lines, notices)
        return Translated(article, addresses, translation.translated, translation.left)

    def _house_keys(self, house: _House, rel: str) -> list[str]:
        """Fill ``house`` with the house keys; the exact old paths besides the permalink."""
        if _is_post(rel):
            self._post_keys(house, rel)
        else:
            self._page_keys(house, rel)
        self._image(house)
        if "redirect_to" in house.meta:
            house.warn("redirect_to", f"redirect_to: the old site sent visitors on to "
                       f"{house.meta['redirect_to']}; Folio shows the post itself",
                       "remove the line, or link to the address from the post")
        return [self.settings["baseurl"] + "/" + str(path).lstrip("/")
                for path in split_names(house.meta.pop("redirect_from", None))
                if str(path).strip()]

    def _post_keys(self, house: _House, rel: str) -> None:
        front, meta = house.front, house.meta
        name = PurePosixPath(rel).name
        dated = DATE_NAME.match(name)
        from_name = (dated.group(2) if dated else PurePosixPath(name).stem).rstrip(".")
        slug = str(front.get("slug") or from_name).rstrip(".")
        tags = post_tags(front)
        if tags is not None:
            house.set("tags", tags, "tag" if front.get("tag") is not None else "tags")
            meta.pop("tag", None)
        categories = post_categories(rel, front)
        meta.pop("categories", None)
        if categories:
            house.set("category", categories[0], "categories", "category")
        else:
            meta.pop("category", None)
        meta["jekyll"] = {"slug": slug, "categories": categories}
        if not front.get("title"):
            house.set("title", titleize(from_name))
        if rel.split("/")[0] == "_drafts" or "/_drafts/" in rel:
            meta["draft"] = True
            if "date" not in front:
                # Jekyll dates a draft by its file's time; the time of the import that
                # read it stands in (a file's time in the settings would make every
                # touch of a draft render the whole site again).
                meta["date"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._type(house, POST)

    def _page_keys(self, house: _House, rel: str) -> None:
        front = house.front
        if not front.get("title"):
            house.set("title", _page_title(house.body, rel))
        address = page_url(rel, front.get("permalink"), self.settings["permalink_style"])
        house.set("url", folio_address(address), "permalink")
        self._type(house, PAGE)

    @staticmethod
    def _type(house: _House, kind: str) -> None:
        written = house.meta.get("type")
        if written is not None and str(written).strip().lower() != kind:
            house.meta["jekyll_type"] = written
        house.meta["type"] = kind

    def _image(self, house: _House) -> None:
        """``image: {path, alt}`` (jekyll-seo-tag), or a bare name the layouts look for in
        the site's image folder."""
        image = house.meta.get("image")
        if isinstance(image, dict):
            house.set("image", image.get("path") or image.get("url"), "image")
            if image.get("alt") and "image_alt" not in house.meta:
                house.set("image_alt", image["alt"], "image")
            image = house.meta.get("image")
        prefix = self.settings["image_prefix"]
        if isinstance(image, str) and prefix and "/" not in image and ":" not in image:
            house.set("image", prefix + image, "image")

    def old_addresses(self, meta: ArticleMeta, rel: str) -> list[str]:
        if meta.draft and not self.settings["show_drafts"]:
            return []
        base = self.settings["baseurl"]
        if meta.kind == PAGE:
            return [base + page_url(rel, meta.extra.get("permalink"),
                                    self.settings["permalink_style"])]
        if meta.published_at is None:
            return []
        parts = meta.extra.get("jekyll") or {}
        template = str(meta.extra.get("permalink") or self.settings["permalink"])
        values = url_placeholders(rel, meta.published_at.astimezone(self.site.zone),
                                  str(parts.get("slug") or meta.slug),
                                  [str(c) for c in parts.get("categories") or []])
        return [base + fill_template(template, values)]

    def site_redirects(self, tags: list[str], categories: list[str],
                       authors: list[str]) -> dict[str, str]:
        base = self.settings["baseurl"]
        redirects = {base + path: target for path, target in self.settings["feeds"].items()}
        tag_slugs = {slugify(t) for t in tags}
        category_slugs = {slugify(c) for c in categories}
        for listing in self.settings["listings"]:
            target = listing["target"]
            if listing["tag"] and slugify(listing["tag"]) in tag_slugs:
                target = f"/tags/{slugify(listing['tag'])}"
            elif listing["category"] and slugify(listing["category"]) in category_slugs:
                target = f"/categories/{slugify(listing['category'])}"
            if target is None:
                continue
            address = page_url(listing["rel"], listing["permalink"],
                               self.settings["permalink_style"])
            for path in (address, address.removesuffix(".html")):
                redirects[base + path] = target
        redirects.update(self._archives(tags, categories))
        redirects.update(self._feeds_of(tags, categories))
        return {path: target for path, target in redirects.items()
                if path and path.rstrip("/") != target.rstrip("/")}

    def _feeds_of(self, tags: list[str], categories: list[str]) -> dict[str, str]:
        """jekyll-feed's feed of each tag and category, to Folio's."""
        options, base = self.settings["feed_options"], self.settings["baseurl"]
        found = {f"{base}/feed/{name}.xml": f"/categories/{slugify(name)}/feed.xml"
                 for name in options.get("categories") or [] if name in categories}
        by_tag = options.get("tags")
        if by_tag is not None:
            folder = "/" + str(by_tag.get("path") or "/feed/by_tag/").strip("/") + "/"
            wanted = set(by_tag.get("only") or tags) - set(by_tag.get("except") or [])
            found.update({f"{base}{folder}{tag}.xml": f"/tags/{slugify(tag)}/feed.xml"
                          for tag in tags
                          if tag in wanted and re.fullmatch(r"[A-Za-z0-9_]+", tag)})
        return found

    def _archives(self, tags: list[str], categories: list[str]) -> dict[str, str]:
        """jekyll-archives' tag and category pages (``/tag/:name/``), where the site has
        the plugin and enables them."""
        options = self.settings["archives"]
        if "jekyll-archives" not in self.settings["plugins"]:
            return {}
        enabled = options.get("enabled") or []
        permalinks = options.get("permalinks") or {}
        mode = str(options.get("slug_mode") or "default")
        found = {}
        for kind, key, names in (("tags", "tag", tags), ("categories", "category", categories)):
            if enabled != "all" and kind not in enabled:
                continue
            template = str(permalinks.get(key) or f"/{key}/:name/")
            for name in names:
                path = template.replace(":name", jekyll_slugify(name, mode))
                found[self.settings["baseurl"] + path] = f"/{kind}/{slugify(name)}"
        return found


@dataclass
class _House:
    """The house metadata of one file as it is built: the front matter (with defaults) it
    comes from, and the file lines of the keys it sets."""

    front: dict[str, Any]
    key_lines: dict[str, int]
    body: str
    meta: dict[str, Any] = field(init=False)
    notices: list[Notice] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.meta = dict(self.front)

    def set(self, key: str, value: Any, *written: str) -> None:
        """Set a house key, at the line of the first of the keys it was ``written`` as."""
        self.meta[key] = value
        line = next((self.key_lines[k] for k in written if k in self.key_lines), None)
        if line is not None:
            self.key_lines[key] = line

    def warn(self, key: str, message: str, hint: str = "") -> None:
        self.notices.append(Notice(self.key_lines.get(key, 1), message, hint))


def _is_post(rel: str) -> bool:
    return any(part in POST_FOLDERS for part in rel.split("/")[:-1])


def _raw_article(text: str, *, post: bool) -> RawArticle:
    """The file's front matter and body; a post needs no front matter (Jekyll publishes it
    all the same)."""
    if post and not text.startswith("---"):
        return RawArticle({}, text, text, 1, {})
    return read_article(text, foreign=True)


def _page_title(body: str, rel: str) -> str:
    """A page with no title: its first heading, else its file's name."""
    heading = next((line[2:].strip(" #") for line in body.split("\n")
                    if line.startswith("# ")), None)
    opening = body.find("<h1")
    if heading is None and opening != -1:
        start, end = body.find(">", opening), body.find("</h1>", opening)
        heading = body[start + 1:end] if -1 < start < end else None
    title = " ".join(visible_text(heading or "").split())
    words = re.split(r"[-_\s]+", PurePosixPath(rel).stem)
    return title or " ".join(word[:1].upper() + word[1:] for word in words if word) or rel


# Addresses, as Jekyll's URL makes them.

def page_url(rel: str, permalink: Any, style: str) -> str:
    """A page's address on the old site, without the base URL: ``/about.html``,
    ``/about/`` (pretty), ``/team/`` for ``team/index.md``, or its ``permalink``."""
    path = PurePosixPath(rel)
    folder = "" if str(path.parent) == "." else f"/{path.parent}"
    if permalink:
        template = str(permalink)
    elif path.stem == "index":
        template = "/:path/"
    else:
        template = "/:path/:basename"
        template += page_suffix(style)
    values = {"path": folder, "basename": path.stem, "output_ext": ".html"}
    return fill_template(template, values)


def page_suffix(style: str) -> str:
    """What Jekyll's ``add_permalink_suffix`` ends a page's address with, by the site's
    ``permalink`` style."""
    if style == "pretty":
        return "/"
    if style in ("date", "ordinal", "none"):
        return ":output_ext"
    return "/" if style.endswith("/") else ":output_ext" if style.endswith(":output_ext") else ""


def folio_address(old: str) -> str:
    """The Folio address of a page Jekyll served at ``old``: lower case, no ``.html``, no
    ``index``, each segment made of what a page address may hold."""
    path = old.split("?", 1)[0].split("#", 1)[0]
    path = re.sub(r"(?:/index)?\.html?$", "", path).strip("/")
    segments = [re.sub(r"[^a-z0-9._-]+", "-", segment.lower()).strip("-._")
                for segment in path.split("/")]
    address = "/".join(s for s in segments if s)
    return "/" + (address or "home")  # the site's own home page: Folio's lists the posts


def url_placeholders(rel: str, moment: dt.datetime, slug: str,
                     categories: list[str]) -> dict[str, str]:
    """The values Jekyll's UrlDrop gives a post's permalink placeholders."""
    name = PurePosixPath(rel)
    inside = rel.split("_posts/", 1)[-1] if "_posts/" in rel else rel.split("_drafts/", 1)[-1]
    return {
        "year": f"{moment.year:04d}", "month": f"{moment.month:02d}",
        "day": f"{moment.day:02d}", "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}", "second": f"{moment.second:02d}",
        "i_day": str(moment.day), "i_month": str(moment.month),
        "short_month": MONTHS[moment.month - 1][:3], "long_month": MONTHS[moment.month - 1],
        "short_year": f"{moment.year % 100:02d}", "w_year": str(moment.isocalendar()[0]),
        "week": f"{moment.isocalendar()[1]:02d}", "w_day": str(moment.isoweekday()),
        "short_day": DAYS[moment.weekday()][:3], "long_day": DAYS[moment.weekday()],
        "y_day": moment.strftime("%j"),
        "title": jekyll_slugify(slug, "pretty", cased=True),
        "slug": jekyll_slugify(slug), "name": jekyll_slugify(name.stem),
        "categories": "/".join(dict.fromkeys(c.lower() for c in categories)),
        "path": "/" + str(PurePosixPath(inside).with_suffix("")),
        "collection": "posts", "output_ext": ".html",
    }


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """Jekyll's URL: each ``:placeholder`` replaced by its escaped value, then the path
    sanitised (a leading slash, no ``..``, no empty segments)."""
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        for key in (name, name.rstrip("_")):
            if key in values:
                return escape_path(values[key]) + match.group(0)[1 + len(key):]
        return match.group(0)

    filled = re.sub(r":([a-z_]+)", replace, template)
    sanitised = ("/" + filled).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", sanitised)


def escape_path(value: str) -> str:
    """Jekyll's ``URL.escape_path``: percent-encoding, as Addressable writes it."""
    if not value or re.fullmatch(r"[a-zA-Z0-9./-]+", value):
        return value
    return quote(value, safe="/:@!$&'()*+,;=~-._?#").replace("#", "%23", 1)

