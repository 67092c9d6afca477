"""Minimal Pelican settings for the side-by-side build in bench/import_bench.py.

Used as: pelican CORPUS_DIR -o OUTPUT_DIR -s bench/pelicanconf.py
(the content path and the output path come from the command line).

Defaults are kept wherever Pelican has one (theme, feeds, Markdown extensions, URLs), with the
pagination that pelican-quickstart proposes; caching is off so that every run parses and renders
every article from scratch.
"""

AUTHOR = "Folio bench"
SITENAME = "Folio bench (Pelican)"
SITEURL = ""
RELATIVE_URLS = True

TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

DEFAULT_PAGINATION = 10

# Build everything, every time: no stale output, no content cache.
DELETE_OUTPUT_DIRECTORY = True
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# The corpus has no pages, static files or drafts; only articles.
STATIC_PATHS: list[str] = []

# Feeds stay at Pelican's defaults; a feed domain only silences the "no SITEURL" warning.
FEED_DOMAIN = "https://folio.example"
