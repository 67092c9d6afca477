"""A Pelican site's settings, read from ``pelicanconf.py`` without running it; and the rules of
Pelican's that depend on them (slugs, dates, the folders articles and pages come from).

``pelicanconf.py`` is Python, and an import never runs an author's code: the file is parsed
with :mod:`ast`, and each top-level assignment whose value is a literal (or a name given a
literal earlier, ``SITEDESCRIPTION = SITESUBTITLE``) is taken. A setting Folio uses that is
computed (``os.path.join(...)``, an f-string, a value set inside an ``if``) is named in a
notice and Pelican's default stands in for it. ``publishconf.py`` (what ``make publish``
built the live site with) is read the same way on top, when it starts from pelicanconf.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import html
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from text_unidecode import unidecode

from app.content.metadata import written_offset
from app.content.problems import Notice
from app.content.sites.base import ConfigError

CONFIG_FILE = "pelicanconf.py"
PUBLISH_FILE = "publishconf.py"
MARKDOWN_EXTENSIONS = ("md", "markdown", "mkd", "mdown")

# Pelican's documented defaults (pelican.settings.DEFAULT_CONFIG) for the settings Folio uses.
DEFAULTS: dict[str, Any] = {
    "PATH": ".",
    "ARTICLE_PATHS": [""],
    "ARTICLE_EXCLUDES": [],
    "PAGE_PATHS": ["pages"],
    "PAGE_EXCLUDES": [],
    "STATIC_PATHS": ["images"],
    "IGNORE_FILES": ["**/.*"],
    "TIMEZONE": "UTC",
    "AUTHOR": None,
    "SITEURL": "",
    "DEFAULT_LANG": "en",
    "ARTICLE_URL": "{slug}.html",
    "ARTICLE_SAVE_AS": "{slug}.html",
    "ARTICLE_LANG_URL": "{slug}-{lang}.html",
    "ARTICLE_LANG_SAVE_AS": "{slug}-{lang}.html",
    "PAGE_URL": "pages/{slug}.html",
    "PAGE_SAVE_AS": "pages/{slug}.html",
    "PAGE_LANG_URL": "pages/{slug}-{lang}.html",
    "PAGE_LANG_SAVE_AS": "pages/{slug}-{lang}.html",
    "CATEGORY_URL": "category/{slug}.html",
    "CATEGORY_SAVE_AS": "category/{slug}.html",
    "TAG_URL": "tag/{slug}.html",
    "TAG_SAVE_AS": "tag/{slug}.html",
    "AUTHOR_URL": "author/{slug}.html",
    "AUTHOR_SAVE_AS": "author/{slug}.html",
    "INDEX_SAVE_AS": "index.html",
    "FEED_ATOM": None,
    "FEED_RSS": None,
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
    "FEED_ALL_RSS": None,
    "CATEGORY_FEED_ATOM": "feeds/{slug}.atom.xml",
    "CATEGORY_FEED_RSS": None,
    "AUTHOR_FEED_ATOM": "feeds/{slug}.atom.xml",
    "AUTHOR_FEED_RSS": "feeds/{slug}.rss.xml",
    "TAG_FEED_ATOM": None,
    "TAG_FEED_RSS": None,
    "DEFAULT_CATEGORY": "misc",
    "USE_FOLDER_AS_CATEGORY": True,
    "DISPLAY_PAGES_ON_MENU": True,
    "DEFAULT_DATE": None,
    "DEFAULT_METADATA": {},
    "FILENAME_METADATA": r"(?P<date>\d{4}-\d{2}-\d{2}).*",
    "PATH_METADATA": "",
    "EXTRA_PATH_METADATA": {},
    "SLUGIFY_SOURCE": "title",
    "SLUGIFY_USE_UNICODE": False,
    "SLUGIFY_PRESERVE_CASE": False,
    "SLUG_REGEX_SUBSTITUTIONS": [
        [r"[^\w\s-]", ""],
        [r"(?u)\A\s*", ""],
        [r"(?u)\s*\Z", ""],
        [r"[-\s]+", "-"],
    ],
    "TAG_REGEX_SUBSTITUTIONS": None,
    "CATEGORY_REGEX_SUBSTITUTIONS": None,
    "AUTHOR_REGEX_SUBSTITUTIONS": None,
    "MARKUP": None,
    "READERS": {},
    "PLUGINS": [],
}
# Settings Folio reads besides those with a default above (and every feed setting).
_ALSO_USED = frozenset({"ARCHIVES_SAVE_AS", "TAGS_SAVE_AS", "CATEGORIES_SAVE_AS",
                        "AUTHORS_SAVE_AS", "INDEX_URL", "ARCHIVES_URL", "TAGS_URL",
                        "CATEGORIES_URL", "AUTHORS_URL", "ARTICLE_DIR", "PAGE_DIR"})
# Pelican falls back to the default for a plain string where a list belongs.
_LIST_SETTINGS = ("ARTICLE_PATHS", "PAGE_PATHS", "STATIC_PATHS", "ARTICLE_EXCLUDES",
                  "PAGE_EXCLUDES", "IGNORE_FILES", "PLUGINS")
_SLUG_FEEDS = ("CATEGORY_FEED_ATOM", "CATEGORY_FEED_RSS", "AUTHOR_FEED_ATOM",
               "AUTHOR_FEED_RSS", "TAG_FEED_ATOM", "TAG_FEED_RSS")
_PLAIN_HINT = "write it as a plain value (a string, list or dict) for Folio to read it"


def is_used(name: str) -> bool:
    """Whether Folio reads the setting ``name`` (only those are worth a notice)."""
    return name in DEFAULTS or name in _ALSO_USED or "FEED" in name


class _NotLiteral(Exception):
    """A value only Python could compute."""


@dataclass
class ReadSettings:
    """The settings one configuration file gives, and the ones it computes."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    unread: dict[str, Notice] = field(default_factory=dict)


