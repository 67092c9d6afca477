"""Finding an article's images and files, and rewriting them to the media store: the pure part
that runs in the import's workers (app.content.media), on files in a temporary folder."""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pytest
from PIL import Image

from app.content import media
from app.content.media import Site, attach_media, content_type_of, served_name, svg_dimensions


def png(width: int = 1200, height: int = 800, colour: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "bundle").mkdir(parents=True)
    (root / "static" / "images").mkdir(parents=True)
    (root / "bundle" / "index.md").write_text("x")
    (root / "bundle" / "chart.png").write_bytes(png())
    (root / "static" / "images" / "logo.png").write_bytes(png(300, 100, "red"))
    (root / "static" / "slides.pdf").write_bytes(b"%PDF-1.4 slides")
    (root / "bundle" / "drawing.svg").write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 360"></svg>')
    old = time.time() - 60  # older than the racy window: the files get stamps
    for path in root.rglob("*"):
        os.utime(path, (old, old))
    return root


def attach(folder: Path, html: str, body: str = "", rel: str = "bundle/index.md",
           **kwargs: object) -> media.MediaResult:
    return attach_media(html, body or html, 5, rel, Site(str(folder), **kwargs))  # type: ignore[arg-type]


def test_an_image_beside_the_article_moves_into_the_store(folder: Path) -> None:
    result = attach(folder, '<p><img alt="Chart" src="chart.png"></p>')

    [found] = result.files
    assert found.source == "bundle/chart.png"
    assert re.fullmatch(r"/media/[0-9a-f]{32}/chart\.png", found.url)
    assert f'src="{found.url}"' in result.html
    assert 'width="1200" height="800"' in result.html
    assert result.errors == []


def test_a_large_image_gets_a_picture_of_variants_and_never_a_larger_one(folder: Path) -> None:
    result = attach(folder, '<p><img alt="Chart" src="chart.png"></p>')
    [found] = result.files

    assert result.html.startswith("<p><picture>")
    assert '<source type="image/webp" srcset="' in result.html
    own = re.search(r'<img [^>]*srcset="([^"]*)"', result.html)
    assert own is not None
    widths = [int(c.rsplit(" ", 1)[1].rstrip("w")) for c in own.group(1).split(", ")]
    assert widths == [480, 960, 1200]  # 1600 would be an enlargement
    assert f"{found.url[:-len('chart.png')]}chart-480w.png 480w" in own.group(1)
    assert 'sizes="' in result.html and 'decoding="async"' in result.html


def test_only_the_first_image_loads_at_once(folder: Path) -> None:
    html = '<p><img alt="a" src="chart.png"></p><p><img alt="b" src="/images/logo.png"></p>'
    result = attach(folder, html)

    tags = re.findall(r"<img [^>]*>", result.html)
    assert 'loading="lazy"' not in tags[0]
    assert 'loading="lazy"' in tags[1]


def test_with_a_hero_image_every_body_image_is_lazy(folder: Path) -> None:
    result = attach_media('<p><img alt="a" src="chart.png"></p>', "![a](chart.png)", 5,
                          "bundle/index.md", Site(str(folder)), image="/images/logo.png")

    assert 'loading="lazy"' in result.html
    assert result.image is not None and result.image.width == 300
    assert result.image_address == result.image.src
    assert {f.source for f in result.files} == {"bundle/chart.png", "static/images/logo.png"}


def test_a_site_absolute_path_is_looked_up_in_each_static_folder(folder: Path) -> None:
    (folder / "assets").mkdir()
    (folder / "assets" / "only-here.png").write_bytes(png(50, 50))
    html = '<p><img alt="" src="/images/logo.png"><img alt="" src="/only-here.png"></p>'

    result = attach(folder, html, static_dirs=("static/images", "assets", "static"))

    assert {f.source for f in result.files} == {"static/images/logo.png", "assets/only-here.png"}


def test_outside_images_pages_and_folios_own_static_files_are_left_alone(
        folder: Path, tmp_path: Path) -> None:
    served = tmp_path / "folio-static"
    (served / "images").mkdir(parents=True)
    (served / "images" / "own.svg").write_text("<svg/>")
    html = ('<p><img alt="" src="https://example.com/a.png"> <a href="/about">about</a> '
            '<a href="../tags/python/">tag</a> <a href="/posts/node.js-tips">post</a> '
            '<a href="other.md">other</a> <a href="#part">part</a> '
            '<img alt="" src="/static/images/own.svg"> <a href="mailto:a@b.c">mail</a></p>')

    result = attach(folder, html, served_static=(str(served),))

    assert result.html == html
    assert result.files == [] and result.errors == []


def test_a_link_to_a_file_is_rewritten_and_served_as_it_is(folder: Path) -> None:
    result = attach(folder, '<p><a href="/slides.pdf">the slides</a></p>')

    [found] = result.files
    assert found.content_type == "application/pdf" and found.image is None
    assert result.html == f'<p><a href="{found.url}">the slides</a></p>'


def test_a_missing_image_is_an_error_at_its_line_naming_the_nearest_file(folder: Path) -> None:
    body = "Intro.\n\n![Chart](chrat.png)\n"
    result = attach_media('<p>Intro.</p>\n<p><img alt="Chart" src="chrat.png"></p>', body, 5,
                          "bundle/index.md", Site(str(folder)))

    [error] = result.errors
    assert error.line == 7  # the body starts at line 5
    assert "'chrat.png': there is no file bundle/chrat.png" in error.message
    assert error.hint == "the nearest existing file is bundle/chart.png"


def test_a_missing_linked_file_is_an_error_too(folder: Path) -> None:
    result = attach(folder, '<p><a href="/slides-v2.pdf">slides</a></p>')

    [error] = result.errors
    assert "there is no file static/slides-v2.pdf" in error.message
    assert "static/slides.pdf" in (error.hint or "")


