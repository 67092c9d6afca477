#!/usr/bin/env python3
"""Benchmark `flask import-posts` (cold, no-change and 1%-changed re-imports) against Pelican,
and the import of three real sites written for Jekyll, Hugo and Pelican.

Usage (from anywhere; paths are resolved from this file):

    python3 bench/import_bench.py [--sizes 1000,10000] [--skip-pelican]
                                  [--skip-sites | --sites-only]
                                  [--sites jekyll-lil-log,hugo-jessfraz,pelican-pybites]
                                  [--readme]

(`--skip-lil-log` and `--lil-log-only`, the options' former names, still work: they are
`--skip-sites` and `--sites-only`.)

Unless --sites-only, for each corpus size N the script:

1. generates N articles in the house format (bare, unquoted front-matter values, about 30% of
   them not valid YAML) with `<shared>/bench/gen_corpus.py N DIR --quote never`. Their front
   matter names cover images (`image: /static/images/x.jpg`) that gen_corpus.py does not
   write: Folio reports each missing one as an error and stores the article without it, so
   the import does the same work as Pelican's build, which processes no image;
2. creates a fresh SQLite database, runs `flask db upgrade`, then times four runs of
   `flask import-posts DIR` with `STATIC_DIRS=.` (DIR is the site's root): a cold import, a
   re-import with nothing changed, a re-import after appending a paragraph to one file, and a
   re-import after appending a paragraph to the body of N/100 other files (every 100th file in
   name order);
3. unless --skip-pelican, builds the same corpus (`gen_corpus.py --pelican`) with Pelican from
   a private virtualenv (`bench/.work/venv-pelican`, created with pip on first use) and the
   settings in `bench/pelicanconf.py`.

Then, unless --skip-sites, each real site of `<shared>/corpora/sites/` chosen by --sites (all
three by default, in this order):
- `jekyll-lil-log` (Jekyll, `_config.yml`; image-heavy: 37 posts, about 500 images),
- `hugo-jessfraz` (Hugo, `config.toml`),
- `pelican-pybites` (Pelican, `pelicanconf.py`).
Each is imported in place, from its root: `flask import-posts <shared>/corpora/sites/<site>`,
with no STATIC_DIRS: the importer recognises the engine by its configuration file, takes the
static folders from the site's settings and translates Liquid, shortcodes and `{filename}`
links itself. The shared folder is only read, never copied or written. For each site: a fresh
SQLite database (`bench/.work/folio-site-<site>.sqlite3`, `flask db upgrade`), a timed cold
import, then a timed no-change re-import; then the database is read: posts and pages (the
`kind` column of `posts`), distinct media digests (source files) and media rows (variants
included). The errors and warnings are the counts in the cold import's summary line; the engine
is the one the importer says it recognised (`Site: jekyll, recognised by _config.yml`). Exit
status 1 of an import ("some files had errors") is counted, not fatal, as long as the import
printed its summary line. A site fails (exit status 1 of this script, the report still printed)
when a step fails, or the importer recognised another engine than the site's, or it imported no
post or page, or stored no media file.

Every step reports wall seconds and the peak memory of its whole process tree (the root process
and all descendants, e.g. multiprocessing workers), sampled every 20 ms from /proc as the sum of
Pss (/proc/PID/smaps_rollup, falling back to VmRSS from /proc/PID/status).

The report is a Markdown table of the corpora plus the 10,000-post targets (cold import no
slower than before as a ratio to Pelican, no-change and one-file-edit re-imports under 1 s,
peak memory under 300 MB); then one table of the sites, a row per site (engine, posts / pages,
media files and rows, errors, warnings, cold and no-change seconds, peak MB), and the targets
of issue 12, point 15: the lil-log cold import under 60 s, every site's no-change re-import
under 1 s, every site's peak memory under 300 MB (each "met", "MISSED" or "not measured"; a
no-change re-import that imported posts again, because the files or the importer's code in
app/content/ changed during the run, is "not measured" and named in the notes); then the
machine facts and the summary line of each import. With --readme the text between
`<!-- import-bench:start -->` and `<!-- import-bench:end -->` in README.md at the repository
root is replaced with that report.

Environment:
    FOLIO_SHARED  folder holding bench/gen_corpus.py and corpora/sites/
                  (default: <repo>/../shared)

Work files (corpora, databases, Pelican output and venv) go to bench/.work/, which is git-ignored.
The importer runs with the interpreter running this script if it has Flask installed, otherwise
with <repo>/.venv/bin/python, with LOG_FORMAT=text (the bench reads its summary line).  Exit
status: 0 when every step ran, 1 when a step failed (the report is still printed), 2 on bad
usage or without the shared folder.
"""

import argparse
import datetime
import os
import platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # a script: its folder is not a package
from benchlib import (
    field_kb,
    log,
    process_memory_kb,
    process_tree,
    replace_marked_section,
)

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "bench" / ".work"
PELICAN_CONF = REPO / "bench" / "pelicanconf.py"
README = REPO / "README.md"

