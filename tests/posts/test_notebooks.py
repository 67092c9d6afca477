"""A Jupyter notebook in the content folder is a post: rendered from its cells (never run),
its plots stored as media files, its source served at /posts/<slug>.ipynb."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

FIXTURES = Path(__file__).parent.parent / "fixtures" / "notebooks"


@pytest.fixture
def notebook_site(app: Flask, runner: FlaskCliRunner, content_dir: Path) -> Flask:
    notebook = json.loads((FIXTURES / "notebook_with_outputs.ipynb").read_text())
    notebook["metadata"].update({"title": "Plots of the week", "date": "2024-05-01"})
    (content_dir / "plots.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    shutil.copyfile(FIXTURES / "notebook_heading_title.ipynb",
                    content_dir / "2024-06-01-titled-by-heading.ipynb")
    result = runner.invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    return app


def test_a_notebook_is_a_post_with_highlighted_code_and_stored_plots(
        notebook_site: Flask) -> None:
    page = notebook_site.test_client().get("/posts/plots")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Plots of the week" in text
    assert 'class="highlight"' in text or "codehilite" in text
    assert "data:image" not in text
    assert "/media/" in text  # the output image, stored as a file of the site
    assert "<script" not in text.split("</header>", 1)[-1].split("<footer", 1)[0]


def test_its_plot_is_served(notebook_site: Flask) -> None:
    client = notebook_site.test_client()
    text = client.get("/posts/plots").get_data(as_text=True)
    address = text.split('src="/media/', 1)[1].split('"', 1)[0]
    image = client.get("/media/" + address)
    assert image.status_code == 200
    assert image.mimetype.startswith("image/")


def test_the_source_is_served_as_a_notebook(notebook_site: Flask) -> None:
    response = notebook_site.test_client().get("/posts/plots.ipynb")
    assert response.status_code == 200
    assert response.mimetype == "application/x-ipynb+json"
    assert json.loads(response.get_data(as_text=True))["metadata"]["title"] == \
        "Plots of the week"


def test_a_markdown_post_has_no_notebook_source(
        app: Flask, runner: FlaskCliRunner, write_article) -> None:  # type: ignore[no-untyped-def]
    write_article("plain.md")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    assert app.test_client().get("/posts/plain.ipynb").status_code == 404


def test_a_notebook_without_a_title_takes_its_first_heading_and_its_date_from_the_name(
        notebook_site: Flask) -> None:
    home = notebook_site.test_client().get("/").get_data(as_text=True)
    assert "/posts/titled-by-heading" in home


def test_the_markdown_address_of_a_notebook_leads_to_its_source(notebook_site: Flask) -> None:
    response = notebook_site.test_client().get("/posts/plots.md")
    assert (response.status_code, response.headers["Location"]) == (301, "/posts/plots.ipynb")


def test_a_pelican_post_embedding_a_notebook_shows_its_cells_and_follows_its_edits(
        app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    site = tmp_path / "pelican"
    (site / "content" / "notebooks").mkdir(parents=True)
    (site / "pelicanconf.py").write_text("PATH = 'content'\nTIMEZONE = 'UTC'\n"
                                         "PLUGINS = ['liquid_tags.notebook']\n", encoding="utf-8")
    notebook = json.loads((FIXTURES / "notebook_with_outputs.ipynb").read_text())
    (site / "content" / "notebooks" / "rain.ipynb").write_text(json.dumps(notebook),
                                                                encoding="utf-8")
    (site / "content" / "rain.md").write_text(
        "Title: Rain\nDate: 2024-05-01\n\nThe analysis:\n\n{% notebook rain.ipynb %}\n",
        encoding="utf-8")
    first = runner.invoke(args=["import-posts", str(site)])
    assert first.exit_code == 0, first.output
    assert "notebook" in first.output  # counted among the constructs translated
    page = app.test_client().get("/posts/rain").get_data(as_text=True)
    assert "{% notebook" not in page and '<div class="highlight">' in page

    again = runner.invoke(args=["import-posts", str(site)])
    assert "0 added, 0 updated, 1 unchanged" in again.output
    time.sleep(0.01)
    notebook["cells"][0]["source"] = ["# Rain, revised\n\nA new first line.\n"]
    (site / "content" / "notebooks" / "rain.ipynb").write_text(json.dumps(notebook),
                                                                encoding="utf-8")
    edited = runner.invoke(args=["import-posts", str(site)])
    assert "0 added, 1 updated" in edited.output, edited.output
    assert "A new first line." in app.test_client().get("/posts/rain").get_data(as_text=True)
