"""Which files are articles, and reading one safely (app/content/files.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.content import files
from app.content.files import MAX_PATH_LENGTH, check_name, discover, read_source
from app.content.problems import ContentError


def touch(path: Path, text: str = "---\ntitle: x\n---\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_discover_finds_articles_sorted_and_skips_what_is_not_one(tmp_path: Path) -> None:
    for name in ("b.md", "a.markdown", "sub/c.MD", "_index.md", ".draft.md", "notes.txt",
                 ".git/x.md", "sub/_partial.md"):
        touch(tmp_path / name)
    outside = touch(tmp_path.parent / f"{tmp_path.name}-outside" / "d.md")
    (tmp_path / "linked").symlink_to(outside.parent, target_is_directory=True)
    (tmp_path / "linked.md").symlink_to(outside.parent, target_is_directory=True)
    (tmp_path / "loop.md").symlink_to(tmp_path / "loop.md")  # listed: read_source says why

    assert discover(tmp_path) == ["a.markdown", "b.md", "loop.md", "sub/c.MD"]


def test_read_source_reads_a_regular_file_and_a_link_inside(tmp_path: Path) -> None:
    touch(tmp_path / "real.md", "hello")
    (tmp_path / "alias.md").symlink_to(tmp_path / "real.md")

    assert read_source(tmp_path, "real.md") == b"hello"
    assert read_source(tmp_path, "alias.md") == b"hello"


@pytest.mark.parametrize(("make", "message"), [
    (lambda folder: (folder / "x.md").symlink_to(folder.parent / "secret.md"),
     "outside the content folder"),
    (lambda folder: (folder / "x.md").symlink_to(folder / "nowhere.md"),
     "cannot read the file: No such file or directory"),
    (lambda folder: ((folder / "x.md").symlink_to(folder / "y.md"),
                     (folder / "y.md").symlink_to(folder / "x.md")),
     "cannot read the file"),
    (lambda folder: os.mkfifo(folder / "x.md"), "not a regular file"),
], ids=["link-outside", "dangling-link", "link-loop", "pipe"])
def test_read_source_refuses_without_reading(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "content"
    folder.mkdir()
    touch(tmp_path / "secret.md", "private")
    make(folder)

    with pytest.raises(ContentError, match=message) as caught:
        read_source(folder, "x.md")
    assert caught.value.line == 1


@pytest.mark.parametrize(("name", "message"), [
    ("bad\udcff.md", "not valid UTF-8"),
    ("evil\u202egnp.md", "control or text-direction characters"),
    ("a" * (MAX_PATH_LENGTH + 1), f"at most {MAX_PATH_LENGTH}"),
], ids=["surrogate", "bidi-override", "too-long"])
def test_check_name_refuses_names_nobody_could_show(name: str, message: str) -> None:
    with pytest.raises(ContentError, match=message):
        check_name(name)


@pytest.mark.parametrize(("rel", "name"), [
    ("post.md", "post.md"), ("2024/post.md", "post.md"),
    ("trip-to-lisbon/index.md", "trip-to-lisbon.md"),
    ("2024/2024-05-01-trip/index.md", "2024-05-01-trip.md"),
    ("index.md", "index.md"),  # the content folder's own index is an article named index
    ("notes/index.markdown", "notes.markdown"), ("notes/indexes.md", "indexes.md"),
])
def test_a_page_bundle_is_named_after_its_folder(rel: str, name: str) -> None:
    assert files.article_name(rel) == name
