"""Pelican sites: ``pelicanconf.py`` at the root, articles and pages under ``PATH``.

A Pelican article starts with ``Key: value`` lines (Python-Markdown's ``meta`` extension,
which Pelican's Markdown reader uses): keys in any case, a line indented four spaces goes on
with the value above, the first blank line ends them. A ``---`` block is read the same way, or
as YAML where the pelican-yaml-metadata plugin is on (or the lines are no ``Key: value``).
A notebook (``.ipynb``) takes its metadata from the ``.ipynb-meta`` or ``.nbdata`` file beside
it, in the same format. The metadata becomes the house keys as Pelican reads it: dates in
``TIMEZONE``, ``Authors`` and ``Tags`` split on commas (semicolons when there are any), the
category from the header, else the file's folder, else ``DEFAULT_CATEGORY``; the slug from
the title; ``Status: draft`` a draft. ``Status: hidden`` (published, listed nowhere) has no
equivalent in Folio: the post is published and ``status: hidden`` kept in its extra data.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import html
import os
import posixpath
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from app.content.pages import PAGE
from app.content.problems import ContentError, Notice
from app.content.reader import RawArticle, read_article
from app.content.sites.base import (
    SiteConfig,
    SiteSource,
    Translated,
    read_config_text,
)
from app.content.sites.pelican_config import (
    CONFIG_FILE,
    MARKDOWN_EXTENSIONS,
    PUBLISH_FILE,
    ReadSettings,
    effective,
    is_used,
    iso,
    pelican_date,
    pelican_slugify,
    read_settings,
)
from app.content.sites.pelican_links import link_target, translate_body
from app.content.slugs import slugify

if TYPE_CHECKING:
    from app.content.metadata import ArticleMeta

ENGINE = "pelican"
NOTEBOOK_SUFFIX = ".ipynb"
SIDECARS = ("-meta", ".nbdata")  # pelican-ipynb's name.ipynb-meta, pelican-jupyter's name.nbdata
UNSUPPORTED_SUFFIXES = (".rst", ".html", ".htm")  # read by Pelican, not rendered by Folio
# Python-Markdown's meta extension (markdown.extensions.meta).
_META = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
_META_MORE = re.compile(r"^[ ]{4,}(?P<value>.*)")
_BEGIN = re.compile(r"^-{3}(\s.*)?$")
_END = re.compile(r"^(-{3}|\.{3})(\s.*)?$")
# Keys Pelican reads once (pelican.readers.DUPLICATES_DEFINITIONS_ALLOWED): the first wins.
_SINGLE = frozenset({"tags", "date", "modified", "status", "category", "author", "save_as",
                     "url", "authors", "slug"})
_LISTS = frozenset({"tags", "authors"})
_STATUSES = ("published", "hidden", "draft", "skip")
# Pelican keys whose name means something else in the house format.
_RENAMED = {"url": "pelican_url", "type": "pelican_type"}
_TAG = re.compile(r"<[^>]*>")
# Folio's listing pages for Pelican's direct templates.
_DIRECT = {"index": "/", "tags": "/tags/", "categories": "/categories/",
           "authors": "/authors/", "archives": "/archive/"}
_FEEDS = {"ATOM": "feed.xml", "RSS": "rss.xml"}
_TAXONOMY = (("CATEGORY", "categories"), ("AUTHOR", "authors"), ("TAG", "tags"))


def find_config(root: Path) -> Path | None:
    config = root / CONFIG_FILE
    return config if config.is_file() else None


def configure(root: Path, config: Path) -> SiteConfig:
    """The site's settings from pelicanconf.py (and publishconf.py on top, which the live
    site was built with), read without running either. Raises ConfigError for a file that
    cannot be read or is not Python."""
    read = read_settings(read_config_text(config, CONFIG_FILE), CONFIG_FILE)
    publish = root / PUBLISH_FILE
    if publish.is_file():
        text = read_config_text(publish, PUBLISH_FILE)
        if re.search(r"^from\s+pelicanconf\s+import\s+\*", text, re.MULTILINE):
            read = read_settings(text, PUBLISH_FILE, read)
    settings, notices = effective(read, root)
    overrides: dict[str, Any] = {
        "timezone": settings["TIMEZONE"],
        # Pelican writes each file of PATH at its path there: /images/a.png is
        # content/images/a.png.
        "static_dirs": (settings["PATH"],),
        # Pelican has no maths of its own: without a plugin (render_math), \\[ is a bracket.
        "maths": _has_plugin(settings, "math"),
        "math_inline_dollars": _has_plugin(settings, "math"),
    }
    author = settings.get("AUTHOR")
    if isinstance(author, str) and slugify(author):
        overrides["default_author"] = " ".join(author.split())
    # Where the old site was served, so links to it in bodies lead to the posts (base.py).
    settings["base_url"] = str(settings.get("SITEURL") or "")
    return SiteConfig(
        _source(root, settings), CONFIG_FILE, overrides,
        taken=_taken(read),
        unread=sorted([*read.unread.values(), *notices], key=lambda n: n.line))


def _taken(read: ReadSettings) -> list[str]:
    return [f"{name}: {value!r}" for name, value in sorted(read.values.items())
            if is_used(name)]


# liquid_tags' notebook tag: {% notebook path [cells[start:end]] [language[name]] %}.
NOTEBOOK_TAG = re.compile(r"\{%-?\s*notebook\s+(?P<src>\S+)"
                          r"(?:\s+cells\[(?P<start>-?\d*):(?P<end>-?\d*)\])?[^%]*-?%\}")
EMBEDS = "notebook_embeds"  # settings key: the notebooks each Markdown file embeds


def _source(root: Path, settings: dict[str, Any]) -> SiteSource:
    """The site's source; with the liquid_tags plugin, the notebooks each Markdown file embeds
    with ``{% notebook %}``, found now, while the files are at hand: the readers in the import's
    workers get them as companion files (an index, kept out of the fingerprint)."""
    if not _has_plugin(settings, "liquid_tags"):
        return SiteSource.of(ENGINE, settings)
    reader = Reader(SiteSource.of(ENGINE, settings))
    folder = _notebook_folder(settings)
    embeds: dict[str, list[str]] = {}
    for rel in reader.discover(root):
        if not rel.lower().endswith(reader.markdown):
            continue
        text = (root / rel).read_bytes()[:MAX_EMBEDDING_BYTES].decode("utf-8", "replace")
        if "notebook" not in text:
            continue
        found = sorted({_normal(posixpath.join(folder, match.group("src")))
                        for match in NOTEBOOK_TAG.finditer(text)})
        if found:
            embeds[rel] = found
    settings[EMBEDS] = embeds
    return SiteSource.of(ENGINE, settings, index_keys=(EMBEDS,))


MAX_EMBEDDING_BYTES = 4 * 1024 * 1024  # an article longer than this embeds nothing more


def _notebook_folder(settings: dict[str, Any]) -> str:
    """Where liquid_tags finds a tag's notebook: NOTEBOOK_DIR (default ``notebooks``) in PATH."""
    return posixpath.join(str(settings["PATH"]), str(settings.get("NOTEBOOK_DIR") or "notebooks"))

