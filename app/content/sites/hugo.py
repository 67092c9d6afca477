"""Hugo sites: the configuration, the content folder's layout, front matter as Hugo reads it,
and the addresses Hugo gave each page. Shortcodes are :mod:`app.content.sites.shortcodes`'.

Built to what Hugo 0.111 (Debian's) does, asked of the engine itself where its documentation
was unclear:

- The site is recognised by ``hugo.toml|yaml|json``, ``config.toml|yaml|json`` or
  ``config/_default/`` (its files merged as Hugo merges them: ``hugo.*`` and ``config.*`` at
  the top, ``params.toml`` under ``params``..., then ``config/production/`` over them, the
  environment ``hugo`` builds for). Keys are case-insensitive.
- Content is the ``.md``/``.markdown`` files under ``contentDir``. A folder holding an
  ``index.md`` is a leaf bundle: that file is the page, everything else in it a resource
  (Markdown there too). ``headless: true`` bundles and pages with ``_build``/``build``
  ``render: never`` (or false) are not published, and not read. Files of another language than
  ``defaultContentLanguage`` (``about.fr.md``) are left out: Folio has one language.
- What is a post: a dated file in any section (the first folder under the content folder).
  Files at the top of the content folder (``about.md``, ``about/index.md``) are pages, as are
  undated files (Folio's posts need a date); a page keeps its Hugo address (``/docs/guide``).
- ``_index.md`` (a section's list page): the home page's and those of the main sections
  (``params.mainSections``, else ``post``, ``posts`` and the biggest section, as Hugo picks)
  list posts, which Folio's own lists do; any other with text of its own is a page at the
  section's address.
- Dates are read as Hugo's ``[frontmatter]`` setting says (by default ``date``, else
  ``publishDate``, else ``lastmod``), in ``timeZone`` when they carry no offset. A
  ``publishDate`` later than ``date`` hides the post until then: it becomes the post's date,
  and the written ``date`` is kept as ``hugo_date``. ``expiryDate`` is when it disappears.
- Addresses (``old_addresses``): ``url``, else the section's ``permalinks`` pattern, else the
  content path (``slug`` replacing the file's name), sanitised and lower-cased as Hugo makes
  paths, under the base URL's path; ``uglyURLs`` ends them in ``.html``. ``aliases`` are
  resolved as Hugo writes them: one without a leading ``/`` from the page's own folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import posixpath
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from app.content.metadata import MODELLED_KEYS, parse_datetime
from app.content.pages import ADDRESS_REGEX
from app.content.problems import ContentError, Notice
from app.content.reader import MAX_FILE_BYTES, RawArticle, read_article
from app.content.sites import shortcodes
from app.content.sites.base import (
    ConfigError,
    SiteConfig,
    SiteSource,
    Translated,
    read_config_text,
)
from app.content.slugs import slugify
from app.content.values import storable

if TYPE_CHECKING:
    from app.content.metadata import ArticleMeta

ENGINE = "hugo"
CONFIG_FILES = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json")
# Names other tools use too: taken as Hugo's only beside a Hugo site's folders or settings.
GENERIC_CONFIG_FILES = ("config.toml", "config.yaml", "config.yml", "config.json")
CONFIG_DIR = "config/_default"
ENVIRONMENT_DIR = "config/production"  # what `hugo` builds for
HUGO_FOLDERS = ("content", "layouts", "themes", "archetypes")
HEAD_BYTES = 64 * 1024  # where a page's front matter is
# A front matter key that keeps a page from being published, as YAML, TOML or JSON write it.
_FLAG_KEYS = re.compile(rb'^[ \t"\[]*(?:headless|_?build)\b', re.IGNORECASE | re.MULTILINE)
MARKDOWN_SUFFIXES = (".md", ".markdown")
MAIN_SECTIONS = ("post", "posts")
DEFAULT_TAXONOMIES = {"tag": "tags", "category": "categories"}
DATE_SOURCES = {
    "date": ["date", "publishdate", "pubdate", "published", "lastmod", "modified"],
    "publishdate": ["publishdate", "pubdate", "published", "date"],
    "lastmod": ["lastmod", "modified", "date", "publishdate", "pubdate", "published"],
    "expirydate": ["expirydate", "unpublishdate"],
}
_DATE_KEYS = frozenset(key for keys in DATE_SOURCES.values() for key in keys)
_FILE_NAME_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[-_](.+))?$")
_MORE = re.compile(r"<!--\s*more\s*-->")
_PAGE_ADDRESS = re.compile(f"/{ADDRESS_REGEX}")


# ---- Recognising the site and reading its configuration --------------------------------


def find_config(root: Path) -> Path | None:
    for name in CONFIG_FILES:
        if (root / name).is_file():
            return root / name
    for name in GENERIC_CONFIG_FILES:
        if (root / name).is_file() and _looks_like_hugo(root, root / name):
            return root / name
    if (root / CONFIG_DIR).is_dir() and any(_config_files(root / CONFIG_DIR)):
        return root / CONFIG_DIR
    return None


def _looks_like_hugo(root: Path, config: Path) -> bool:
    if any((root / folder).is_dir() for folder in HUGO_FOLDERS):
        return True
    try:
        return "baseurl" in config.read_text(encoding="utf-8", errors="replace").lower()
    except OSError:
        return False


def _config_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.is_file()
                  and path.suffix in (".toml", ".yaml", ".yml", ".json"))


@dataclass
class _Config:
    """The site's configuration, keys in lower case, with the text of each file read (for
    the line of a setting)."""

    values: dict[str, Any]
    texts: list[str]

    def get(self, *path: str, default: Any = None) -> Any:
        found: Any = self.values
        for key in path:
            if not isinstance(found, dict) or key not in found:
                return default
            found = found[key]
        return found

    def line(self, key: str) -> int:
        """The line a setting is written on, in the first file that has it (else 1)."""
        written = re.compile(rf"^[ \t]*\[?[\"']?{re.escape(key)}[\"']?[ \t]*[=:\]]",
                             re.IGNORECASE | re.MULTILINE)
        for text in self.texts:
            found = written.search(text)
            if found is not None:
                return text.count("\n", 0, found.start()) + 1
        return 1


def load_config(root: Path, config: Path) -> _Config:
    """The configuration at ``config`` (a file, or ``config/_default/``), merged as Hugo merges
    it. Raises ConfigError, naming the file and line, for one that cannot be read."""
    if config.is_file():
        text = _config_text(root, config)
        return _Config(_lower_keys(_parse(root, config, text)), [text])
    merged: dict[str, Any] = {}
    texts: list[str] = []
    for folder in (config, root / ENVIRONMENT_DIR):
        if folder.is_dir():
            for path in _config_files(folder):
                text = _config_text(root, path)
                texts.append(text)
                _merge(merged, _placed(path, _lower_keys(_parse(root, path, text))))
    return _Config(merged, texts)


def _placed(path: Path, values: dict[str, Any]) -> dict[str, Any]:
    """A file of the configuration folder in its place: ``hugo.toml`` and ``config.toml`` at
    the top, ``params.toml`` under ``params``, ``menus.en.toml`` under that language."""
    name, _, language = path.stem.lower().partition(".")
    if name in ("hugo", "config"):
        return values
    if language:
        return {"languages": {language: {name: values}}}
    return {name: values}


def _merge(into: dict[str, Any], values: dict[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _config_text(root: Path, path: Path) -> str:
    return read_config_text(path, path.relative_to(root).as_posix())


def _parse(root: Path, path: Path, text: str) -> dict[str, Any]:
    name = path.relative_to(root).as_posix()
    try:
        if path.suffix == ".toml":
            loaded: Any = tomllib.loads(text)
        elif path.suffix == ".json":
            loaded = json.loads(text) if text.strip() else {}
        else:
            loaded = yaml.safe_load(text) or {}
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        raise ConfigError(name, int(found.group(1)) if found else 1,
                          f"invalid TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(name, exc.lineno, f"invalid JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(name, mark.line + 1 if mark else 1,
                          f"invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(name, 1, "the configuration is not a mapping of settings")
    return loaded


def _lower_keys(value: Any) -> Any:
    """Hugo's settings, front matter and params are case-insensitive: keys in lower case."""
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item) for item in value]
    return value


