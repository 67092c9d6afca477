"""bench/serve_bench.py's own logic: parsing wrk's result, choosing pages, the nginx setup, the
report and the README block, and that a server it starts is always stopped. No timings."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bench import load_bench_script
from tests.conftest import REPO

sb = load_bench_script("serve_bench")

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8000/
  2 threads and 32 connections
RESULT rps=2220.5 p50_ms=19.050 p99_ms=47.310 max_ms=80.100 requests=11103 bytes=1 \
connect_err=0 read_err=0 write_err=0 status_err=3 timeout=0
"""


def figures(rps: float, p50: float, p99: float, key: str, status: int = 200) -> object:
    page = sb.Page(key, "/" + key)
    return sb.Measurement(page, status=status, figures=sb.Figures(rps, p50, p99))


def site(server: str, memory: float | None = None, **pages: tuple[float, float, float]) -> object:
    run = sb.SiteRun(server, memory_mb=memory, processes=3 if memory else 0)
    for key, (rps, p50, p99) in pages.items():
        run.pages[key.replace("_", "-")] = figures(rps, p50, p99, key.replace("_", "-"))
    return run


def test_parse_result_reads_every_field() -> None:
    fields = sb.parse_result(WRK_OUTPUT)

    assert fields["rps"] == 2220.5 and fields["p99_ms"] == 47.31 and fields["status_err"] == 3


def test_parse_result_without_a_result_line_is_a_step_error() -> None:
    with pytest.raises(sb.StepError, match="no RESULT line"):
        sb.parse_result("unable to connect to 127.0.0.1:8000 Connection refused\n")


def test_manifest_gives_the_median_post_and_the_most_used_one_word_tag(tmp_path: Path) -> None:
    rows = ["slug\tdate\twords\tcode_blocks\thas_table\tcategory\ttags\ttitle",
            "c\t2020-03-01\t1\t0\t0\tX\tCI/CD, CI/CD2, Go\tC",
            "a\t2020-01-01\t1\t0\t0\tX\tCI/CD, Python\tA",
            "b\t2020-02-01\t1\t0\t0\tX\tCI/CD, Python, Go\tB"]
    (tmp_path / ".manifest.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    assert sb.read_manifest(tmp_path) == ("b", "python")


@pytest.mark.parametrize(
    ("url", "file"),
    [("/", "index.html"), ("/posts/hello-world", "posts/hello-world/index.html"),
     ("/tags/python?page=1", "tags/python/index.html")],
)
def test_static_files_mirror_the_urls(tmp_path: Path, url: str, file: str) -> None:
    assert sb.static_file(tmp_path, url) == tmp_path / file


def test_static_file_refuses_to_leave_its_root(tmp_path: Path) -> None:
    with pytest.raises(sb.StepError):
        sb.static_file(tmp_path, "/posts/../../etc")


@pytest.mark.skipif(not sb.find_tools()["nginx"], reason="nginx is not installed")
def test_generated_nginx_config_passes_nginx_t(tmp_path: Path) -> None:
    nginx = sb.find_tools()["nginx"]
    flags = subprocess.run([nginx, "-V"], capture_output=True, text=True, check=True).stderr
    conf = tmp_path / "nginx.conf"
    conf.write_text(sb.nginx_conf(tmp_path, tmp_path / "static", 8999, flags), encoding="utf-8")
    (tmp_path / "tmp").mkdir()

    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)],
                          capture_output=True, text=True, check=False)

    assert done.returncode == 0, done.stderr
    assert ("user " in conf.read_text()) == (os.geteuid() == 0)


def test_nginx_config_leaves_out_temp_paths_of_modules_the_binary_lacks(tmp_path: Path) -> None:
    conf = sb.nginx_conf(tmp_path, tmp_path, 8999, "--without-http_uwsgi_module")

    assert "uwsgi_temp_path" not in conf and "scgi_temp_path" in conf


