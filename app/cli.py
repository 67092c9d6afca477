"""Command-line tools: a thin adapter between click and the content pipeline."""

from __future__ import annotations

import logging
import os
import sys
import time
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import caching, command_errors, database, locks, queries
from app import config as config_module
from app.content import sites
from app.content.importer import ImportOptions, ImportReport, import_posts
from app.content.metadata import MetaSettings
from app.content.problems import Problem
from app.extensions import MIGRATIONS_DIR, db, init_migrations
from app.pages.views import RESERVED_NAMES
from app.theme import served_static_folders

if TYPE_CHECKING:
    from app.linkcheck.service import LinkReport

PYGMENTS_CSS = Path("static", "css", "pygments.css")


def register(app: Flask) -> None:
    app.cli.add_command(import_posts_command)
    app.cli.add_command(check_links_command)
    app.cli.add_command(build_css_command)
    app.cli.add_command(wait_for_db_command)
    app.cli.add_command(MigrationCommands(app))
    command_errors.guard_commands(app.cli)


class MigrationCommands(click.Group):
    """`flask db ...`: Flask-Migrate's commands, loaded when one is used (see
    ``app.extensions.init_migrations``), failing in one line like every other command."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations (Flask-Migrate).")
        self.app = app

    def _commands(self) -> click.Group:
        from flask_migrate.cli import db as migrate_group

        init_migrations(self.app)
        group: click.Group = migrate_group
        command_errors.guard_commands(group)
        return group

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        # Click runs the command of the context made here: Flask-Migrate's group, with its
        # options (--directory, -x) and its callback, from then on.
        return self._commands().make_context(info_name, args, parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._commands().get_command(ctx, name)


class _Bar:
    """A progress bar on a terminal; silence everywhere else (CI logs, pipes)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def phase(self, label: str, total: int) -> None:
        self.close()
        if self.enabled and total:
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr,
                                         show_pos=True)
            self.bar.__enter__()

    def advance(self, count: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def content_dir() -> Path:
    configured = Path(current_app.config["CONTENT_DIR"])
    if configured.is_absolute():
        return configured
    return Path(current_app.root_path).parent / configured


@click.command("import-posts")
@click.argument("path", required=False,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Write nothing if any file is invalid.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--prune", is_flag=True,
              help="Remove posts whose files are gone (and tags left without posts).")
@with_appcontext
def import_posts_command(path: Path | None, strict: bool, dry_run: bool, prune: bool) -> None:
    """Sync the articles in PATH (default: CONTENT_DIR) into the database."""
    folder = path if path is not None else content_dir()
    if not folder.is_dir():
        raise click.BadParameter(f"{folder} is not a folder", param_hint="CONTENT_DIR")
    config = current_app.config
    try:
        site = sites.detect(folder.resolve())
    except sites.ConfigError as exc:
        raise click.ClickException(str(Problem.from_error(
            str(_display_path(folder) / exc.config_file), exc))) from None
    options = ImportOptions(
        strict=strict, dry_run=dry_run, prune=prune, workers=int(config["IMPORT_WORKERS"]),
        render_seconds=float(config["IMPORT_RENDER_SECONDS"]), site_url=config["SITE_URL"],
        settings=MetaSettings(timezone=config["BLOG_TIMEZONE"],
                              default_author=config["DEFAULT_AUTHOR"],
                              math_inline_dollars=bool(config["MATH_INLINE_DOLLARS"]),
                              reserved=current_app.extensions[RESERVED_NAMES],
                              static_dirs=tuple(config["STATIC_DIRS"]),
                              served_static=served_static_folders(current_app),
                              media_max_bytes=int(config["MEDIA_MAX_BYTES"])),
    )
    options = replace(options, settings=sites.settings_for(site, options.settings))
    # Before anything connects: connecting to an SQLite file that is not there creates it.
    # And before any output: a command that cannot run says so in one line.
    command_errors.require_migrated(db.engine, MIGRATIONS_DIR)
    if dry_run or site.source.engine != sites.FOLIO:
        _describe_site(site, folder)
    bar = _Bar(enabled=sys.stderr.isatty())
    # Dry runs only read; real imports take turns, so two containers started together with
    # IMPORT_ON_START never write the same posts at once (the second then finds no changes).
    lock = nullcontext() if dry_run else locks.exclusive(
        db.engine, "import", on_wait=lambda: _say(
            "Another import into this database is running; waiting for it to finish.",
            event="import_waiting"))
    try:
        with lock:
            report = import_posts(db.session(), folder.resolve(), options, bar,
                                  display=_display_path(folder))
    finally:
        bar.close()
    if report.written:
        database.checkpoint(db.engine)
    if not dry_run:
        # After the commit, never before: a reader must not cache old pages under the new
        # version. Also when nothing changed: an import killed after its commit but before
        # this line left the mirrors behind the database, and the next import repairs them.
        caching.publish_content_version(current_app._get_current_object())  # type: ignore[attr-defined]
        if report.written and report.changes and (config.get("PURGE_URL")
                                                  or config.get("PURGE_COMMAND")):
            _purge_cdn(report)
    if config_module.log_format(config) == "json":
        _log_report(report, options, folder)
    else:
        _print_report(report, options)  # its last line is the summary: no log record again
    if report.errors:
        sys.exit(1)


def _purge_cdn(report: ImportReport) -> None:
    """After the version is out, never before: a CDN refetching at once must get new pages."""
    from app.caching import purge

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    purge.purge(app, purge.changed_addresses(app, [*report.added, *report.updated]))


def _describe_site(site: sites.SiteConfig, folder: Path) -> None:
    """Which engine's site this is and the settings taken from it; the settings it could not
    read, as warnings naming their line."""
    if site.source.engine == sites.FOLIO:
        click.echo("Site: a folder of Folio articles")
        return
    click.echo(f"Site: {site.source.engine}, recognised by {site.config_file}")
    for line in site.taken:
        click.echo(f"  {line}")
    for notice in site.unread:
        click.echo(str(Problem.from_notice(str(_display_path(folder) / site.config_file),
                                           notice)), err=True)


def _display_path(folder: Path) -> Path:
    try:
        return Path(os.path.relpath(folder.resolve()))
    except ValueError:
        return folder.resolve()


def _log_report(report: ImportReport, options: ImportOptions, folder: Path) -> None:
    """The report as log records (JSON lines in production): one a problem, one summary."""
    log = current_app.logger
    for problem in sorted(report.warnings + report.errors, key=lambda p: (p.path, p.line)):
        log.log(logging.ERROR if problem.severity == "error" else logging.WARNING,
                "%s:%s: %s", problem.path, problem.line, problem.message,
                extra={"event": "import_problem", "file": problem.path, "line": problem.line,
                       "hint": problem.hint or None})
    log.info("import finished: %s", report.summary(), extra={
        "event": "import", "source": str(folder), "dry_run": options.dry_run,
        "strict": options.strict, "written": report.written,
        "added": len(report.added), "updated": len(report.updated),
        "unchanged": report.unchanged, "removed": len(report.removed),
        "missing": len(report.missing), "warnings": len(report.warnings),
        "errors": len(report.errors), "seconds": round(report.seconds, 3)})


def _print_report(report: ImportReport, options: ImportOptions) -> None:
    for problem in sorted(report.warnings + report.errors, key=lambda p: (p.path, p.line)):
        click.echo(str(problem), err=True)
    verb = "would be " if options.dry_run else ""
    if options.dry_run or report.changes:
        for label, paths in (("added", report.added), ("updated", report.updated),
                             ("removed", report.removed)):
            for rel in paths:
                click.echo(f"{verb}{label}: {rel}")
    for rel in report.missing:
        click.echo(f"file gone (kept; --prune removes it): {rel}")
    for label, counts in (("translated", report.translated), ("left as text", report.left)):
        if counts:
            click.echo(f"{report.engine} constructs {label}: " + ", ".join(
                f"{name} x{count}" for name, count in sorted(counts.items())))
    if options.strict and report.errors and not options.dry_run:
        click.echo(f"--strict: {len(report.errors)} invalid file(s); nothing was written.")
    elif not options.dry_run and not report.changes and not report.errors:
        click.echo("Nothing changed: the database already matches the files.")
    prefix = "Dry run (nothing written): " if options.dry_run else "Import: "
    click.echo(prefix + report.summary())


@click.command("check-links")
@click.option("--external", is_flag=True,
              help="Also ask other sites whether the addresses posts link to still answer.")
@click.option("--refresh", is_flag=True,
              help="With --external: ask again for the addresses that answered well lately.")
@with_appcontext
def check_links_command(external: bool, refresh: bool) -> None:
    """Report broken links by file and line (exit status 1 if any): between posts, and with
    --external to other sites."""
    # httpx and the checker load here, not at every command's start-up (an import's).
    from app.linkcheck.external import Politeness
    from app.linkcheck.service import CheckOptions, check_links

    command_errors.require_migrated(db.engine, MIGRATIONS_DIR)
    config = current_app.config
    options = CheckOptions(
        site_url=config["SITE_URL"], external=external, refresh=refresh,
        cache_seconds=float(config["LINK_CHECK_CACHE_SECONDS"]),
        politeness=Politeness(
            concurrency=int(config["LINK_CHECK_CONCURRENCY"]),
            host_interval=float(config["LINK_CHECK_HOST_INTERVAL"]),
            timeout=float(config["LINK_CHECK_TIMEOUT"]),
            user_agent=f"Folio link checker (+{config['SITE_URL']})"))
    report = check_links(db.session(), queries.link_sources(), options)
    folder = _display_path(content_dir())
    problems = [Problem(str(folder / p.source), p.notice.line, p.notice.message, p.notice.hint,
                        p.severity) for p in report.problems]
    _print_link_report(problems, report, external)
    if report.broken:
        sys.exit(1)


def _print_link_report(problems: list[Problem], report: LinkReport,
                       external: bool) -> None:
    if config_module.log_format(current_app.config) == "json":
        for problem in problems:
            current_app.logger.log(
                logging.ERROR if problem.severity == "error" else logging.WARNING,
                "%s:%s: %s", problem.path, problem.line, problem.message,
                extra={"event": "link_problem", "file": problem.path, "line": problem.line,
                       "hint": problem.hint or None})
        current_app.logger.info("links checked: %s", report.summary(external), extra={
            "event": "check_links", "internal": report.internal, "outside": report.outside,
            "addresses": report.addresses, "asked": report.asked, "broken": report.broken})
        return
    for problem in problems:
        click.echo(str(problem))  # the report is the output: stdout, for a pipe or a file
    click.echo("Links: " + report.summary(external))


@click.command("build-css")
@with_appcontext
def build_css_command() -> None:
    """Regenerate app/static/css/pygments.css from the Pygments styles."""
    from app.content.highlight import pygments_stylesheet  # Pygments: only for this command

    target = Path(current_app.root_path) / PYGMENTS_CSS
    target.write_text(pygments_stylesheet(), encoding="utf-8")
    click.echo(f"wrote {target}")


@click.command("wait-for-db")
@click.option("--timeout", type=click.FloatRange(min=0), default=60.0, show_default=True,
              envvar="DB_WAIT_SECONDS", help="Give up after this many seconds.")
@with_appcontext
def wait_for_db_command(timeout: float) -> None:
    """Wait until the database answers (a container may start before its database)."""
    where = database.describe(db.engine.url)
    deadline = time.monotonic() + timeout
    pause = 0.25
    while True:
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as error:
            reason = command_errors.first_line(error)
            if time.monotonic() + pause > deadline:
                raise command_errors.CommandFailed(
                    f"the {where} did not answer within {timeout:g} s (DB_WAIT_SECONDS): "
                    f"{reason}", event="database_unavailable") from None
            _say(f"Waiting for the {where}: {reason}", event="database_waiting")
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
        else:
            _say(f"The {where} is reachable.", event="database_reachable")
            return


def _say(message: str, **fields: object) -> None:
    """A progress message: a log record when logs are JSON, else a line on stderr."""
    if config_module.log_format(current_app.config) == "json":
        current_app.logger.info(message, extra=fields)
    else:
        click.echo(message, err=True)

