"""Configuration layers: defaults, instance/config.py, environment, then the test mapping."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.config import ConfigError, log_format
from tests.conftest import REPO
from tests.servers import server_environment


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


@pytest.mark.parametrize(("value", "used"), [
    (None, True), ("0", False), ("off", False), ("False", False), ("no", False), ("1", True),
    ("on", True), (" yes ", True),
])
def test_inline_dollars_are_a_switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     value: str | None, used: bool) -> None:
    if value is not None:
        monkeypatch.setenv("MATH_INLINE_DOLLARS", value)

    assert create_app(instance_path=str(tmp_path)).config["MATH_INLINE_DOLLARS"] is used


@pytest.mark.parametrize("variable, value, named", [
    ("BLOG_TIMEZONE", "Mars/Olympus", "BLOG_TIMEZONE"),
    ("POSTS_PER_PAGE", "ten", "POSTS_PER_PAGE"),
    ("POSTS_PER_PAGE", "0", "POSTS_PER_PAGE"),
    ("FEED_SIZE", "0", "FEED_SIZE"),
    ("FOLIO_ENV", "prod", "FOLIO_ENV"),
    ("SITE_URL", "blog.example.com", "SITE_URL"),
    ("SITE_URL", "ftp://blog.example.com", "SITE_URL"),
    ("DB_POOL_SIZE", "many", "DB_POOL_SIZE"),
    ("MATH_INLINE_DOLLARS", "maybe", "MATH_INLINE_DOLLARS"),
])
def test_bad_values_are_refused_naming_the_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
        named: str) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError, match=named):
        create_app(instance_path=str(tmp_path))


GOOD_KEY = "3f9a6c1e8b7d2f4a0c5e9b1d7a3f6c2e8b4d0a9f"


@pytest.mark.parametrize(("key", "problem"), [
    (None, "SECRET_KEY is not set"),
    ("dev-only-not-secret", "SECRET_KEY is not set"),
    ("too-short-a1b2c3", "SECRET_KEY is too weak"),
    ("x" * 64, "SECRET_KEY is too weak"),
    ("abababababababababababababababab", "SECRET_KEY is too weak"),
])
def test_production_refuses_a_missing_or_weak_secret_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str | None, problem: str) -> None:
    monkeypatch.setenv("FOLIO_ENV", "production")
    if key is not None:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match=problem) as refused:
        create_app(instance_path=str(tmp_path))
    assert "secrets.token_hex" in str(refused.value)  # and says how to make a good one


def test_production_refuses_debug_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLIO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="debug mode is on"):
        create_app(instance_path=str(tmp_path))


def test_production_starts_with_a_real_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLIO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == GOOD_KEY and not app.debug


def test_other_environments_keep_the_development_key(tmp_path: Path) -> None:
    assert create_app(instance_path=str(tmp_path)).config["SECRET_KEY"] == "dev-only-not-secret"


@pytest.mark.parametrize("command", [["flask", "routes"], ["gunicorn", "-c", "gunicorn.conf.py",
                                                          "--bind", "127.0.0.1:0", "wsgi:app"]])
def test_a_refused_start_is_one_clear_line_and_a_failure_status(tmp_path: Path,
                                                               command: list[str]) -> None:
    env = server_environment(FOLIO_ENV="production", SECRET_KEY="",
                             DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run([sys.executable, "-m", *command], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    assert "Folio cannot start: SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(("name", "value", "message"), [
    ("LOG_FORMAT", "xml", "LOG_FORMAT='xml' must be one of json, text"),
    ("PROXY_FIX", "-1", "PROXY_FIX must be 0 or more"),
    ("PROXY_FIX", "two", "PROXY_FIX must be an integer"),
    ("HSTS_SECONDS", "-5", "HSTS_SECONDS must be 0 or more"),
    ("REDIS_RETRY_SECONDS", "soon", "REDIS_RETRY_SECONDS must be a number"),
    ("LINK_CHECK_CONCURRENCY", "0", "LINK_CHECK_CONCURRENCY must be at least 1"),
    ("LINK_CHECK_HOST_INTERVAL", "-1", "LINK_CHECK_HOST_INTERVAL must be 0 or more"),
    ("LINK_CHECK_TIMEOUT", "0", "LINK_CHECK_TIMEOUT must be more than 0"),
    ("LINK_CHECK_CACHE_SECONDS", "a week", "LINK_CHECK_CACHE_SECONDS must be an integer"),
])
def test_production_settings_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         name: str, value: str, message: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app(instance_path=str(tmp_path))


@pytest.mark.parametrize(("environment", "expected"), [
    ({}, "text"), ({"FOLIO_ENV": "production", "SECRET_KEY": GOOD_KEY}, "json"),
    ({"LOG_FORMAT": "text", "FOLIO_ENV": "production", "SECRET_KEY": GOOD_KEY}, "text"),
    ({"LOG_FORMAT": "json"}, "json"),
])
def test_logs_are_json_in_production_unless_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 environment: dict[str, str],
                                                 expected: str) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert log_format(create_app(instance_path=str(tmp_path)).config) == expected


# --- MENU ---


def test_menu_from_the_environment_is_json(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENU", '[{"label": "Home", "url": "/"}, '
                               '{"label": "Code", "url": "https://git.example/me", "weight": 5}]')

    app = create_app(instance_path=str(tmp_path))

    assert app.config["MENU"] == [{"label": "Home", "url": "/"},
                                  {"label": "Code", "url": "https://git.example/me", "weight": 5}]


def test_menu_from_instance_config_is_a_python_list(tmp_path: Path) -> None:
    (tmp_path / "config.py").write_text("MENU = [{'label': 'Now', 'url': '/now'}]\n")

    assert create_app(instance_path=str(tmp_path)).config["MENU"] == [
        {"label": "Now", "url": "/now"}]


@pytest.mark.parametrize(("menu", "message"), [
    ("not json", "MENU must be JSON"),
    ('{"label": "Home"}', "MENU must be a list, got dict"),
    ('["Home"]', "MENU[0] must be a mapping, got 'Home'"),
    ('[{"label": "Home", "url": "/", "href": "/"}]', "MENU[0] has unknown keys 'href'"),
    ('[{"url": "/"}]', "MENU[0].label must be non-empty text, got None"),
    ('[{"label": " ", "url": "/"}]', "MENU[0].label must be non-empty text"),
    ('[{"label": "A", "url": "/"}, {"label": "B"}]', "MENU[1].url must be a path on this site"),
    ('[{"label": "A", "url": "javascript:alert(1)"}]', "MENU[0].url must be a path on this"),
    ('[{"label": "A", "url": "//evil.example/"}]', "MENU[0].url must be a path on this site"),
    ('[{"label": "A", "url": "archive/"}]', "MENU[0].url must be a path on this site"),
    ('[{"label": "A", "url": "/a b"}]', "MENU[0].url must be a path on this site"),
    ('[{"label": "A", "url": "/", "weight": "1"}]', "MENU[0].weight must be a whole number"),
    ('[{"label": "A", "url": "/", "weight": true}]', "MENU[0].weight must be a whole number"),
])
def test_a_bad_menu_is_refused_naming_the_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 menu: str, message: str) -> None:
    monkeypatch.setenv("MENU", menu)

    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app(instance_path=str(tmp_path))
