#!/usr/bin/env python3
"""Serve the same pages three ways on one machine, in one run, and load each one identically.

Usage (from anywhere; paths are resolved from this file):

    python3 bench/serve_bench.py [--posts 10000] [--also 1000,50000] [--seconds 10]
                                 [--query caching] [--readme]

What it measures, for one corpus of N posts (`<shared>/bench/gen_corpus.py N DIR`, plus the
cover images its front matter names and a photo appended to one article's body, all 1200x800
JPEGs written with Pillow from .venv: see import_bench.photo_command):

1. Folio: the corpus imported into a fresh SQLite database with `flask import-posts`
   (`STATIC_DIRS=.`: the corpus root is the site's), served by gunicorn with the repository's
   production settings (`gunicorn.conf.py`, 2 gthread workers of 4 threads). Pages: home, a
   post, the same post asked with `If-None-Match` (a 304 when Folio sends an ETag), the photo
   at the `/media/<digest>/bench-photo.jpg` address its article's page gives, a tag page, a
   search and an API call.
2. The reference: `<shared>/bench/baseline_flask.py`, a naive Flask app holding pre-rendered
   posts in dicts, under the same gunicorn worker settings. Pages: home, the post, the tag.
3. The physical limit: Folio's home, post and tag pages saved as files and served by nginx
   (2 worker processes, access log off).

Every page is first fetched once (its status is recorded; anything but the expected status is
reported as n/a, e.g. a search or API that is not there yet), then loaded for --seconds by
`<shared>/bench/load.sh` (wrk, 2 threads, 32 connections), or by wrk with the same arguments
plus a header for the conditional request. The report gives req/s, p50 and p99 latency, each
server's req/s as a ratio to the reference app's for the same page, the memory of Folio's
gunicorn (summed Pss of the master and workers, after the load), the targets of issue 4 and
issue 11's (the media request at least as many req/s as the cached post), and with --also
the latency of Folio alone at other corpus sizes.

Why one run: the machine is shared and noisy, and client and servers share its cores, so an
absolute figure moves from run to run. The three servers are loaded minutes apart on the same
machine, so their ratios are what this benchmark stands behind; compare numbers only within a
run.

With --readme the report replaces the text between `<!-- serve-bench:start -->` and
`<!-- serve-bench:end -->` in README.md. Work files (corpora, databases, logs, static pages,
nginx prefix, and the reference's virtualenv if one is needed) go to bench/.work/, which is
git-ignored. The script installs nothing system-wide: a missing wrk or nginx is reported with
the apt-get command that provides it. Exit status: 0 when every server ran (even if a target
is missed or a page is n/a), 1 when a step failed (the partial report is still printed), 2 on
bad usage or a missing tool or folder.

Environment:
    FOLIO_SHARED  folder holding bench/gen_corpus.py, load.sh, baseline_flask.py
                  (default: <repo>/../shared)
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent))  # a script: its folder is not a package
from benchlib import (
    field_kb,
    log,
    process_memory_kb,
    process_tree,
    replace_marked_section,
    stop_cleanly_on_signals,
)
from import_bench import PHOTO_SIZE, cover_images, photo_command

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "bench" / ".work"
README = REPO / "README.md"
GUNICORN_CONF = REPO / "gunicorn.conf.py"
VENV_BIN = REPO / ".venv" / "bin"

Arg = str | os.PathLike[str]

MARK_START = "<!-- serve-bench:start -->"
MARK_END = "<!-- serve-bench:end -->"

# The reference's published settings (shared/bench/README.md); Folio gets the same counts.
WORKERS = 2
THREADS = 4
GUNICORN_COMMON = ["--preload", "--no-control-socket", "-w", str(WORKERS), "-k", "gthread",
                   "--threads", str(THREADS)]
WRK_ARGS = ["-t2", "-c32", "--timeout", "5s", "--latency"]  # as load.sh runs it

STEP_TIMEOUT_S = 30 * 60
READY_TIMEOUT_S = 20 * 60  # the reference renders the whole corpus before it answers
STOP_TIMEOUT_S = 30
PROBE_TIMEOUT_S = 30

TARGET_SIZE = 10_000
# A word in about 40% of the generated posts: the search ranks thousands of matches.
DEFAULT_QUERY = "caching"
TARGET_RPS_RATIO = 1.3
TARGET_SEARCH_P50_MS = 20.0
TARGET_SCALING = 1.25
TARGET_MEMORY_MB = 300.0

FOLIO, REFERENCE, NGINX = "Folio", "reference", "nginx (static)"
NGINX_GZIP = "nginx (static, gzip on)"
# What a browser asks for; every page is loaded so, except the post without it (the
# uncompressed answer of the same hit, which issue 13's targets compare with).
BROWSER = (("Accept-Encoding", "br, gzip"),)
# Table order; a 304 is compared with the reference's full answer for the same post.
PAGE_ORDER = ("home", "post", "post-identity", "post-304", "media", "stylesheet", "tag",
              "search", "api")
LABELS = {"home": "home", "post": "post", "post-identity": "post, no Accept-Encoding",
          "post-304": "post, If-None-Match (304)", "media": "media (JPEG)",
          "stylesheet": "stylesheet", "tag": "tag", "search": "search", "api": "API list"}
REFERENCE_PAGE = {"post-304": "post", "post-identity": "post"}
# Issue 13: compressed hits at least this share of the uncompressed ones' req/s, the post at
# most this share of its uncompressed bytes, and static files kept this long by browsers.
TARGET_COMPRESSED_RPS = 0.9
TARGET_POST_BYTES = 1 / 3
TARGET_IMMUTABLE_SECONDS = 31_536_000
TARGET_PAGES = ("home", "post", "tag")
SCALING_PAGES = ("home", "post", "tag", "search")
# The image one article gets (the corpus has none in its bodies): written into the corpus, its
# reference appended to that article, its /media/<digest>/<name> address read from the page.
MEDIA_PHOTO = "/static/images/bench-photo.jpg"
MEDIA_MARKDOWN = f"\n\n![A photo for the serving benchmark]({MEDIA_PHOTO})\n"
_MEDIA_SRC = re.compile(r'\bsrc="(/media/[0-9a-f]{32}/[^"/]+)"')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/assets/[0-9a-f]+/css/site\.css)"')


class StepError(Exception):
    """A benchmark step failed (bad exit status, timeout, a server that did not start)."""


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


# Processes


def run(name: str, cmd: Sequence[Arg], *, cwd: Path = REPO,
        env: dict[str, str] | None = None, ok_codes: Sequence[int] = (0,),
        timeout: float = STEP_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; StepError with its output's tail on a bad exit status."""
    log(f"  {name} ...")
    start = time.perf_counter()
    try:
        done = subprocess.run([os.fspath(c) for c in cmd], cwd=cwd, env=env, text=True,
                              errors="replace", capture_output=True, timeout=timeout,
                              check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise StepError(f"{name}: timed out after {timeout:.0f} s") from exc
    except OSError as exc:
        raise StepError(f"{name}: {exc}") from exc
    if done.returncode not in ok_codes:
        raise StepError(f"{name}: exit status {done.returncode}\n"
                        f"{_tail(done.stderr) or _tail(done.stdout)}")
    log(f"  {name}: {time.perf_counter() - start:.1f} s")
    return done


class Server:
    """A server in its own session, so stop() reaches every process it forked; output to a file."""

    def __init__(self, name: str, cmd: Sequence[Arg], *, cwd: Path,
                 env: dict[str, str], port: int, log_path: Path) -> None:
        self.name = name
        self.port = port
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[bytes] = log_path.open("wb")
        log(f"  starting {name} on port {port} (log: {log_path.relative_to(REPO)})")
        self.proc = subprocess.Popen([os.fspath(c) for c in cmd], cwd=cwd, env=env,
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self) -> str:
        try:
            return _tail(self.log_path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return ""

    def exit_status(self) -> int | None:
        """The first process's exit status once it has ended, else None, without reaping it.

        Until it is reaped (in stop) its pid, which is also the id of its process group, cannot
        be reused, so signalling that group can only reach processes this server started.
        """
        info = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        return None if info is None else info.si_status

    def wait_ready(self, path: str, timeout: float = READY_TIMEOUT_S) -> None:
        """Poll until the server answers `path` with any HTTP status; StepError if it dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.exit_status()
            if status is not None:
                raise StepError(f"{self.name} exited with status {status}\n{self.log_tail()}")
            with suppress(OSError):
                fetch(self.base_url + path, timeout=2)
                return
            time.sleep(0.2)
        raise StepError(f"{self.name} did not answer {path} within {timeout:.0f} s\n"
                        f"{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the server's process group, then SIGKILL to whatever is left of it."""
        if self.proc.returncode is not None:  # already stopped and reaped
            return
        if self.exit_status() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT_S
            while self.exit_status() is None and time.monotonic() < deadline:
                time.sleep(0.1)
        # Workers may outlive their master (if it crashed or ignored SIGTERM): sweep the group
        # while the unreaped master still holds its id, then reap.
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._log.close()


@contextmanager
def serving(name: str, cmd: Sequence[Arg], *, cwd: Path,
            env: dict[str, str], ready_path: str, port: int, log_name: str) -> Iterator[Server]:
    """Start a server, wait until it answers, and stop it on leaving (also on errors, Ctrl-C)."""
    server = Server(name, cmd, cwd=cwd, env=env, port=port,
                    log_path=WORK / "logs" / f"{log_name}.log")
    try:
        server.wait_ready(ready_path)
        yield server
    finally:
        server.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Memory


def tree_pss_mb(root: int) -> tuple[float, int]:
    """Summed Pss (VmRSS where smaps_rollup is unreadable) of a process tree, and its size.

    Pss splits each shared page among the processes sharing it, so the copy-on-write memory
    of preforked workers is counted once in the sum, not once per worker.
    """
    pids = process_tree(root)
    return sum(process_memory_kb(pid) for pid in pids) / 1024, len(pids)


# HTTP


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 301 is an answer to record, not a hop to follow


# No proxy handler from the environment: every URL here is on the loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def fetch(url: str, headers: Sequence[tuple[str, str]] = (),
          timeout: float = PROBE_TIMEOUT_S) -> Answer:
    """One GET, any status (redirects not followed); OSError when nothing answers."""
    request = urllib.request.Request(url, headers=dict(headers))
    try:
        with _OPENER.open(request, timeout=timeout) as resp:
            return Answer(resp.status, {k.lower(): v for k, v in resp.headers.items()},
                          resp.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())


# Load


@dataclass(frozen=True)
class Page:
    key: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    expect: int = 200


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float


@dataclass
class Measurement:
    """A page's probe status and, when it answered as expected, its figures under load."""

    page: Page
    status: int | None = None
    figures: Figures | None = None
    note: str = ""
    size: int | None = None  # bytes of the probe's body, as sent
    coding: str | None = None  # the probe's Content-Encoding, None for the body as it is
    cache_control: str | None = None  # the probe's Cache-Control


def parse_result(output: str) -> dict[str, float]:
    """The fields of report.lua's `RESULT k=v ...` line; StepError if there is none."""
    match = re.search(r"^RESULT (.*)$", output, re.MULTILINE)
    if not match:
        raise StepError(f"no RESULT line in wrk's output:\n{_tail(output)}")
    fields = dict(part.split("=", 1) for part in match.group(1).split() if "=" in part)
    try:
        return {key: float(value) for key, value in fields.items()}
    except ValueError as exc:
        raise StepError(f"unreadable RESULT line: {match.group(0)}") from exc


def load(shared: Path, wrk: str, url: str, seconds: int,
         headers: Sequence[tuple[str, str]] = ()) -> dict[str, float]:
    """Load one URL for `seconds` with load.sh, or with wrk and load.sh's arguments plus -H."""
    bench = shared / "bench"
    if headers:
        cmd = [wrk, *WRK_ARGS, f"-d{seconds}s", "-s", str(bench / "report.lua")]
        for name, value in headers:
            cmd += ["-H", f"{name}: {value}"]
        cmd.append(url)
    else:
        cmd = ["bash", str(bench / "load.sh"), url, str(seconds)]
    done = run(f"load {url}", cmd, timeout=seconds + 60)
    return parse_result(done.stdout)


def measure(shared: Path, wrk: str, base_url: str, page: Page, seconds: int,
            first: Answer | None = None) -> Measurement:
    """Probe a page once; when it answers as expected, load it and record the figures."""
    answer = first or fetch(base_url + page.path, page.headers)
    result = Measurement(page, status=answer.status, size=len(answer.body),
                         coding=answer.headers.get("content-encoding"),
                         cache_control=answer.headers.get("cache-control"))
    if answer.status != page.expect:
        result.note = f"answered {answer.status}, not {page.expect}: not loaded"
        log(f"  {page.key}: {result.note}")
        return result
    fields = load(shared, wrk, base_url + page.path, seconds, page.headers)
    figures = result.figures = Figures(fields["rps"], fields["p50_ms"], fields["p99_ms"])
    errors = sum(int(fields.get(k, 0)) for k in
                 ("connect_err", "read_err", "write_err", "status_err", "timeout"))
    if errors:
        result.note = f"{errors} of {int(fields.get('requests', 0))} requests failed"
    log(f"  {page.key}: {figures.rps:,.0f} req/s, p50 {figures.p50_ms:.2f} ms, "
        f"p99 {figures.p99_ms:.2f} ms {result.note}")
    return result


def measure_site(shared: Path, wrk: str, base_url: str, pages: Sequence[Page],
                 seconds: int, conditional: bool = True) -> dict[str, Measurement]:
    """Measure every page; after the post, the same post with If-None-Match its ETag (the
    ETag of the coding it was sent in)."""
    results: dict[str, Measurement] = {}
    for page in pages:
        answer = fetch(base_url + page.path, page.headers)
        results[page.key] = measure(shared, wrk, base_url, page, seconds, answer)
        if conditional and page.key == "post":
            etag = answer.headers.get("etag")
            headers = (*page.headers, ("If-None-Match", etag)) if etag else ()
            revalidate = Page("post-304", page.path, headers, expect=304)
            results[revalidate.key] = (
                measure(shared, wrk, base_url, revalidate, seconds) if etag
                else Measurement(revalidate, note="the post has no ETag: not loaded"))
    return results


# Corpus and Folio


@dataclass(frozen=True)
class Corpus:
    n: int
    path: Path
    post_slug: str
    tag_slug: str
    media_slug: str  # the article whose body shows MEDIA_PHOTO


def read_manifest(path: Path) -> tuple[str, str]:
    """A typical post (the median by date) and the most used tag whose slug every app agrees on.

    gen_corpus.py writes .manifest.tsv: slug, date, words, code_blocks, has_table, category,
    tags (comma list), title. A one-word alphanumeric tag slugs to its lower-case self in both
    Folio and the reference app.
    """
    lines = (path / ".manifest.tsv").read_text(encoding="utf-8").splitlines()[1:]
    rows = sorted((cols[1], cols[0], cols[6]) for cols in (line.split("\t") for line in lines))
    if not rows:
        raise StepError(f"{path}/.manifest.tsv lists no posts")
    counts: dict[str, int] = {}
    for _, _, tags in rows:
        for tag in (t.strip() for t in tags.split(",")):
            if tag.isalnum():
                counts[tag] = counts.get(tag, 0) + 1
    if not counts:
        raise StepError(f"no one-word tag in {path}/.manifest.tsv")
    tag = max(counts, key=lambda name: (counts[name], name))
    return rows[len(rows) // 2][1], tag.lower()


def media_article(path: Path, post_slug: str) -> str:
    """The article to show the photo: the first by file name other than the measured post,
    whose page is then measured unchanged (the only one when the corpus has one)."""
    slugs = sorted(file.stem for file in path.glob("*.md"))
    return next((slug for slug in slugs if slug != post_slug), post_slug)


def make_corpus(shared: Path, n: int) -> Corpus:
    """Generate N posts (default, YAML-valid quoting: the reference app parses with PyYAML),
    with the cover images their front matter names and a photo in one article's body."""
    path = WORK / f"serve-corpus-{n}"
    shutil.rmtree(path, ignore_errors=True)
    run(f"generate {n:,} posts", [sys.executable, shared / "bench" / "gen_corpus.py", str(n),
                                  path])
    post, tag = read_manifest(path)
    media = media_article(path, post)
    photos = [*cover_images(path), MEDIA_PHOTO]
    try:
        cmd = photo_command(VENV_BIN / "python", path, photos)
    except ValueError as exc:
        raise StepError(str(exc)) from exc
    run(f"write {len(photos)} photos with Pillow", cmd)
    with (path / f"{media}.md").open("a", encoding="utf-8") as fh:
        fh.write(MEDIA_MARKDOWN)
    return Corpus(n, path, post, tag, media)


def folio_env(corpus: Corpus, db_path: Path, port: int | None = None) -> dict[str, str]:
    """Production settings; the bench-only choices (no access log, fixed worker counts) here."""
    env = dict(os.environ)
    for name in ("FLASK_DEBUG", "GUNICORN_CMD_ARGS"):  # nothing from the shell bends the run
        env.pop(name, None)
    env.update(
        FLASK_APP="wsgi",
        DATABASE_URL=f"sqlite:///{db_path}",
        CONTENT_DIR=str(corpus.path),
        STATIC_DIRS=".",  # the corpus root is the site's: /static/images/a.jpg is static/...
        FOLIO_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        WEB_CONCURRENCY=str(WORKERS),
        GUNICORN_THREADS=str(THREADS),
        GUNICORN_ACCESS_LOG="0",
    )
    if port is not None:
        env["SITE_URL"] = f"http://127.0.0.1:{port}"
    return env


def import_corpus(corpus: Corpus) -> Path:
    """A fresh SQLite database holding the corpus: `flask db upgrade`, `flask import-posts`."""
    db_path = WORK / f"serve-{corpus.n}.sqlite3"
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    env = folio_env(corpus, db_path)
    flask: list[Arg] = [VENV_BIN / "python", "-m", "flask"]
    run("flask db upgrade", [*flask, "db", "upgrade"], env=env)
    # Exit status 1 means "some files were invalid": the import itself completed.
    done = run(f"flask import-posts ({corpus.n:,} posts)", [*flask, "import-posts"], env=env,
               ok_codes=(0, 1))
    summary = [line for line in (done.stdout + done.stderr).splitlines() if "Import:" in line]
    if summary:
        log(f"  {summary[-1].strip()}")
    return db_path


def media_address(page_html: str, name: str) -> str | None:
    """The `/media/<digest>/<name>` address a page's `<img src>` gives the file `name`."""
    return next((address for address in _MEDIA_SRC.findall(page_html)
                 if address.rsplit("/", 1)[1] == name), None)


def media_page(base_url: str, corpus: Corpus) -> Page | Measurement:
    """The photo's address, read from its article's page; a Measurement saying why not when
    the page does not show it."""
    article = f"/posts/{corpus.media_slug}"
    answer = fetch(base_url + article)
    name = MEDIA_PHOTO.rsplit("/", 1)[1]
    address = media_address(answer.body.decode("utf-8", "replace"), name)
    if answer.status == 200 and address:
        return Page("media", address)
    note = f"{article} answered {answer.status} with no /media/ address for {name}: not loaded"
    log(f"  media: {note}")
    return Measurement(Page("media", article), status=None, note=note)


def stylesheet_page(base_url: str) -> Page | Measurement:
    """The stylesheet at the hashed address the home page links (the page asked for without
    compression, to read it here); a Measurement saying why not when it links none."""
    answer = fetch(base_url + "/")
    match = _STYLESHEET.search(answer.body.decode("utf-8", "replace"))
    if answer.status == 200 and match:
        return Page("stylesheet", match.group(1), BROWSER)
    note = f"/ answered {answer.status} with no hashed stylesheet link: not loaded"
    log(f"  stylesheet: {note}")
    return Measurement(Page("stylesheet", "/"), status=None, note=note)


def folio_pages(corpus: Corpus, query: str) -> list[Page]:
    post = f"/posts/{corpus.post_slug}"
    return [Page("home", "/", BROWSER), Page("post", post, BROWSER),
            Page("post-identity", post), Page("tag", f"/tags/{corpus.tag_slug}", BROWSER),
            Page("search", f"/search?q={urllib.parse.quote(query)}", BROWSER),
            Page("api", "/api/v1/posts?per_page=10", BROWSER)]


@contextmanager
def serving_folio(corpus: Corpus, db_path: Path) -> Iterator[Server]:
    port = free_port()
    # --bind keeps the bench on the loopback; --max-requests 0 stops worker recycling, so the
    # memory read after the load is what the workers grew to, not a fresh worker's.
    cmd: list[Arg] = [VENV_BIN / "gunicorn", "-c", GUNICORN_CONF,
                      "--bind", f"127.0.0.1:{port}", "--max-requests", "0", "wsgi:app"]
    with serving(FOLIO, cmd, cwd=REPO, env=folio_env(corpus, db_path, port),
                 ready_path="/robots.txt", port=port, log_name=f"folio-{corpus.n}") as server:
        yield server


@dataclass
class SiteRun:
    """One server's measurements at one corpus size."""

    server: str
    pages: dict[str, Measurement] = field(default_factory=dict)
    memory_mb: float | None = None
    processes: int = 0
    error: str | None = None


def bench_folio(shared: Path, wrk: str, corpus: Corpus, query: str, seconds: int,
                static_root: Path | None = None) -> SiteRun:
    """Import, serve and load Folio.

    With static_root (the comparison run): every page, the conditional GET too, then the home,
    post and tag pages saved as files for nginx. Without (another corpus size): the pages of
    the scaling table only.
    """
    result = SiteRun(FOLIO)
    full = static_root is not None
    try:
        db_path = import_corpus(corpus)
        with serving_folio(corpus, db_path) as server:
            pages = [page for page in folio_pages(corpus, query)
                     if full or page.key in SCALING_PAGES]
            found = [media_page(server.base_url, corpus),
                     stylesheet_page(server.base_url)] if full else []
            pages += [page for page in found if isinstance(page, Page)]
            result.pages = measure_site(shared, wrk, server.base_url, pages, seconds,
                                        conditional=full)
            for missing in found:
                if isinstance(missing, Measurement):
                    result.pages[missing.page.key] = missing
            result.memory_mb, result.processes = tree_pss_mb(server.proc.pid)
            log(f"  memory: {result.memory_mb:.0f} MB Pss in {result.processes} processes")
            if static_root is not None:
                saved = [page for page in pages if page.key in TARGET_PAGES]
                save_static(server.base_url, saved, static_root)
    except StepError as exc:
        log(f"  FAILED: {exc}")
        result.error = str(exc)
    return result


# The reference app


def read_pins(requirements: Path) -> list[str]:
    lines = requirements.read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if "==" in line.split("#")[0]]


_CHECK_PINS = """
import sys
from importlib.metadata import PackageNotFoundError, version
for pin in sys.argv[1:]:
    name, wanted = pin.split("==")
    try:
        found = version(name)
    except PackageNotFoundError:
        found = None
    if found != wanted:
        print(f"{pin} (found {found})")
"""


def unmet_pins(python: Path, pins: Sequence[str]) -> list[str]:
    """The `name==version` pins that `python`'s environment does not satisfy exactly."""
    done = run(f"check the reference's requirements in {python}",
               [python, "-c", _CHECK_PINS, *pins])
    return done.stdout.splitlines()


def reference_python(shared: Path) -> Path:
    """Our .venv when it holds the reference's exact pins, else bench/.work/baseline-venv."""
    requirements = shared / "bench" / "requirements-flask.txt"
    pins = read_pins(requirements)
    unmet = unmet_pins(VENV_BIN / "python", pins)
    if not unmet:
        log("  the reference's requirements are met by .venv")
        return VENV_BIN / "python"
    log(f"  .venv differs from requirements-flask.txt: {', '.join(unmet)}")
    venv = WORK / "baseline-venv"
    python = venv / "bin" / "python"
    if not python.is_file() or unmet_pins(python, pins):
        run("python -m venv baseline-venv", [sys.executable, "-m", "venv", "--clear", venv])
        env = dict(os.environ, PIP_ROOT_USER_ACTION="ignore", PIP_DISABLE_PIP_VERSION_CHECK="1")
        run("pip install -r requirements-flask.txt",
            [python, "-m", "pip", "install", "-q", "-r", requirements], env=env)
    return python


def bench_reference(shared: Path, wrk: str, corpus: Corpus, seconds: int) -> SiteRun:
    result = SiteRun(REFERENCE)
    try:
        python = reference_python(shared)
        port = free_port()
        env = dict(os.environ, BENCH_CORPUS=str(corpus.path))
        for name in ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY"):
            env.pop(name, None)
        cmd: list[Arg] = [python, "-m", "gunicorn", *GUNICORN_COMMON,
                          "--bind", f"127.0.0.1:{port}", "baseline_flask:app"]
        with serving(REFERENCE, cmd, cwd=shared / "bench", env=env, ready_path="/healthz",
                     port=port, log_name=f"reference-{corpus.n}") as server:
            pages = [Page("home", "/", BROWSER),
                     Page("post", f"/posts/{corpus.post_slug}", BROWSER),
                     Page("tag", f"/tag/{corpus.tag_slug}", BROWSER)]
            result.pages = measure_site(shared, wrk, server.base_url, pages, seconds,
                                        conditional=False)
            result.memory_mb, result.processes = tree_pss_mb(server.proc.pid)
    except StepError as exc:
        log(f"  FAILED: {exc}")
        result.error = str(exc)
    return result


# Static pages under nginx


def static_file(root: Path, url_path: str) -> Path:
    """Where a URL's page lives on disk: the path mirrored, index.html for a directory."""
    parts = [part for part in url_path.split("?")[0].split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise StepError(f"refusing to save {url_path!r}")
    return root.joinpath(*parts, "index.html")


def save_static(base_url: str, pages: Sequence[Page], root: Path) -> None:
    """Save each page's body, fetched from the running server, as a file under root."""
    shutil.rmtree(root, ignore_errors=True)
    for page in pages:
        answer = fetch(base_url + page.path)
        if answer.status != 200:
            log(f"  not saving {page.path}: it answered {answer.status}")
            continue
        path = static_file(root, page.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(answer.body)
    log(f"  saved {len(pages)} pages under {root.relative_to(REPO)}")


def nginx_conf(prefix: Path, root: Path, port: int, build_flags: str,
               compress: bool = False) -> str:
    """A self-contained nginx.conf: every path under prefix, so no root rights are needed.
    With ``compress``: `gzip on` at nginx's default level, compressing each answer as it goes.

    As root, nginx would hand its workers to `nobody`, who may not read the work folder: the
    `user` directive keeps them as the invoking user. Temp paths are set only for the modules
    the binary has (a Debian build points them at /var/lib/nginx, unwritable for others).
    """
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    temp = "".join(f"    {module}_temp_path {prefix / 'tmp' / module};\n"
                   for module in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
                   if f"--without-http_{module}_module" not in build_flags)
    return f"""{user}worker_processes 2;
daemon off;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/html html; }}
    default_type text/html;
    charset utf-8;
    sendfile on;
    tcp_nopush on;
{"    gzip on;" + chr(10) if compress else ""}{temp}    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


def bench_nginx(shared: Path, wrk: str, nginx: str, corpus: Corpus, root: Path,
                seconds: int, compress: bool = False) -> SiteRun:
    name = NGINX_GZIP if compress else NGINX
    result = SiteRun(name)
    try:
        prefix = WORK / ("nginx-gzip" if compress else "nginx")
        shutil.rmtree(prefix, ignore_errors=True)
        (prefix / "tmp").mkdir(parents=True)
        flags = run("nginx -V", [nginx, "-V"]).stderr
        port = free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_conf(prefix, root, port, flags, compress), encoding="utf-8")
        run("nginx -t", [nginx, "-t", "-p", prefix, "-c", conf])
        with serving(name, [nginx, "-p", prefix, "-c", conf], cwd=prefix,
                     env=dict(os.environ), ready_path="/", port=port,
                     log_name=prefix.name) as server:
            pages = [Page("home", "/", BROWSER),
                     Page("post", f"/posts/{corpus.post_slug}", BROWSER),
                     Page("tag", f"/tags/{corpus.tag_slug}", BROWSER)]
            result.pages = measure_site(shared, wrk, server.base_url, pages, seconds)
    except StepError as exc:
        log(f"  FAILED: {exc}")
        result.error = str(exc)
    return result


# Report


def _num(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def figures(run_: SiteRun | None, key: str) -> Figures | None:
    """A server's figures for a page, None if it was not measured."""
    m = run_.pages.get(key) if run_ else None
    return m.figures if m else None


def ratio(run_: SiteRun | None, reference: SiteRun | None, key: str) -> float | None:
    """This page's req/s over the reference's for the same page (a 304 over its full post)."""
    mine, ref = figures(run_, key), figures(reference, REFERENCE_PAGE.get(key, key))
    return mine.rps / ref.rps if mine and ref and ref.rps else None


def _cell(run_: SiteRun, key: str, attr: str, fmt: str) -> str:
    f = figures(run_, key)
    return _num(getattr(f, attr) if f else None, fmt)


def render_table(runs: Sequence[SiteRun]) -> str:
    reference = next((r for r in runs if r.server == REFERENCE), None)
    rows = ["| page | server | status | bytes | req/s | p50 ms | p99 ms | req/s vs reference |",
            "|---|---|---:|---:|---:|---:|---:|---:|"]
    for key in PAGE_ORDER:
        for run_ in runs:
            m = run_.pages.get(key)
            if m is None:
                continue
            r = ratio(run_, reference, key)
            cells = [LABELS[key], run_.server, str(m.status or "—"), _bytes(m),
                     _cell(run_, key, "rps", ",.0f"), _cell(run_, key, "p50_ms", ".2f"),
                     _cell(run_, key, "p99_ms", ".2f"), "—" if r is None else f"{r:.2f}×"]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _bytes(m: Measurement) -> str:
    """The bytes of one answer on the wire, and their coding when compressed."""
    if m.size is None or m.status is None:
        return "—"
    return f"{m.size:,}" + (f" ({m.coding})" if m.coding else "")


def render_scaling(sizes: dict[int, SiteRun]) -> str:
    rows = ["| posts | home req/s | home p50 ms | post req/s | post p50 ms | tag p50 ms "
            "| search p50 ms | memory MB |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, run_ in sorted(sizes.items()):
        cells = [f"{n:,}", _cell(run_, "home", "rps", ",.0f"),
                 _cell(run_, "home", "p50_ms", ".2f"), _cell(run_, "post", "rps", ",.0f"),
                 _cell(run_, "post", "p50_ms", ".2f"), _cell(run_, "tag", "p50_ms", ".2f"),
                 _cell(run_, "search", "p50_ms", ".2f"), _num(run_.memory_mb, ".0f")]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _verdict(ok: bool | None, detail: str) -> str:
    label = "not measured" if ok is None else ("met" if ok else "MISSED")
    return f"{label} ({detail})"


def page_targets(folio: SiteRun | None, reference: SiteRun | None) -> list[str]:
    """Post, home and tag: at least 1.3 times the reference's req/s, with a p99 below it."""
    lines = []
    for key in TARGET_PAGES:
        head = f"- {key}: ≥ {TARGET_RPS_RATIO}× the reference's req/s with a lower p99: "
        mine, ref, r = figures(folio, key), figures(reference, key), ratio(folio, reference, key)
        if mine and ref and r is not None:
            ok = r >= TARGET_RPS_RATIO and mine.p99_ms < ref.p99_ms
            detail = f"{r:.2f}×, p99 {mine.p99_ms:.2f} vs {ref.p99_ms:.2f} ms"
            lines.append(head + _verdict(ok, detail))
        else:
            lines.append(head + _verdict(None, "needs both measurements"))
    return lines


def scaling_targets(sizes: dict[int, SiteRun]) -> list[str]:
    """Home and post p50 at the largest size within 1.25 times that at the smallest."""
    lines = []
    for key in ("home", "post"):
        head = f"- {key} p50 at the largest size within {TARGET_SCALING}× the smallest: "
        measured = sorted(n for n, run_ in sizes.items() if figures(run_, key))
        if len(measured) < 2:
            lines.append(head + _verdict(None, "needs two sizes, e.g. --also 1000,50000"))
            continue
        small, large = figures(sizes[measured[0]], key), figures(sizes[measured[-1]], key)
        assert small and large  # measured holds only sizes with figures
        growth = large.p50_ms / small.p50_ms
        detail = (f"{growth:.2f}×: {large.p50_ms:.2f} ms at {measured[-1]:,} vs "
                  f"{small.p50_ms:.2f} ms at {measured[0]:,}")
        lines.append(head + _verdict(growth <= TARGET_SCALING, detail))
    return lines


def media_target(folio: SiteRun | None) -> str:
    """Issue 13: the media request at least as many req/s as the cached post page."""
    media, post = figures(folio, "media"), figures(folio, "post")
    head = "- media ≥ the cached post's req/s (issue 11): "
    if not (media and post and post.rps):
        return head + _verdict(None, "needs the media and the post measured")
    detail = f"{media.rps / post.rps:.2f}×: {media.rps:,.0f} vs {post.rps:,.0f} req/s"
    return head + _verdict(media.rps >= post.rps, detail)


def compression_targets(folio: SiteRun | None) -> list[str]:
    """Issue 13: compressed hits cost no speed, the post a third of its bytes at most, and the
    stylesheet is kept by the browser (a second page view asks for nothing)."""
    pages = folio.pages if folio else {}
    post, plain, sheet = pages.get("post"), pages.get("post-identity"), pages.get("stylesheet")
    lines = []
    head = f"- compressed hits ≥ {TARGET_COMPRESSED_RPS}× the uncompressed req/s (the post): "
    if post and plain and post.figures and plain.figures and plain.figures.rps:
        share = post.figures.rps / plain.figures.rps
        lines.append(head + _verdict(share >= TARGET_COMPRESSED_RPS, (
            f"{share:.2f}×: {post.figures.rps:,.0f} vs {plain.figures.rps:,.0f} req/s")))
    else:
        lines.append(head + _verdict(None, "needs the post with and without Accept-Encoding"))
    head = f"- the post at most {TARGET_POST_BYTES:.2f} of its uncompressed bytes: "
    if post and plain and post.size and plain.size:
        share = post.size / plain.size
        lines.append(head + _verdict(share <= TARGET_POST_BYTES, (
            f"{share:.2f}: {post.size:,} bytes ({post.coding or 'uncompressed'}) vs "
            f"{plain.size:,}")))
    else:
        lines.append(head + _verdict(None, "needs the post with and without Accept-Encoding"))
    head = "- the stylesheet costs no request on a second page view: "
    if sheet and sheet.status == 200:
        kept = max_age(sheet.cache_control)
        lines.append(head + _verdict(
            kept >= TARGET_IMMUTABLE_SECONDS and "immutable" in (sheet.cache_control or ""),
            f"`{sheet.page.path}` answers `Cache-Control: {sheet.cache_control}`"))
    else:
        lines.append(head + _verdict(None, "no hashed stylesheet measured"))
    return lines


def max_age(cache_control: str | None) -> int:
    """The max-age a Cache-Control header gives, 0 when none."""
    match = re.search(r"(?:^|[,\s])max-age=(\d+)", cache_control or "")
    return int(match.group(1)) if match else 0


def target_lines(runs: Sequence[SiteRun], sizes: dict[int, SiteRun]) -> list[str]:
    """One line per target of issues 4 and 13, met / MISSED / not measured, with the
    figures."""
    by_server = {r.server: r for r in runs}
    folio = by_server.get(FOLIO)
    lines = page_targets(folio, by_server.get(REFERENCE))
    full, cond = figures(folio, "post"), figures(folio, "post-304")
    lines.append("- a 304 faster than the full post: " + (
        _verdict(cond.rps > full.rps, f"{cond.rps:,.0f} vs {full.rps:,.0f} req/s")
        if full and cond else _verdict(None, "no 304 measured")))
    lines.append(media_target(folio))
    lines += compression_targets(folio)
    search = figures(folio, "search")
    lines.append(f"- search p50 < {TARGET_SEARCH_P50_MS:g} ms: " + (
        _verdict(search.p50_ms < TARGET_SEARCH_P50_MS, f"{search.p50_ms:.2f} ms")
        if search else _verdict(None, "no search measured")))
    lines += scaling_targets(sizes)
    mem = folio.memory_mb if folio else None
    lines.append(f"- Folio's master and workers together < {TARGET_MEMORY_MB:g} MB: " + (
        _verdict(mem < TARGET_MEMORY_MB, f"{mem:.0f} MB") if mem is not None
        else _verdict(None, "no memory measured")))
    return lines


def _version(cmd: Sequence[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    out = (done.stdout + done.stderr).strip().splitlines()
    return out[0] if out else "unknown"


def machine_facts(tools: dict[str, str | None], load_before: str) -> str:
    cpu = "unknown CPU"
    with suppress(OSError), open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
        cpu = next((line.split(":", 1)[1].strip() for line in fh
                    if line.startswith("model name")), cpu)
    mem_gb = (field_kb("/proc/meminfo", "MemTotal:") or 0) / 1024 / 1024
    parts = [f"nproc {len(os.sched_getaffinity(0))}", cpu, f"{mem_gb:.1f} GB RAM",
             f"Python {platform.python_version()}", f"{platform.system()} {platform.release()}",
             _version([str(VENV_BIN / "gunicorn"), "--version"])]
    if tools.get("nginx"):
        parts.append(_version([str(tools["nginx"]), "-v"]))
    if tools.get("wrk"):
        parts.append(" ".join(_version([str(tools["wrk"]), "--version"]).split()[:2]))
    return "Machine: " + "; ".join(parts) + f"; load average before the run {load_before}."


def render_notes(runs: Sequence[SiteRun], sizes: dict[int, SiteRun], corpus: Corpus,
                 query: str) -> list[str]:
    notes = [f"- Pages: post `/posts/{corpus.post_slug}` (the median by date), tag "
             f"`/tags/{corpus.tag_slug}` (`/tag/{corpus.tag_slug}` on the reference), search "
             f"`/search?q={query}`, API `/api/v1/posts?per_page=10`."]
    folio = next((r for r in runs if r.server == FOLIO), None)
    media = folio.pages.get("media") if folio else None
    if media and media.figures:
        width, height = PHOTO_SIZE
        size = f", {media.size:,} bytes" if media.size is not None else ""
        notes.append(f"- Media: `{media.page.path}`, a {width}×{height} JPEG{size}, shown in "
                     f"`/posts/{corpus.media_slug}`; its req/s is compared with the post's.")
    all_runs = [(corpus.n, r) for r in runs] + [(n, r) for n, r in sizes.items() if n != corpus.n]
    for n, run_ in all_runs:
        where = f"{run_.server} at {n:,} posts"
        if run_.error:
            notes.append(f"- {where}: FAILED: {run_.error.splitlines()[0]}")
        notes += [f"- {where}, {LABELS[m.page.key]}: {m.note}"
                  for m in run_.pages.values() if m.note]
    return notes


def command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this report."""
    words = ["python3 bench/serve_bench.py", f"--posts {args.posts}"]
    if args.also:
        words.append("--also " + ",".join(str(n) for n in args.also))
    words.append(f"--seconds {args.seconds}")
    if args.query != DEFAULT_QUERY:
        words.append(f"--query {shlex.quote(args.query)}")
    return " ".join(words)


def render_report(runs: Sequence[SiteRun], sizes: dict[int, SiteRun], corpus: Corpus,
                  args: argparse.Namespace, facts: str) -> str:
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    memory = [f"{r.server} {r.memory_mb:.0f} MB ({r.processes} processes)"
              for r in runs if r.memory_mb is not None]
    parts = [
        f"Serving benchmark ({today}, `{command_line(args)}`): {corpus.n:,} posts; "
        f"each page loaded by wrk for "
        f"{args.seconds} s (2 threads, 32 connections), the servers one after another in one "
        f"run; both Python apps under gunicorn, {WORKERS} gthread workers × {THREADS} threads.",
        "", render_table(runs), "",
        "Memory after the load (summed Pss of master and workers): "
        + ("; ".join(memory) or "not measured") + ".",
    ]
    if len(sizes) > 1:
        parts += ["", "Folio alone at each corpus size (same load):", "", render_scaling(sizes)]
    heading = f"Targets of issues 4 and 13 (set at {TARGET_SIZE:,} posts"
    heading += "):" if corpus.n == TARGET_SIZE else f"; this run has {corpus.n:,}):"
    parts += ["", heading, "", *target_lines(runs, sizes), "", facts, "",
              *render_notes(runs, sizes, corpus, args.query)]
    return "\n".join(parts) + "\n"


def update_readme(report: str, readme: Path = README) -> bool:
    """Replace the text between the bench markers in README.md; False if markers are missing."""
    return replace_marked_section(readme, MARK_START, MARK_END, report)


# Main


def find_tools() -> dict[str, str | None]:
    """wrk and nginx, looked up also in the sbin folders a non-root PATH often lacks."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])
    return {name: shutil.which(name, path=path) for name in ("wrk", "nginx")}


def shared_dir() -> Path:
    path = Path(os.environ.get("FOLIO_SHARED") or REPO.parent / "shared").resolve()
    missing = [name for name in ("gen_corpus.py", "load.sh", "report.lua", "baseline_flask.py",
                                 "requirements-flask.txt") if not (path / "bench" / name).is_file()]
    if missing:
        raise StepError(f"{path}/bench lacks {', '.join(missing)} (set FOLIO_SHARED)")
    return path


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad size list: {text!r}") from exc
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be positive integers: {text!r}")
    return sizes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Load Folio, the reference Flask app and static "
                                 "pages under nginx, side by side in one run.")
    ap.add_argument("--posts", type=int, default=TARGET_SIZE,
                    help=f"corpus size for the comparison (default {TARGET_SIZE})")
    ap.add_argument("--also", type=parse_sizes, default=[],
                    help="comma list of other sizes to serve Folio alone at, e.g. 1000,50000")
    ap.add_argument("--seconds", type=int, default=10, help="load per page (default 10)")
    ap.add_argument("--query", default=DEFAULT_QUERY,
                    help=f"search words (default: {DEFAULT_QUERY})")
    ap.add_argument("--readme", action="store_true", help="write the report into README.md")
    args = ap.parse_args(argv)
    if args.posts < 1 or args.seconds < 1:
        ap.error("--posts and --seconds must be positive")
    return args


def check_setup() -> tuple[Path, dict[str, str | None]]:
    """The shared folder and the tools; StepError naming what is missing and how to get it."""
    tools = find_tools()
    problems = []
    if not tools["wrk"]:
        problems.append("wrk is missing: apt-get install wrk")
    if not tools["nginx"]:
        log("nginx is missing (apt-get install nginx-light): the static rows will be skipped")
    for name in ("python", "gunicorn"):
        if not (VENV_BIN / name).is_file():
            problems.append(f"{VENV_BIN / name} is missing: python3 -m venv .venv && "
                            ".venv/bin/pip install -e .")
    try:
        shared = shared_dir()
    except StepError as exc:
        problems.append(str(exc))
    if problems:
        raise StepError("\n".join(problems))
    return shared, tools


def bench(args: argparse.Namespace, shared: Path,
          tools: dict[str, str | None]) -> tuple[Corpus, list[SiteRun], dict[int, SiteRun]]:
    wrk, nginx = str(tools["wrk"]), tools["nginx"]
    static_root = WORK / "static"
    log(f"== {args.posts:,} posts: generate")
    corpus = make_corpus(shared, args.posts)
    log("== Folio")
    folio = bench_folio(shared, wrk, corpus, args.query, args.seconds, static_root)
    log("== the reference app")
    runs = [folio, bench_reference(shared, wrk, corpus, args.seconds)]
    if nginx and folio.error is None:
        log("== static pages under nginx")
        runs.append(bench_nginx(shared, wrk, nginx, corpus, static_root, args.seconds))
        log("== static pages under nginx, gzip on")
        runs.append(bench_nginx(shared, wrk, nginx, corpus, static_root, args.seconds,
                                compress=True))
    sizes = {corpus.n: folio}
    for n in sorted(set(args.also) - {corpus.n}):
        log(f"== Folio alone at {n:,} posts")
        other = make_corpus(shared, n)
        sizes[n] = bench_folio(shared, wrk, other, args.query, args.seconds)
    return corpus, runs, sizes


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        shared, tools = check_setup()
    except StepError as exc:
        log(f"error: {exc}")
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    stop_cleanly_on_signals()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        corpus, runs, sizes = bench(args, shared, tools)
    except StepError as exc:
        log(f"error: {exc}")
        return 1
    report = render_report(runs, sizes, corpus, args, machine_facts(tools, load_before))
    print(report)
    if args.readme:
        update_readme(report)
    failed = any(r.error for r in [*runs, *sizes.values()])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