def read_settings(text: str, file_name: str, start: ReadSettings | None = None) -> ReadSettings:
    """The literal settings of the Python file ``text`` (on top of ``start``: publishconf's
    ``from pelicanconf import *``). Raises ConfigError for a file that is not Python."""
    try:
        module = ast.parse(text, file_name)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        raise ConfigError(file_name, line, f"not valid Python ({getattr(exc, 'msg', exc)})",
                          "fix the file: Pelican could not have read it either") from None
    except (RecursionError, MemoryError):
        raise ConfigError(file_name, 1, "nested too deeply to read",
                          "keep settings to plain values") from None
    read = copy.deepcopy(start) if start is not None else ReadSettings()
    for statement in module.body:
        _statement(statement, read, file_name)
    return read


def _statement(node: ast.stmt, read: ReadSettings, file_name: str) -> None:
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is None:
            return
        for target in targets:
            _assign(target, node.value, read, file_name)
    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        name = node.target.id
        try:
            current, more = read.values[name], _value(node.value, read.values)
            if not isinstance(node.op, ast.Add) or type(current) is not type(more):
                raise _NotLiteral
            _set(read, name, current + more, node.lineno)
        except (KeyError, TypeError, _NotLiteral):
            _unread(read, name, node, file_name)
    elif isinstance(node, ast.Expr) and _mutation(node.value, read):
        return
    elif isinstance(node, ast.ImportFrom) and node.module == "pelicanconf":
        return  # publishconf's `from pelicanconf import *`: already read
    elif isinstance(node, ast.Import | ast.ImportFrom):
        for alias in node.names:
            _unread(read, alias.asname or alias.name, node, file_name)
    else:
        for name in _names_set_in(node):
            _unread(read, name, node, file_name)


def _assign(target: ast.expr, value: ast.expr, read: ReadSettings, file_name: str) -> None:
    if isinstance(target, ast.Name):
        try:
            _set(read, target.id, _value(value, read.values), target.lineno)
        except _NotLiteral:
            _unread(read, target.id, value, file_name)
    elif (isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List)
          and len(target.elts) == len(value.elts)):
        for one, other in zip(target.elts, value.elts, strict=True):
            _assign(one, other, read, file_name)
    else:
        for name in _names_set_in(target):
            _unread(read, name, value, file_name)


def _set(read: ReadSettings, name: str, value: Any, line: int) -> None:
    read.values[name] = value
    read.lines[name] = line
    read.unread.pop(name, None)


def _unread(read: ReadSettings, name: str, node: ast.AST, file_name: str) -> None:
    """``name`` is set by code: whatever it was before is no longer known."""
    read.values.pop(name, None)
    if not is_used(name):
        return
    line = getattr(node, "lineno", 1)
    where = "" if file_name == CONFIG_FILE else f" ({file_name}, line {line})"
    shown = _shown_code(node)
    read.unread[name] = Notice(
        line if file_name == CONFIG_FILE else 1,
        f"{name} is computed by Python ({shown}){where}, which Folio does not run; "
        f"Pelican's default is used instead", _PLAIN_HINT)