def _has_plugin(settings: dict[str, Any], word: str) -> bool:
    return any(word in str(plugin).lower() for plugin in settings.get("PLUGINS") or [])


class Reader:
    """Pelican's generators and readers, as far as Folio needs them."""

    def __init__(self, source: SiteSource) -> None:
        self.source = source
        self.settings = source.settings
        self.path = str(self.settings["PATH"])
        self.zone = ZoneInfo(self.settings["TIMEZONE"])
        self.notebooks = (_has_plugin(self.settings, "ipynb")
                          or _has_plugin(self.settings, "jupyter")
                          or "ipynb" in (self.settings.get("MARKUP") or [])
                          or bool((self.settings.get("READERS") or {}).get("ipynb")))
        readers = self.settings.get("READERS") or {}
        self.markdown = tuple(f".{ext}" for ext in MARKDOWN_EXTENSIONS
                              if ext not in readers or readers[ext])

    # Finding the files.

    def discover(self, root: Path) -> list[str]:
        """Articles under PATH/ARTICLE_PATHS (PAGE_PATHS excluded) and pages under
        PATH/PAGE_PATHS, as Pelican's generators find them: IGNORE_FILES and the *_EXCLUDES
        folders skipped, hidden files too. Markdown files, and notebooks where a notebook
        plugin is on or metadata sits beside them."""
        found = self._files(root, "ARTICLE", "PAGE") | self._files(root, "PAGE", "ARTICLE")
        return sorted(rel for rel in found if self._readable(root, rel))

    def skipped(self, root: Path) -> list[str]:
        """Files Pelican would have read that Folio does not (reStructuredText, HTML)."""
        found = self._files(root, "ARTICLE", "PAGE") | self._files(root, "PAGE", "ARTICLE")
        return sorted(rel for rel in found if rel.lower().endswith(UNSUPPORTED_SUFFIXES))

    def _files(self, root: Path, kind: str, other: str) -> set[str]:
        excluded = {_normal(e) for e in [*self.settings[f"{kind}_EXCLUDES"],
                                         *self.settings[f"{other}_PATHS"]] if _normal(e)}
        found: set[str] = set()
        for folder in self.settings[f"{kind}_PATHS"]:
            inside = _normal(str(folder))
            if inside.startswith("../") or inside == "..":
                continue
            start = root / self.path / inside
            if start.is_file() and not start.is_symlink():
                found.add(self._rel(inside))
            elif start.is_dir() and not start.is_symlink():
                found.update(self._walk(start, inside, excluded))
        return found

    def _walk(self, start: Path, inside: str, excluded: set[str]) -> set[str]:
        found: set[str] = set()
        for directory, folders, names in os.walk(start):  # symbolic links to folders: not
            here = _normal(posixpath.join(inside, Path(directory).relative_to(start).as_posix()))
            folders[:] = [name for name in folders
                          if not self._ignored(name)
                          and _normal(posixpath.join(here, name)) not in excluded]
            found.update(self._rel(posixpath.join(here, name)) for name in names
                         if not self._ignored(name))
        return found

    def _ignored(self, name: str) -> bool:
        return name.startswith(".") or any(
            fnmatch.fnmatch(name, str(pattern)) for pattern in self.settings["IGNORE_FILES"])

    def _rel(self, inside: str) -> str:
        return _normal(posixpath.join(self.path, inside))

    def _readable(self, root: Path, rel: str) -> bool:
        lowered = rel.lower()
        if lowered.endswith(self.markdown):
            return True
        return lowered.endswith(NOTEBOOK_SUFFIX) and (self.notebooks or any(
            (root / sidecar).is_file() for sidecar in self.companions(rel)))

    def is_page(self, rel: str) -> bool:
        inside = self._inside(rel)
        if inside is None:
            return False
        excluded = [_normal(e) for e in self.settings["PAGE_EXCLUDES"] if _normal(e)]
        return any(_under(inside, _normal(str(folder))) for folder in self.settings["PAGE_PATHS"]
                   ) and not any(_under(inside, folder) for folder in excluded)

    def _inside(self, rel: str) -> str | None:
        """``rel`` (from the root) as Pelican's source path, from PATH."""
        if self.path == ".":
            return rel
        return rel[len(self.path) + 1:] if rel.startswith(self.path + "/") else None

    def companions(self, rel: str) -> list[str]:
        """A notebook's metadata file beside it; a Markdown file's embedded notebooks."""
        if not rel.lower().endswith(NOTEBOOK_SUFFIX):
            return list((self.settings.get(EMBEDS) or {}).get(rel, []))
        return [rel + SIDECARS[0], rel[:-len(NOTEBOOK_SUFFIX)] + SIDECARS[1]]

    # Reading one file.

    def read(self, text: str, rel: str, companions: dict[str, str] | None = None
             ) -> Translated:
        """The file's house metadata and translated body. Raises ContentError for a
        notebook Folio cannot read."""
        if rel.lower().endswith(NOTEBOOK_SUFFIX):
            return self._read_notebook(text, rel, companions or {})
        fields, body, body_line, notices = self._header(text)
        meta, key_lines, more, addresses = self._house(fields, rel)
        body, embedded = self._embed_notebooks(body, rel, companions or {})
        translation = translate_body(body, body_line, rel, self.path,
                                     served_from=self._served_from(meta, rel))
        translation.translated["notebook"] += embedded
        raw = RawArticle(meta, translation.body, text, body_line, key_lines,
                         [*notices, *more, *translation.notices])
        return Translated(raw, addresses, translation.translated, translation.left)

    def _embed_notebooks(self, body: str, rel: str, companions: dict[str, str]
                         ) -> tuple[str, int]:
        """``{% notebook x.ipynb cells[1:3] %}`` replaced by those cells rendered as the
        notebook's own article would be (never executed), as liquid_tags did; the count
        replaced. A tag whose notebook was not found at import stays, for translate_body to
        report as left."""
        embedded = (self.settings.get(EMBEDS) or {}).get(rel)
        if not embedded:
            return body, 0
        from app.content.notebooks import notebook_body  # nbformat: only when needed

        folder = _notebook_folder(self.settings)
        count = 0

        def embed(match: re.Match[str]) -> str:
            nonlocal count
            text = companions.get(_normal(posixpath.join(folder, match.group("src"))))
            if text is None:
                return match.group(0)
            start, end = match.group("start"), match.group("end")
            cells = slice(int(start) if start else None, int(end) if end else None) \
                if start is not None else None
            try:
                rendered = notebook_body(text, cells)
            except ContentError:
                return match.group(0)
            count += 1
            return "\n\n" + rendered.strip("\n") + "\n\n"

        return NOTEBOOK_TAG.sub(embed, body), count

    def _header(self, text: str) -> tuple[dict[str, tuple[Any, int]], str, int, list[Notice]]:
        lines_read = parse_header(text)
        if _BEGIN.match(text.split("\n", 1)[0]) and (
                _has_plugin(self.settings, "yaml") or not lines_read.closed):
            try:
                raw = read_article(text, foreign=True)
            except ContentError:
                pass  # not YAML either: the lines as Pelican's own reader took them
            else:
                fields = {str(key).lower(): (value, raw.line_of(str(key)))
                          for key, value in raw.meta.items()}
                return fields, raw.body, raw.body_line, raw.notices
        return lines_read.fields, lines_read.body, lines_read.body_line, lines_read.notices

    def _read_notebook(self, text: str, rel: str, companions: dict[str, str]) -> Translated:
        try:
            from app.content.notebooks import notebook_body, notebook_meta
        except ImportError:
            raise ContentError(1, "notebooks cannot be read by this version of Folio",
                               "convert the notebook to Markdown") from None
        sidecar = next((companions[path] for path in self.companions(rel)
                        if path in companions), None)
        if sidecar is not None:
            # Its lines are not the notebook's: errors point at the notebook's first line.
            fields = {key: (value, 1) for key, (value, _) in parse_header(sidecar).fields.items()}
        else:
            fields = {str(key).lower(): (value, 1) for key, value in notebook_meta(text).items()}
        meta, key_lines, notices, addresses = self._house(fields, rel)
        translation = translate_body(notebook_body(text), 1, rel, self.path, code_markers=False,
                                     served_from=self._served_from(meta, rel))
        raw = RawArticle(meta, translation.body, text, 1, key_lines,
                         [*notices, *translation.notices])
        return Translated(raw, addresses, translation.translated, translation.left)

    def _house(self, fields: dict[str, tuple[Any, int]], rel: str
               ) -> tuple[dict[str, Any], dict[str, int], list[Notice], list[str]]:
        """Pelican's metadata of the file (defaults, path, header: later wins) as house keys,
        their lines, notices, and the addresses the header itself gives (URL, Save_as)."""
        page = self.is_page(rel)
        found: dict[str, tuple[Any, int]] = {**self._defaults(page), **self._from_path(
            self._inside(rel) or rel)}
        found.update({key: value for key, value in fields.items() if not _discarded(key, value)})
        house = _House(self, found, page, rel)
        return house.meta, house.lines, house.notices, house.addresses

    def _defaults(self, page: bool) -> dict[str, tuple[Any, int]]:
        """DEFAULT_METADATA, DEFAULT_CATEGORY and DEFAULT_DATE (pelican.readers.
        default_metadata)."""
        found = {str(key).lower(): (value, 1)
                 for key, value in (self.settings.get("DEFAULT_METADATA") or {}).items()}
        if self.settings.get("DEFAULT_CATEGORY") and self.settings.get("CATEGORY_SAVE_AS"):
            found["category"] = (self.settings["DEFAULT_CATEGORY"], 1)
        default_date = self.settings.get("DEFAULT_DATE")
        if isinstance(default_date, str) and default_date != "fs":
            found["date"] = (default_date, 1)
        elif isinstance(default_date, list) and 3 <= len(default_date) <= 7:
            found["date"] = ("-".join(str(part) for part in default_date[:3]) + " " + ":".join(
                f"{int(part):02d}" for part in (default_date[3:6] or [0, 0])), 1)
        return found

    def _from_path(self, source_path: str) -> dict[str, tuple[Any, int]]:
        """EXTRA_PATH_METADATA, FILENAME_METADATA, PATH_METADATA and the folder as category
        (pelican.readers.path_metadata and parse_path_metadata)."""
        found: dict[str, tuple[Any, int]] = {}
        for path, extra in sorted((self.settings.get("EXTRA_PATH_METADATA") or {}).items()):
            if isinstance(extra, dict) and (source_path == path or source_path.startswith(
                    posixpath.join(path, ""))):
                found.update({str(k).lower(): (v, 1) for k, v in extra.items() if k != "path"})
        folder, name = posixpath.split(source_path)
        checks = [(self.settings.get("FILENAME_METADATA"), posixpath.splitext(name)[0]),
                  (self.settings.get("PATH_METADATA"), source_path)]
        if self.settings.get("USE_FOLDER_AS_CATEGORY") and self.settings.get(
                "CATEGORY_SAVE_AS"):
            checks.append(("(?P<category>.*)", posixpath.basename(folder)))
        from_path: dict[str, tuple[Any, int]] = {}
        for pattern, data in checks:
            if not (pattern and data and isinstance(pattern, str)):
                continue
            try:
                match = re.match(pattern, data)
            except re.error:
                continue
            for key, value in (match.groupdict() if match else {}).items():
                if value is not None and key.lower() not in from_path and not _discarded(
                        key.lower(), (value, 1)):
                    from_path[key.lower()] = (value, 1)
        return {**found, **from_path}

    # Addresses.

    def old_addresses(self, meta: ArticleMeta, rel: str) -> list[str]:
        """ARTICLE_URL and ARTICLE_SAVE_AS (PAGE_*, *_LANG_* for another language) formatted
        as Pelican does, with the post's slug, date (in its time zone), category, author, lang
        and any other metadata. A draft had no public address."""
        if meta.draft:
            return []
        prefix = "PAGE" if meta.kind == PAGE else "ARTICLE"
        lang = str(meta.extra.get("lang") or self.settings["DEFAULT_LANG"])
        if lang.lower() != str(self.settings["DEFAULT_LANG"]).lower():
            prefix += "_LANG"
        keys = [key for key, own in ((f"{prefix}_URL", "pelican_url"),
                                     (f"{prefix}_SAVE_AS", "save_as")) if own not in meta.extra]
        has_author = "authors" in meta.key_lines or self.settings.get("AUTHOR")
        context = self._url_context(
            meta.extra, str(meta.extra.get("pelican_slug", meta.slug)), meta.published_at,
            meta.category if meta.kind != PAGE else None, meta.author if has_author else "",
            lang, rel)
        found: list[str] = []
        for key in keys:
            address = _formatted(self.settings.get(key), context)
            if address is not None and address not in found:
                found.append(address)
        return found

    def _url_context(self, extra: dict[str, Any], slug: str, date: dt.datetime | None,
                     category: str | None, author: str, lang: str, rel: str
                     ) -> dict[str, Any]:
        """What Pelican formats a URL setting with (Content.url_format): the metadata, and
        the slug, date in the post's zone, slugs of the category and first author, lang and
        the source path. A page's category is the default one."""
        context = {str(key): value for key, value in extra.items()}
        zone = self.zone
        if isinstance(extra.get("timezone"), str):
            zone = _zone(extra["timezone"]) or zone
        if date is not None:
            context["date"] = date.astimezone(zone)
        context.update({
            "slug": slug,
            "lang": lang,
            "path": self._inside(rel) or rel,
            "author": pelican_slugify(author, self.settings, "AUTHOR"),
            "category": pelican_slugify(
                str(category or self.settings.get("DEFAULT_CATEGORY") or ""), self.settings,
                "CATEGORY"),
        })
        return context

    def _served_from(self, meta: dict[str, Any], rel: str) -> str | None:
        """The folder of the old site the file was served from (its SAVE_AS), when it is
        not the file's own folder in PATH; None when they are the same, or it is unknown."""
        save_as = meta.get("save_as")
        if not (isinstance(save_as, str) and save_as.strip()):
            page = meta.get("type") == PAGE
            lang = str(meta.get("lang") or self.settings["DEFAULT_LANG"])
            prefix = "PAGE" if page else "ARTICLE"
            if lang.lower() != str(self.settings["DEFAULT_LANG"]).lower():
                prefix += "_LANG"
            try:
                date = dt.datetime.fromisoformat(str(meta.get("date")))
            except ValueError:
                date = None
            authors = meta.get("authors") or [self.settings.get("AUTHOR") or ""]
            context = self._url_context(meta, str(meta.get("slug", "")), date,
                                        None if page else meta.get("category"),
                                        str(authors[0]), lang, rel)
            save_as = _formatted(self.settings.get(f"{prefix}_SAVE_AS"), context)
            if save_as is None:
                return None
        folder = posixpath.dirname(posixpath.normpath("/" + save_as.strip().lstrip("/")))[1:]
        own = posixpath.dirname(self._inside(rel) or rel)
        return None if folder == own else folder

    def site_redirects(self, tags: list[str], categories: list[str],
                       authors: list[str]) -> dict[str, str]:
        """The old site's tag, category and author pages and their feeds, its site-wide feeds
        and listing pages, each leading to Folio's own."""
        found: dict[str, str] = {}
        for key, target in (("FEED_ATOM", "/feed.xml"), ("FEED_ALL_ATOM", "/feed.xml"),
                            ("FEED_RSS", "/rss.xml"), ("FEED_ALL_RSS", "/rss.xml")):
            for setting in (key, f"{key}_URL"):
                self._add(found, setting, {}, target)
        # Pelican's own listing pages, whether DIRECT_TEMPLATES names them or not: an address
        # the old site did not have costs nothing.
        for template, listing in _DIRECT.items():
            for suffix in ("SAVE_AS", "URL"):
                pattern = self.settings.get(f"{template.upper()}_{suffix}", f"{template}.html")
                if isinstance(pattern, str) and pattern:
                    found["/" + pattern.lstrip("/")] = listing
        names = {"CATEGORY": categories, "AUTHOR": authors, "TAG": tags}
        for kind, prefix in _TAXONOMY:  # Pelican writes category, author, then tag feeds
            for name in names[kind]:
                slug = slugify(name)
                if not slug:
                    continue
                context = {"slug": pelican_slugify(name, self.settings, kind), "name": name}
                for setting in (f"{kind}_URL", f"{kind}_SAVE_AS"):
                    self._add(found, setting, context, f"/{prefix}/{slug}")
                for feed, file in _FEEDS.items():
                    for setting in (f"{kind}_FEED_{feed}", f"{kind}_FEED_{feed}_URL"):
                        self._add(found, setting, context, f"/{prefix}/{slug}/{file}")
        return found

    def _add(self, found: dict[str, str], setting: str, context: dict[str, Any],
             target: str) -> None:
        address = _formatted(self.settings.get(setting), context)
        if address is not None:
            found[address] = target