Arg = str | os.PathLike[str]

STEP_TIMEOUT_S = 20 * 60
PIP_TIMEOUT_S = 10 * 60
SAMPLE_INTERVAL_S = 0.02
STDERR_TAIL_LINES = 30

FOLIO_MODULES = ("flask", "flask_sqlalchemy", "flask_migrate")

MARK_START = "<!-- import-bench:start -->"
MARK_END = "<!-- import-bench:end -->"

TARGET_SIZE = 10_000
TARGET_NOCHANGE_S = 1.0  # wall, start-up included (issue 11)
TARGET_ONE_EDIT_S = 1.0
# Issue 11: the cold import no slower, as a ratio to Pelican in the same run, than the 76.5 s
# against Pelican's 130.9 s measured before the importer's split.
TARGET_COLD_RATIO = 76.5 / 130.9
TARGET_PEAK_MB = 300.0

CHANGE_EVERY = 100  # 1% of the files
CHANGE_PARAGRAPH = (
    "\n\n## Update\n\nThis article was revised for the import benchmark: the body changed, the "
    "front matter did not, so a re-import has to notice the new content and render it again.\n"
)

# gen_corpus.py names a cover image in each article's front matter (`image:
# /static/images/code-review.jpg`, 30 names in all) and writes none, while Folio reports a
# missing image as an error of its article: the bench writes them, so that the import does the
# media work of a real site, as the corpus root's `static/images/...` with STATIC_DIRS=. (the
# corpus root is the site's root).
FRONT_MATTER_IMAGE = re.compile(r"^image:[ \t]*['\"]?(/[^'\"\s]+\.(?:jpe?g|png))['\"]?[ \t]*$",
                                re.MULTILINE | re.IGNORECASE)
PHOTO_SIZE = (1200, 800)
# Run with the interpreter that has Pillow: argv = width, height, files. A Mandelbrot texture,
# gradients and ellipses placed by the file name's CRC: about 65 kB at quality 85.
_PHOTO_SCRIPT = """
import sys
import zlib

from PIL import Image, ImageDraw, ImageFilter

width, height = int(sys.argv[1]), int(sys.argv[2])
for path in sys.argv[3:]:
    seed = zlib.crc32(path.rsplit("/", 1)[-1].encode())
    cx, cy = -0.75 + seed % 200 / 400, (seed >> 8) % 200 / 400 - 0.25
    extent = (cx - 1.2, cy - 0.8, cx + 1.2, cy + 0.8)
    texture = Image.effect_mandelbrot((width, height), extent, 64)
    ramp = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (texture, ramp, ramp.rotate(seed % 360)))
    draw = ImageDraw.Draw(image)
    for i in range(10):
        x, y = (seed >> i) % width, (seed >> (i + 5)) % height
        colour = ((seed >> i) & 255, 40 * i % 256, 160)
        draw.ellipse((x, y, x + width // 6, y + height // 6), fill=colour)
    image.filter(ImageFilter.SMOOTH).save(path, quality=85)
"""

SITES_DIR = Path("corpora", "sites")  # under the shared folder
# The real sites (issue 12), by folder name, in the order they run: the engine the importer
# must recognise each one by (its `Site: <engine>, recognised by <file>` line).
SITES = {"jekyll-lil-log": "jekyll", "hugo-jessfraz": "hugo", "pelican-pybites": "pelican"}
IMAGE_HEAVY_SITE = "jekyll-lil-log"  # 37 posts, about 500 images
# Issue 12, point 15 (wall seconds, start-up included, on 2 cores).
TARGET_SITE_COLD_S = 60.0  # the image-heavy site's cold import
TARGET_SITE_NOCHANGE_S = 1.0  # every site's no-change re-import
_IMPORT_ERRORS = re.compile(r"\b(\d+) errors?\b")
_IMPORT_WARNINGS = re.compile(r"\b(\d+) warnings?\b")
_IMPORT_CHANGES = re.compile(r"\b(\d+) added, (\d+) updated\b")
# What the importer prints first for a site written for another engine (app/cli.py).
_SITE_LINE = re.compile(r"^Site: (\S+), recognised by (.+?)\s*$", re.MULTILINE)
IMPORT_SUMMARY_PREFIX = "Import: "
# The importer leaves a file modified less than this before it starts without a stamp, to be
# read again next time (git's "racy clean" rule, app/content/planning.py): the bench lets the
# files it has just written age this long before a cold import, as an author's files would.
RACY_SECONDS = 2.0


class StepError(Exception):
    """A benchmark step failed (bad exit status, timeout or missing tool)."""


# ---------------------------------------------------------------- memory sampling


class PeakSampler(threading.Thread):
    """Background thread that records the peak tree memory of a process until stopped."""

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL_S) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.max_procs = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            tree = process_tree(self.pid)
            self.peak_kb = max(self.peak_kb, sum(process_memory_kb(pid) for pid in tree))
            self.max_procs = max(self.max_procs, len(tree))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


# ---------------------------------------------------------------- running steps