def test_table_gives_ratios_to_the_reference_and_n_a_for_missing_pages() -> None:
    folio = site(sb.FOLIO, 120.0, home=(3000, 5, 20), post=(4000, 4, 15),
                 post_304=(6000, 2, 9))
    folio.pages["api"] = sb.Measurement(sb.Page("api", "/api"), status=404, note="answered 404")
    reference = site(sb.REFERENCE, 70.0, home=(2000, 10, 40), post=(3200, 8, 30))
    table = sb.render_table([folio, reference])

    folio.pages["post"].size, folio.pages["post"].coding = 7_950, "br"
    table = sb.render_table([folio, reference])

    assert "| home | Folio | 200 | — | 3,000 | 5.00 | 20.00 | 1.50× |" in table
    assert "| post | Folio | 200 | 7,950 (br) | 4,000 | 4.00 | 15.00 | 1.25× |" in table
    assert ("| post, If-None-Match (304) | Folio | 200 | — | 6,000 | 2.00 | 9.00 | 1.88× |"
            in table)
    assert "| home | reference | 200 | — | 2,000 | 10.00 | 40.00 | 1.00× |" in table
    assert "| API list | Folio | 404 | — | n/a | n/a | n/a | — |" in table


def test_targets_say_met_missed_or_not_measured_with_the_figures() -> None:
    folio = site(sb.FOLIO, 320.0, home=(3000, 5, 20), post=(4000, 4, 35), tag=(1000, 9, 50),
                 post_304=(6000, 2, 9), search=(900, 12, 30))
    reference = site(sb.REFERENCE, 70.0, home=(2000, 10, 40), post=(3200, 8, 30),
                     tag=(2000, 9, 40))
    small = site(sb.FOLIO, home=(3000, 4, 20), post=(4000, 4, 15))
    text = "\n".join(sb.target_lines([folio, reference], {1000: small, 10_000: folio}))

    assert "- home: ≥ 1.3× the reference's req/s with a lower p99: met (1.50×" in text
    assert "- post: ≥ 1.3× the reference's req/s with a lower p99: MISSED (1.25×" in text
    assert "- a 304 faster than the full post: met (6,000 vs 4,000 req/s)" in text
    assert "- search p50 < 20 ms: met (12.00 ms)" in text
    assert "- home p50 at the largest size within 1.25× the smallest: met (1.25×" in text
    assert "- Folio's master and workers together < 300 MB: MISSED (320 MB)" in text


def test_targets_without_the_measurements_say_so() -> None:
    text = "\n".join(sb.target_lines([site(sb.FOLIO)], {}))

    assert "MISSED" not in text and "met (" not in text
    assert text.count("not measured") == 12


def test_report_holds_table_targets_and_notes(tmp_path: Path) -> None:
    corpus = sb.Corpus(1000, tmp_path, "a-post", "python", "another-post")
    folio = site(sb.FOLIO, 150.0, home=(3000, 5, 20), post=(1000, 4, 15),
                 media=(1500, 3, 10))
    folio.pages["media"] = sb.Measurement(sb.Page("media", f"/media/{'a' * 32}/p.jpg"), 200,
                                          sb.Figures(1500, 3, 10), size=67_000)
    args = argparse.Namespace(posts=1000, also=[50_000], seconds=5, query="caching")
    report = sb.render_report([folio], {1000: folio}, corpus, args, "Machine: test.")

    assert report.startswith("Serving benchmark (")
    assert "`python3 bench/serve_bench.py --posts 1000 --also 50000 --seconds 5`" in report
    assert "this run has 1,000" in report and "Machine: test." in report
    assert "`/posts/a-post`" in report and report.endswith("\n")
    assert "| media (JPEG) | Folio | 200 | 67,000 | 1,500 | 3.00 | 10.00 | — |" in report
    assert f"- Media: `/media/{'a' * 32}/p.jpg`, a 1200×800 JPEG, 67,000 bytes, shown in " \
           "`/posts/another-post`" in report
    assert "- media ≥ the cached post's req/s (issue 11): met (1.50×: 1,500 vs 1,000" in report