def _formatted(pattern: Any, context: dict[str, Any]) -> str | None:
    """A Pelican URL setting formatted with ``context`` (``str.format``, as Pelican does), as
    a path from the site's root; None for an unset one or one naming what is unknown."""
    if not isinstance(pattern, str) or not pattern:
        return None
    try:
        address = pattern.format(**context)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        return None
    return "/" + address.lstrip("/") if address.strip("/") else None


def _normal(path: str) -> str:
    """A folder setting as a POSIX path from PATH ('' and '.' are PATH itself)."""
    normal = posixpath.normpath(path.replace("\\", "/")) if path else "."
    return "" if normal == "." else normal


def _under(path: str, folder: str) -> bool:
    return not folder or path == folder or path.startswith(folder + "/")


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None


def _discarded(key: str, found: tuple[Any, int]) -> bool:
    """Pelican drops an empty tag list, status, category, author or slug."""
    value = found[0]
    return key in ("tags", "authors", "status", "category", "author", "slug") and (
        value is None or (isinstance(value, str | list) and not _items(value)))


def _items(value: Any) -> list[str]:
    """A tag or author list as Pelican splits it (pelican.readers.ensure_metadata_list): a
    list as it is, else on semicolons if there are any, else on commas; stripped, without
    empty or repeated items."""
    if isinstance(value, list):
        parts = [str(item) for item in value if item is not None]
    else:
        text = str(value)
        parts = text.split(";") if ";" in text else text.split(",")
    return list(dict.fromkeys(item.strip() for item in parts if item.strip()))


