"""Jupyter notebooks as articles (app.content.notebooks): metadata from the notebook, and a
body that Folio's renderer turns into the page nbconvert would show, without running a cell."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.content.notebooks import notebook_body, notebook_meta, read_notebook
from app.content.problems import ContentError
from app.content.render import render_markdown

FIXTURES = Path(__file__).parent.parent / "fixtures" / "notebooks"
PYBITES = Path(__file__).parents[3] / "shared" / "corpora" / "sites" / "pelican-pybites"


def fixture(name: str) -> str:
    return (FIXTURES / f"{name}.ipynb").read_text(encoding="utf-8")


def rendered(text: str) -> str:
    return render_markdown(notebook_body(text), title=notebook_meta(text).get("title", "")).html


def notebook(*cells: dict[str, Any], metadata: dict[str, Any] | None = None) -> str:
    """A format 4.4 notebook (no cell ids needed) of ``cells``, as JSON text."""
    return json.dumps({"cells": list(cells), "metadata": metadata or {}, "nbformat": 4,
                       "nbformat_minor": 4})


def markdown_cell(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def code_cell(source: str, *outputs: dict[str, Any]) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": list(outputs),
            "source": source}


def display(data: dict[str, Any]) -> dict[str, Any]:
    return {"output_type": "display_data", "data": data, "metadata": {}}


# --- metadata ------------------------------------------------------------------------------

def test_metadata_comes_from_the_notebooks_own_metadata() -> None:
    meta = notebook_meta(fixture("notebook_metadata"))

    assert meta["title"] == "Notebook metadata title"
    assert meta["authors"] == ["Ada Lovelace", "Charles Babbage"]
    assert meta["date"] == "2021-03-04 10:20"
    assert meta["tags"] == ["python", "data"]


def test_a_pelican_mapping_in_the_metadata_gives_house_keys() -> None:
    meta = notebook_meta(fixture("notebook_metadata"))

    assert meta["slug"] == "engines"
    assert meta["summary"] == "Two engines."
    assert meta["draft"] is True


def test_a_folio_mapping_wins_over_a_pelican_one() -> None:
    text = notebook(metadata={"title": "Own", "pelican": {"Title": "Pelican's"},
                              "folio": {"title": "Folio's", "category": "Notes"}})

    assert notebook_meta(text) == {"title": "Folio's", "category": "Notes"}


def test_without_a_title_the_first_heading_of_the_first_markdown_cell_is_one() -> None:
    assert notebook_meta(fixture("notebook_heading_title"))["title"] == "The first heading"
    assert notebook_meta(fixture("notebook_with_outputs"))["title"] == "Rainfall in two cities"


@pytest.mark.parametrize(("source", "title"), [
    ("Title\n=====\n\ntext", "Title"),
    ("```\n# not a heading\n```\n\n# Heading after code", "Heading after code"),
    ("## Only a second level\n", None),
    ("Some text, then\n\n# A *closed* heading #", "A closed heading"),
])
def test_the_heading_taken_as_title(source: str, title: str | None) -> None:
    assert notebook_meta(notebook(markdown_cell(source))).get("title") == title


def test_a_first_raw_cell_of_frontmatter_is_metadata_not_body() -> None:
    text = fixture("notebook_raw_cells")

    assert notebook_meta(text) == {"title": "From the frontmatter cell", "date": "2022-05-06",
                                   "tags": ["quarto"]}
    assert "---" not in notebook_body(text)


def test_a_notebook_with_no_metadata_gives_none() -> None:
    assert notebook_meta(fixture("notebook_r_kernel")) == {}


# --- code and its outputs ------------------------------------------------------------------

def test_code_cells_are_highlighted_in_the_kernels_language() -> None:
    page = rendered(fixture("notebook_with_outputs"))

    assert '<code class="language-python"><span class="kn">import</span>' in page
    assert '<div class="highlight"><pre' in page
    assert 'class="language-r"' in rendered(fixture("notebook_r_kernel"))


def test_a_cell_magic_changes_the_language_of_its_cell() -> None:
    page = rendered(fixture("notebook_cells_that_could_break_markdown"))

    assert '<code class="language-bash">%%bash' in page


def test_a_fence_inside_the_code_does_not_end_its_block() -> None:
    body = notebook_body(notebook(code_cell("s = '''\n```\nnot the end\n'''")))

    assert body.startswith("````python\n")
    assert "not the end" in render_markdown(body).html.split("</code>")[0]


def test_stream_output_is_escaped_text_and_writes_to_one_stream_are_one_block() -> None:
    page = rendered(fixture("notebook_with_outputs"))

    assert ('<div class="nb-output">\n<pre tabindex="0" class="nb-stream nb-stdout">'
            "loading\ndone &lt;ok&gt;</pre>") in page
    # A progress bar rewritten with carriage returns shows as it ended.
    assert '<pre tabindex="0" class="nb-stream nb-stderr">progress 100%</pre>' in page


def test_a_dataframe_keeps_its_table_and_loses_its_style() -> None:
    page = rendered(fixture("notebook_with_outputs"))

    table = re.search(r"<table[^>]*>.*?</table>", page, re.DOTALL)
    assert table is not None
    assert 'class="dataframe"' in table.group(0)
    assert "<th>rainfall_mm</th>" in table.group(0) and "<td>Bergen</td>" in table.group(0)
    assert "<style" not in page and "vertical-align" not in page


def test_an_output_image_is_a_data_uri_image_with_its_size() -> None:
    body = notebook_body(fixture("notebook_with_outputs"))

    image = re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="Output image" '
                      r'width="64" height="48">', body)
    assert image is not None
    # The page keeps the image; the media store (app.content.media) gives it its address.
    page = rendered(fixture("notebook_with_outputs"))
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="Output image" '
                     r'width="64" height="48">', page)


def test_an_svg_output_is_a_data_uri_too() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'
    body = notebook_body(notebook(code_cell("plot()", display(
        {"image/svg+xml": svg, "text/plain": "<Figure>"}))))

    assert '<img src="data:image/svg+xml;base64,PHN2Zy' in body


def test_scripts_in_html_outputs_are_removed() -> None:
    page = rendered(fixture("notebook_with_outputs"))

    assert '<div class="nb-output">\n<b>bold</b>\n</div>' in page
    assert "<script" not in page and "alert(1)</script>" not in page


def test_javascript_and_widget_outputs_are_dropped_with_a_note() -> None:
    page = rendered(fixture("notebook_with_outputs"))

    assert "an output made by JavaScript, which this page does not run" in page
    assert "an interactive widget, which needs a running notebook" in page
    assert "alert('hi')" not in page and "IntSlider(value=0)" not in page


def test_an_error_shows_its_traceback_escaped_without_terminal_colours() -> None:
    page = rendered(fixture("notebook_with_outputs"))

    error = re.search(r'<pre tabindex="0" class="nb-error">(.*?)</pre>', page, re.DOTALL)
    assert error is not None
    assert "----&gt; 1 1 / 0" in error.group(1)
    assert "ZeroDivisionError: division by zero &lt;not a tag&gt;" in error.group(1)
    assert "\x1b" not in page and "[0;31m" not in page


def test_markdown_and_latex_outputs_render_as_markdown_and_maths() -> None:
    page = rendered(fixture("notebook_cells_that_could_break_markdown"))

    assert "<p><em>emphasis</em> from an output</p>" in page
    assert '<div class="math-display"' in page and "<msqrt>" in page


def test_text_in_an_output_cannot_open_a_code_block() -> None:
    page = rendered(fixture("notebook_cells_that_could_break_markdown"))

    assert '<pre tabindex="0" class="nb-stream nb-stdout">```python\nnot code\n```\n~~~</pre>' \
        in page


@pytest.mark.parametrize("data", [
    {"text/plain": "42"},
    {"text/html": "<script>only()</script>", "text/plain": "42"},
])
def test_plain_text_is_shown_when_nothing_richer_shows(data: dict[str, str]) -> None:
    page = render_markdown(notebook_body(notebook(code_cell("x", display(data))))).html

    assert '<pre tabindex="0" class="nb-text">42</pre>' in page


def test_an_output_folio_cannot_show_is_named() -> None:
    body = notebook_body(notebook(code_cell("x", display({"application/pdf": "JVBER"}))))

    assert "Not shown here: an output of type application/pdf." in body


def test_a_plot_drawn_by_a_script_is_named_and_an_empty_output_left_out() -> None:
    plot = display({"text/html": '<div id="plot"></div><script>Plotly.newPlot("plot")</script>',
                    "application/vnd.plotly.v1+json": {"data": []}})
    body = notebook_body(notebook(code_cell("fig.show()", plot, display({"text/plain": " "}))))

    assert "Not shown here: an output made by JavaScript, which this page does not run." in body
    assert body.count('<div class="nb-output">') == 1


# --- keeping cells apart -------------------------------------------------------------------

def test_an_unclosed_html_block_ends_with_its_cell() -> None:
    page = rendered(fixture("notebook_cells_that_could_break_markdown"))

    assert "<p>Still <strong>Markdown</strong> after it.</p>" in page
    assert "<p>Last cell, still <em>Markdown</em>.</p>" in page


def test_unbalanced_html_in_an_output_is_balanced() -> None:
    page = rendered(fixture("notebook_cells_that_could_break_markdown"))

    assert '<div class="nb-output">\n<div><p>unclosed</p></div>\n</div>' in page


@pytest.mark.parametrize(("source", "closed"), [
    ("<div>\n\ntext", True),
    ("<details><summary>More</summary>\n\ntext", True),
    ("<div>balanced</div>", False),
    ("A paragraph with <div> inside it", False),  # not a raw block to Python-Markdown
    ("Code: `<div>`", False),
    ("```html\n<div>\n```", False),
])
def test_which_html_blocks_are_closed(source: str, closed: bool) -> None:
    body = notebook_body(notebook(markdown_cell(source), markdown_cell("*after*")))

    def end_tags(text: str) -> int:
        return text.count("</div>") + text.count("</details>")

    assert end_tags(body) - end_tags(source) == int(closed)
    assert "<em>after</em>" in render_markdown(body).html


# --- other cells ---------------------------------------------------------------------------

def test_raw_cells_show_only_as_markdown_or_html() -> None:
    page = rendered(fixture("notebook_raw_cells"))

    assert "<p><strong>raw markdown</strong></p>" in page
    assert '<div class="nb-raw">\n<em>raw html</em>\n</div>' in page
    assert "x()" not in page
    assert "LaTeX only" not in page and "no format at all" not in page


def test_cells_tagged_for_removal_are_removed() -> None:
    page = rendered(fixture("notebook_raw_cells"))

    assert "removed cell" not in page and "hidden = True" not in page
    assert "output kept" in page and "shown_output_only" not in page


def test_markdown_attachments_become_data_uris() -> None:
    body = notebook_body(fixture("notebook_attachment"))

    assert re.search(r"!\[A small picture\]\(data:image/png;base64,[A-Za-z0-9+/=]+\)", body)
    assert "![Missing](attachment:nothing.png)" in body


def test_a_format_3_notebook_is_read_and_highlighted_as_python() -> None:
    text = fixture("notebook_format_3")
    page = rendered(text)

    assert notebook_meta(text)["title"] == "An IPython 2 notebook"
    assert '<code class="language-python"><span class="nb">print</span>' in page
    assert '<pre tabindex="0" class="nb-stream nb-stdout">old</pre>' in page


def test_only_the_cells_asked_for() -> None:
    text = notebook(markdown_cell("first"), markdown_cell("second"), markdown_cell("third"))

    assert notebook_body(text, slice(1, 2)) == "second\n"


def test_the_body_is_the_same_every_time() -> None:
    text = fixture("notebook_with_outputs")

    assert notebook_body(text) == notebook_body(text)


def test_the_excerpt_is_the_first_paragraph_and_the_title_heading_is_not_repeated() -> None:
    text = fixture("notebook_with_outputs")
    result = render_markdown(notebook_body(text), title=notebook_meta(text)["title"])

    assert result.excerpt == "A short look at rainfall, with the outputs as saved."
    assert "<h1" not in result.html and "Rainfall in two cities" not in result.html


# --- notebooks that cannot be read ---------------------------------------------------------

def test_broken_json_is_an_error_at_its_line() -> None:
    with pytest.raises(ContentError) as caught:
        notebook_body(fixture("notebook_broken_json"))

    assert caught.value.line == 5
    assert caught.value.message.startswith("this notebook is not valid JSON")
    assert caught.value.hint


def test_a_notebook_breaking_the_format_names_what_is_wrong() -> None:
    with pytest.raises(ContentError) as caught:
        notebook_meta(fixture("notebook_missing_source"))

    assert caught.value.line == 1
    assert caught.value.message == ("this notebook breaks the notebook format: cells[0]: "
                                    "'source' is a required property")


@pytest.mark.parametrize("text", [
    "[]",
    '{"title": "no cells"}',
    '{"nbformat": 99, "nbformat_minor": 0, "cells": []}',
    '{"nbformat": 4, "nbformat_minor": 4, "cells": "not a list", "metadata": {}}',
])
def test_json_that_is_not_a_notebook_is_an_error(text: str) -> None:
    with pytest.raises(ContentError) as caught:
        read_notebook(text)

    assert caught.value.line == 1
    assert "notebook" in caught.value.message


def test_cells_without_ids_in_format_4_5_are_read_without_warnings() -> None:
    text = json.dumps({"cells": [markdown_cell("# Hi")], "metadata": {}, "nbformat": 4,
                       "nbformat_minor": 5})

    assert notebook_meta(text) == {"title": "Hi"}  # pytest turns warnings into errors


# --- the real blog moving in ---------------------------------------------------------------

@pytest.mark.skipif(not PYBITES.is_dir(), reason="the shared corpora are not here")
def test_every_notebook_of_the_pelican_blog_renders() -> None:
    notebooks = sorted((PYBITES / "content").glob("*.ipynb"))
    assert notebooks

    for path in notebooks:
        body = notebook_body(path.read_text(encoding="utf-8"))
        page = render_markdown(body).html
        assert 'class="language-python"' in page, path.name
        assert "<script" not in page, path.name
    plots = notebook_body((PYBITES / "content" / "matplotlib-starter.ipynb").read_text())
    assert plots.count("<img src=\"data:image/png;base64,") >= 1