PAGE_WITH_A_PHOTO = (
    '<p><a href="/media/{d}/bench-photo.jpg"><picture>'
    '<source type="image/avif" srcset="/media/{d}/bench-photo-480.avif 480w">'
    '<img src="/media/{d}/bench-photo.jpg" srcset="/media/{d}/bench-photo-480.jpg 480w, '
    '/media/{d}/bench-photo.jpg 1200w" alt="A photo" width="1200" height="800"></picture>'
    '</a></p><img src="/media/{e}/cover.jpg" alt="">'
).format(d="0123456789abcdef" * 2, e="f" * 32)


@pytest.mark.parametrize(
    ("name", "address"),
    [("bench-photo.jpg", f"/media/{'0123456789abcdef' * 2}/bench-photo.jpg"),
     ("cover.jpg", f"/media/{'f' * 32}/cover.jpg"),
     ("bench-photo-480.jpg", None),  # only in a srcset: not what <img src> loads
     ("missing.jpg", None)],
)
def test_media_address_is_the_img_src_naming_the_file(name: str, address: str | None) -> None:
    assert sb.media_address(PAGE_WITH_A_PHOTO, name) == address


def test_media_article_is_the_first_other_than_the_measured_post(tmp_path: Path) -> None:
    for slug in ("b-post", "a-post", "c-post"):
        (tmp_path / f"{slug}.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")

    assert sb.media_article(tmp_path, "a-post") == "b-post"
    assert sb.media_article(tmp_path, "c-post") == "a-post"


@pytest.mark.parametrize(
    ("media_rps", "verdict"),
    [(4000, "met (1.00×: 4,000 vs 4,000 req/s)"), (3000, "MISSED (0.75×: 3,000 vs 4,000")],
)
def test_media_target_compares_with_the_cached_post(media_rps: float, verdict: str) -> None:
    folio = site(sb.FOLIO, post=(4000, 4, 15), media=(media_rps, 3, 10))

    assert sb.media_target(folio).startswith(
        "- media ≥ the cached post's req/s (issue 11): " + verdict)


@pytest.fixture
def readme_copy(tmp_path: Path) -> Path:
    """The real README without its benchmark section, so each test places the markers."""
    copy = tmp_path / "README.md"
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start, end = text.find(sb.MARK_START), text.find(sb.MARK_END)
    if start != -1 and end != -1:
        text = text[:start] + text[end + len(sb.MARK_END):]
    copy.write_text(text, encoding="utf-8")
    return copy


def test_update_readme_replaces_only_the_text_between_the_markers(readme_copy: Path) -> None:
    original = readme_copy.read_text(encoding="utf-8")
    readme_copy.write_text(original + f"\n{sb.MARK_START}\nold table\n{sb.MARK_END}\ntail\n",
                           encoding="utf-8")

    assert sb.update_readme("new table\n", readme_copy) is True
    assert sb.update_readme("newer table\n", readme_copy) is True

    text = readme_copy.read_text(encoding="utf-8")
    assert text == original + f"\n{sb.MARK_START}\nnewer table\n{sb.MARK_END}\ntail\n"


def test_update_readme_without_markers_changes_nothing(readme_copy: Path) -> None:
    before = readme_copy.read_bytes()

    assert sb.update_readme("table\n", readme_copy) is False
    assert readme_copy.read_bytes() == before


