"""bench/load_check.py: its pure parts (wrk's output and the Lua script's status counts, the
URL mix, the README block), then one short real run on each database: no error allowed."""

from __future__ import annotations

import dataclasses
import http.server
import os
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bench import BENCH, load_bench_script
from tests.conftest import REPO, SHARED, drop_database, make_database

lc = load_bench_script("load_check")

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8000/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
STATUSES 200=15873 301=275 304=1115
RESULT rps=3431.2 p50_ms=3.130 p99_ms=25.600 max_ms=80.100 requests=17263 bytes=1 \
connect_err=0 read_err=0 write_err=0 status_err=0 timeout=0
"""

SITE = lc.Site(total=95, posts=("first-post", "middle-post", "last-post"),
               tags=("python", "go", "rare"), categories=("engines",), authors=("ada",),
               alias="old-address")


def result(statuses: dict[int, int], **errors: int) -> Any:
    return lc.LoadResult(requests=sum(statuses.values()), rps=100.0, p50_ms=1.0, p99_ms=2.0,
                         max_ms=3.0, statuses=statuses,
                         errors={name: errors.get(name, 0) for name in
                                 ("connect_err", "read_err", "write_err", "timeout",
                                  "status_err")})


def a_run(database: str = "SQLite", cache: str = "no Redis", rps: float = 100.0,
          **statuses: int) -> Any:
    counts = {int(k.lstrip("s")): n for k, n in statuses.items()} or {200: 900, 304: 100}
    measured = dataclasses.replace(result(counts), rps=rps)
    return lc.Run(database, cache, 10_000, 60, 64, 2, 4, lc.build_mix(SITE), measured,
                  "python3 bench/load_check.py --posts 10000", date="2026-11-25")


# wrk's output


def test_parse_wrk_reads_the_result_and_the_status_counts() -> None:
    parsed = lc.parse_wrk(WRK_OUTPUT)

    assert parsed.statuses == {200: 15873, 301: 275, 304: 1115}
    assert parsed.requests == 17263 == sum(parsed.statuses.values())
    assert (parsed.rps, parsed.p99_ms) == (3431.2, 25.6)
    assert parsed.passed and parsed.count(300, 400) == 1390


def test_output_without_the_status_line_is_an_error() -> None:
    with pytest.raises(lc.CheckError, match="no STATUSES line"):
        lc.parse_wrk(WRK_OUTPUT.replace("STATUSES", "SOMETHING"))


def test_a_run_without_responses_has_an_empty_status_line() -> None:
    assert lc.parse_statuses("STATUSES \n") == {}


@pytest.mark.parametrize(("statuses", "errors", "passed"), [
    ({200: 10, 301: 1, 304: 5}, {}, True),
    ({200: 10, 404: 1}, {}, False),
    ({200: 10, 500: 1}, {}, False),
    ({200: 10, 101: 1}, {}, False),
    ({200: 10}, {"read_err": 1}, False),
    ({200: 10}, {"timeout": 1}, False),
    ({200: 10}, {"connect_err": 2}, False),
    ({}, {}, False),  # nothing measured is not a pass
])
def test_passed_means_no_socket_error_and_nothing_outside_2xx_3xx(
        statuses: dict[int, int], errors: dict[str, int], passed: bool) -> None:
    assert result(statuses, **errors).passed is passed


JSON_LOG = "\n".join([
    '{"logger": "gunicorn.error", "message": "Autorestarting worker after current request."}',
    '{"logger": "gunicorn.access", "path": "/posts/a", "query": null, "status": 200, '
    '"duration_ms": 1.5}',
    '{"logger": "gunicorn.access", "path": "/search", "query": "q=x", "status": 500, '
    '"duration_ms": 40.25}',
    '{"logger": "gunicorn.access", "path": "/search", "query": "q=x", "status": 500, '
    '"duration_ms": 3.0}',
    '{"logger": "gunicorn.access", "path": "/archive/", "query": null, "status": 200, '
    '"duration_ms": 1200.0}',
    "not a record",
])
TEXT_LOG = "\n".join([
    '127.0.0.1 - - [25/Nov/2026:00:00:00 +0000] "GET /posts/a HTTP/1.1" 200 512 "-" "-"',
    '127.0.0.1 - - [25/Nov/2026:00:00:00 +0000] "GET /search?q=x HTTP/1.1" 500 90 "-" "-"',
])


def test_access_entries_read_json_records_and_classic_lines() -> None:
    assert list(lc.access_entries(TEXT_LOG)) == [lc.Answered("/posts/a", 200),
                                                 lc.Answered("/search?q=x", 500)]
    assert [(e.url, e.status, e.ms) for e in lc.access_entries(JSON_LOG)][:2] == [
        ("/posts/a", 200, 1.5), ("/search?q=x", 500, 40.25)]


def test_failing_and_slowest_paths_come_from_the_access_log() -> None:
    entries = list(lc.access_entries(JSON_LOG))

    assert lc.failing_paths(entries) == ["/search?q=x (500): 2"]
    assert lc.slowest(entries, top=2) == ["/archive/ 1,200 ms (200)", "/search?q=x 40 ms (500)"]
    assert lc.slowest(list(lc.access_entries(TEXT_LOG))) == []  # no times in that format


# The mix


def test_mix_covers_every_kind_of_page() -> None:
    mix = lc.build_mix(SITE)
    paths = {url.path for url in mix}

    assert {"/", "/?page=2", "/?page=5", "/?page=10", "/posts/middle-post", "/tags/python",
            "/tags/python?page=2", "/categories/engines", "/authors/ada", "/archive/",
            "/tags/", "/search?q=caching", "/search?q=postgresql+latency", "/feed.xml",
            "/feed.json", "/tags/python/feed.xml", "/sitemap.xml", "/sitemaps/posts-1.xml",
            "/api/v1/posts?per_page=10", "/posts/first-post.md",
            "/posts/first-post.json"} <= paths
    assert [(url.path, url.expect) for url in mix if url.expect != 200] == [
        ("/posts/old-address", 301)]
    assert len(paths) == len(mix)  # each URL once per rotation


def test_mix_spreads_the_posts_among_the_other_pages() -> None:
    kinds = [url.kind for url in lc.build_mix(SITE)]

    assert kinds[:6:2] == ["post"] * 3 and "post" not in kinds[1:6:2]


def test_mix_has_no_redirect_when_the_site_has_no_old_address() -> None:
    site = lc.Site(total=3, posts=("a",), tags=(), categories=(), authors=())
    mix = lc.build_mix(site)

    assert all(url.expect == 200 for url in mix)
    assert not any(url.path.startswith("/tags/") and url.path != "/tags/" for url in mix)


def test_conditional_requests_carry_the_etag_and_expect_304() -> None:
    conditional = lc.conditional_urls({"/": '"abc"', "/posts/a": 'W/"def"'})

    assert [(url.path, url.expect, url.headers) for url in conditional] == [
        ("/", 304, (("If-None-Match", '"abc"'),)),
        ("/posts/a", 304, (("If-None-Match", 'W/"def"'),))]


def test_spread_places_the_extra_urls_evenly_and_keeps_everything() -> None:
    mix = [lc.Url("post", f"/p{n}") for n in range(9)]
    extra = [lc.Url("conditional (304)", f"/c{n}", 304) for n in range(2)]
    spread = lc.spread(mix, extra)

    assert [url.path for url in spread] == ["/p0", "/p1", "/p2", "/c0", "/p3", "/p4", "/p5",
                                            "/c1", "/p6", "/p7", "/p8"]


def test_lua_script_lists_every_url_with_its_headers() -> None:
    urls = [lc.Url("home", "/"), lc.Url("conditional (304)", "/posts/a", 304,
                                         (("If-None-Match", 'W/"x\\y"'),))]
    script = lc.lua_script(urls)

    assert ('  {"/", {["Accept-Encoding"] = "br, gzip"}},\n'
            '  {"/posts/a", {["Accept-Encoding"] = "br, gzip", '
            '["If-None-Match"] = "W/\\"x\\\\y\\""}},') in script
    assert "function response(status, headers, body)" in script
    assert 'summed("statuses", "%d=%d")' in script and "RESULT rps=" in script


class Stub(http.server.BaseHTTPRequestHandler):
    """Answers like Folio would the URLs of a mix: 301 for the old address, 304 when the
    ETag matches, 200 otherwise."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # the name http.server calls
        if self.path == "/posts/old-address":
            self.send_response(301)
            self.send_header("Location", "/posts/middle-post")
        elif self.headers.get("If-None-Match") == '"abc"':
            self.send_response(304)
        else:
            self.send_response(200)
            self.send_header("X-Cache", "hit")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_lua_script_counts_every_status_across_wrk_threads(tmp_path: Path) -> None:
    wrk = shutil.which("wrk")
    if not wrk:
        if os.environ.get("CI"):
            pytest.fail("wrk is missing: CI must be able to run the load check")
        pytest.skip("wrk is not installed")
    script = tmp_path / "mix.lua"
    mix = lc.spread(lc.build_mix(SITE), lc.conditional_urls({"/": '"abc"'}))
    script.write_text(lc.lua_script(mix), encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = subprocess.run([wrk, "-t2", "-c4", "-d1s", "-s", str(script),
                               f"http://127.0.0.1:{server.server_address[1]}/"],
                              capture_output=True, text=True, timeout=60, check=False)
    finally:
        server.shutdown()
        server.server_close()

    assert done.returncode == 0, done.stderr
    parsed = lc.parse_wrk(done.stdout)
    assert set(parsed.statuses) == {200, 301, 304}
    assert sum(parsed.statuses.values()) == parsed.requests > len(mix)
    assert parsed.cache == {"hit": parsed.statuses[200]}
    assert parsed.passed


# The report


def test_table_row_gives_the_figures_and_the_verdict() -> None:
    run = a_run(s200=295_000, s301=1_000, s304=4_000)
    run.result = dataclasses.replace(run.result, cache={"hit": 294_705, "miss": 295})
    run.restarts = lc.Restarts(booted=1, recycled=1, died=0)

    assert lc.table_row(run) == (
        "| SQLite | no Redis | 10,000 | 60 s, 64 connections | 2 × 4 threads | 300,000 | "
        "100 | 1.00 | 2.00 | 3 | 99.90% | 1 | 295,000 | 5,000 | 0 | 0 | passed |")
    assert lc.table_row(a_run(s200=10, s502=1)).endswith("| – | – | 10 | 0 | 1 | 0 | FAILED |")


def test_the_cache_line_gives_hits_and_misses() -> None:
    parsed = lc.parse_wrk(WRK_OUTPUT.replace("STATUSES", "CACHE hit=15000 miss=873\nSTATUSES"))

    assert parsed.cache == {"hit": 15000, "miss": 873}
    assert parsed.hit_rate == pytest.approx(15000 / 15873)
    assert lc.parse_wrk(WRK_OUTPUT).hit_rate is None  # no X-Cache seen: no rate


SERVER_LOG = """[1] [INFO] Booting worker with pid: 11
[1] [INFO] Autorestarting worker after current request.
[1] [INFO] Booting worker with pid: 12
[1] [WARNING] Worker (pid:12) was sent SIGSEGV!
[1] [INFO] Booting worker with pid: 13
[1] [ERROR] Worker (pid:13) exited with code 3
[1] [INFO] Worker (pid:14) was sent SIGTERM!
"""


def test_worker_restarts_say_why_the_workers_went() -> None:
    restarts = lc.worker_restarts(SERVER_LOG)

    assert restarts == lc.Restarts(booted=3, recycled=1, died=2)
    assert str(restarts) == "3 (1 recycled, 2 died)"


def test_a_worker_that_died_fails_the_run_and_a_low_hit_rate_is_reported(
        tmp_path: Path) -> None:
    run = a_run(s200=1000)
    run.result = dataclasses.replace(run.result, cache={"hit": 900, "miss": 100})

    lc.describe_load(run, SERVER_LOG, tmp_path / "server.log")

    assert any("2 worker(s) died" in note for note in run.notes)
    assert lc.table_row(run).endswith("| 90.00% | 3 | 1,000 | 0 | 0 | 0 | FAILED |")
    assert any("90.00% hits (target ≥ 99%: MISSED)" in said for said in run.observed)


def test_run_line_names_the_configuration_the_command_and_the_statuses() -> None:
    line = lc.run_line(a_run("PostgreSQL", "Redis", s200=9, s304=1))

    assert line.startswith("- **PostgreSQL, Redis** (2026-11-25, `python3 bench/load_check.py")
    assert "statuses 200: 9, 304: 1" in line and "old address (301) 1" in line


def test_merge_replaces_the_same_configuration_and_keeps_the_others() -> None:
    first = lc.merge_block("", a_run("SQLite", "no Redis", s200=5))
    both = lc.merge_block(first, a_run("PostgreSQL", "Redis", s200=7))
    again = lc.merge_block(both, a_run("SQLite", "no Redis", s200=11))

    rows = [line for line in again.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split(" | ")[:2] for row in rows] == [
        ["| database", "cache"], ["| PostgreSQL", "Redis"], ["| SQLite", "no Redis"]]
    assert "| 11 |" in rows[2] and "| 7 |" in rows[1]
    assert again.count("- **") == 2


@pytest.mark.parametrize(("down_rps", "passed"), [(600.0, True), (500.0, True), (499.0, False)])
def test_redis_down_is_judged_against_the_same_load_without_redis(down_rps: float,
                                                                   passed: bool) -> None:
    baseline = a_run("PostgreSQL", "no Redis", rps=1000.0)
    down = a_run("PostgreSQL", "Redis down", rps=down_rps)

    ratio = lc.compare_with_no_redis(down, baseline)

    assert ratio == pytest.approx(down_rps / 1000.0)
    assert lc.table_row(down).endswith("| passed |" if passed else "| FAILED |")
    assert f"{ratio:.2f}× the 1,000 req/s of the same load with no Redis" in lc.run_line(down)


def test_the_report_keeps_the_runs_in_the_order_they_ran() -> None:
    report = lc.render_report([a_run("PostgreSQL", "no Redis"),
                               a_run("PostgreSQL", "Redis down")])

    rows = [line for line in report.splitlines() if line.startswith("| PostgreSQL")]
    assert [row.split(" | ")[1] for row in rows] == ["no Redis", "Redis down"]


def test_redis_down_starts_its_own_redis_so_takes_no_url() -> None:
    assert lc.parse_args(["--redis-down"]).redis_down
    with pytest.raises(SystemExit):
        lc.parse_args(["--redis-down", "--redis-url", "redis://127.0.0.1:6379/0"])


def test_update_readme_writes_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{lc.MARK_START}\nearlier results\n{lc.MARK_END}\n\nAfter.\n",
                      encoding="utf-8")

    assert lc.update_readme(a_run(), readme)

    text = readme.read_text(encoding="utf-8")
    assert "earlier results" not in text and text.endswith(f"{lc.MARK_END}\n\nAfter.\n")
    assert "| SQLite | no Redis | 10,000 |" in text