def _shown_code(node: ast.AST) -> str:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return "an import"
    if isinstance(node, ast.If | ast.For | ast.While | ast.With | ast.Try):
        return f"set inside {type(node).__name__.lower()} block"
    try:
        code = " ".join(ast.unparse(node).split())
    except (ValueError, RecursionError):
        return "an expression"
    return code if len(code) <= 60 else code[:57] + "..."


def _names_set_in(node: ast.AST) -> list[str]:
    """Every name a statement (an ``if`` block, a loop) may set or change."""
    found: list[str] = []
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store | ast.Del):
            found.append(inner.id)
        elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and (
                isinstance(inner.func.value, ast.Name)):
            found.append(inner.func.value.id)  # STATIC_PATHS.append(...) in a loop
        elif isinstance(inner, ast.alias):
            found.append(inner.asname or inner.name)
    return list(dict.fromkeys(found))


def _mutation(call: ast.expr, read: ReadSettings) -> bool:
    """``STATIC_PATHS.append('x')``, ``.extend([...])``, ``EXTRA_PATH_METADATA.update({})``
    applied to a known value; False for any other expression statement."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)):
        return False
    name, method = call.func.value.id, call.func.attr
    current = read.values.get(name)
    try:
        arguments = [_value(argument, read.values) for argument in call.args]
        if call.keywords or len(arguments) != 1:
            raise _NotLiteral
        if isinstance(current, list) and method in ("append", "extend"):
            getattr(current, method)(arguments[0])
        elif isinstance(current, dict) and method == "update" and isinstance(arguments[0], dict):
            current.update(arguments[0])
        else:
            raise _NotLiteral
    except (_NotLiteral, TypeError):
        for settings_name in _names_set_in(call):
            read.values.pop(settings_name, None)
        return False
    return True


def _value(node: ast.expr, known: dict[str, Any]) -> Any:
    """The value of a literal, of a name given one earlier, of a container of those, or of
    ``+`` joining two strings or lists; raises _NotLiteral for anything else."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.Name):
        if node.id in known:
            return copy.deepcopy(known[node.id])
        raise _NotLiteral
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        items = [_value(item, known) for item in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise _NotLiteral  # {**OTHER}
        return {_value(key, known): _value(value, known)  # type: ignore[arg-type]
                for key, value in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _value(node.left, known), _value(node.right, known)
        if type(left) is type(right) and isinstance(left, str | list | tuple):
            return left + right
    raise _NotLiteral


def effective(read: ReadSettings, root: Path) -> tuple[dict[str, Any], list[Notice]]:
    """Pelican's settings as it would have run with them: the defaults under what the files
    gave, old spellings moved to new ones, and misconfigurations replaced by the default as
    Pelican does (each with a notice)."""
    notices: list[Notice] = []
    given = {name: _plain(value) for name, value in read.values.items() if is_used(name)}
    settings = {**copy.deepcopy(DEFAULTS), **given}
    for old, new in (("ARTICLE_DIR", "ARTICLE_PATHS"), ("PAGE_DIR", "PAGE_PATHS")):
        if old in given and new not in given:
            settings[new] = [given[old]]
    for name in _LIST_SETTINGS:
        if not isinstance(settings[name], list):
            notices.append(_notice(read, name, f"{name} must be a list; Pelican used its "
                                   f"default {DEFAULTS[name]!r}, and so does Folio"))
            settings[name] = copy.deepcopy(DEFAULTS[name])
    for name in _SLUG_FEEDS:
        if isinstance(settings.get(name), str):
            settings[name] = settings[name].replace("%s", "{slug}")
    for name in ("TRANSLATION_FEED_ATOM", "TRANSLATION_FEED_RSS"):
        if isinstance(settings.get(name), str):
            settings[name] = settings[name].replace("%s", "{lang}")
    settings["PATH"] = _content_path(settings["PATH"], root, read, notices)
    settings["TIMEZONE"] = _timezone(read, notices)
    return settings, notices


def _plain(value: Any) -> Any:
    """Tuples and sets as lists: the settings travel as JSON."""
    if isinstance(value, tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _notice(read: ReadSettings, name: str, message: str, hint: str = "") -> Notice:
    return Notice(read.lines.get(name, 1), message, hint)


def _content_path(path: Any, root: Path, read: ReadSettings, notices: list[Notice]) -> str:
    """PATH as a folder inside the site, POSIX, without ``./``."""
    text = str(path).replace("\\", "/") if isinstance(path, str) else "."
    if text.startswith("/") or re.match(r"^[A-Za-z]:/", text):
        name = text.rstrip("/").rsplit("/", 1)[-1]
        inside = name if name and (root / name).is_dir() else "."
        notices.append(_notice(read, "PATH", f"PATH is the absolute path {text!r}; Folio "
                               f"reads the content from {inside!r} inside the site",
                               "write PATH relative to pelicanconf.py, e.g. PATH = 'content'"))
        return inside
    normal = posixpath.normpath(text or ".")
    if normal == ".." or normal.startswith("../"):
        notices.append(_notice(read, "PATH", f"PATH {text!r} leads out of the site; Folio "
                               "reads the content from the site's own folder",
                               "keep the content inside the folder being imported"))
        return "."
    return normal


def _timezone(read: ReadSettings, notices: list[Notice]) -> str:
    zone = read.values.get("TIMEZONE")
    if "TIMEZONE" in read.unread:
        return "UTC"
    if zone is None:
        notices.append(Notice(1, "TIMEZONE is not set; Pelican read dates as UTC (with a "
                              "warning), and so does Folio",
                              "set TIMEZONE = 'Europe/Paris' (the zone the dates are in)"))
        return "UTC"
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        notices.append(_notice(read, "TIMEZONE", f"TIMEZONE {zone!r} is not a time zone; dates "
                               "are read as UTC", "use a name such as 'Europe/Paris'"))
        return "UTC"
    return str(zone)


# Pelican's rules that depend on the settings.

_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


def pelican_slugify(value: str, settings: dict[str, Any], kind: str = "SLUG") -> str:
    """The slug Pelican gives ``value`` (pelican.utils.slugify): tags stripped, NFKC,
    transliterated to ASCII, the ``{kind}_REGEX_SUBSTITUTIONS`` (else the slug's) applied,
    lower-cased. ``kind``: SLUG, TAG, CATEGORY or AUTHOR."""
    substitutions = settings.get(f"{kind}_REGEX_SUBSTITUTIONS") or settings.get(
        "SLUG_REGEX_SUBSTITUTIONS") or []
    text = " ".join(html.unescape(_TAG.sub("", value)).split())
    text = unicodedata.normalize("NFKC", text)
    if not settings.get("SLUGIFY_USE_UNICODE"):
        text = unidecode(text)
    for pair in substitutions:
        try:
            pattern, replacement = pair
            text = re.sub(unicodedata.normalize("NFKC", pattern),
                          unicodedata.normalize("NFKC", replacement), text, flags=re.IGNORECASE)
        except (TypeError, ValueError, re.error):
            continue  # a broken substitution: Pelican would have stopped; Folio goes on
    if not settings.get("SLUGIFY_PRESERVE_CASE"):
        text = text.lower()
    return text.strip()


_MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1)
    for name in names}
_TIME = (r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?"
         r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
         r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?")
_DATE_FORMS = (
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})" + _TIME, re.IGNORECASE),
    re.compile(r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})" + _TIME, re.IGNORECASE),
    re.compile(r"(?:[A-Za-z]{3,9},?\s+)?(?P<d>\d{1,2})\s+(?P<mon>[A-Za-z]{3,9})\.?,?\s+"
               r"(?P<y>\d{4})" + _TIME, re.IGNORECASE),
    re.compile(r"(?:[A-Za-z]{3,9},?\s+)?(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})"
               r"(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _TIME, re.IGNORECASE),
)


