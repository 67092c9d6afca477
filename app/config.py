"""Configuration: defaults here, read by the factory in four layers.

The order, later layers winning: these defaults, ``instance/config.py`` if present, environment
variables, then a mapping passed to ``create_app`` (tests). Nothing is read at import time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(ValueError):
    """A configuration value is unusable; the message names the setting."""


# A typo such as "prod" must not quietly keep search engines out of the production site.
ENVIRONMENTS = ("production", "staging", "development", "test")
LOG_FORMATS = ("json", "text")
# Flask signs nothing a reader sends today, but a guessable key is a trap for whatever will.
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 10
MENU_KEYS = ("label", "url", "weight")
MENU_HINT = ('MENU is a list of {"label": ..., "url": ..., "weight": ...} entries, such as '
             '[{"label": "Home", "url": "/"}, {"label": "Archive", "url": "/archive/"}]')


class Defaults:
    SECRET_KEY = "dev-only-not-secret"
    # "production" lets search engines in (robots.txt); anything else keeps them out.
    FOLIO_ENV = "development"
    SITE_NAME = "Folio"
    SITE_DESCRIPTION = "Notes on building and running software, written to be read."
    SITE_LANGUAGE = "en"
    # The public address: every absolute URL (feeds, sitemap, canonical links) starts with it.
    SITE_URL = "http://localhost:5000"
    CONTENT_DIR = "content"
    BLOG_TIMEZONE = "UTC"
    DEFAULT_AUTHOR = "Anonymous"
    POSTS_PER_PAGE = 10
    FEED_SIZE = 20
    # The site menu: a list of {"label", "url", "weight"} entries (the environment variable
    # holds it as JSON). None: Home, Archive, Tags, Categories and Authors. Pages with
    # `menu: main` in their frontmatter join either.
    MENU: list[dict[str, Any]] | None = None
    # The sitemap protocol's limit per file; a bigger site gets a sitemap index.
    SITEMAP_MAX_URLS = 50_000
    # Worker processes for rendering Markdown during an import; 0 means one per CPU.
    IMPORT_WORKERS = 0
    # A file still rendering after this many seconds is reported and not imported (thousands
    # of unclosed brackets make Python-Markdown quadratic); real articles take well under one.
    IMPORT_RENDER_SECONDS = 60.0
    # $...$ is inline maths (pandoc's rules keep "$5 and $10" money); off, only \(...\) is.
    # Changing it re-renders every post at the next import.
    MATH_INLINE_DOLLARS = True
    # The content folder's static areas, by path inside it: an article's `/images/a.png` is
    # looked up in each, in order (the environment variable holds them comma-separated).
    STATIC_DIRS: tuple[str, ...] = ("static",)
    # The largest file an article may reference (larger is an error naming the file), and
    # the bytes of served files each process keeps in memory (a file is immutable: this
    # cache is never stale, whatever the other processes do).
    MEDIA_MAX_BYTES = 25 * 1024 * 1024
    MEDIA_CACHE_BYTES = 64 * 1024 * 1024
    # `flask check-links --external`, politely: requests in flight at once (all hosts
    # together), seconds between two requests to one host, seconds to wait for an answer, and
    # how long an address that answered well is remembered (a week: re-runs spare the hosts).
    LINK_CHECK_CONCURRENCY = 8
    LINK_CHECK_HOST_INTERVAL = 1.0
    LINK_CHECK_TIMEOUT = 10.0
    LINK_CHECK_CACHE_SECONDS = 604_800
    DB_POOL_SIZE = 5
    # Shared cache and content version for many processes or containers; unset, each process
    # caches for itself (still never stale: the version lives in the database too).
    REDIS_URL: str | None = None
    # Pages each process's in-memory cache holds (about 30 KB each, with their compressed
    # forms): the whole cache without Redis, its near copy of Redis with it. Redis is bounded
    # by its own maxmemory policy; entries expire after CACHE_SECONDS.
    CACHE_MAX_ENTRIES = 500
    # Namespace in Redis, so several sites (or test runs) can share one server.
    CACHE_KEY_PREFIX = "folio:"
    CACHE_SECONDS = 3600
    # While Redis is unreachable, how often to try it again (meanwhile each process caches
    # pages in its own memory, up to CACHE_MAX_ENTRIES).
    REDIS_RETRY_SECONDS = 5.0
    # Each process asks the database for the content version at least this often, whatever
    # the fast mirror (Redis, or the file beside SQLite) says: the bound on how long a page can
    # lag an import whose publication to the mirror was lost (the importer killed after its
    # commit, Redis unreachable from it). 0 asks on every request.
    VERSION_CHECK_SECONDS = 2.0
    # A CDN or caching proxy in front: public pages say it may keep them CDN_MAX_AGE seconds
    # (s-maxage) and serve a stale copy CDN_STALE_SECONDS longer while it fetches the new one.
    # 0: off, every cache revalidates each time. After an import that changed something, the
    # changed addresses go to PURGE_URL (an HTTP PURGE of each, the address appended) and to
    # PURGE_COMMAND (run with them on standard input, one a line).
    CDN_MAX_AGE = 0
    CDN_STALE_SECONDS = 60
    PURGE_URL: str | None = None
    PURGE_COMMAND: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in by the factory: SQLite in instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    LOG_LEVEL = "INFO"
    # "json": one JSON object a line (machines collect them); "text": for people. Unset, JSON
    # in production and text elsewhere.
    LOG_FORMAT: str | None = None
    # How many proxies in front set X-Forwarded-For/-Proto/-Host/-Port/-Prefix; 0 trusts none
    # (a client could otherwise claim to be on HTTPS, or any address).
    PROXY_FIX = 0
    # Strict-Transport-Security max-age on HTTPS responses; 0 sends none.
    HSTS_SECONDS = 63_072_000  # two years, as the preload list asks
    # Nothing runs scripts and nothing may frame the site; images may come from any HTTPS
    # host because authors link them.
    CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'none'; object-src 'none'; "
                               "style-src 'self'; img-src 'self' https: data:; "
                               "font-src 'self'; connect-src 'self'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'")


def _as_int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _as_float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _as_str(name: str, raw: str) -> str:
    return raw


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _as_bool(name: str, raw: str) -> bool:
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of {', '.join(_TRUE + _FALSE)}, got {raw!r}")


def _as_paths(name: str, raw: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("/") for part in raw.split(",") if part.strip())


def _as_json(name: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be JSON ({error}); {MENU_HINT}") from None


# Environment variables we read and how each is parsed; DATABASE_URL feeds Flask-SQLAlchemy.
ENV_SETTINGS: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "SECRET_KEY": ("SECRET_KEY", _as_str),
    "FOLIO_ENV": ("FOLIO_ENV", _as_str),
    "SITE_NAME": ("SITE_NAME", _as_str),
    "SITE_DESCRIPTION": ("SITE_DESCRIPTION", _as_str),
    "SITE_LANGUAGE": ("SITE_LANGUAGE", _as_str),
    "SITE_URL": ("SITE_URL", _as_str),
    "CONTENT_DIR": ("CONTENT_DIR", _as_str),
    "BLOG_TIMEZONE": ("BLOG_TIMEZONE", _as_str),
    "DEFAULT_AUTHOR": ("DEFAULT_AUTHOR", _as_str),
    "POSTS_PER_PAGE": ("POSTS_PER_PAGE", _as_int),
    "FEED_SIZE": ("FEED_SIZE", _as_int),
    "MENU": ("MENU", _as_json),
    "IMPORT_WORKERS": ("IMPORT_WORKERS", _as_int),
    "IMPORT_RENDER_SECONDS": ("IMPORT_RENDER_SECONDS", _as_float),
    "MATH_INLINE_DOLLARS": ("MATH_INLINE_DOLLARS", _as_bool),
    "STATIC_DIRS": ("STATIC_DIRS", _as_paths),
    "MEDIA_MAX_BYTES": ("MEDIA_MAX_BYTES", _as_int),
    "MEDIA_CACHE_BYTES": ("MEDIA_CACHE_BYTES", _as_int),
    "LINK_CHECK_CONCURRENCY": ("LINK_CHECK_CONCURRENCY", _as_int),
    "LINK_CHECK_HOST_INTERVAL": ("LINK_CHECK_HOST_INTERVAL", _as_float),
    "LINK_CHECK_TIMEOUT": ("LINK_CHECK_TIMEOUT", _as_float),
    "LINK_CHECK_CACHE_SECONDS": ("LINK_CHECK_CACHE_SECONDS", _as_int),
    "DB_POOL_SIZE": ("DB_POOL_SIZE", _as_int),
    "REDIS_URL": ("REDIS_URL", _as_str),
    "CACHE_MAX_ENTRIES": ("CACHE_MAX_ENTRIES", _as_int),
    "CACHE_SECONDS": ("CACHE_SECONDS", _as_int),
    "CACHE_KEY_PREFIX": ("CACHE_KEY_PREFIX", _as_str),
    "REDIS_RETRY_SECONDS": ("REDIS_RETRY_SECONDS", _as_float),
    "VERSION_CHECK_SECONDS": ("VERSION_CHECK_SECONDS", _as_float),
    "CDN_MAX_AGE": ("CDN_MAX_AGE", _as_int),
    "CDN_STALE_SECONDS": ("CDN_STALE_SECONDS", _as_int),
    "PURGE_URL": ("PURGE_URL", _as_str),
    "PURGE_COMMAND": ("PURGE_COMMAND", _as_str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", _as_str),
    "LOG_LEVEL": ("LOG_LEVEL", _as_str),
    "LOG_FORMAT": ("LOG_FORMAT", _as_str),
    "PROXY_FIX": ("PROXY_FIX", _as_int),
    "HSTS_SECONDS": ("HSTS_SECONDS", _as_int),
    "CONTENT_SECURITY_POLICY": ("CONTENT_SECURITY_POLICY", _as_str),
}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings present in ``environ``, parsed; raises ConfigError naming a bad variable."""
    settings: dict[str, Any] = {}
    for env_name, (key, parse) in ENV_SETTINGS.items():
        raw = environ.get(env_name)
        if raw is not None and raw != "":
            settings[key] = parse(env_name, raw)
    return settings


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3, the driver we ship, whatever spelling ops used."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(url: str, pool_size: int) -> dict[str, Any]:
    """Pooling suited to the database: SQLite needs none; a server gets a checked, sized pool."""
    if url.startswith("sqlite"):
        return {}
    return {"pool_pre_ping": True, "pool_size": pool_size, "max_overflow": pool_size * 2,
            "pool_recycle": 1800}