class _Header:
    """The ``Key: value`` lines at the top of a file, as Python-Markdown's meta extension
    reads them."""

    def __init__(self) -> None:
        self.fields: dict[str, tuple[Any, int]] = {}
        self.body = ""
        self.body_line = 1
        self.closed = False  # a --- block ended by its closing line
        self.notices: list[Notice] = []


def parse_header(text: str) -> _Header:
    """``text``'s header fields by lower-cased key, with the line each starts on; and the body
    after it. A line indented four spaces goes on with the value above; a repeated key or a
    value over several lines is kept whole, with a notice where Pelican took less."""
    header = _Header()
    lines = text.split("\n")
    index = 1 if lines and _BEGIN.match(lines[0]) else 0
    values: dict[str, list[list[str]]] = {}
    starts: dict[str, int] = {}
    key = None
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip() or _END.match(line):
            header.closed = bool(_END.match(line))
            break
        if (found := _META.match(line)) is not None:
            key = found.group("key").lower()
            values.setdefault(key, []).append([found.group("value").strip()])
            starts.setdefault(key, index)
        elif key is not None and (more := _META_MORE.match(line)) is not None:
            values[key][-1].append(more.group("value").strip())
        else:
            index -= 1
            break
    header.body = "\n".join(lines[index:])
    header.body_line = index + 1
    for key, definitions in values.items():
        header.fields[key] = (_joined(key, definitions, starts[key], header.notices),
                              starts[key])
    return header