def configure(root: Path, config: Path) -> SiteConfig:
    """The site's settings, from its configuration and a walk of its content folder (the
    pages ``ref`` may name). Raises ConfigError for a configuration that cannot be read."""
    loaded = load_config(root, config)
    unread: list[Notice] = []
    settings = _settings(root, loaded, unread)
    overrides: dict[str, Any] = {
        "timezone": settings["timezone"],
        "static_dirs": tuple(_static_dirs(root, loaded)),
        "dialect": "gfm",  # goldmark is CommonMark with GitHub's extensions; blackfriday too
        "math_inline_dollars": _has_maths(loaded),
    }
    author = _site_author(loaded)
    if author:
        overrides["default_author"] = author
    source = SiteSource.of(ENGINE, settings, index_keys=("refs",))
    return SiteConfig(source, config.relative_to(root).as_posix(), overrides,
                      _taken(settings, overrides, loaded), unread)


def _settings(root: Path, loaded: _Config, unread: list[Notice]) -> dict[str, Any]:
    base_url = str(loaded.get("baseurl", default="") or "")
    language = str(loaded.get("defaultcontentlanguage", default="en")).lower()
    languages = loaded.get("languages", default={})
    languages = languages if isinstance(languages, dict) else {}
    kinds = loaded.get("disablekinds", default=[])
    settings: dict[str, Any] = {
        "base_url": base_url,
        "prefix": urlsplit(base_url).path.rstrip("/"),
        "content_dir": _content_dir(loaded, unread),
        "timezone": _time_zone(loaded, unread),
        "params": loaded.get("params", default={}) or {},
        "permalinks": _permalinks(loaded.get("permalinks", default={})),
        "ugly_urls": loaded.get("uglyurls", default=False),
        "taxonomies": _taxonomies(loaded),
        # Hugo 0.73 renamed the kinds: the old "taxonomyTerm" is today's "taxonomy".
        "disabled": sorted({"taxonomy" if kind == "taxonomyterm" else kind for kind in
                            (str(k).lower() for k in (kinds if isinstance(kinds, list) else []))}),
        "lower": not loaded.get("disablepathtolower", default=False),
        "build_drafts": bool(loaded.get("builddrafts", default=False)),
        "build_future": bool(loaded.get("buildfuture", default=False)),
        "build_expired": bool(loaded.get("buildexpired", default=False)),
        "dates": _date_sources(loaded, unread),
        "language": language,
        "other_languages": sorted(str(name).lower() for name in languages
                                  if str(name).lower() != language),
        "ignore": _ignore_patterns(loaded, unread),
        "canonify_urls": bool(loaded.get("canonifyurls", default=False)),
        "shortcodes": _own_shortcodes(root, loaded),
    }
    if languages and settings["other_languages"]:
        unread.append(Notice(loaded.line("languages"), "languages: only the content in "
                             f"{language} (defaultContentLanguage) is imported",
                             "Folio shows a site in one language"))
    content = ContentFolder.of(root, settings)
    main = settings["main_sections"] = _main_sections(loaded, content)
    settings["post_sections"] = sorted({item.section for item in content.items
                                        if item.section in main})
    settings["refs"] = content.refs(main, settings["taxonomies"].values(), settings["prefix"])
    settings["branches"] = sorted(item.folder for item in content.items
                                  if item.kind == BRANCH)
    return settings


def _content_dir(loaded: _Config, unread: list[Notice]) -> str:
    written = str(loaded.get("contentdir", default="content")).strip("/") or "."
    if _inside_root(written):
        return written
    unread.append(Notice(loaded.line("contentdir"), f"contentDir {written!r} is outside the "
                         "site's folder; content/ is read", "import the folder that holds "
                         "both the configuration and the content"))
    return "content"


