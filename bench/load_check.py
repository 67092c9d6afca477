#!/usr/bin/env python3
"""Load Folio with wrk on a mix of its pages and check that nothing fails.

Usage (from anywhere; paths are resolved from this file):

    python3 bench/load_check.py [--posts 10000] [--seconds 60] [--connections 64]
                                [--database-url URL] [--redis-url URL | --redis-down]
                                [--fresh] [--work DIR] [--readme]

The claim it checks (issue 12's load requirement): with 10,000 posts imported, 60 seconds of
wrk with 64 connections on a mix of pages give no socket error (connect, read, write, timeout)
and no response outside 2xx/3xx.

1. `<shared>/bench/gen_corpus.py N` into the work folder (deterministic), with one post given
   an old address (`aliases:`) so the mix holds a 301; `flask db upgrade` and `flask
   import-posts` into `<work>/load-N.sqlite3`, kept between runs (the import then finds nothing
   to do; --fresh starts from an empty file), or into --database-url.
2. gunicorn with `gunicorn.conf.py` exactly as production runs it (its worker, thread, access
   log and recycling defaults), `FOLIO_ENV=production`, a random `SECRET_KEY`, and with
   --redis-url the shared Redis cache (under a key prefix of its own).
3. The mix, read from the running site's API: home and its pages, posts spread over the archive
   (also as Markdown and JSON), tags, categories, authors, their indexes, the archive,
   searches, feeds, sitemaps, API calls, the old address (301) and conditional requests with
   the page's ETag (304). Every URL is fetched once first and must answer its expected status;
   a page that does not exist (404) is deliberately not in the mix.
4. `wrk -t2 -cC -dS --timeout 5s` with a generated Lua script: each request takes the next URL
   of the mix, each response's status is counted, and the counts are summed over the threads.

With --redis-down (issue 10's Redis outage) the load runs twice on the same database: with no
Redis configured, then with REDIS_URL pointing at a `redis-server` this script starts, lets the
probe fill, and stops before wrk begins, so the whole load meets a Redis that has gone away.
The report gives both rows and the ratio of their req/s, which must be at least
REDIS_DOWN_TARGET (each process then caches pages in its own memory, as without Redis).

Exit status: 0 when the check passed, 1 when it failed (an error, a status outside 2xx/3xx, a
ratio under its target, or a step that failed), 2 on bad usage or a missing tool or folder.
With --readme the result replaces each configuration's row (database and cache) between
`<!-- load-check:start -->` and `<!-- load-check:end -->` in README.md, keeping the other
configurations' rows.

Environment:
    FOLIO_SHARED  folder holding bench/gen_corpus.py (default: <repo>/../shared)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # a script: its folder is not a package
import serve_bench as sb
from benchlib import log, replace_marked_section, stop_cleanly_on_signals

REPO = sb.REPO
README = sb.README
MARK_START = "<!-- load-check:start -->"
MARK_END = "<!-- load-check:end -->"

TARGET_POSTS, TARGET_SECONDS, TARGET_CONNECTIONS = 10_000, 60, 64
WRK_THREADS = 2
WRK_TIMEOUT = "5s"  # as load.sh: a slower answer counts as a timeout error
SOCKET_ERRORS = ("connect_err", "read_err", "write_err", "timeout")
ALIAS = "load-check-old-address"  # the old address given to one post of the corpus
QUERIES = ("caching", "postgresql latency", "kubernetes")
HOME_PER_PAGE = 10  # POSTS_PER_PAGE's default, which the production settings keep
# Issue 10: with Redis configured but gone, at least half the req/s of no Redis at all.
REDIS_DOWN_TARGET = 0.5
# Issue 13: the share of the page cache's answers that are hits, over the load. Reported with
# the figure, never a failure: the check fails on errors, not on timings or rates.
HIT_RATE_TARGET = 0.99
BROWSER_HEADERS = (("Accept-Encoding", "br, gzip"),)


class CheckError(sb.StepError):
    """A step of the check failed; the message says which and why."""


# The mix


@dataclass(frozen=True)
class Url:
    kind: str
    path: str
    expect: int = 200
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Site:
    """What the mix is made of, read from the running site."""

    total: int  # public posts
    posts: tuple[str, ...]  # slugs spread over the archive
    tags: tuple[str, ...]  # the most used first
    categories: tuple[str, ...]
    authors: tuple[str, ...]
    alias: str | None = None  # an old address that answers 301


def build_mix(site: Site) -> list[Url]:
    """The URLs wrk rotates through, posts spread among the other pages. Every one answers
    2xx or 3xx; conditional requests are added once the pages' ETags are known."""
    pages = max(1, -(-site.total // HOME_PER_PAGE))
    tag = site.tags[0] if site.tags else None
    others = [Url("home", "/"), Url("home page 2", "/?page=2"),
              Url("home middle page", f"/?page={max(1, pages // 2)}"),
              Url("home last page", f"/?page={pages}")]
    others += [Url("tag", f"/tags/{slug}") for slug in site.tags]
    if tag:
        others += [Url("tag page 2", f"/tags/{tag}?page=2"),
                   Url("tag feed", f"/tags/{tag}/feed.xml")]
    others += [Url("category", f"/categories/{slug}") for slug in site.categories]
    others += [Url("author", f"/authors/{slug}") for slug in site.authors]
    others += [Url("index", path) for path in ("/tags/", "/categories/", "/authors/",
                                                "/archive/")]
    others += [Url("search", "/search?" + urllib.parse.urlencode({"q": q})) for q in QUERIES]
    others += [Url("search page 2", "/search?q=caching&page=2"),
               Url("search feed", "/search/feed.xml?q=caching")]
    others += [Url("feed", path) for path in ("/feed.xml", "/rss.xml", "/feed.json")]
    others += [Url("sitemap", path) for path in ("/sitemap.xml", "/sitemaps/listings.xml",
                                                  "/sitemaps/posts-1.xml")]
    others += [Url("robots.txt", "/robots.txt"), Url("opensearch", "/opensearch.xml")]
    others += [Url("API", path) for path in ("/api/v1/posts?per_page=10", "/api/v1/tags",
                                             "/api/v1/posts?q=caching")]
    if site.posts:
        first = site.posts[0]
        others += [Url("post as Markdown", f"/posts/{first}.md"),
                   Url("post as JSON", f"/posts/{first}.json"),
                   Url("API", f"/api/v1/posts/{first}")]
    if site.alias:
        others.append(Url("old address (301)", f"/posts/{site.alias}", expect=301))
    posts = [Url("post", f"/posts/{slug}") for slug in site.posts]
    mix: list[Url] = []
    for n in range(max(len(posts), len(others))):
        mix += posts[n:n + 1] + others[n:n + 1]
    return mix


def spread(mix: Sequence[Url], extra: Sequence[Url]) -> list[Url]:
    """``mix`` with the ``extra`` URLs placed evenly among its own."""
    result, step = list(mix), max(1, len(mix) // (len(extra) + 1))
    for n, url in enumerate(extra):
        result.insert((n + 1) * step + n, url)
    return result


def conditional_urls(etags: dict[str, str]) -> list[Url]:
    """The same pages asked with If-None-Match their ETag: a 304 each."""
    return [Url("conditional (304)", path, 304, (("If-None-Match", etag),))
            for path, etag in etags.items()]


def fetch_json(base_url: str, path: str) -> dict[str, object]:
    answer = sb.fetch(base_url + path)
    if answer.status != 200:
        raise CheckError(f"{path} answered {answer.status}")
    data = json.loads(answer.body)
    if not isinstance(data, dict):
        raise CheckError(f"{path} answered {answer.body[:200]!r}, not an object")
    return data


def _slugs(data: dict[str, object]) -> list[str]:
    items = data.get("items")
    if not isinstance(items, list):
        raise CheckError(f"no list of items in {str(data)[:200]}")
    return [str(item["slug"]) for item in items]


def discover(base_url: str, per_kind: int = 24) -> Site:
    """Posts spread over the archive (first, middle and last API pages), the most used tags
    plus the least used one, the top categories and authors; the old address if it redirects."""
    first = fetch_json(base_url, "/api/v1/posts?per_page=100")
    total, api_pages = int(str(first["total"])), int(str(first["pages"]))
    slugs = _slugs(first)[:per_kind // 3]
    for page in sorted({max(1, api_pages // 2), api_pages} - {1}):
        slugs += _slugs(fetch_json(base_url, f"/api/v1/posts?per_page=100&page={page}"))[
            :per_kind // 3]
    tags = _slugs(fetch_json(base_url, "/api/v1/tags"))
    alias = sb.fetch(base_url + f"/posts/{ALIAS}").status == 301
    return Site(total=total, posts=tuple(dict.fromkeys(slugs)),
                tags=tuple(dict.fromkeys(tags[:5] + tags[-1:])),
                categories=tuple(_slugs(fetch_json(base_url, "/api/v1/categories"))[:3]),
                authors=tuple(_slugs(fetch_json(base_url, "/api/v1/authors"))[:3]),
                alias=ALIAS if alias else None)


def probe(base_url: str, urls: Sequence[Url]) -> dict[str, str]:
    """Fetch every URL once; CheckError naming those that do not answer as expected. Returns
    the ETags of the home page and of the first three posts, for the conditional requests.

    This renders each page once before the load. With Redis that is the only cold render;
    with each process's own cache, the other workers (and every worker recycled by
    max_requests) render theirs under load, as in production."""
    wrong: list[str] = []
    etags: dict[str, str] = {}
    for url in urls:
        answer = sb.fetch(base_url + url.path, url.headers)
        if answer.status != url.expect:
            wrong.append(f"{url.path} answered {answer.status}, not {url.expect}")
        etag = answer.headers.get("etag")
        if etag and (url.kind == "home" or url.kind == "post" and len(etags) < 4):
            etags.setdefault(url.path, etag)
    if wrong:
        raise CheckError("pages of the mix do not answer as expected:\n  " + "\n  ".join(wrong))
    return etags


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


LUA_TEMPLATE = """-- Generated by bench/load_check.py. Each request takes the next URL of the mix
-- (each thread starts at its own place); every response's status and X-Cache answer (hit,
-- miss) are counted, and done() prints the counts summed over the threads, then report.lua's
-- RESULT line.
local urls = {
__URLS__
}
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  caches = {}
  position = (id * 7) % #urls
end

function request()
  position = position % #urls + 1
  return wrk.format("GET", urls[position][1], urls[position][2])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local cache = headers["X-Cache"]
  if cache then
    caches[cache] = (caches[cache] or 0) + 1
  end
end

-- One table of every thread, summed: "key=n key=n ...", sorted.
local function summed(name, format)
  local total = {}
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get(name)) do
      total[key] = (total[key] or 0) + count
    end
  end
  local parts = {}
  for key, count in pairs(total) do
    table.insert(parts, string.format(format, key, count))
  end
  table.sort(parts)
  return table.concat(parts, " ")
end

function done(summary, latency, requests)
  io.write("STATUSES " .. summed("statuses", "%d=%d") .. "\\n")
  io.write("CACHE " .. summed("caches", "%s=%d") .. "\\n")
  local e = summary.errors
  io.write(string.format(
    "RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d bytes=%d " ..
    "connect_err=%d read_err=%d write_err=%d status_err=%d timeout=%d\\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def lua_script(urls: Sequence[Url]) -> str:
    """wrk's script for the mix: {path, {header = value}} per URL, each asking for the
    compressed codings as a browser does."""
    entries = []
    for url in urls:
        asked = (*BROWSER_HEADERS, *url.headers)
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in asked)
        entries.append(f"  {{{lua_string(url.path)}, {{{headers}}}}},")
    return LUA_TEMPLATE.replace("__URLS__", "\n".join(entries))


# wrk's result


@dataclass(frozen=True)
class LoadResult:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[int, int]
    errors: dict[str, int]  # connect_err, read_err, write_err, status_err, timeout
    cache: dict[str, int] = field(default_factory=dict)  # X-Cache answers: hit, miss

    @property
    def hit_rate(self) -> float | None:
        """Hits among the answers the page cache gave (a 304 or a redirect gives none)."""
        answered = self.cache.get("hit", 0) + self.cache.get("miss", 0)
        return self.cache.get("hit", 0) / answered if answered else None

    @property
    def socket_errors(self) -> int:
        return sum(self.errors.get(name, 0) for name in SOCKET_ERRORS)

    @property
    def outside_2xx_3xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 400)

    @property
    def passed(self) -> bool:
        return (self.requests > 0 and self.socket_errors == 0 and self.outside_2xx_3xx == 0
                and self.errors.get("status_err", 0) == 0)

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status < high)


def parse_statuses(output: str) -> dict[int, int]:
    """The counts of the Lua script's `STATUSES 200=n 304=n` line; CheckError if none."""
    match = re.search(r"^STATUSES(.*)$", output, re.MULTILINE)
    if not match:
        raise CheckError(f"no STATUSES line in wrk's output:\n{output[-2000:]}")
    try:
        pairs = (part.split("=", 1) for part in match.group(1).split())
        return {int(status): int(count) for status, count in pairs}
    except ValueError as exc:
        raise CheckError(f"unreadable STATUSES line: {match.group(0)}") from exc


def parse_cache(output: str) -> dict[str, int]:
    """The counts of the Lua script's `CACHE hit=n miss=n` line (none: no X-Cache seen)."""
    match = re.search(r"^CACHE(.*)$", output, re.MULTILINE)
    if not match:
        return {}
    pairs = (part.split("=", 1) for part in match.group(1).split())
    return {answer: int(count) for answer, count in pairs if count.isdigit()}


def parse_wrk(output: str) -> LoadResult:
    fields = sb.parse_result(output)
    return LoadResult(
        requests=int(fields["requests"]), rps=fields["rps"], p50_ms=fields["p50_ms"],
        p99_ms=fields["p99_ms"], max_ms=fields["max_ms"], statuses=parse_statuses(output),
        errors={name: int(fields.get(name, 0)) for name in (*SOCKET_ERRORS, "status_err")},
        cache=parse_cache(output))


ACCESS_LINE = re.compile(r'"[A-Z]+ (\S+) HTTP/[\d.]+" (\d{3}) ')


@dataclass(frozen=True)
class Answered:
    """One line of gunicorn's access log."""

    url: str
    status: int
    ms: float | None = None  # the server's own time, when the log gives it


def access_entries(log_text: str) -> Iterator[Answered]:
    """The access log's requests: JSON records (production logging) or gunicorn's classic
    text lines; other lines are skipped."""
    for line in log_text.splitlines():
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict) or record.get("logger") != "gunicorn.access":
                continue
            query = record.get("query")
            ms = record.get("duration_ms")
            yield Answered(str(record.get("path")) + (f"?{query}" if query else ""),
                           int(record.get("status") or 0),
                           float(ms) if isinstance(ms, int | float) else None)
        elif match := ACCESS_LINE.search(line):
            yield Answered(match.group(1), int(match.group(2)))


def failing_paths(entries: Sequence[Answered], top: int = 5) -> list[str]:
    """The URLs most often answered outside 2xx/3xx, with their counts."""
    counts = Counter(f"{e.url} ({e.status})" for e in entries if not 200 <= e.status < 400)
    return [f"{where}: {n:,}" for where, n in counts.most_common(top)]


def slowest(entries: Sequence[Answered], top: int = 3) -> list[str]:
    """The URLs with the longest single answer on the server's side (time queued before a
    thread took the request is not in it: wrk's latency is)."""
    longest: dict[str, Answered] = {}
    for entry in entries:
        if entry.ms is not None and (entry.url not in longest
                                     or entry.ms > (longest[entry.url].ms or 0)):
            longest[entry.url] = entry
    ranked = sorted(longest.values(), key=lambda e: -(e.ms or 0))[:top]
    return [f"{e.url} {e.ms:,.0f} ms ({e.status})" for e in ranked]


# The run


@dataclass(frozen=True)
class Restarts:
    """Workers gunicorn started during the load, and why the ones they replaced went."""

    booted: int
    recycled: int  # after max_requests
    died: int  # killed by a signal or exited on an error

    def __str__(self) -> str:
        return f"{self.booted} ({self.recycled} recycled, {self.died} died)"


DIED = re.compile(r"Worker \(pid:\d+\) (?:was sent SIG(?!TERM)|exited with code)")


def worker_restarts(server_log: str) -> Restarts:
    return Restarts(booted=server_log.count("Booting worker"),
                    recycled=server_log.count("Autorestarting worker"),
                    died=len(DIED.findall(server_log)))


@dataclass
class Run:
    database: str  # SQLite, PostgreSQL
    cache: str  # no Redis, Redis
    posts: int
    seconds: int
    connections: int
    workers: int
    threads: int
    mix: list[Url]
    result: LoadResult
    command: str
    date: str = field(default_factory=lambda: datetime.datetime.now(datetime.UTC)
                      .date().isoformat())
    machine: str = ""
    notes: list[str] = field(default_factory=list)  # what failed, besides wrk's counts
    observed: list[str] = field(default_factory=list)  # from the server's log, for reading
    restarts: Restarts | None = None  # workers started during the load, from the log


def make_corpus(generator: Path, n: int, work: Path) -> Path:
    """N generated posts (deterministic), one with an old address: `aliases: ALIAS`."""
    path = work / f"load-corpus-{n}"
    shutil.rmtree(path, ignore_errors=True)
    sb.run(f"generate {n:,} posts", [sys.executable, generator, str(n), path])
    names = sorted(path.glob("*.md"))
    if not names:
        raise CheckError(f"{generator} wrote no posts into {path}")
    chosen = names[len(names) // 2]
    text = chosen.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise CheckError(f"{chosen} has no front matter")
    chosen.write_text(f"---\naliases: {ALIAS}\n" + text[4:], encoding="utf-8")
    return path


def database_url(args: argparse.Namespace, work: Path) -> str:
    if args.database_url:
        return str(args.database_url)
    db_path = work / f"load-{args.posts}.sqlite3"
    if args.fresh:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{db_path}"


def folio_env(url: str, corpus: Path, port: int, redis_url: str | None) -> dict[str, str]:
    """The production settings; nothing from the shell bends gunicorn's own defaults."""
    env = dict(os.environ)
    for name in ("FLASK_DEBUG", "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY", "GUNICORN_THREADS",
                 "GUNICORN_ACCESS_LOG", "GUNICORN_MAX_REQUESTS", "REDIS_URL", "PORT"):
        env.pop(name, None)
    env.update(FLASK_APP="wsgi", DATABASE_URL=url, CONTENT_DIR=str(corpus),
               FOLIO_ENV="production", SECRET_KEY=secrets.token_hex(32),
               SITE_URL=f"http://127.0.0.1:{port}")
    if redis_url:
        # A prefix of its own: the Redis may be shared; the pages expire (CACHE_SECONDS).
        env.update(REDIS_URL=redis_url,
                   CACHE_KEY_PREFIX=f"folio-load-check-{secrets.token_hex(4)}:")
    return env


def import_corpus(env: dict[str, str]) -> None:
    flask: list[sb.Arg] = [sb.VENV_BIN / "python", "-m", "flask"]
    sb.run("flask db upgrade", [*flask, "db", "upgrade"], env=env)
    # Exit status 1 means "some files were invalid": the import itself completed.
    done = sb.run("flask import-posts", [*flask, "import-posts"], env=env, ok_codes=(0, 1))
    for line in reversed((done.stdout + done.stderr).strip().splitlines()):
        with suppress(ValueError, AttributeError):  # a JSON log record (production logging)
            line = str(json.loads(line).get("message", line))
        if line.startswith(("Import:", "import finished", "Nothing changed")):
            log(f"  {line.strip()}")
            break


def gunicorn_settings(env: dict[str, str]) -> tuple[int, int]:
    """The worker and thread counts gunicorn.conf.py gives under ``env``."""
    done = sb.run("read gunicorn.conf.py", [
        sb.VENV_BIN / "python", "-c", "import runpy, sys; c = runpy.run_path(sys.argv[1]); "
        "print(c['workers'], c['threads'])", sb.GUNICORN_CONF], env=env)
    workers, threads = done.stdout.split()
    return int(workers), int(threads)


class Server(sb.Server):
    """serve_bench's server (its own session, stopped with its whole process group), with the
    log anywhere: serve_bench's names it relative to the repository."""

    def __init__(self, name: str, cmd: Sequence[sb.Arg], *, cwd: Path,
                 env: dict[str, str], port: int, log_path: Path) -> None:
        self.name, self.port, self.log_path = name, port, log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("wb")
        log(f"  starting {name} on port {port} (log: {log_path})")
        self.proc = subprocess.Popen([os.fspath(c) for c in cmd], cwd=cwd, env=env,
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)


@contextmanager
def serving_folio(env: dict[str, str], port: int, log_path: Path) -> Iterator[sb.Server]:
    cmd: list[sb.Arg] = [sb.VENV_BIN / "gunicorn", "-c", sb.GUNICORN_CONF,
                         "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    server = Server("Folio", cmd, cwd=REPO, env=env, port=port, log_path=log_path)
    try:
        server.wait_ready("/robots.txt")
        yield server
    finally:
        server.stop()


def database_label(args: argparse.Namespace) -> str:
    url = str(args.database_url or "sqlite:")
    return "PostgreSQL" if url.startswith(("postgres", "postgresql")) else (
        "SQLite" if url.startswith("sqlite") else url.split(":", 1)[0])


def command_line(args: argparse.Namespace) -> str:
    words = ["python3 bench/load_check.py", f"--posts {args.posts}",
             f"--seconds {args.seconds}", f"--connections {args.connections}"]
    if args.database_url:
        words.append("--database-url postgresql://...")
    if args.redis_url:
        words.append("--redis-url redis://...")
    if args.redis_down:
        words.append("--redis-down")
    return " ".join(words)


@dataclass(frozen=True)
class Load:
    """One configuration to load: its cache's label and Redis, and what happens between the
    probe (which fills the caches) and wrk."""

    cache: str  # no Redis, Redis, Redis down
    redis_url: str | None = None
    before_load: Callable[[], None] | None = None


def check(args: argparse.Namespace, generator: Path, wrk: str) -> list[Run]:
    work: Path = args.work
    log(f"== {args.posts:,} posts")
    corpus = make_corpus(generator, args.posts, work)
    url = database_url(args, work)
    import_corpus(folio_env(url, corpus, sb.free_port(), args.redis_url))
    if not args.redis_down:
        cache = "Redis" if args.redis_url else "no Redis"
        return [load_once(args, wrk, url, corpus, Load(cache, args.redis_url))]
    baseline = load_once(args, wrk, url, corpus, Load("no Redis"))
    with redis_server(work) as redis:
        down = load_once(args, wrk, url, corpus, Load(
            "Redis down", f"redis://127.0.0.1:{redis.port}/0", before_load=redis.stop))
    compare_with_no_redis(down, baseline)
    return [baseline, down]


def load_once(args: argparse.Namespace, wrk: str, url: str, corpus: Path, load: Load) -> Run:
    """Serve, probe the mix, then wrk: one configuration's Run."""
    work: Path = args.work
    port = sb.free_port()
    env = folio_env(url, corpus, port, load.redis_url)
    log_path = work / "logs" / f"load-check-{load.cache.lower().replace(' ', '-')}.log"
    log(f"== {load.cache}")
    with serving_folio(env, port, log_path) as server:
        site = discover(server.base_url)
        mix = build_mix(site)
        etags = probe(server.base_url, mix)
        conditional = conditional_urls(etags)
        probe(server.base_url, conditional)
        mix = spread(mix, conditional)
        log(f"  the mix: {len(mix)} URLs; {site.total:,} public posts")
        script = work / "load-check.lua"
        script.write_text(lua_script(mix), encoding="utf-8")
        if load.before_load is not None:
            load.before_load()
        probed = log_path.stat().st_size  # the log after this is the load's alone
        done = sb.run(f"wrk -t{WRK_THREADS} -c{args.connections} -d{args.seconds}s",
                      [wrk, f"-t{WRK_THREADS}", f"-c{args.connections}", f"-d{args.seconds}s",
                       "--timeout", WRK_TIMEOUT, "--latency", "-s", script,
                       server.base_url + "/"], timeout=args.seconds + 120)
        result = parse_wrk(done.stdout)
        alive = server.exit_status() is None
    workers, threads = gunicorn_settings(env)
    run = Run(database_label(args), load.cache, site.total, args.seconds, args.connections,
              workers, threads, mix, result, command_line(args))
    if not alive:
        run.notes.append("gunicorn had exited by the end of the load")
    with log_path.open("rb") as handle:
        handle.seek(probed)
        describe_load(run, handle.read().decode("utf-8", errors="replace"), log_path)
    return run


def describe_load(run: Run, server_log: str, log_path: Path) -> None:
    """What went wrong (notes) and what is worth reading (observed), from the server's log."""
    result = run.result
    if sum(result.statuses.values()) != result.requests:
        run.notes.append(f"wrk counted {result.requests:,} responses, the script "
                         f"{sum(result.statuses.values()):,}")
    entries = list(access_entries(server_log))
    if result.outside_2xx_3xx:
        failing = failing_paths(entries)
        run.notes.append("answered outside 2xx/3xx: " + (", ".join(failing) or f"see {log_path}"))
    if longest := slowest(entries):
        run.observed.append("longest answers under load, on the server's side: "
                            + ", ".join(longest))
    run.restarts = worker_restarts(server_log)
    run.observed.append(f"workers started during the load: {run.restarts}")
    if run.restarts.died:
        run.notes.append(f"{run.restarts.died} worker(s) died during the load (see {log_path})")
    rate = result.hit_rate
    if rate is not None:
        verdict = "met" if rate >= HIT_RATE_TARGET else "MISSED"
        run.observed.append(f"page cache: {result.cache.get('hit', 0):,} hits, "
                            f"{result.cache.get('miss', 0):,} misses, {rate:.2%} hits "
                            f"(target ≥ {HIT_RATE_TARGET:.0%}: {verdict})")


def compare_with_no_redis(down: Run, baseline: Run) -> float:
    """Judge the Redis-down run against the same load without Redis: the ratio of their req/s,
    noted on the Redis-down run (a failure under REDIS_DOWN_TARGET)."""
    ratio = down.result.rps / baseline.result.rps if baseline.result.rps else 0.0
    said = (f"Redis stopped after the probe, so the whole load met a Redis gone away: "
            f"{down.result.rps:,.0f} req/s, {ratio:.2f}× the {baseline.result.rps:,.0f} req/s "
            f"of the same load with no Redis configured (target ≥ {REDIS_DOWN_TARGET}×)")
    (down.observed if ratio >= REDIS_DOWN_TARGET else down.notes).insert(0, said)
    return ratio


@contextmanager
def redis_server(work: Path) -> Iterator[sb.Server]:
    """A redis-server of this check's own (no persistence), stopped on leaving if not before."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise CheckError("redis-server is missing: apt-get install redis-server")
    port = sb.free_port()
    server = Server("Redis", [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"],
                    cwd=work, env=dict(os.environ), port=port,
                    log_path=work / "logs" / "load-check-redis.log")
    try:
        wait_for_redis(port)
        yield server
    finally:
        server.stop()


def wait_for_redis(port: int, timeout: float = 10) -> None:
    """Until Redis answers PING; CheckError at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(64).startswith(b"+PONG"):
                return
        time.sleep(0.05)
    raise CheckError(f"redis-server on port {port} did not answer within {timeout:.0f} s")


# The report


COLUMNS = ("database", "cache", "posts", "wrk", "gunicorn", "requests", "req/s", "p50 ms",
           "p99 ms", "max ms", "cache hits", "worker restarts", "2xx", "3xx", "other statuses",
           "socket errors", "result")
NUMERIC = (False, False, True, False, False, *[True] * 11, False)


def table_row(run: Run) -> str:
    r = run.result
    cells = [run.database, run.cache, f"{run.posts:,}",
             f"{run.seconds} s, {run.connections} connections",
             f"{run.workers} × {run.threads} threads", f"{r.requests:,}", f"{r.rps:,.0f}",
             f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}", f"{r.max_ms:.0f}",
             "–" if r.hit_rate is None else f"{r.hit_rate:.2%}",
             "–" if run.restarts is None else f"{run.restarts.booted}",
             f"{r.count(200, 300):,}",
             f"{r.count(300, 400):,}", f"{r.outside_2xx_3xx:,}", f"{r.socket_errors:,}",
             "passed" if r.passed and not run.notes else "FAILED"]
    return "| " + " | ".join(cells) + " |"


def run_line(run: Run) -> str:
    r = run.result
    statuses = ", ".join(f"{status}: {n:,}" for status, n in sorted(r.statuses.items()))
    errors = ", ".join(f"{name} {r.errors.get(name, 0)}" for name in SOCKET_ERRORS)
    kinds = Counter(url.kind for url in run.mix)
    line = (f"- **{run.database}, {run.cache}** ({run.date}, `{run.command}`): {len(run.mix)} "
            f"URLs in rotation ({', '.join(f'{k} {n}' for k, n in kinds.items())}); "
            f"statuses {statuses}; socket errors: {errors}.")
    if run.notes or run.observed:
        said = "; ".join(run.notes + run.observed)
        line += f" {said[:1].upper()}{said[1:]}."
    return line + (f" {run.machine}" if run.machine else "")


def render_block(rows: dict[str, str], lines: dict[str, str]) -> str:
    """The README block: the table (one row per configuration) and one line each."""
    head = ("Load check (`bench/load_check.py`): wrk, 2 threads, a mix of pages in rotation, "
            "asked for with `Accept-Encoding: br, gzip` as browsers do, against gunicorn with "
            "`gunicorn.conf.py` as production runs it. Cache hits: the share of the page "
            "cache's answers (`X-Cache`) that were hits; worker restarts: workers gunicorn "
            "started during the load. Passed means no socket error, no status outside 2xx/3xx "
            "and no worker died.")
    table = ["| " + " | ".join(COLUMNS) + " |",
             "|" + "|".join("---:" if numeric else "---" for numeric in NUMERIC) + "|"]
    body = [rows[key] for key in sorted(rows)]
    notes = [lines[key] for key in sorted(lines)]
    return "\n".join([head, "", *table, *body, "", *notes]) + "\n"


ROW_KEY = re.compile(r"^\| ([^|]+?) \| ([^|]+?) \|")
LINE_KEY = re.compile(r"^- \*\*(.+?), (.+?)\*\*")


def merge_block(old_block: str, run: Run) -> str:
    """The block with this run's configuration replaced and the others' rows kept."""
    rows: dict[str, str] = {}
    lines: dict[str, str] = {}
    for text in old_block.splitlines():
        row, line = ROW_KEY.match(text), LINE_KEY.match(text)
        if row and row.group(1) not in ("database", "---"):
            rows[f"{row.group(1)}, {row.group(2)}"] = text
        elif line:
            lines[f"{line.group(1)}, {line.group(2)}"] = text
    key = f"{run.database}, {run.cache}"
    rows[key], lines[key] = table_row(run), run_line(run)
    return render_block(rows, lines)


def marked_block(readme: Path) -> str:
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    match = re.search(re.escape(MARK_START) + r"(.*?)" + re.escape(MARK_END), text, re.DOTALL)
    return match.group(1) if match else ""


def update_readme(run: Run, readme: Path = README) -> bool:
    return replace_marked_section(readme, MARK_START, MARK_END,
                                  merge_block(marked_block(readme), run))


def render_report(runs: Sequence[Run]) -> str:
    keys = [f"{n}" for n in range(len(runs))]  # in the order run, not sorted by name
    return render_block(dict(zip(keys, map(table_row, runs), strict=True)),
                        dict(zip(keys, map(run_line, runs), strict=True)))


# Main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="wrk on a mix of Folio's pages: no error allowed.")
    ap.add_argument("--posts", type=int, default=TARGET_POSTS,
                    help=f"posts to generate and import (default {TARGET_POSTS:,})")
    ap.add_argument("--seconds", type=int, default=TARGET_SECONDS,
                    help=f"length of the load (default {TARGET_SECONDS})")
    ap.add_argument("--connections", type=int, default=TARGET_CONNECTIONS,
                    help=f"wrk connections (default {TARGET_CONNECTIONS})")
    ap.add_argument("--database-url", help="a PostgreSQL database to import into and serve "
                    "from (default: a SQLite file in the work folder)")
    ap.add_argument("--redis-url", help="serve with the shared Redis cache at this URL")
    ap.add_argument("--redis-down", action="store_true",
                    help="load without Redis, then with a Redis that is stopped before the "
                    "load, and compare their req/s")
    ap.add_argument("--fresh", action="store_true",
                    help="start the SQLite database from an empty file")
    ap.add_argument("--work", type=Path, default=sb.WORK,
                    help="folder for the corpus, database, script and logs (default bench/.work)")
    ap.add_argument("--readme", action="store_true", help="write the result into README.md")
    args = ap.parse_args(argv)
    if min(args.posts, args.seconds, args.connections) < 1:
        ap.error("--posts, --seconds and --connections must be positive")
    if args.connections < WRK_THREADS:
        ap.error(f"--connections must be at least {WRK_THREADS} (one per wrk thread)")
    if args.redis_url and args.redis_down:
        ap.error("--redis-down starts a Redis of its own: give it no --redis-url")
    args.work = args.work.resolve()
    return args


def check_setup(redis_down: bool = False) -> tuple[Path, str]:
    """gen_corpus.py and wrk (and redis-server for --redis-down); CheckError naming what is
    missing and how to get it."""
    problems = []
    wrk = sb.find_tools()["wrk"]
    if not wrk:
        problems.append("wrk is missing: apt-get install wrk")
    if redis_down and not shutil.which("redis-server"):
        problems.append("redis-server is missing: apt-get install redis-server")
    for name in ("python", "gunicorn"):
        if not (sb.VENV_BIN / name).is_file():
            problems.append(f"{sb.VENV_BIN / name} is missing: python3 -m venv .venv && "
                            ".venv/bin/pip install -e .")
    shared = Path(os.environ.get("FOLIO_SHARED") or REPO.parent / "shared").resolve()
    generator = shared / "bench" / "gen_corpus.py"
    if not generator.is_file():
        problems.append(f"{generator} is missing (set FOLIO_SHARED)")
    if problems:
        raise CheckError("\n".join(problems))
    assert wrk is not None
    return generator, wrk


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        generator, wrk = check_setup(args.redis_down)
    except CheckError as exc:
        log(f"error: {exc}")
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    stop_cleanly_on_signals()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.monotonic()
    try:
        runs = check(args, generator, wrk)
    except sb.StepError as exc:
        log(f"error: {exc}")
        return 1
    machine = sb.machine_facts({"wrk": wrk}, load_before)
    for run in runs:
        run.machine = machine
    log(f"== done in {time.monotonic() - started:.0f} s")
    print(render_report(runs))
    if args.readme:
        for run in runs:
            update_readme(run)
    return 0 if all(run.result.passed and not run.notes for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