def check(config: Mapping[str, Any]) -> None:
    """Validate values the app cannot run without; raises ConfigError naming the setting."""
    try:
        ZoneInfo(str(config["BLOG_TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"BLOG_TIMEZONE={config['BLOG_TIMEZONE']!r} is not a known time zone "
            "(use an IANA name such as 'Europe/Berlin' or 'UTC')"
        ) from None
    if config["FOLIO_ENV"] not in ENVIRONMENTS:
        raise ConfigError(f"FOLIO_ENV={config['FOLIO_ENV']!r} must be one of "
                          f"{', '.join(ENVIRONMENTS)}")
    for name in ("POSTS_PER_PAGE", "FEED_SIZE", "CACHE_MAX_ENTRIES", "CACHE_SECONDS",
                 "LINK_CHECK_CONCURRENCY", "MEDIA_MAX_BYTES"):
        if int(config[name]) < 1:
            raise ConfigError(f"{name} must be at least 1")
    for name in ("PROXY_FIX", "HSTS_SECONDS", "VERSION_CHECK_SECONDS", "MEDIA_CACHE_BYTES",
                 "LINK_CHECK_HOST_INTERVAL", "LINK_CHECK_CACHE_SECONDS", "CDN_MAX_AGE",
                 "CDN_STALE_SECONDS"):
        if float(config[name]) < 0:
            raise ConfigError(f"{name} must be 0 or more, got {config[name]}")
    for name in ("IMPORT_RENDER_SECONDS", "LINK_CHECK_TIMEOUT"):
        if float(config[name]) <= 0:
            raise ConfigError(f"{name} must be more than 0, got {config[name]}")
    if config["LOG_FORMAT"] is not None and config["LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT={config['LOG_FORMAT']!r} must be one of "
                          f"{', '.join(LOG_FORMATS)}")
    if config.get("MENU") is not None:
        check_menu(config["MENU"])
    check_static_dirs(config["STATIC_DIRS"])
    if config["FOLIO_ENV"] == "production":
        check_production(config)
    site_url = urlsplit(str(config["SITE_URL"]))
    if site_url.scheme not in ("http", "https") or not site_url.netloc:
        raise ConfigError(f"SITE_URL={config['SITE_URL']!r} must be an absolute http(s) URL, "
                          "such as https://blog.example.com")


def check_static_dirs(folders: Any) -> None:
    """Raise ConfigError for STATIC_DIRS that are not paths inside the content folder."""
    if isinstance(folders, str) or not isinstance(folders, list | tuple):
        raise ConfigError("STATIC_DIRS must be a list of folders inside the content folder, "
                          "such as ['static', 'images']")
    for folder in folders:
        parts = str(folder).replace("\\", "/").split("/")
        if not folder or str(folder).startswith("/") or ".." in parts:
            raise ConfigError(f"STATIC_DIRS: {folder!r} is not a folder inside the content "
                              "folder (a relative path without ..)")


def check_menu(menu: Any) -> None:
    """Raise ConfigError naming the MENU entry and key that is unusable."""
    if not isinstance(menu, list | tuple):
        raise ConfigError(f"MENU must be a list, got {type(menu).__name__}; {MENU_HINT}")
    for index, entry in enumerate(menu):
        where = f"MENU[{index}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where} must be a mapping, got {entry!r}; {MENU_HINT}")
        unknown = sorted(set(entry) - set(MENU_KEYS))
        if unknown:
            raise ConfigError(f"{where} has unknown keys {', '.join(map(repr, unknown))} "
                              f"(an entry has {', '.join(MENU_KEYS)})")
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"{where}.label must be non-empty text, got {label!r}")
        _check_menu_url(where, entry.get("url"))
        weight = entry.get("weight")
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int)):
            raise ConfigError(f"{where}.weight must be a whole number, got {weight!r}")