def _inside_root(path: str) -> bool:
    """Whether a folder a setting names is inside the site's folder (an import reads nothing
    outside the folder it is pointed at)."""
    return not path.startswith(("/", "~")) and ".." not in path.split("/") \
        and ":" not in path and "\\" not in path


def _time_zone(loaded: _Config, unread: list[Notice]) -> str:
    name = str(loaded.get("timezone", default="") or "UTC")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        unread.append(Notice(loaded.line("timezone"), f"timeZone {name!r} is not a time zone; "
                             "dates without an offset are read in UTC",
                             "use an IANA name such as Europe/Paris"))
        return "UTC"
    return name


def _permalinks(value: Any) -> dict[str, str]:
    """Patterns by section: ``post = "/:year/:slug/"``, or Hugo 0.112's ``[permalinks.page]``."""
    if not isinstance(value, dict):
        return {}
    pages = value.get("page")
    table = pages if isinstance(pages, dict) else value
    return {str(section).strip("/"): pattern for section, pattern in table.items()
            if isinstance(pattern, str)}


def _taxonomies(loaded: _Config) -> dict[str, str]:
    value = loaded.get("taxonomies")
    if not isinstance(value, dict):
        return dict(DEFAULT_TAXONOMIES)
    return {str(singular): str(plural).lower() for singular, plural in value.items()
            if isinstance(plural, str)}


def _date_sources(loaded: _Config, unread: list[Notice]) -> dict[str, list[str]]:
    """Where each of a page's dates comes from (Hugo's ``[frontmatter]``); ``:default`` is
    Hugo's order, ``:filename`` the date a file's name starts with. ``:git`` and
    ``:fileModTime`` are the repository's and the disk's, which an import cannot know."""
    configured = loaded.get("frontmatter", default={}) or {}
    sources: dict[str, list[str]] = {}
    for name, default in DATE_SOURCES.items():
        written = configured.get(name) if isinstance(configured, dict) else None
        if not isinstance(written, list):
            sources[name] = list(default)
            continue
        keys: list[str] = []
        for key in (str(item).lower() for item in written):
            if key == ":default":
                keys += default
            elif key in (":git", ":filemodtime"):
                unread.append(Notice(loaded.line("frontmatter"), f"frontmatter {name}: "
                                     f"{key} is not read; the next source is used",
                                     "write the date in the front matter"))
            else:
                keys.append(key)
        sources[name] = keys
    return sources


def _ignore_patterns(loaded: _Config, unread: list[Notice]) -> list[str]:
    patterns = []
    for pattern in loaded.get("ignorefiles", default=[]) or []:
        try:
            re.compile(str(pattern))
        except re.error:
            unread.append(Notice(loaded.line("ignorefiles"), f"ignoreFiles: {pattern!r} is "
                                 "not a pattern Python reads; ignored"))
            continue
        patterns.append(str(pattern))
    return patterns


def _own_shortcodes(root: Path, loaded: _Config) -> list[str]:
    """The shortcodes the site defines (its own ``layouts/shortcodes/`` and its theme's)."""
    folders = [root / "layouts" / "shortcodes"] + [
        root / "themes" / theme / "layouts" / "shortcodes" for theme in _themes(loaded)]
    return sorted({path.stem for folder in folders if folder.is_dir()
                   for path in folder.rglob("*.html")})


def _themes(loaded: _Config) -> list[str]:
    theme = loaded.get("theme", default=[])
    return [str(name) for name in (theme if isinstance(theme, list) else [theme])
            if name and "/" not in str(name) and _inside_root(str(name))]


def _static_dirs(root: Path, loaded: _Config) -> list[str]:
    """Where ``/img/a.png`` is found: the site's ``staticDir`` (one or a list), then its
    themes' ``static`` folders, as Hugo layers them."""
    written = loaded.get("staticdir", default="static")
    folders = [str(folder).strip("/") for folder in
               (written if isinstance(written, list) else [written]) if folder]
    folders += [str(loaded.get(f"staticdir{n}")).strip("/") for n in range(11)
                if loaded.get(f"staticdir{n}")]
    folders += [f"themes/{theme}/static" for theme in _themes(loaded)
                if (root / "themes" / theme / "static").is_dir()]
    return list(dict.fromkeys(folder for folder in folders if _inside_root(folder))) \
        or ["static"]


def _site_author(loaded: _Config) -> str | None:
    """The site's author: ``author`` (a name, or a table with ``name``), else
    ``params.author``."""
    for value in (loaded.get("author"), loaded.get("params", "author")):
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, str) and slugify(value):
            return " ".join(value.split())
    return None


def _has_maths(loaded: _Config) -> bool:
    """Whether ``$...$`` is maths: Hugo renders none, so only where the site's theme is told to
    (``params.math``, ``katex``, ``mathjax``) or goldmark passes maths through."""
    params = loaded.get("params", default={}) or {}
    wanted = any(params.get(name) for name in ("math", "katex", "mathjax")) \
        if isinstance(params, dict) else False
    return bool(wanted or loaded.get("markup", "goldmark", "extensions", "passthrough"))


def _main_sections(loaded: _Config, content: ContentFolder) -> list[str]:
    """The sections that hold the posts: ``params.mainSections``, else ``post``, ``posts`` and
    the section with the most pages (Hugo's default)."""
    written = loaded.get("params", "mainsections")
    if isinstance(written, str):
        written = [written]
    if isinstance(written, list) and written:
        return [str(name) for name in written]
    counts = Counter(item.section for item in content.items
                     if item.section and item.kind != BRANCH)
    biggest = [counts.most_common(1)[0][0]] if counts else []
    return list(dict.fromkeys([*MAIN_SECTIONS, *biggest]))