def test_the_readme_has_the_markers_in_a_load_check_section_after_the_serving_one() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")

    serving = text.index("<!-- serve-bench:end -->")
    section = text.index("### Load check")
    assert serving < section < text.index(lc.MARK_START) < text.index(lc.MARK_END)


# A real run


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_options(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """No option (SQLite), or a PostgreSQL database of its own and the shared Redis."""
    if request.param == "sqlite":
        yield []
        return
    name = f"folio_load_check_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    redis = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    yield ["--database-url", make_database(name), "--redis-url", redis]
    drop_database(name)


# The load: 10,000 posts, 60 s, 64 connections. Some minutes on each backend, so it runs
# in CI (where CI is set) and where FOLIO_FULL_LOAD_CHECK asks for it; the short run always.
FULL = ["--posts", "10000", "--seconds", "60", "--connections", "64"]
SHORT = ["--posts", "200", "--seconds", "5", "--connections", "16"]


@pytest.mark.parametrize("load", [
    pytest.param(SHORT, id="short"),
    pytest.param(FULL, id="full", marks=pytest.mark.skipif(
        not (os.environ.get("CI") or os.environ.get("FOLIO_FULL_LOAD_CHECK")),
        reason="the full 60-second check runs in CI, or with FOLIO_FULL_LOAD_CHECK=1")),
])
def test_a_real_run_sees_no_error(backend_options: list[str], tmp_path: Path,
                                  load: list[str]) -> None:
    missing = [what for what, present in (
        ("wrk", shutil.which("wrk")), ("../shared", (SHARED / "bench").is_dir())) if not present]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} missing: CI must be able to run the load check")
        pytest.skip(f"{', '.join(missing)} missing")

    done = subprocess.run(
        [sys.executable, BENCH / "load_check.py", *load, "--work", tmp_path, *backend_options],
        capture_output=True, text=True, timeout=1800, check=False)

    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    row = next(line for line in done.stdout.splitlines() if line.startswith("| SQLite")
               or line.startswith("| PostgreSQL"))
    assert row.endswith("| 0 | 0 | passed |")
    line = next(line for line in done.stdout.splitlines() if line.startswith("- **"))
    statuses = line.split("; statuses ", 1)[1].split(";", 1)[0]
    assert "200: " in statuses and "301: " in statuses and "304: " in statuses


@pytest.fixture
def postgres_database() -> Iterator[str]:
    name = f"folio_load_check_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    yield make_database(name)
    drop_database(name)


def test_a_real_run_with_redis_down_reports_both_loads_and_their_ratio(
        postgres_database: str, tmp_path: Path) -> None:
    missing = [what for what, present in (
        ("wrk", shutil.which("wrk")), ("redis-server", shutil.which("redis-server")),
        ("../shared", (SHARED / "bench").is_dir())) if not present]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} missing: CI must be able to run the load check")
        pytest.skip(f"{', '.join(missing)} missing")

    done = subprocess.run(
        [sys.executable, BENCH / "load_check.py", *SHORT, "--work", tmp_path,
         "--database-url", postgres_database, "--redis-down"],
        capture_output=True, text=True, timeout=1800, check=False)

    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| PostgreSQL")]
    assert [row.split(" | ")[1] for row in rows] == ["no Redis", "Redis down"]
    assert all(row.endswith("| 0 | 0 | passed |") for row in rows)
    assert "of the same load with no Redis configured" in done.stdout