def _joined(key: str, definitions: list[list[str]], line: int, notices: list[Notice]) -> Any:
    if len(definitions) > 1 and key in _SINGLE:
        notices.append(Notice(line, f"{key} is given {len(definitions)} times; the first is "
                              "used, as Pelican did", "remove the others"))
        definitions = definitions[:1]
    values = [("," if key in _LISTS else "\n" if key == "summary" else " ").join(parts)
              for parts in definitions]
    if len(definitions[0]) > 1 and key != "summary":
        pelican = "read only the first" if key in _SINGLE else "kept them apart, as a list"
        notices.append(Notice(line, f"{key} goes on over {len(definitions[0])} lines; Pelican "
                              f"{pelican}, Folio joins them", "write it on one line"))
    return values[0] if len(values) == 1 else values


class _House:
    """One file's Pelican metadata as house keys (pelican.contents.Content.__init__)."""

    def __init__(self, reader: Reader, found: dict[str, tuple[Any, int]], page: bool,
                 rel: str) -> None:
        self.reader, self.settings, self.found, self.page, self.rel = (
            reader, reader.settings, found, page, rel)
        self.meta: dict[str, Any] = {}
        self.lines: dict[str, int] = {}
        self.notices: list[Notice] = []
        self.addresses: list[str] = []
        self._status()
        self._people_and_dates()
        self._slug(reader._inside(rel) or rel)
        if not page:
            self._filing()
        self._summary()
        self._own_addresses()
        for key, (value, line) in found.items():
            if key not in self.meta and key not in _HANDLED:
                self._put(_RENAMED.get(key, key), _plain_value(value), line)

    def _put(self, key: str, value: Any, line: int) -> None:
        self.meta[key] = value
        self.lines[key] = line

    def _text(self, key: str) -> tuple[str, int] | None:
        if key not in self.found:
            return None
        value, line = self.found[key]
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        return text.strip(), line

    def _status(self) -> None:
        status = self._text("status")
        written, line = status if status else ("published", 1)
        kind = written.lower()
        if kind not in _STATUSES:
            self.notices.append(Notice(line, f"status: {written!r} is not one Pelican knows "
                                       "(it skipped the file); imported as a draft",
                                       "write it as: Status: published"))
        elif kind == "skip":
            self.notices.append(Notice(line, "status: skip: Pelican left this file out; "
                                       "imported as a draft", "delete the file, or publish it"))
        if kind != "published":
            self._put("status", kind, line)
        if kind not in ("published", "hidden"):
            self._put("draft", True, line)
        if self.page:
            self._put("type", PAGE, line)
            if kind == "published" and self.settings.get("DISPLAY_PAGES_ON_MENU"):
                self._put("menu", "main", line)

    def _people_and_dates(self) -> None:
        if (title := self._text("title")) is not None:
            self._put("title", *title)
        for key in ("authors", "author"):
            if key in self.found:
                value, line = self.found[key]
                names = _items(value) if key == "authors" else [str(value).strip()]
                self._put("authors", names, line)
                break
        zone = self.reader.zone
        if (named := self._text("timezone")) is not None:
            zone = _zone(named[0]) or zone
        for key, house in (("date", "date"), ("modified", "updated")):
            if (text := self._text(key)) is not None:
                written = text[0].replace("_", " ") if key == "date" else text[0]
                moment = pelican_date(written, zone)
                self._put(house, iso(moment) if moment else text[0], text[1])

    def _slug(self, source_path: str) -> None:
        if (slug := self._text("slug")) is not None:
            value, line = slug
        else:
            source = self.settings.get("SLUGIFY_SOURCE")
            title = self._text("title")
            if source == "basename":
                written, line = PurePosixPath(source_path).stem, 1
            elif title is not None:
                written, line = title
            else:
                return
            value = pelican_slugify(written, self.settings)
        self._put("slug", value, line)
        if slugify(value) != value:
            self._put("pelican_slug", value, line)  # the old addresses spell it so

    def _filing(self) -> None:
        if (category := self._text("category")) is not None:
            self._put("category", *category)
        if "tags" in self.found:
            value, line = self.found["tags"]
            self._put("tags", _items(value), line)

    def _summary(self) -> None:
        if (summary := self._text("summary")) is not None:
            self._put("excerpt", _plain_summary(summary[0]), summary[1])

    def _own_addresses(self) -> None:
        for key in ("url", "save_as"):
            if (written := self._text(key)) is not None and written[0]:
                self.addresses.append("/" + written[0].lstrip("/"))
        if (image := self._text("image")) is not None and image[0].startswith(("{", "|")):
            target = link_target(image[0], self.rel, self.reader.path)
            if target is not None:
                self._put("image", target, image[1])


# Pelican keys _House turns into house keys of its own.
_HANDLED = frozenset({"title", "date", "modified", "author", "authors", "slug", "category",
                      "tags", "summary", "status"})


def _plain_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _plain_summary(text: str) -> str:
    """A summary (Markdown, which Pelican renders) as the plain text of an excerpt."""
    import markdown

    rendered = markdown.markdown(text)
    return " ".join(html.unescape(_TAG.sub("", rendered.replace("\n", " "))).split())