def _taken(settings: dict[str, Any], overrides: dict[str, Any], loaded: _Config) -> list[str]:
    handler = str(loaded.get("markup", "defaultmarkdownhandler", default="goldmark"))
    lines = [
        f"baseURL: {settings['base_url'] or '(none)'}",
        f"timeZone: {overrides['timezone']}",
        f"author: {overrides.get('default_author', '(none)')}",
        f"contentDir: {settings['content_dir']}",
        f"static folders: {', '.join(overrides['static_dirs'])}",
        f"Markdown: {handler}, read as GitHub-flavoured Markdown",
        f"main sections (their lists are Folio's): {', '.join(settings['main_sections'])}",
        f"taxonomies: {', '.join(sorted(settings['taxonomies'].values())) or '(none)'}",
        f"$...$ is maths: {'yes' if overrides['math_inline_dollars'] else 'no'}",
    ]
    lines += [f"permalinks {section}: {pattern}"
              for section, pattern in sorted(settings["permalinks"].items())]
    if settings["ugly_urls"]:
        lines.append("uglyURLs: addresses end in .html")
    if not loaded.get("markup", "goldmark", "renderer", "unsafe", default=False):
        lines.append("goldmark unsafe = false: Hugo left raw HTML out of posts; Folio shows "
                     "it, sanitised")
    for flag in ("build_drafts", "build_future", "build_expired"):
        if settings[flag]:
            lines.append(f"{flag.replace('_', ' ')}: true")
    if settings["shortcodes"]:
        lines.append(f"the site's own shortcodes (shown as text): "
                     f"{', '.join(settings['shortcodes'])}")
    return lines


# ---- The content folder ------------------------------------------------------------------

PAGE, BUNDLE, BRANCH = "page", "bundle", "branch"


@dataclass(frozen=True)
class ContentItem:
    """A content file: where it is, and what Hugo makes of it there."""

    rel: str  # from the site's root
    inner: str  # from the content folder
    kind: str  # PAGE, BUNDLE (a leaf bundle's index.md) or BRANCH (_index.md)
    name: str  # what its address ends in: a bundle's or section's folder, else the file's stem
    empty: bool = False  # a section's list page with no text of its own

    @property
    def folder(self) -> str:
        """The folder the page stands for: a bundle's or a section's own, else the file's."""
        return posixpath.dirname(self.inner)

    @property
    def section(self) -> str:
        """The first folder under the content folder; "" for the home section's pages (a
        bundle at the top, such as ``about/index.md``, is one)."""
        place = posixpath.dirname(self.folder) if self.kind == BUNDLE else self.folder
        return place.split("/", 1)[0]


def item_of(rel: str, content_dir: str, languages: Collection[str] = ()) -> ContentItem:
    """The content file at ``rel``; ``languages``: the site's, which a file name may end in
    (``about.en.md``)."""
    inner = rel[len(content_dir) + 1:] if content_dir != "." else rel
    stem = _stem(posixpath.basename(inner), languages)
    folder = posixpath.dirname(inner)
    if stem == "_index":
        return ContentItem(rel, inner, BRANCH, posixpath.basename(folder))
    if stem == "index" and folder:
        return ContentItem(rel, inner, BUNDLE, posixpath.basename(folder))
    return ContentItem(rel, inner, PAGE, stem)


def _stem(name: str, languages: Collection[str]) -> str:
    stem = name.rsplit(".", 1)[0]
    base, dot, language = stem.rpartition(".")
    return base if dot and language.lower() in languages else stem


def imported(item: ContentItem, main_sections: Collection[str],
             taxonomies: Collection[str]) -> bool:
    """Whether the importer reads the file: every page, and a section's list page only where
    it is a page of its own (see the module's notes)."""
    return item.kind != BRANCH or bool(
        item.section and not item.empty and item.section not in main_sections
        and item.section not in taxonomies)


@dataclass
class ContentFolder:
    """The content files Hugo publishes, found by walking the content folder."""

    root: Path
    content_dir: str
    languages: frozenset[str] = frozenset()  # every language of the site
    items: list[ContentItem] = field(default_factory=list)

    @classmethod
    def of(cls, root: Path, settings: dict[str, Any]) -> ContentFolder:
        other = frozenset(settings["other_languages"])
        folder = cls(root, settings["content_dir"], other | {settings["language"]})
        ignored = [re.compile(pattern) for pattern in settings["ignore"]]
        start = root / folder.content_dir
        if start.is_dir():
            folder._walk(str(start), "", ignored, other)
        return folder

    def _walk(self, directory: str, inner: str, ignored: list[re.Pattern[str]],
              other_languages: frozenset[str]) -> None:
        with os.scandir(directory) as scanned:
            entries = sorted(scanned, key=lambda entry: entry.name)
        names = {entry.name for entry in entries}
        bundle = bool(inner) and any(f"index{suffix}" in names for suffix in MARKDOWN_SUFFIXES)
        for entry in entries:
            if entry.name.startswith((".", "#")) or entry.name.endswith("~"):
                continue
            path = f"{inner}{entry.name}"
            rel = path if self.content_dir == "." else f"{self.content_dir}/{path}"
            if any(pattern.search(rel) for pattern in ignored):
                continue
            if _is_folder(entry):
                if not bundle:  # everything in a leaf bundle is its resources
                    self._walk(entry.path, path + "/", ignored, other_languages)
            elif entry.name.lower().endswith(MARKDOWN_SUFFIXES) and not _in_other_language(
                    entry.name, other_languages):
                item = item_of(rel, self.content_dir, self.languages)
                if not bundle or item.kind == BUNDLE:
                    published = _published(self.root, item)
                    if published is not None:
                        self.items.append(published)

    def refs(self, main_sections: Collection[str], taxonomies: Collection[str],
             prefix: str) -> dict[str, str]:
        """What ``ref`` and ``relref`` may name, in lower case, and the source file each names
        (:func:`app.content.sites.shortcodes.resolve_ref`): a page by its path in the
        content folder, with or without its suffix, a bundle or section by its folder, and
        any of them by its name when no other page has it. A section Folio has no page for
        leads to its old address."""
        found: dict[str, str] = {}
        names: dict[str, set[str]] = {}
        for item in self.items:
            target = item.rel if imported(item, main_sections, taxonomies) else \
                _folder_address(prefix, item.folder)
            keys = [item.inner, posixpath.splitext(item.inner)[0]]
            if item.kind != PAGE:
                keys.append(item.folder)
            for key in keys:
                found[key.lower()] = target
            spelled = {item.name, posixpath.basename(item.inner)} if item.kind == PAGE \
                else {item.name}
            for name in spelled:
                names.setdefault(name.lower(), set()).add(target)
        for item in self.items:
            found.setdefault(item.section.lower(), _folder_address(prefix, item.section))
        for name, targets in names.items():
            found.setdefault(name, next(iter(targets)) if len(targets) == 1 else "")
        return found


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)  # a link to a folder is not walked
    except OSError:
        return False