def pelican_date(value: str, zone: dt.tzinfo) -> dt.datetime | None:
    """A date as Pelican's ``get_date`` reads it (dateutil, for the forms sites write), aware:
    a date without an offset is in ``zone``. None for text that is no date read here."""
    text = " ".join(value.split())
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if match is not None:
            return _moment(match.groupdict(), zone)
    return None


def _moment(parts: dict[str, str | None], zone: dt.tzinfo) -> dt.datetime | None:
    month = _MONTHS.get((parts.get("mon") or "").lower()) if parts.get("mon") else int(
        parts["m"] or 0)
    hour = int(parts["H"] or 0)
    ampm = (parts["ampm"] or "").lower()
    if ampm.startswith("p") and hour < 12:
        hour += 12
    elif ampm.startswith("a") and hour == 12:
        hour = 0
    try:
        moment = dt.datetime(int(parts["y"] or 0), month or 0, int(parts["d"] or 0), hour,
                             int(parts["M"] or 0), int(parts["S"] or 0),
                             int((parts["f"] or "0").ljust(6, "0")), tzinfo=zone)
    except ValueError:
        return None
    offset = parts["tz"]
    if offset is None:
        return moment
    written = written_offset(offset)
    return None if written is None else moment.replace(tzinfo=written)


def iso(moment: dt.datetime) -> str:
    """An aware datetime as the house date text, its offset explicit."""
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