@dataclass(frozen=True)
class RunResult:
    """Outcome of one measured command."""

    wall_s: float
    peak_mb: float
    max_procs: int
    returncode: int
    stdout: str
    stderr: str

    def summary(self) -> str:
        """The last non-empty output line (the command's summary line, by convention)."""
        for text in (self.stdout, self.stderr):
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            if lines:
                return lines[-1]
        return "(no output)"

    def failure_output(self) -> str:
        """The tail of stderr (or of stdout when stderr is empty)."""
        return _tail(self.stderr) or _tail(self.stdout)


def _tail(text: str, lines: int = STDERR_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_measured(
    cmd: Sequence[Arg],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = STEP_TIMEOUT_S,
) -> RunResult:
    """Run a command in its own session, timing it and sampling its tree's peak memory."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [os.fspath(c) for c in cmd],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    sampler = PeakSampler(proc.pid)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        os.killpg(proc.pid, signal.SIGKILL)  # our own session: the command and its workers
        _, err = proc.communicate()
        raise StepError(f"timed out after {timeout:.0f} s\n{_tail(err)}") from exc
    finally:
        sampler.stop()
    wall = time.perf_counter() - start
    peak_mb = sampler.peak_kb / 1024
    return RunResult(wall, peak_mb, sampler.max_procs, proc.returncode, out, err)


def run_step(
    name: str,
    cmd: Sequence[Arg],
    *,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    ok_codes: Sequence[int] = (0,),
    timeout: float = STEP_TIMEOUT_S,
) -> RunResult:
    """Run and measure a step; raise StepError with its stderr when the exit status is bad."""
    log(f"  {name} ...")
    result = run_measured(cmd, cwd=cwd, env=env, timeout=timeout)
    if result.returncode not in ok_codes:
        raise StepError(f"{name}: exit status {result.returncode}\n{result.failure_output()}")
    log(
        f"  {name}: {result.wall_s:.2f} s, peak {result.peak_mb:.0f} MB "
        f"({result.max_procs} process(es)) -- {result.summary()}"
    )
    return result


# ---------------------------------------------------------------- corpus


def shared_dir() -> Path:
    """The shared material folder: $FOLIO_SHARED or the sibling `shared` of the repository."""
    path = Path(os.environ.get("FOLIO_SHARED") or REPO.parent / "shared").resolve()
    if not (path / "bench" / "gen_corpus.py").is_file():
        raise StepError(f"{path}/bench/gen_corpus.py not found (set FOLIO_SHARED)")
    return path


def fresh_dir(path: Path) -> Path:
    """Remove and recreate a folder under the work dir."""
    if not path.resolve().is_relative_to(WORK.resolve()):
        raise StepError(f"refusing to delete {path}: outside {WORK}")
    shutil.rmtree(path, ignore_errors=True)
    return path


def gen_corpus(shared: Path, n: int, outdir: Path, *, pelican: bool) -> Path:
    """Generate N articles into a fresh outdir (house format, or Pelican's native header)."""
    fresh_dir(outdir)
    mode = ["--pelican"] if pelican else ["--quote", "never"]
    cmd: list[Arg] = [sys.executable, shared / "bench" / "gen_corpus.py", str(n), outdir, *mode]
    run_step(f"generate {n} posts{' (Pelican)' if pelican else ''}", cmd)
    return outdir


def cover_images(corpus: Path) -> list[str]:
    """The distinct site-absolute paths that the articles' front-matter `image` names."""
    found: set[str] = set()
    for path in corpus.glob("*.md"):
        text = path.read_text(encoding="utf-8", errors="replace")
        end = text.find("\n---", 3) if text.startswith("---") else -1
        found.update(FRONT_MATTER_IMAGE.findall(text[:end]) if end != -1 else ())
    return sorted(found)


def photo_command(python: Path, root: Path, site_paths: Sequence[str]) -> list[Arg]:
    """The command writing a 1200x800 photo-like JPEG at each site path under root (with
    Pillow, which `python` must have), distinct per file name and the same bytes on every run.
    Creates the files' folders; raises ValueError for a path that leads out of root."""
    files: list[Arg] = []
    for site_path in site_paths:
        file = (root / site_path.lstrip("/")).resolve()
        if not file.is_relative_to(root.resolve()):
            raise ValueError(f"refusing to write {site_path!r}: outside {root}")
        file.parent.mkdir(parents=True, exist_ok=True)
        files.append(file)
    width, height = PHOTO_SIZE
    return [python, "-c", _PHOTO_SCRIPT, str(width), str(height), *files]


def write_photos(python: Path, root: Path, site_paths: Sequence[str]) -> None:
    """Write the photos of photo_command; StepError if that fails."""
    if not site_paths:
        return
    try:
        cmd = photo_command(python, root, site_paths)
    except ValueError as exc:
        raise StepError(str(exc)) from exc
    run_step(f"write {len(site_paths)} photos with Pillow", cmd)


def change_one_file(corpus: Path) -> Path:
    """Append a paragraph to the body of one article, as an author's edit: the middle one."""
    files = sorted(corpus.glob("*.md"))
    edited = files[len(files) // 2]
    with edited.open("a", encoding="utf-8") as fh:
        fh.write(CHANGE_PARAGRAPH)
    return edited


def change_one_percent(corpus: Path, besides: Path | None = None) -> int:
    """Append a paragraph to the body of every 100th article (name order), but ``besides``
    (already edited once); return the count."""
    files = [path for path in sorted(corpus.glob("*.md"))[::CHANGE_EVERY] if path != besides]
    for path in files:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(CHANGE_PARAGRAPH)
    return len(files)


def let_files_age(written_at: float) -> None:
    """Wait until files written at `written_at` (time.time()) are RACY_SECONDS old."""
    delay = written_at + RACY_SECONDS + 0.1 - time.time()
    if delay > 0:
        time.sleep(delay)


# ---------------------------------------------------------------- Folio


def folio_python() -> Path:
    """An interpreter with Folio's dependencies: this one, else the repository's .venv."""
    if all(find_spec(module) is not None for module in FOLIO_MODULES):
        return Path(sys.executable)
    venv_python = REPO / ".venv" / "bin" / "python"
    if venv_python.is_file():
        log(f"note: {sys.executable} lacks {', '.join(FOLIO_MODULES)}; using {venv_python}")
        return venv_python
    raise StepError(f"Flask-Migrate is not importable from {sys.executable}; no {venv_python}")


def folio_env(db_path: Path, static_dirs: str | None = ".") -> dict[str, str]:
    """The importer's environment: this database, text logs (the bench reads the summary
    line), and ``static_dirs`` as STATIC_DIRS: by default the imported folder's root (so that
    site-absolute paths such as /static/images/a.jpg are under it); None leaves STATIC_DIRS
    unset, for a site whose engine's reader takes its static folders from the site itself."""
    env = dict(os.environ)
    env.update(DATABASE_URL=f"sqlite:///{db_path.resolve()}", FLASK_APP="wsgi",
               LOG_FORMAT="text")
    env.pop("STATIC_DIRS", None)
    if static_dirs is not None:
        env["STATIC_DIRS"] = static_dirs
    env.pop("FLASK_DEBUG", None)
    # Bytecode cached, as in a checkout by default and in the image (compiled at build): a
    # shell with PYTHONDONTWRITEBYTECODE set would add compiling Folio to every start-up.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@dataclass
class FolioRuns:
    cold: RunResult
    nochange: RunResult
    one_edit: RunResult
    changed: RunResult
    changed_files: int

    @property
    def peak_mb(self) -> float:
        return max(run.peak_mb for run in (self.cold, self.nochange, self.one_edit,
                                           self.changed))


def fresh_database(
    db_path: Path, python: Path, static_dirs: str | None = "."
) -> tuple[dict[str, str], list[Arg]]:
    """An empty SQLite database at ``db_path``, migrated: the importer's environment (see
    folio_env) and its ``flask`` command."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    env = folio_env(db_path, static_dirs)
    flask: list[Arg] = [python, "-m", "flask"]
    run_step("flask db upgrade", [*flask, "db", "upgrade"], env=env)
    return env, flask


def bench_folio(n: int, shared: Path, python: Path) -> FolioRuns:
    """Cold import, no-change re-import and 1%-changed re-import of an N-post corpus."""
    corpus = gen_corpus(shared, n, WORK / f"corpus-{n}", pelican=False)
    # The cover images the generated front matter names are not written: the import does the
    # same work as before the media store (and as Pelican, which processes no image), each
    # cover reported as a missing file and its post imported. bench/serve_bench.py writes
    # them; the real sites below are the image-heavy case.
    written_at = time.time()
    env, flask = fresh_database(WORK / f"folio-{n}.sqlite3", python)
    # Exit status 1 means "some files were invalid": the import itself completed.
    importer: list[Arg] = [*flask, "import-posts", corpus]
    let_files_age(written_at)
    cold = run_step("cold import", importer, env=env, ok_codes=(0, 1))
    nochange = run_step("no-change re-import", importer, env=env, ok_codes=(0, 1))
    edited = change_one_file(corpus)
    one_edit = run_step("re-import, 1 file edited", importer, env=env, ok_codes=(0, 1))
    changed_files = change_one_percent(corpus, besides=edited)
    changed = run_step(f"re-import, {changed_files} changed", importer, env=env, ok_codes=(0, 1))
    for name, run in (("cold", cold), ("no-change", nochange), ("1-file", one_edit),
                      ("1%-changed", changed)):
        if run.returncode == 1:
            log(f"  note: {name} import exited 1 (some files invalid): {run.summary()}")
    return FolioRuns(cold, nochange, one_edit, changed, changed_files)


# ---------------------------------------------------------------- Pelican


def ensure_pelican() -> Path:
    """Path to `pelican` in bench/.work/venv-pelican, creating the venv with pip if needed."""
    venv = WORK / "venv-pelican"
    exe = venv / "bin" / "pelican"
    if exe.is_file():
        return exe
    log("creating the Pelican virtualenv (pip install pelican markdown pygments) ...")
    fresh_dir(venv)
    run_step("python -m venv", [sys.executable, "-m", "venv", venv], timeout=PIP_TIMEOUT_S)
    pip: list[Arg] = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
    pip.append("--disable-pip-version-check")
    run_step("pip install", [*pip, "pelican", "markdown", "pygments"], timeout=PIP_TIMEOUT_S)
    if not exe.is_file():
        raise StepError(f"pip install finished but {exe} is missing")
    return exe


def pelican_version(exe: Path) -> str:
    try:
        out = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"Pelican {out.stdout.strip() or 'unknown version'}"


def bench_pelican(n: int, shared: Path, exe: Path) -> RunResult:
    """Build the same N-post corpus (Pelican header) from scratch with bench/pelicanconf.py."""
    corpus = gen_corpus(shared, n, WORK / f"corpus-pelican-{n}", pelican=True)
    out = fresh_dir(WORK / f"pelican-out-{n}")
    cmd: list[Arg] = [exe, corpus, "-o", out, "-s", PELICAN_CONF]
    env = dict(os.environ, COLUMNS="250")  # keep Pelican's summary line on one line
    result = run_step("pelican build", cmd, env=env)
    missing = [p.name for p in corpus.glob("*.md") if not (out / f"{p.stem}.html").is_file()]
    if missing:
        raise StepError(
            f"pelican build: {len(missing)} of {n} articles not built, e.g. {missing[0]}"
        )
    return result


# ---------------------------------------------------------------- the importer's summary line


def import_changes(summary: str) -> int:
    """Posts added or updated according to the importer's summary line, 0 if it says none."""
    match = _IMPORT_CHANGES.search(summary)
    return int(match.group(1)) + int(match.group(2)) if match else 0


def import_errors(summary: str) -> int:
    """The error count in the importer's summary line (`..., 3 errors in 1.20 s`), 0 if none."""
    match = _IMPORT_ERRORS.search(summary)
    return int(match.group(1)) if match else 0


def import_warnings(summary: str) -> int:
    """The warning count in the importer's summary line (`..., 5 warnings, ...`), 0 if none."""
    match = _IMPORT_WARNINGS.search(summary)
    return int(match.group(1)) if match else 0


# ---------------------------------------------------------------- the real sites


def recognised_engine(stdout: str) -> tuple[str, str]:
    """The engine the importer recognised and the file it recognised it by, from its
    `Site: jekyll, recognised by _config.yml` line; ("folio", "") when it printed none (a
    folder of Folio articles)."""
    match = _SITE_LINE.search(stdout)
    return (match.group(1), match.group(2)) if match else ("folio", "")


def count_rows(db_path: Path) -> tuple[int, int, int, int]:
    """Posts, pages (the `kind` column of `posts`), distinct media digests (source files) and
    media rows (variants included)."""
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        posts, pages = conn.execute(
            "select coalesce(sum(kind <> 'page'), 0), coalesce(sum(kind = 'page'), 0) from posts"
        ).fetchone()
        digests, rows = conn.execute(
            "select count(distinct digest), count(*) from media_files"
        ).fetchone()
    return posts, pages, digests, rows


@dataclass
class SiteRuns:
    """A site imported cold and again unchanged, and what the database then holds."""

    cold: RunResult
    nochange: RunResult
    posts: int
    pages: int
    media_digests: int
    media_rows: int

    @property
    def peak_mb(self) -> float:
        return max(self.cold.peak_mb, self.nochange.peak_mb)

    @property
    def engine(self) -> tuple[str, str]:
        return recognised_engine(self.cold.stdout)

    @property
    def errors(self) -> int:
        return import_errors(self.cold.summary())

    @property
    def warnings(self) -> int:
        return import_warnings(self.cold.summary())


def run_import(name: str, cmd: Sequence[Arg], env: dict[str, str]) -> RunResult:
    """A timed import. Exit status 1 ("some files had errors") is a completed import when the
    importer printed its summary line; another status, or no summary line, is a StepError."""
    result = run_step(name, cmd, env=env, ok_codes=(0, 1))
    if not result.summary().startswith(IMPORT_SUMMARY_PREFIX):
        raise StepError(
            f"{name}: exit status {result.returncode} without the import's summary line\n"
            f"{result.failure_output()}"
        )
    return result


def bench_site(shared: Path, name: str, python: Path) -> SiteRuns:
    """Cold and no-change imports of a real site from its root in the shared folder, read in
    place (never copied), into a fresh database; then what the database holds."""
    root = shared / SITES_DIR / name
    if not root.is_dir():
        raise StepError(f"{root} not found (set FOLIO_SHARED)")
    db_path = WORK / f"folio-site-{name}.sqlite3"
    # No STATIC_DIRS: the engine's reader takes the static folders from the site.
    env, flask = fresh_database(db_path, python, static_dirs=None)
    importer: list[Arg] = [*flask, "import-posts", root]
    cold = run_import(f"cold import ({name})", importer, env)
    nochange = run_import(f"no-change re-import ({name})", importer, env)
    posts, pages, digests, rows = count_rows(db_path)
    log(f"  {posts} posts, {pages} pages, {digests} media files ({rows} rows with variants)")
    return SiteRuns(cold, nochange, posts, pages, digests, rows)


@dataclass
class SiteResult:
    name: str
    runs: SiteRuns | None = None
    errors: list[str] = field(default_factory=list)


def site_problems(name: str, runs: SiteRuns) -> list[str]:
    """What makes a site's completed imports a failure: another engine recognised than the
    site's, no post or page imported, no media file stored."""
    problems = []
    engine, _ = runs.engine
    expected = SITES.get(name)
    summary = runs.cold.summary()
    if expected and engine != expected:
        problems.append(f"recognised as {engine}, not {expected}; cold import: {summary}")
    if runs.posts + runs.pages == 0:
        problems.append(f"no post or page imported; cold import: {summary}")
    if runs.media_digests == 0:
        problems.append(f"no media file stored; cold import: {summary}")
    return problems


def run_site(shared: Path, name: str, python: Path | None) -> SiteResult:
    """One real site; a failed step, or a problem of site_problems, is recorded as an error."""
    res = SiteResult(name)
    log(f"== {name} ({SITES.get(name, 'unknown engine')}): Folio")
    try:
        if python is None:
            raise StepError("no Python with Flask available")
        res.runs = bench_site(shared, name, python)
    except StepError as exc:
        log(f"  FAILED: {exc}")
        res.errors.append(f"import: {exc}")
    if res.runs is not None:
        for problem in site_problems(name, res.runs):
            log(f"  FAILED: {problem}")
            res.errors.append(problem)
    return res


# ---------------------------------------------------------------- report


@dataclass
class SizeResult:
    n: int
    folio: FolioRuns | None = None
    pelican: RunResult | None = None
    errors: list[str] = field(default_factory=list)


def _s(value: float) -> str:
    return f"{value:.2f}"


def _mb(value: float) -> str:
    return f"{value:.0f}"


def render_table(results: Sequence[SizeResult]) -> str:
    rows = [
        "| size | cold import s | no-change re-import s | 1-file edit s "
        "| 1%-changed re-import s | peak MB | Pelican build s | Pelican peak MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        f, p = res.folio, res.pelican
        cells = [f"{res.n:,}"]
        if f:
            cells += [_s(run.wall_s) for run in (f.cold, f.nochange, f.one_edit, f.changed)]
            cells.append(_mb(f.peak_mb))
        else:
            cells += ["failed"] * 5
        if p:
            cells += [_s(p.wall_s), _mb(p.peak_mb)]
        else:
            cells += ["—"] * 2
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _verdict(ok: bool | None, detail: str) -> str:
    label = "not measured" if ok is None else ("met" if ok else "MISSED")
    return f"{label} ({detail})"


def render_targets(results: Sequence[SizeResult]) -> str:
    res = next((r for r in results if r.n == TARGET_SIZE), None)
    f = res.folio if res else None
    p = res.pelican if res else None
    if f and p:
        ratio = f.cold.wall_s / p.wall_s
        detail = (f"{f.cold.wall_s:.2f} s vs {p.wall_s:.2f} s: {ratio:.2f} of Pelican's time, "
                  f"against {TARGET_COLD_RATIO:.2f} before")
        vs_pelican = _verdict(ratio <= TARGET_COLD_RATIO, detail)
    else:
        vs_pelican = _verdict(None, "needs both the import and the Pelican build")
    if f:
        nochange = _verdict(f.nochange.wall_s < TARGET_NOCHANGE_S, f"{f.nochange.wall_s:.2f} s")
        one_edit = _verdict(f.one_edit.wall_s < TARGET_ONE_EDIT_S, f"{f.one_edit.wall_s:.2f} s")
        peak = _verdict(f.peak_mb < TARGET_PEAK_MB, f"{f.peak_mb:.0f} MB")
    else:
        nochange = one_edit = peak = _verdict(None, f"no {TARGET_SIZE:,}-post import run")
    return "\n".join(
        [
            f"Targets at {TARGET_SIZE:,} posts (wall seconds, start-up included):",
            "",
            f"- cold import no slower than before, as a ratio to Pelican: {vs_pelican}",
            f"- no-change re-import < {TARGET_NOCHANGE_S:g} s: {nochange}",
            f"- one-file edit re-import < {TARGET_ONE_EDIT_S:g} s: {one_edit}",
            f"- peak memory < {TARGET_PEAK_MB:g} MB: {peak}",
        ]
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_facts(python: Path | None, pelican: str | None) -> str:
    nproc = len(os.sched_getaffinity(0))
    mem_kb = field_kb("/proc/meminfo", "MemTotal:") or 0
    parts = [
        f"nproc {nproc}",
        _cpu_model(),
        f"{mem_kb / 1024 / 1024:.1f} GB RAM",
        f"Python {platform.python_version()}",
        f"{platform.system()} {platform.release()}",
    ]
    if python is not None and python != Path(sys.executable):
        parts.append(f"importer run with {python}")
    if pelican:
        parts.append(pelican)
    return "Machine: " + "; ".join(parts) + "."


def _engine_cell(runs: SiteRuns) -> str:
    engine, config_file = runs.engine
    return f"{engine} (`{config_file}`)" if config_file else engine


def render_site_table(sites: Sequence[SiteResult]) -> str:
    """A row per site: what the importer recognised and stored, and the two imports."""
    rows = [
        "| site | engine | posts / pages | media files (rows with variants) | errors | warnings "
        "| cold import s | no-change re-import s | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for res in sites:
        r = res.runs
        if r:
            cells = [
                res.name,
                _engine_cell(r),
                f"{r.posts} / {r.pages}",
                f"{r.media_digests} ({r.media_rows})",
                str(r.errors),
                str(r.warnings),
                _s(r.cold.wall_s),
                _s(r.nochange.wall_s),
                _mb(r.peak_mb),
            ]
        else:
            cells = [res.name, "—"] + ["failed"] * 7
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _site_nochange_verdict(res: SiteResult) -> str:
    r = res.runs
    if r is None:
        return _verdict(None, "its import failed")
    redone = import_changes(r.nochange.summary())
    if redone:
        return _verdict(None, f"{r.nochange.wall_s:.2f} s, but {redone} posts were imported again")
    return _verdict(r.nochange.wall_s < TARGET_SITE_NOCHANGE_S, f"{r.nochange.wall_s:.2f} s")


def _site_peak_verdict(res: SiteResult) -> str:
    r = res.runs
    if r is None:
        return _verdict(None, "its import failed")
    return _verdict(r.peak_mb < TARGET_PEAK_MB, f"{r.peak_mb:.0f} MB")


def render_site_targets(sites: Sequence[SiteResult]) -> str:
    """Issue 12, point 15: the image-heavy site's cold import, then each site's no-change
    re-import and peak memory."""
    heavy = next((res for res in sites if res.name == IMAGE_HEAVY_SITE), None)
    if heavy is None:
        cold = _verdict(None, f"{IMAGE_HEAVY_SITE} not run")
    elif heavy.runs is None:
        cold = _verdict(None, "its import failed")
    else:
        wall = heavy.runs.cold.wall_s
        cold = _verdict(wall < TARGET_SITE_COLD_S, f"{wall:.2f} s")
    nochange = "; ".join(f"{res.name} {_site_nochange_verdict(res)}" for res in sites)
    peak = "; ".join(f"{res.name} {_site_peak_verdict(res)}" for res in sites)
    return "\n".join(
        [
            "Targets for the real sites (issue 12, point 15; wall seconds, start-up included):",
            "",
            f"- {IMAGE_HEAVY_SITE} cold import < {TARGET_SITE_COLD_S:g} s: {cold}",
            f"- every site's no-change re-import < {TARGET_SITE_NOCHANGE_S:g} s: {nochange}",
            f"- every site's peak memory < {TARGET_PEAK_MB:g} MB: {peak}",
        ]
    )


def render_sites(sites: Sequence[SiteResult]) -> str:
    """The real sites' table and targets."""
    return "\n".join(
        [
            f"Real sites, each imported in place from its root (`flask import-posts "
            f"<shared>/{SITES_DIR.as_posix()}/<site>`: the engine recognised by its "
            "configuration file, no STATIC_DIRS) into a fresh SQLite database, cold, then with "
            "nothing changed; errors and warnings are the cold import's, counted, not fatal:",
            "",
            render_site_table(sites),
            "",
            render_site_targets(sites),
        ]
    )


def render_notes(
    results: Sequence[SizeResult],
    setup_errors: Sequence[str],
    sites: Sequence[SiteResult] = (),
) -> str:
    notes = [f"- setup FAILED: {err.splitlines()[0]}" for err in setup_errors]
    for res in results:
        if res.folio:
            f = res.folio
            notes.append(f"- {res.n:,}: cold import: {f.cold.summary()}")
            notes.append(f"- {res.n:,}: no-change re-import: {f.nochange.summary()}")
            notes.append(f"- {res.n:,}: re-import after editing 1 file: {f.one_edit.summary()}")
            notes.append(
                f"- {res.n:,}: re-import after changing {f.changed_files} files: "
                f"{f.changed.summary()}"
            )
        if res.pelican:
            notes.append(f"- {res.n:,}: Pelican: {res.pelican.summary()}")
        notes.extend(f"- {res.n:,}: FAILED: {err.splitlines()[0]}" for err in res.errors)
    nochange_runs = [(f"{res.n:,}", res.folio.nochange) for res in results if res.folio]
    for site in sites:
        if site.runs:
            notes.append(f"- {site.name}: cold import: {site.runs.cold.summary()}")
            notes.append(f"- {site.name}: no-change re-import: {site.runs.nochange.summary()}")
            nochange_runs.append((site.name, site.runs.nochange))
        notes.extend(f"- {site.name}: FAILED: {err.splitlines()[0]}" for err in site.errors)
    notes.extend(
        f"- {name}: the no-change re-import imported posts again: the files or the importer's "
        "code (its fingerprint covers app/content/) changed during the run"
        for name, run in nochange_runs
        if import_changes(run.summary())
    )
    return "\n".join(notes)


def render_report(
    results: Sequence[SizeResult],
    facts: str,
    setup_errors: Sequence[str],
    sites: Sequence[SiteResult] = (),
) -> str:
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    parts = [
        f"Import benchmark ({today}, `python3 bench/import_bench.py`; wall seconds, one run each; "
        "peak MB = summed Pss of the process tree, max over the imports of a corpus or site):",
    ]
    if results:
        parts += ["", render_table(results), "", render_targets(results)]
    if sites:
        parts += ["", render_sites(sites)]
    parts += ["", facts]
    notes = render_notes(results, setup_errors, sites)
    if notes:
        parts += ["", notes]
    return "\n".join(parts) + "\n"


def update_readme(report: str, readme: Path = README) -> bool:
    """Replace the text between the bench markers in README.md; False if markers are missing."""
    return replace_marked_section(readme, MARK_START, MARK_END, report)


# ---------------------------------------------------------------- main


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad size list: {text!r}") from exc
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be positive integers: {text!r}")
    return sizes


def parse_sites(text: str) -> list[str]:
    """A comma list of site names (folders of <shared>/corpora/sites/), once each, in the
    order given."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in SITES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown site {unknown[0]!r}: choose among {', '.join(SITES)}"
        )
    if not names:
        raise argparse.ArgumentTypeError(f"no site named: {text!r}")
    return list(dict.fromkeys(names))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Time `flask import-posts` (cold / no-change / 1%-changed) against Pelican, "
        "and the import of real Jekyll, Hugo and Pelican sites from their roots."
    )
    ap.add_argument(
        "--sizes", type=parse_sizes, default=[1000, 10000], help="comma list (default 1000,10000)"
    )
    ap.add_argument("--skip-pelican", action="store_true", help="do not build with Pelican")
    which = ap.add_mutually_exclusive_group()
    which.add_argument(
        "--skip-sites",
        "--skip-lil-log",
        dest="skip_sites",
        action="store_true",
        help="do not import the real sites (--skip-lil-log: the former name)",
    )
    which.add_argument(
        "--sites-only",
        "--lil-log-only",
        dest="sites_only",
        action="store_true",
        help="import only the real sites: no generated corpus, no Pelican "
        "(--lil-log-only: the former name)",
    )
    ap.add_argument(
        "--sites",
        type=parse_sites,
        default=None,
        help=f"comma list of the sites to import (default {','.join(SITES)})",
    )
    ap.add_argument("--readme", action="store_true", help="write the report into README.md")
    args = ap.parse_args(argv)
    if args.sites is not None and args.skip_sites:
        ap.error("--sites chooses sites to import; --skip-sites imports none")
    if args.sites is None:
        args.sites = list(SITES)
    return args


def bench_size(n: int, shared: Path, python: Path | None, pelican: Path | None) -> SizeResult:
    res = SizeResult(n)
    log(f"== {n:,} posts: Folio")
    try:
        if python is None:
            raise StepError("no Python with Flask available")
        res.folio = bench_folio(n, shared, python)
    except StepError as exc:
        log(f"  FAILED: {exc}")
        res.errors.append(f"Folio import: {exc}")
    if pelican is not None:
        log(f"== {n:,} posts: Pelican")
        try:
            res.pelican = bench_pelican(n, shared, pelican)
        except StepError as exc:
            log(f"  FAILED: {exc}")
            res.errors.append(f"Pelican build: {exc}")
    return res


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        shared = shared_dir()
    except StepError as exc:
        log(f"error: {exc}")
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    setup_errors: list[str] = []
    python: Path | None = None
    try:
        python = folio_python()
    except StepError as exc:
        setup_errors.append(str(exc))
    pelican: Path | None = None
    if not (args.skip_pelican or args.sites_only):
        try:
            pelican = ensure_pelican()
        except StepError as exc:
            log(f"Pelican unavailable, continuing without it: {exc}")
            setup_errors.append(f"Pelican setup: {exc}")
    sizes = [] if args.sites_only else args.sizes
    results = [bench_size(n, shared, python, pelican) for n in sizes]
    sites = [] if args.skip_sites else [run_site(shared, name, python) for name in args.sites]
    facts = machine_facts(python, pelican_version(pelican) if pelican else None)
    report = render_report(results, facts, setup_errors, sites)
    print(report)
    if args.readme:
        update_readme(report)
    failed = bool(setup_errors) or any(res.errors for res in results)
    failed = failed or any(site.errors for site in sites)
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