def _folder_address(prefix: str, folder: str) -> str:
    return f"{prefix}/{folder}/" if folder else f"{prefix}/"


def _in_other_language(name: str, languages: frozenset[str]) -> bool:
    stem = name.rsplit(".", 1)[0]
    return "." in stem and stem.rpartition(".")[2].lower() in languages


def _published(root: Path, item: ContentItem) -> ContentItem | None:
    """``item`` if Hugo renders it (not a headless bundle, not ``render: never``), a section's
    list page marked when it has no text of its own; else None. Only the head of a page is
    read, and parsed only when it names one of those keys: every import walks every file."""
    try:
        with open(root / item.rel, "rb") as handle:
            head = handle.read(HEAD_BYTES if item.kind != BRANCH else MAX_FILE_BYTES)
    except OSError:
        return item  # the import reports it
    if item.kind != BRANCH and not _FLAG_KEYS.search(head):
        return item
    try:
        front = split_front_matter(head.decode("utf-8-sig", errors="replace"))
    except ContentError:
        return item  # the import reports it
    meta = {str(key).lower(): value for key, value in front.meta.items()}
    if item.kind == BUNDLE and meta.get("headless") is True:
        return None
    for key in ("_build", "build"):
        options = meta.get(key)
        if isinstance(options, dict) and str(options.get("render", "")).lower() in (
                "never", "false"):
            return None
    if item.kind == BRANCH and not front.body.strip():
        return replace(item, empty=True)
    return item


# ---- Front matter --------------------------------------------------------------------------


def split_front_matter(text: str) -> RawArticle:
    """YAML (``---``), TOML (``+++``) or JSON (``{`` ... ``}``) front matter as read (its keys
    as written), and the body, as Hugo accepts them; a file with none is all body (Hugo
    publishes it, untitled). Raises ContentError."""
    if text.startswith("{"):
        return _json_front_matter(text)
    if not re.match(r"(?:---|\+\+\+)[ \t]*\n", text):
        return RawArticle({}, text, text, 1, {})
    return read_article(text, foreign=True)


def _json_front_matter(text: str) -> RawArticle:
    try:
        loaded, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as exc:
        raise ContentError(exc.lineno, f"invalid JSON front matter: {exc.msg}",
                           'JSON front matter is one object: {"title": "My post"}') from None
    except RecursionError:
        raise ContentError(1, "front matter is nested too deeply") from None
    if not isinstance(loaded, dict):
        raise ContentError(1, "JSON front matter must be an object")
    head = text[:end]
    key_lines: dict[str, int] = {}
    for number, line in enumerate(head.split("\n"), start=1):
        found = re.match(r'\s*"([^"\\]+)"\s*:', line)
        if found:
            key_lines.setdefault(found.group(1), number)
    newline = text.find("\n", end)
    body = "" if newline == -1 else text[newline + 1:]
    notices: list[Notice] = []
    meta = storable(loaded, lambda key: key_lines.get(key, 1), notices)
    return RawArticle(meta, body, text, head.count("\n") + 2, key_lines, notices)


def _case_insensitive(raw: RawArticle) -> tuple[dict[str, Any], dict[str, int], list[Notice]]:
    """Front matter keys in lower case, as Hugo reads them; of two spellings of one key
    (``Date`` and ``date``) the last written is taken, with a warning."""
    meta: dict[str, Any] = {}
    lines: dict[str, int] = {}
    notices: list[Notice] = []
    for key, value in raw.meta.items():
        lower = str(key).lower()
        line = raw.key_lines.get(str(key), 1)
        if lower in meta:
            notices.append(Notice(line, f"{key}: given twice (as {lower!r} on line "
                                  f"{lines[lower]}); the last value is taken, as Hugo does",
                                  "remove one of them"))
        meta[lower], lines[lower] = value, line
    return meta, lines, notices


# ---- The reader -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class HugoSite:
    """The settings :func:`configure` took (see there), as the reader uses them."""

    content_dir: str
    prefix: str  # the base URL's path: /blog
    timezone: str
    params: dict[str, Any]
    permalinks: dict[str, str]
    ugly_urls: bool | dict[str, bool]
    taxonomies: dict[str, str]  # singular -> plural
    disabled: frozenset[str]  # kinds of page the site does not publish
    lower: bool  # paths in lower case
    build_drafts: bool
    build_expired: bool
    dates: dict[str, list[str]]
    languages: frozenset[str]
    main_sections: tuple[str, ...]
    post_sections: tuple[str, ...]  # the main sections the content folder has
    refs: dict[str, str]
    branches: frozenset[str]
    own_shortcodes: frozenset[str]

    @classmethod
    def of(cls, settings: dict[str, Any]) -> HugoSite:
        return cls(
            settings["content_dir"], settings["prefix"], settings["timezone"],
            settings["params"], settings["permalinks"], settings["ugly_urls"],
            settings["taxonomies"], frozenset(settings["disabled"]), settings["lower"],
            settings["build_drafts"], settings["build_expired"], settings["dates"],
            frozenset([settings["language"], *settings["other_languages"]]),
            tuple(settings["main_sections"]), tuple(settings["post_sections"]),
            settings["refs"], frozenset(settings["branches"]),
            frozenset(settings["shortcodes"]))

    def ugly(self, section: str) -> bool:
        ugly = self.ugly_urls
        return bool(ugly.get(section, False) if isinstance(ugly, dict) else ugly)

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def plural(self, singular: str) -> str | None:
        return self.taxonomies.get(singular)


