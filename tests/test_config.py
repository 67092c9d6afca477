"""Configuration layers: defaults, instance/config.py, environment, then the test mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from app.config import ConfigError


def test_defaults(tmp_path: Path) -> None:
    app = create_app(instance_path=str(tmp_path))

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/folio.sqlite3"
    assert app.config["CONTENT_DIR"] == "content"
    assert app.config["BLOG_TIMEZONE"] == "UTC"
    assert app.config["SITE_NAME"] == "Folio"


def test_layers_override_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.py").write_text(
        "SITE_NAME = 'From instance'\nSITE_URL = 'https://instance.example'\n"
        "BLOG_TIMEZONE = 'Asia/Tokyo'\n")
    monkeypatch.setenv("SITE_URL", "https://env.example")
    monkeypatch.setenv("BLOG_TIMEZONE", "Europe/Berlin")

    app = create_app({"BLOG_TIMEZONE": "America/Chicago"}, instance_path=str(tmp_path))

    assert app.config["SITE_NAME"] == "From instance"
    assert app.config["SITE_URL"] == "https://env.example"
    assert app.config["BLOG_TIMEZONE"] == "America/Chicago"


def test_configuration_is_read_in_the_factory_not_at_import(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITE_NAME", "First")
    first = create_app(instance_path=str(tmp_path))
    monkeypatch.setenv("SITE_NAME", "Second")
    second = create_app(instance_path=str(tmp_path))

    assert (first.config["SITE_NAME"], second.config["SITE_NAME"]) == ("First", "Second")


@pytest.mark.parametrize("given, used", [
    ("postgres://u@db/blog", "postgresql+psycopg://u@db/blog"),
    ("postgresql://u@db/blog", "postgresql+psycopg://u@db/blog"),
    ("postgresql+psycopg://u@db/blog", "postgresql+psycopg://u@db/blog"),
    ("sqlite:////data/blog.sqlite3", "sqlite:////data/blog.sqlite3"),
])
def test_database_url_selects_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           given: str, used: str) -> None:
    monkeypatch.setenv("DATABASE_URL", given)

    app = create_app(instance_path=str(tmp_path))

    assert app.config["SQLALCHEMY_DATABASE_URI"] == used


def test_server_databases_get_a_checked_sized_pool(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/blog")
    monkeypatch.setenv("DB_POOL_SIZE", "7")

    options = create_app(instance_path=str(tmp_path)).config["SQLALCHEMY_ENGINE_OPTIONS"]

    assert options["pool_pre_ping"] is True
    assert options["pool_size"] == 7


@pytest.mark.parametrize("variable, value, named", [
    ("BLOG_TIMEZONE", "Mars/Olympus", "BLOG_TIMEZONE"),
    ("POSTS_PER_PAGE", "ten", "POSTS_PER_PAGE"),
    ("POSTS_PER_PAGE", "0", "POSTS_PER_PAGE"),
    ("FEED_SIZE", "0", "FEED_SIZE"),
    ("FOLIO_ENV", "prod", "FOLIO_ENV"),
    ("SITE_URL", "blog.example.com", "SITE_URL"),
    ("SITE_URL", "ftp://blog.example.com", "SITE_URL"),
    ("DB_POOL_SIZE", "many", "DB_POOL_SIZE"),
])
def test_bad_values_are_refused_naming_the_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
        named: str) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError, match=named):
        create_app(instance_path=str(tmp_path))
