"""Images embedded in an article's text as data: URIs (a notebook's plots, a Markdown cell's
attachments) become stored files like the images beside it (app.content.media)."""

from __future__ import annotations

import base64
import dataclasses
import io
import pickle
from pathlib import Path

import pytest
from PIL import Image

from app.content import media
from app.content.media import EMBEDDED, Site, attach_media, read_embedded, still_as_read
from app.content.notebooks import notebook_body
from app.content.problems import ContentError

NOTEBOOK = Path(__file__).parent.parent / "fixtures" / "notebooks" / "notebook_with_outputs.ipynb"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"></svg>'


def image_bytes(image_format: str = "PNG", width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, image_format)
    return buffer.getvalue()


def data_uri(data: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def attach(tmp_path: Path, page: str, body: str = "",
           max_bytes: int = 25 * 1024 * 1024) -> media.MediaResult:
    return attach_media(page, body or page, 5, "posts/plots.ipynb",
                        Site(str(tmp_path), max_bytes=max_bytes))


def test_an_embedded_image_becomes_a_stored_file(tmp_path: Path) -> None:
    data = image_bytes()
    result = attach(tmp_path, f'<p><img alt="Plot" src="{data_uri(data)}"></p>')

    [found] = result.files
    assert found.source == "posts/plots.ipynb#image-1"
    assert found.name == "embedded.png" and found.content_type == "image/png"
    assert found.data == data and found.size == len(data)
    assert found.stamp == EMBEDDED
    assert found.digest == media.media_digest(data)
    assert f'src="{found.url}"' in result.html and "data:" not in result.html
    assert 'width="40" height="30"' in result.html
    assert result.errors == []


def test_a_notebooks_plot_becomes_a_stored_file(tmp_path: Path) -> None:
    body = notebook_body(NOTEBOOK.read_text(encoding="utf-8"))
    result = attach(tmp_path, body)

    [found] = result.files
    assert found.image is not None and (found.image.width, found.image.height) == (64, 48)
    assert f'<img src="{found.url}" alt="Output image" width="64" height="48"' in result.html


def test_each_embedded_image_is_named_by_its_place(tmp_path: Path) -> None:
    first, second = data_uri(image_bytes()), data_uri(image_bytes("PNG", 20, 10))
    result = attach(tmp_path, f'<img src="{first}"><img src="{second}">')

    assert [f.source for f in result.files] == ["posts/plots.ipynb#image-1",
                                               "posts/plots.ipynb#image-2"]
    assert 'loading="lazy"' not in result.html.split("<img")[1]
    assert 'loading="lazy"' in result.html.split("<img")[2]


def test_the_name_says_what_the_bytes_are_not_what_the_uri_claims(tmp_path: Path) -> None:
    result = attach(tmp_path, f'<img src="{data_uri(image_bytes("JPEG"), "image/png")}">')

    [found] = result.files
    assert found.name == "embedded.jpg" and found.content_type == "image/jpeg"


def test_an_embedded_svg_is_stored_with_its_size(tmp_path: Path) -> None:
    result = attach(tmp_path, f'<img alt="Chart" src="{data_uri(SVG, "image/svg+xml")}">')

    [found] = result.files
    assert found.name == "embedded.svg" and found.content_type == "image/svg+xml"
    assert found.svg_size == (30, 20)
    assert 'width="30" height="20"' in result.html


@pytest.mark.parametrize(("uri", "message"), [
    ("data:image/png;base64,@@@@", "an embedded PNG image is not valid base64"),
    (data_uri(b"not a picture at all"), "an embedded PNG image is not"),
])
def test_an_embedded_image_that_cannot_be_served_is_an_error_at_its_line(
        tmp_path: Path, uri: str, message: str) -> None:
    body = f"Text\n\n![Broken]({uri})\n"
    result = attach(tmp_path, f'<p><img alt="Broken" src="{uri}"></p>', body)

    assert result.files == []
    [error] = result.errors
    assert error.line == 7  # the body starts at line 5
    assert error.message.startswith(message)
    assert result.html == '<p><img alt="Broken"></p>'  # no page-sized data: URI left behind


def test_an_embedded_image_larger_than_the_limit_is_refused_before_decoding(
        tmp_path: Path) -> None:
    uri = data_uri(image_bytes("PNG", 200, 200))
    result = attach(tmp_path, f'<img src="{uri}">', max_bytes=100)

    [error] = result.errors
    assert "more than the 100 Folio accepts (MEDIA_MAX_BYTES)" in error.message
    assert result.files == [] and "data:" not in result.html


@pytest.mark.parametrize("page", [
    '<a href="data:image/png;base64,iVBORw0KGgo=">a link</a>',
    '<img src="data:text/html;base64,PGI+aGk8L2I+">',
    '<img src="data:image/png,not-base64">',
])
def test_other_data_uris_are_left_to_the_sanitiser(tmp_path: Path, page: str) -> None:
    result = attach(tmp_path, page)

    assert result.html == page
    assert result.files == [] and result.errors == []


def test_read_embedded_refuses_other_types() -> None:
    with pytest.raises(ContentError, match="must be a base64 PNG, JPEG, GIF, WebP or SVG"):
        read_embedded("data:image/bmp;base64,Qk0=", "a.md#image-1", 1000)


def test_an_embedded_image_is_as_read_while_its_article_is(tmp_path: Path) -> None:
    # Its bytes are in the article: the article's own stamp says when they change.
    assert still_as_read(str(tmp_path), "posts/plots.ipynb#image-1", EMBEDDED)


def test_the_bytes_travel_with_the_file_but_do_not_make_it_another() -> None:
    data = image_bytes()
    found = read_embedded(data_uri(data), "a.md#image-1", 10_000)
    copy = pickle.loads(pickle.dumps(found))  # from the worker that rendered the post

    assert copy.data == data
    assert copy == dataclasses.replace(found, data=None)
    assert "data=" not in repr(found)