class Reader:
    """Hugo's content folder, front matter, shortcodes and addresses."""

    def __init__(self, source: SiteSource) -> None:
        self.source = source
        self.site = HugoSite.of(source.settings)

    def discover(self, root: Path) -> list[str]:
        folder = ContentFolder.of(root, self.source.settings)
        main, taxonomies = self.site.main_sections, self.site.taxonomies.values()
        return sorted(item.rel for item in folder.items if imported(item, main, taxonomies))

    def is_page(self, rel: str) -> bool:
        item = item_of(rel, self.site.content_dir, self.site.languages)
        return item.kind == BRANCH or not item.section

    def companions(self, rel: str) -> list[str]:
        return []

    def read(self, text: str, rel: str, companions: dict[str, str] | None = None
             ) -> Translated:
        raw = split_front_matter(text)
        meta, lines, notices = _case_insensitive(raw)
        item = item_of(rel, self.site.content_dir, self.site.languages)
        page = _Page(self.site, item, meta, lines, raw.body)
        house = page.house()
        context = shortcodes.ShortcodeContext(
            page=item.inner, refs=self.site.refs, site_params=self.site.params,
            page_params=meta, custom=self.site.own_shortcodes)
        translation = shortcodes.translate(raw.body, context, raw.body_line)
        article = RawArticle(house, translation.body, text, raw.body_line, page.key_lines,
                             raw.notices + notices + page.notices + translation.notices)
        return Translated(article, page.addresses, translation.translated, translation.left)

    def old_addresses(self, meta: ArticleMeta, rel: str) -> list[str]:
        permalink = meta.extra.get("hugo_permalink")
        return [permalink] if isinstance(permalink, str) and permalink else []

    def site_redirects(self, tags: list[str], categories: list[str],
                       authors: list[str]) -> dict[str, str]:
        """Hugo's feeds, main sections' lists, and taxonomy pages, where the site has them."""
        site, disabled = self.site, self.site.disabled
        feeds = "rss" not in disabled
        found: dict[str, str] = {}
        if feeds and "home" not in disabled:
            found[f"{site.prefix}/index.xml"] = "/rss.xml"
        if "section" not in disabled:
            for section in site.post_sections:
                found[site.prefix + _list_address(f"/{section}/", site.ugly(section))] = "/"
                if feeds:
                    found[f"{site.prefix}/{section}/index.xml"] = "/rss.xml"
        for singular, names, folio in (("tag", tags, "tags"), ("category", categories,
                                                               "categories"),
                                       ("author", authors, "authors")):
            plural = site.plural(singular)
            if plural is not None:
                found.update(self._taxonomy(plural, names, folio, feeds, disabled))
        return found

    def _taxonomy(self, plural: str, names: list[str], folio: str, feeds: bool,
                  disabled: frozenset[str]) -> dict[str, str]:
        prefix, ugly = self.site.prefix, self.site.ugly(plural)
        found: dict[str, str] = {}
        if "taxonomy" not in disabled:
            found[prefix + _list_address(f"/{plural}/", ugly)] = f"/{folio}/"
        if "term" in disabled:
            return found
        for name in names:
            slug, term = slugify(name), urlize(name, lower=True)
            if not slug or not term:
                continue
            found[prefix + _list_address(f"/{plural}/{term}/", ugly)] = f"/{folio}/{slug}"
            if feeds:
                found[f"{prefix}/{plural}/{term}/index.xml"] = f"/{folio}/{slug}/rss.xml"
        return found


def _list_address(path: str, ugly: bool) -> str:
    return path.rstrip("/") + ".html" if ugly else path


# ---- One page: front matter to house keys, and its address ------------------------------


@dataclass
class _Dates:
    """A page's dates as Hugo holds them (in their own zone), and the slug a file's name
    gives when its date comes from there (``2024-05-01-hello.md``)."""

    date: dt.datetime | None = None
    publish: dt.datetime | None = None
    permalink_date: dt.datetime | None = None
    file_slug: str | None = None