def test_a_started_server_is_stopped_with_its_children_even_on_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sb, "WORK", tmp_path)
    monkeypatch.setattr(sb, "REPO", tmp_path.parent)
    port = sb.free_port()
    # A parent that forks a child, like gunicorn's master and its workers.
    script = ("import http.server, os, sys\n"
              "if os.fork() == 0:\n    import time; time.sleep(600)\n"
              "http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler,"
              f" port={port}, bind='127.0.0.1')\n")
    cmd = [sys.executable, "-c", script]
    with pytest.raises(RuntimeError), sb.serving("test server", cmd, cwd=tmp_path,
                                                  env=dict(os.environ), ready_path="/",
                                                  port=port, log_name="test") as server:
        group = server.proc.pid
        assert sb.fetch(server.base_url + "/").status == 200
        raise RuntimeError("a failing step")

    assert server.proc.returncode is not None
    assert live_members(group) == []


def live_members(group: int, settle_s: float = 5.0) -> list[int]:
    """Processes of a process group that are not dead (a zombie awaits its new parent's reaping;
    a SIGKILL takes a moment to land), after waiting up to settle_s for the list to empty."""
    deadline = time.monotonic() + settle_s
    while True:
        members = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                members.append(int(stat.parent.name))
        if not members or time.monotonic() > deadline:
            return members
        time.sleep(0.05)


def compressed_site(post_rps: float, post_bytes: int, sheet_control: str) -> object:
    folio = site(sb.FOLIO, post=(post_rps, 4, 15), post_identity=(4000, 4, 15))
    folio.pages["post"].size, folio.pages["post"].coding = post_bytes, "br"
    folio.pages["post-identity"].size = 28_000
    folio.pages["stylesheet"] = sb.Measurement(
        sb.Page("stylesheet", "/assets/0123456789ab/css/site.css"), 200,
        sb.Figures(9000, 1, 3), cache_control=sheet_control)
    return folio


def test_compression_targets_met_with_the_figures() -> None:
    text = "\n".join(sb.compression_targets(compressed_site(
        3800, 7_000, "public, max-age=31536000, immutable")))

    assert ("- compressed hits ≥ 0.9× the uncompressed req/s (the post): met (0.95×: 3,800 vs "
            "4,000 req/s)") in text
    assert ("- the post at most 0.33 of its uncompressed bytes: met (0.25: 7,000 bytes (br) "
            "vs 28,000)") in text
    assert ("- the stylesheet costs no request on a second page view: met "
            "(`/assets/0123456789ab/css/site.css` answers `Cache-Control: public, "
            "max-age=31536000, immutable`)") in text


def test_compression_targets_missed() -> None:
    text = "\n".join(sb.compression_targets(compressed_site(3000, 12_000, "public, no-cache")))

    assert text.count("MISSED") == 3


@pytest.mark.parametrize(("header", "seconds"), [
    ("public, max-age=31536000, immutable", 31_536_000), ("s-maxage=60, max-age=5", 5),
    ("public, no-cache", 0), (None, 0)])
def test_max_age_reads_the_browsers_lifetime(header: str | None, seconds: int) -> None:
    assert sb.max_age(header) == seconds


def test_nginx_with_gzip_on_compresses(tmp_path: Path) -> None:
    assert "gzip on;" in sb.nginx_conf(tmp_path, tmp_path, 8999, "", compress=True)
    assert "gzip on" not in sb.nginx_conf(tmp_path, tmp_path, 8999, "")


HOME_PAGE = b'<head><link rel="stylesheet" href="/assets/0123456789ab/css/site.css"></head>'


def test_the_stylesheet_is_the_hashed_address_the_home_page_links(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sb, "fetch", lambda url, headers=(): sb.Answer(200, {}, HOME_PAGE))

    assert sb.stylesheet_page("http://127.0.0.1:1") == sb.Page(
        "stylesheet", "/assets/0123456789ab/css/site.css", sb.BROWSER)


def test_a_home_page_without_a_hashed_stylesheet_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sb, "fetch", lambda url, headers=(): sb.Answer(200, {}, b"<head></head>"))

    found = sb.stylesheet_page("http://127.0.0.1:1")

    assert isinstance(found, sb.Measurement) and "no hashed stylesheet link" in found.note