@pytest.mark.parametrize("address", ["../../secret.png", "/../secret.png",
                                     "%2e%2e/%2e%2e/secret.png"])
def test_a_path_out_of_the_content_folder_is_an_error(folder: Path, address: str) -> None:
    (folder.parent / "secret.png").write_bytes(png(10, 10))

    result = attach(folder, f'<p><img alt="" src="{address}"></p>')

    assert result.files == []
    [error] = result.errors
    assert "leads out of the content folder" in error.message or "no file" in error.message


def test_a_link_out_of_the_content_folder_is_refused(folder: Path) -> None:
    (folder.parent / "secret.png").write_bytes(png(10, 10))
    (folder / "bundle" / "innocent.png").symlink_to(folder.parent / "secret.png")

    result = attach(folder, '<p><img alt="" src="innocent.png"></p>')

    [error] = result.errors
    assert "outside the content folder" in error.message


def test_a_file_over_the_limit_is_an_error_naming_the_setting(folder: Path) -> None:
    result = attach(folder, '<p><img alt="" src="chart.png"></p>', max_bytes=1000)

    [error] = result.errors
    assert "more than the 1,000 Folio accepts (MEDIA_MAX_BYTES)" in error.message


def test_a_file_that_is_not_the_image_its_name_says_is_an_error(folder: Path) -> None:
    (folder / "bundle" / "fake.png").write_text("<html><script>alert(1)</script></html>")

    result = attach(folder, '<p><img alt="" src="fake.png"></p>')

    [error] = result.errors
    assert "bundle/fake.png" in error.message
    assert "image" in error.message


def test_an_svg_keeps_its_size_and_gets_no_variants(folder: Path) -> None:
    result = attach(folder, '<p><img alt="" src="drawing.svg"></p>')

    assert 'width="640" height="360"' in result.html
    assert "<picture>" not in result.html and "srcset" not in result.html


def test_the_authors_own_size_is_kept_in_proportion(folder: Path) -> None:
    result = attach(folder, '<p><img alt="" src="chart.png" width="600"></p>')

    assert 'width="600" height="400"' in result.html


def test_the_same_bytes_have_the_same_address_and_new_bytes_a_new_one(folder: Path) -> None:
    first = attach(folder, '<img alt="" src="chart.png">').files[0]
    (folder / "bundle" / "copy.png").write_bytes((folder / "bundle" / "chart.png").read_bytes())
    copy = attach(folder, '<img alt="" src="copy.png">').files[0]
    (folder / "bundle" / "chart.png").write_bytes(png(colour="navy"))
    changed = attach(folder, '<img alt="" src="chart.png">').files[0]

    assert copy.digest == first.digest
    assert changed.digest != first.digest


def test_a_file_written_moments_ago_gets_no_stamp(folder: Path) -> None:
    (folder / "bundle" / "fresh.png").write_bytes(png(20, 20))

    [found] = attach(folder, '<img alt="" src="fresh.png">').files

    assert found.stamp is None  # it may change again within the clock's tick
    assert media.current_stamp(str(folder), "bundle/fresh.png") is None
    assert media.current_stamp(str(folder), "bundle/chart.png") is not None


@pytest.mark.parametrize(("source", "name"), [
    ("bundle/Chart 1.PNG", "Chart-1.png"), ("a/évé.jpg", "v.jpg"), ("x/--.png", "file.png"),
    ("x/report.final.pdf", "report.final.pdf"),
])
def test_served_names_are_url_safe(source: str, name: str) -> None:
    assert served_name(source) == name


@pytest.mark.parametrize(("name", "kind"), [
    ("a.png", "image/png"), ("a.webp", "image/webp"), ("a.svg", "image/svg+xml"),
    ("a.pdf", "application/pdf"), ("a.html", "application/octet-stream"),
    ("a.xml", "application/octet-stream"), ("a.zip", "application/octet-stream"),
])
def test_only_types_a_browser_shows_safely_are_served_inline(name: str, kind: str) -> None:
    assert content_type_of(name) == kind


@pytest.mark.parametrize(("svg", "size"), [
    (b'<svg width="200" height="100px">', (200, 100)),
    (b'<svg viewBox="0,0,30.4,20">', (30, 20)),
    (b'<svg width="50%" height="10em" viewBox="0 0 8 6">', (8, 6)),
    (b"<svg>", None), (b"not svg", None), (b'<svg viewBox="0 0 -1 5">', None),
])
def test_svg_dimensions(svg: bytes, size: tuple[int, int] | None) -> None:
    assert svg_dimensions(svg) == size


def test_a_picture_round_trips_and_previews_a_variant(folder: Path) -> None:
    big = folder / "static" / "images" / "wide.png"
    big.write_bytes(png(3000, 1000))

    result = attach_media("", "", 1, "a.md", Site(str(folder)), image="/images/wide.png")

    assert result.image is not None
    assert media.Picture.from_dict(result.image.as_dict()) == result.image
    assert result.image.preview.endswith("/wide-1600w.png")


def test_the_digest_covers_the_processing_code(monkeypatch: pytest.MonkeyPatch,
                                               folder: Path) -> None:
    """New processing code (another quality, another width) must mean new addresses:
    browsers keep a /media/ file for a year."""
    data = (folder / "bundle" / "chart.png").read_bytes()
    before = media.media_digest(data)
    media.processing_fingerprint.cache_clear()
    monkeypatch.setattr(media, "PROCESSING_MODULES", ("images",))
    try:
        assert media.media_digest(data) != before
    finally:
        media.processing_fingerprint.cache_clear()