class _Page:
    """One file's front matter (keys in lower case) as the house keys, the lines they came
    from, its old addresses and what to tell the author."""

    def __init__(self, site: HugoSite, item: ContentItem, meta: dict[str, Any],
                 lines: dict[str, int], body: str) -> None:
        self.site, self.item, self.meta, self.lines, self.body = site, item, meta, lines, body
        self.key_lines: dict[str, int] = {}
        self.notices: list[Notice] = []
        self.addresses: list[str] = []
        self.used: set[str] = set()
        self.out: dict[str, Any] = {}
        self.zone = site.zone()

    def put(self, house_key: str, source_key: str, value: Any) -> None:
        """Give the house key ``house_key`` the value read from ``source_key``."""
        self.out[house_key] = value
        self.used.add(source_key)
        if source_key in self.lines:
            self.key_lines[house_key] = self.lines[source_key]

    def first(self, *keys: str) -> tuple[str, Any] | None:
        for key in keys:
            value = self.meta.get(key)
            if value is not None and value != "" and value != []:
                return key, value
        return None

    def house(self) -> dict[str, Any]:
        dates = self._dates()
        self._title()
        slug = self._slug(dates.file_slug)
        kind = self._kind(dates.date is not None or dates.publish is not None)
        self._people_and_terms()
        self._excerpt()
        self._image()
        self._flags()
        path = self._permalink(slug, dates.permalink_date)
        self.out["hugo_permalink"] = self.site.prefix + path
        if kind == "page":
            self._page_keys(path)
        self._aliases(path)
        self._keep_the_rest()
        return self.out

    # -- dates

    def _source(self, name: str) -> tuple[str, Any, dt.datetime | None] | None:
        """The first of the date's sources that is there: (key, value, the moment in its own
        zone, None when it is not a date)."""
        for key in self.site.dates[name]:
            if key == ":filename":
                found = _FILE_NAME_DATE.match(self.item.name)
                if found:
                    return key, found.group(1), _moment(found.group(1), self.zone)
                continue
            value = self.meta.get(key)
            if value is not None and value != "":
                return key, value, _moment(value, self.zone)
        return None

    def _dates(self) -> _Dates:
        dates = _Dates()
        date, publish = self._source("date"), self._source("publishdate")
        if date is not None:
            dates.date = dates.permalink_date = date[2]
            self._put_date("date", date)
        if publish is not None:
            dates.publish = publish[2]
            dates.permalink_date = dates.permalink_date or publish[2]
            if date is None or (publish[2] and date[2] and publish[2] > date[2]):
                if date is not None:
                    self.out["hugo_date"] = date[2].isoformat() if date[2] else str(date[1])
                    self.key_lines["hugo_date"] = self.lines.get(date[0], 1)
                self._put_date("date", publish)
        lastmod = self._source("lastmod")
        if lastmod is not None and lastmod[0] in ("lastmod", "modified"):
            self._put_date("updated", lastmod)
        expiry = self._source("expirydate")
        if expiry is not None and not self.site.build_expired:
            self._put_date("expires", expiry)
        if date is not None and date[0] == ":filename":
            found = _FILE_NAME_DATE.match(self.item.name)
            dates.file_slug = found.group(2) if found else None
        self.used.update(_DATE_KEYS & set(self.meta))
        return dates

    def _put_date(self, house_key: str, source: tuple[str, Any, dt.datetime | None]) -> None:
        key, value, moment = source
        # A date Hugo read that Folio's parser may not (a TOML date-time): written out.
        written = moment.isoformat() if moment is not None else value
        self.put(house_key, key, written)

    # -- title, slug and kind

    def _title(self) -> None:
        found = self.first("title")
        if found is not None and str(found[1]).strip():
            self.put("title", *found)
            return
        title = re.sub(r"[-_]+", " ", self.item.name).strip() or "Untitled"
        self.out["title"] = title[:1].upper() + title[1:]
        self.used.add("title")
        self.notices.append(Notice(1, f"no title; titled {self.out['title']!r} from the file's "
                                   "name", "add a line: title: Your title"))

    def _slug(self, file_slug: str | None) -> str | None:
        """Hugo's ``slug`` (or the one a dated file name gives); a section's page is named
        after its folder (``docs/_index.md`` is ``docs``), not after ``_index``."""
        found = self.first("slug")
        if found is not None:
            self.put("slug", found[0], str(found[1]))
            return str(found[1])
        if file_slug:
            self.out["slug"] = file_slug
        elif self.item.kind == BRANCH:
            self.out["slug"] = self.item.folder.replace("/", "-")
        return file_slug

    def _kind(self, dated: bool) -> str:
        """Pages at the top of the content folder and section list pages are pages; a dated
        file anywhere else is a post, an undated one a page (Folio's posts need a date)."""
        if self.item.kind == BRANCH or not self.item.section:
            kind = "page"
        elif dated:
            kind = "post"
        else:
            kind = "page"
            if self.item.section in self.site.main_sections:
                self.notices.append(Notice(1, "no date: imported as a page at its Hugo "
                                           "address", "add a line: date: YYYY-MM-DD to make "
                                           "it a post"))
        self.out["type"] = kind
        return kind

    # -- people, tags and categories

    def _people_and_terms(self) -> None:
        found = self.first("authors", "author")
        if found is not None:
            value = found[1]
            self.put("authors", found[0], value if isinstance(value, list) else [value])
        tags_key = self.site.plural("tag") or "tags"
        found = self.first(tags_key)
        if found is not None:
            # A string is one term to Hugo ("a, b" is the tag a-b), never a list.
            self.put("tags", found[0], found[1] if isinstance(found[1], list) else [found[1]])
        categories_key = self.site.plural("category") or "categories"
        found = self.first(categories_key)
        if found is not None:
            terms = found[1] if isinstance(found[1], list) else [found[1]]
            self.put("category", found[0], terms)  # Folio files a post under the first
            if len(terms) > 1:
                self.out["hugo_categories"] = terms

    def _excerpt(self) -> None:
        """Hugo's summary: the text before ``<!--more-->`` (Folio's own marker, read from the
        body), else ``summary``; else the ``description`` the theme shows."""
        if _MORE.search(self.body):
            return
        found = self.first("summary", "description")
        if found is not None:
            self.put("excerpt", found[0], found[1])

    def _image(self) -> None:
        """``images`` (the first), ``featured_image``, ``image`` or ``cover.image``. A relative
        path is a resource of a page bundle, beside its ``index.md``; elsewhere Hugo themes
        read it from the site's root (the static folders)."""
        for key in ("images", "featured_image", "featuredimage", "image", "cover"):
            value = self.meta.get(key)
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, dict):
                alt = value.get("alt")
                if isinstance(alt, str) and alt.strip():
                    self.put("image_alt", key, alt)
                value = value.get("image") or value.get("src") or value.get("url")
            if isinstance(value, str) and value.strip():
                self.put("image", key, self._image_path(value.strip()))
                return

    def _image_path(self, path: str) -> str:
        if self.item.kind == BUNDLE or path.startswith("/") or "://" in path:
            return path
        return "/" + path

    def _flags(self) -> None:
        found = self.first("draft")
        if found is not None and not self.site.build_drafts:
            self.put("draft", *found)
        found = self.first("toc")
        if found is not None:
            self.put("toc", *found)

    # -- addresses

    def _permalink(self, slug: str | None, date: dt.datetime | None) -> str:
        """Where Hugo wrote the page, from the site's root (the base URL's path not in it)."""
        found = self.first("url")
        if found is not None and isinstance(found[1], str):
            self.used.add("url")
            return _url_path(found[1])
        item, site = self.item, self.site
        if item.kind == BRANCH:
            path = f"/{item.folder}/"
        else:
            pattern = site.permalinks.get(item.section) if item.section else None
            if pattern:
                path = self._expand(pattern, slug, date)
            else:
                folder = item.folder if item.kind != BUNDLE else posixpath.dirname(item.folder)
                last = slug if slug else item.name
                path = "/" + posixpath.join(folder, last) + "/" if folder else f"/{last}/"
        path = urlize(path, lower=site.lower)
        return _list_address(path, True) if site.ugly(item.section) and path != "/" else path

    def _expand(self, pattern: str, slug: str | None, date: dt.datetime | None) -> str:
        title = str(self.out.get("title", ""))
        moment = date or dt.datetime(1, 1, 1, tzinfo=dt.UTC)
        values = {
            "year": f"{moment.year:04d}", "month": f"{moment.month:02d}",
            "monthname": moment.strftime("%B").lower(), "day": f"{moment.day:02d}",
            "weekday": str((moment.weekday() + 1) % 7),
            "weekdayname": moment.strftime("%A").lower(),
            "yearday": str(moment.timetuple().tm_yday),
            "section": self.item.section, "sections": self._sections(),
            "title": sanitize(title, lower=self.site.lower), "filename": self.item.name,
            "contentbasename": self.item.name,
            "slug": sanitize(slug or title, lower=self.site.lower),
        }
        values["slug_or_title"] = values["slug"]
        values["slugorfilename"] = values["slug_or_filename"] = \
            values["slug_or_contentbasename"] = slug or self.item.name
        return re.sub(r":(\w+)", lambda m: values.get(m.group(1).lower(), m.group(0)), pattern)

    def _sections(self) -> str:
        """Hugo's ``:sections``: the first folder, then each folder below that is a section
        (holds an ``_index.md``)."""
        parts = self.item.folder.split("/")
        if self.item.kind == BUNDLE:
            parts = parts[:-1]
        sections = parts[:1]
        for part in parts[1:]:
            if "/".join([*sections, part]) not in self.site.branches:
                break
            sections.append(part)
        return "/".join(sections)

    def _page_keys(self, path: str) -> None:
        """A page answers at its Hugo address where Folio can serve that (lower-case ASCII),
        else at ``/<slug>``; it joins the menus it names."""
        address = unquote(path).rstrip("/").removesuffix(".html").lower()
        if _PAGE_ADDRESS.fullmatch(address):
            self.out["url"] = address
            if "url" in self.lines:
                self.key_lines["url"] = self.lines["url"]
        weight = self.first("weight")
        if weight is not None:
            self.put("weight", *weight)
        found = self.first("menu", "menus")
        if found is not None:
            value = found[1]
            names = list(value) if isinstance(value, dict) else value
            self.put("menu", found[0], names if isinstance(names, list) else [names])
            entry = value.get("main") if isinstance(value, dict) else None
            weight = entry.get("weight") if isinstance(entry, dict) else None
            if weight is not None and "weight" not in self.meta:
                self.put("weight", found[0], weight)

    def _aliases(self, path: str) -> None:
        """Hugo's ``aliases``, each where Hugo wrote its redirect: one without a leading ``/``
        from the folder the page's address is in."""
        found = self.first("aliases")
        if found is None:
            return
        self.used.add("aliases")
        values = found[1] if isinstance(found[1], list) else [found[1]]
        folder = posixpath.dirname(unquote(path).rstrip("/"))
        for alias in values:
            text = str(alias).strip()
            if not text or "://" in text or text.startswith("//"):
                continue
            joined = posixpath.normpath(text if text.startswith("/") else
                                        posixpath.join(folder, text))
            if not posixpath.splitext(joined)[1]:
                joined = joined.rstrip("/") + "/"
            self.addresses.append(self.site.prefix + quote(joined, safe=_PATH_SAFE))

    def _keep_the_rest(self) -> None:
        """Keys not read here stay, as Folio's extras; one Folio would read as its own (Hugo's
        ``type``, a post's ``url``) under a ``hugo_`` name."""
        for key, value in self.meta.items():
            if key in self.used:
                continue
            name = f"hugo_{key}" if key in MODELLED_KEYS or key in self.out else key
            self.out[name] = value
            if key in self.lines:
                self.key_lines[name] = self.lines[key]


