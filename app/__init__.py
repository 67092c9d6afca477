"""Folio: a server-rendered blog engine. ``create_app`` reads like a table of contents."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.logging import default_handler

from app import config


def create_app(test_config: Mapping[str, Any] | None = None, *,
               instance_path: str | None = None) -> Flask:
    """Build the app. Configuration layers, later winning: defaults, ``instance/config.py``,
    environment variables, then ``test_config``. ``instance_path`` defaults to ``instance/``
    at the top of the repository."""
    app = Flask(__name__, instance_relative_config=True,
                instance_path=instance_path or os.path.join(os.path.dirname(app_root()),
                                                            "instance"))
    load_config(app, test_config)
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    install_theme(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    install_middleware(app)
    return app


def app_root() -> str:
    return os.path.dirname(os.path.abspath(__file__))


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    app.config.from_object(config.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config.from_environment(os.environ))
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or config.default_sqlite_url(
        app.instance_path)
    url = config.normalise_database_url(url)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **config.engine_options(url, int(app.config["DB_POOL_SIZE"])),
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    config.check(app.config)


def configure_logging(app: Flask) -> None:
    """One handler, on the root logger, for the app and the libraries alike (``app.logs``)."""
    from app import logs

    app.logger.setLevel(str(app.config["LOG_LEVEL"]).upper())
    if not app.debug and not app.testing:
        app.logger.removeHandler(default_handler)
        logs.configure(config.log_format(app.config), str(app.config["LOG_LEVEL"]))


def register_extensions(app: Flask) -> None:
    from app import caching, database
    from app.extensions import db

    db.init_app(app)
    caching.init_app(app)
    database.install_sqlite_pragmas()


def register_blueprints(app: Flask) -> None:
    from app import (
        api,
        archive,
        assets,
        authors,
        categories,
        feeds,
        health,
        media,
        pages,
        posts,
        routing,
        search,
        seo,
        tags,
    )
    routing.install(app)

    for blueprint in (posts.bp, tags.bp, categories.bp, authors.bp, archive.bp, feeds.bp, seo.bp,
                      search.bp, health.bp, assets.bp, pages.bp):
        app.register_blueprint(blueprint)
    api.register(app)
    media.install(app)
    # Pages answer wherever no route of Folio's does: the importer refuses any other address.
    app.extensions[pages.views.RESERVED_NAMES] = routing.reserved_names(
        app.url_map, besides="pages.detail")


def install_theme(app: Flask) -> None:
    """Templates and static files in the instance folder win over Folio's (``app.theme``), and
    every static file has a content-hashed address (``app.assets``)."""
    from app import assets, theme

    theme.install(app)
    assets.install(app, theme.served_static_folders(app))


def register_error_handlers(app: Flask) -> None:
    from app import errors

    errors.register(app)


def register_template_helpers(app: Flask) -> None:
    from app import templating

    templating.register(app)


def install_middleware(app: Flask) -> None:
    from app import middleware

    middleware.install(app)


def register_commands(app: Flask) -> None:
    from app import cli

    cli.register(app)
