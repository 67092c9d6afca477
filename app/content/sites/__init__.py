"""Sites written for other engines: recognising the engine, and each engine's reader.

``detect(root)`` looks for an engine's configuration file at the root of the folder an import
is pointed at (``_config.yml``: Jekyll; ``hugo.toml``, ``config.toml``, ``config/_default/``:
Hugo; ``pelicanconf.py``: Pelican) and reads the settings that change what the posts mean.
A folder with none of them is a folder of Folio articles. ``reader_for(source)`` gives the
reader the pipeline calls for each file (:class:`app.content.sites.base.EngineReader`).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from app.content.sites.base import (
    FOLIO,
    ConfigError,
    EngineReader,
    SiteConfig,
    SiteSource,
    Translated,
)

if TYPE_CHECKING:  # metadata imports sites.base, which runs this module first
    from app.content.metadata import MetaSettings

__all__ = ["FOLIO", "ConfigError", "EngineReader", "SiteConfig", "SiteSource", "Translated",
           "detect", "reader_for", "settings_for"]

# In the order they are tried: a Hugo site may carry a stray _config.yml, no Jekyll site
# carries a pelicanconf.py.
_ENGINE_MODULES = ("pelican", "hugo", "jekyll")


def detect(root: Path) -> SiteConfig:
    """The site at ``root``: its engine, recognised by its configuration file, and the
    settings taken from it. Raises ConfigError (naming the file and line) for a
    configuration file that cannot be read."""
    for name in _ENGINE_MODULES:
        module = import_module(f"app.content.sites.{name}")
        config = module.find_config(root)
        if config is not None:
            site: SiteConfig = module.configure(root, config)
            return site
    return SiteConfig(SiteSource(), "")


def settings_for(site: SiteConfig, settings: MetaSettings) -> MetaSettings:
    """The import's settings for ``site``: Folio's own, with what the site's configuration
    says instead where it says it (its time zone, author, static folders, Markdown)."""
    overrides = dict(site.overrides)
    if "static_dirs" in overrides:
        overrides["static_dirs"] = tuple(overrides["static_dirs"])
    return replace(settings, source=site.source, **overrides)


@cache
def reader_for(source: SiteSource) -> EngineReader:
    """The reader of ``source``'s engine (one per process and site: readers cache what they
    work out from the settings)."""
    module = import_module(f"app.content.sites.{source.engine}")
    reader: EngineReader = module.Reader(source)
    return reader