_PATH_SAFE = "/$&+,:;=@~"


def urlize(text: str, *, lower: bool) -> str:
    """A path as Hugo writes it: :func:`sanitize`, then percent-encoded as Go's URLs are."""
    return quote(sanitize(text, lower=lower), safe=_PATH_SAFE + "%")


def sanitize(text: str, *, lower: bool) -> str:
    """Hugo's ``MakePathSanitized``: letters, digits, marks, ``/._-+~@#`` and ``%XX`` kept, a
    run of spaces one hyphen, anything else dropped; in lower case unless the site keeps
    case (``disablePathToLower``)."""
    kept: list[str] = []
    hyphen = False
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if char in "./\\_#+~-@" or category[0] in "LM" or category == "Nd" or (
                char == "%" and re.fullmatch(r"[0-9A-Fa-f]{2}", text[index + 1:index + 3])):
            if hyphen:
                kept.append("-")
                hyphen = False
            kept.append(char)
        elif kept and char.isspace():
            hyphen = True
    path = "".join(kept)
    return path.lower() if lower else path


def _url_path(url: str) -> str:
    """A page's ``url``: from the site's root, ending in ``/`` unless it names a file."""
    path = urlsplit(url.strip()).path or "/"
    path = path if path.startswith("/") else "/" + path
    if not posixpath.splitext(path)[1] and not path.endswith("/"):
        path += "/"
    return quote(path, safe=_PATH_SAFE + "%")


def _moment(value: Any, zone: ZoneInfo) -> dt.datetime | None:
    """A front matter date as Hugo holds it: in its own offset, else in ``zone``; None when
    it is not a date (the normaliser reports it at its line)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=zone)
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    except ValueError:
        pass
    try:
        return parse_datetime(value, zone).astimezone(zone)
    except ContentError:
        return None
