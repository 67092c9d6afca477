"""What every engine's reader gives the pipeline, and what the pipeline asks of it.

One pipeline, many readers (Pelican's shape): a reader turns a site written for an engine
(Jekyll, Hugo, Pelican, or Folio's own folder) into the same plain records. For each article
file it gives the house metadata (the keys :mod:`app.content.metadata` reads) and a body in
plain Markdown or HTML, the engine's own constructs (Liquid, shortcodes, ``{filename}``)
already translated; and for each post, the addresses the old site gave it. Rendering, media,
links and writing never learn which engine a site came from.

A :class:`SiteSource` is the site's configuration as the reader took it: plain, frozen and
hashable, so that it travels to worker processes and is part of the pipeline's fingerprint (a
changed ``_config.yml`` renders every file again).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app.content.problems import ContentError, Notice
from app.content.reader import RawArticle

if TYPE_CHECKING:
    from app.content.metadata import ArticleMeta

FOLIO = "folio"
ENGINES = (FOLIO, "jekyll", "hugo", "pelican")


@dataclass(frozen=True)
class SiteSource:
    """The site an import reads: its engine and the settings its reader took from the site's
    configuration, as canonical JSON (hashable, picklable, fingerprinted)."""

    engine: str = FOLIO
    settings_json: str = "{}"
    # Settings that index the site's files (post names to paths, for Jekyll's post_url and
    # Hugo's ref): left out of the pipeline's fingerprint, or adding one post would render
    # every other again. The links they translate to lead to posts, which the link graph
    # follows when they move.
    index_keys: tuple[str, ...] = ()

    @property
    def settings(self) -> dict[str, Any]:
        return _loaded(self.settings_json)

    @property
    def old_site_url(self) -> str:
        """Where the site was served under its engine (``https://blog.example.com/blog``):
        each reader records it as ``base_url``; empty when the configuration does not say."""
        return str(self.settings.get("base_url") or "")

    @property
    def fingerprint(self) -> str:
        """What of the settings shapes every post: all of them but the index."""
        if not self.index_keys:
            return self.settings_json
        return json.dumps({key: value for key, value in self.settings.items()
                           if key not in self.index_keys}, sort_keys=True, default=str)

    @classmethod
    def of(cls, engine: str, settings: dict[str, Any],
           index_keys: tuple[str, ...] = ()) -> SiteSource:
        return cls(engine, json.dumps(settings, sort_keys=True, default=str), index_keys)


@cache
def _loaded(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded


class ConfigError(ContentError):
    """The site's configuration file cannot be read: the import stops before it starts."""

    def __init__(self, config_file: str, line: int, message: str, hint: str = "") -> None:
        super().__init__(line, message, hint)
        self.config_file = config_file  # relative to the site's root

    def __reduce__(self) -> tuple[type[ConfigError], tuple[str, int, str, str]]:  # type: ignore[override]
        return (ConfigError, (self.config_file, self.line, self.message, self.hint))


MAX_CONFIG_BYTES = 1024 * 1024


def read_config_text(path: Path, name: str) -> str:
    """The text of a configuration file (``name``: as the author knows it, relative to the
    site's root), newlines as ``\\n``. Raises ConfigError for a file that cannot be read, is
    over 1 MB (a configuration is a few lines: this is some other file) or is not UTF-8."""
    try:
        data = path.read_bytes()[:MAX_CONFIG_BYTES + 1]
    except OSError as exc:
        raise ConfigError(name, 1, f"cannot read it ({exc.strerror})") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(name, 1, "it is over 1 MB", "a configuration file is a few lines")
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise ConfigError(name, 1, "it is not UTF-8", "save it as UTF-8") from None


@dataclass
class SiteConfig:
    """A site's configuration as its reader found it: the source for the import, the house
    settings it overrides (``timezone``, ``default_author``, ``static_dirs``,
    ``math_inline_dollars``), and what a dry run tells the author."""

    source: SiteSource
    config_file: str  # the file the engine was recognised by, relative to the root
    overrides: dict[str, Any] = field(default_factory=dict)
    # Each setting taken, as "name: value" lines for the dry run.
    taken: list[str] = field(default_factory=list)
    # Settings the reader could not read (a Python expression in pelicanconf.py), by name,
    # with the line of the configuration file.
    unread: list[Notice] = field(default_factory=list)


@dataclass
class Translated:
    """One article file as the reader gives it to the pipeline."""

    raw: RawArticle  # house metadata keys, translated body, lines of the original file
    # Exact paths on the old site that answer 301 to this post besides those the permalink
    # settings give (`redirect_from`, Hugo's `aliases`, Pelican's `Save_as`).
    addresses: list[str] = field(default_factory=list)
    # Constructs of the engine met in the body: translated, and left as text, by name
    # ("post_url", "highlight", "include"); each one left is also a notice at its line.
    translated: Counter[str] = field(default_factory=Counter)
    left: Counter[str] = field(default_factory=Counter)


class EngineReader(Protocol):
    """What the pipeline asks of an engine's reader. Implementations hold a SiteSource and
    nothing else; they never touch the database."""

    source: SiteSource

    def discover(self, root: Path) -> list[str]:
        """The article files of the site under ``root``, as sorted POSIX paths relative to
        it: what the engine would publish (or hold back as drafts)."""

    def is_page(self, rel: str) -> bool:
        """Whether the file at ``rel`` is a page by where it lives (``type:`` may say
        otherwise)."""

    def companions(self, rel: str) -> list[str]:
        """Files whose text is part of the article at ``rel`` (a notebook's ``.nbdata`` or
        ``.ipynb-meta`` metadata beside it), as paths relative to the root; the pipeline
        reads those that exist, and a change to one imports the article again."""

    def read(self, text: str, rel: str, companions: dict[str, str]) -> Translated:
        """The decoded text of the file at ``rel``, as house metadata and a translated body;
        ``companions``: the decoded text of each of :meth:`companions` that exists, by path.
        Raises ContentError for a file that cannot be read at all."""

    def old_addresses(self, meta: ArticleMeta, rel: str) -> list[str]:
        """The paths the old site served this post or page at (from its permalink
        settings), each starting with ``/``; the importer makes each answer 301."""

    def site_redirects(self, tags: list[str], categories: list[str],
                       authors: list[str]) -> dict[str, str]:
        """Old site-wide addresses (feeds, tag, category and author pages) and where each
        leads in Folio: ``{"/feed.xml": "/feed.xml", "/tag/python/": "/tags/python"}``.
        Arguments are names as posts spell them."""