def _check_menu_url(where: str, url: Any) -> None:
    """A path on this site (``/archive/``) or an absolute http(s) URL: nothing a browser would
    run (``javascript:``) or read as another host (``//evil.example``)."""
    text = url if isinstance(url, str) else ""
    parts = urlsplit(text)
    site_path = text.startswith("/") and not text.startswith("//") and "\\" not in text
    absolute = parts.scheme in ("http", "https") and bool(parts.netloc)
    if not (site_path or absolute) or any(c.isspace() or ord(c) < 32 for c in text):
        raise ConfigError(f"{where}.url must be a path on this site (/archive/) or an "
                          f"http(s) URL, got {url!r}")


def check_production(config: Mapping[str, Any]) -> None:
    """What production refuses to start without: a real secret key, and debug off."""
    key = str(config.get("SECRET_KEY") or "")
    if key == Defaults.SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH \
            or len(set(key)) < MIN_SECRET_KEY_DISTINCT:
        problem = "is not set" if not key or key == Defaults.SECRET_KEY else "is too weak"
        raise ConfigError(
            f"SECRET_KEY {problem}: FOLIO_ENV=production needs a random SECRET_KEY of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters; make one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`")
    if config.get("DEBUG"):
        raise ConfigError("debug mode is on (FLASK_DEBUG): FOLIO_ENV=production refuses to run "
                          "the debugger, which would let any visitor run code; unset FLASK_DEBUG")


def log_format(config: Mapping[str, Any]) -> str:
    if config.get("LOG_FORMAT"):
        return str(config["LOG_FORMAT"])
    return "json" if config["FOLIO_ENV"] == "production" else "text"


def default_sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "folio.sqlite3")
