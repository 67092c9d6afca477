"""A Pelican article's body in plain Markdown: ``{filename}``, ``{static}`` and their kin
translated where a link's address is written, and CodeHilite's ``:::lang`` blocks fenced. The
fixture files (tests/fixtures/sites/pelican/basic/content) are named after their case."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.render import render_markdown
from app.content.sites.pelican import parse_header
from app.content.sites.pelican_links import Translation, link_target, translate_body

CONTENT = Path(__file__).resolve().parents[2] / "fixtures" / "sites" / "pelican" / "basic" / \
    "content"


def translated_fixture(name: str) -> tuple[Translation, int]:
    header = parse_header((CONTENT / name).read_text(encoding="utf-8"))
    return translate_body(header.body, header.body_line, f"content/{name}", "content"), \
        header.body_line


def translated(body: str, rel: str = "content/post.md", path: str = "content") -> Translation:
    return translate_body(body, 1, rel, path)


def test_links_the_pelican_way() -> None:
    result, _ = translated_fixture("links_filename_static.md")
    body = result.body
    assert "[the header article](/content/article_with_header.md)" in body
    assert "[the folder one](/content/2019/article_folder_category.md#part)" in body
    assert "[explicit slug](/content/article_explicit_slug.md)" in body  # |filename|
    assert "![A picture](/content/images/pixel.png)" in body
    assert '![Attached](/content/images/pixel.png "a title")' in body
    assert "![By filename](/content/images/pixel.png)" in body
    assert "![Encoded](/content/images/pixel.png)" in body
    assert '<img src="/content/images/pixel.png" alt="raw HTML">' in body
    assert "[python]: /tags/python" in body
    assert "[Engines](/categories/engines)" in body
    assert "[Ada](/authors/ada-lovelace)" in body
    assert "[the index](/)" in body
    assert result.translated == {"filename": 4, "static": 3, "attach": 1, "tag": 1,
                                 "category": 1, "author": 1, "index": 1}
    assert not result.left and not result.notices


def test_code_keeps_the_constructs_as_written() -> None:
    body = translated_fixture("links_filename_static.md")[0].body
    assert "`[x]({filename}not-a-link.md)`" in body
    assert "    Indented code keeps [x]({filename}also-not.md) too." in body
    assert "Fenced code: [x]({static}/nothing.png)" in body


@pytest.mark.parametrize(("written", "rel", "path", "expected"), [
    ("{filename}other.md", "content/2019/post.md", "content", "/content/2019/other.md"),
    ("{filename}../images/a.png", "content/2019/post.md", "content", "/content/images/a.png"),
    ("{static}/images/a.png", "content/2019/post.md", "content", "/content/images/a.png"),
    ("{static}/images/a.png", "post.md", ".", "/images/a.png"),
    ("{attach}a b.png", "blog/post.md", ".", "/blog/a b.png"),
    ("{filename}/x.md?v=1#top", "content/post.md", "content", "/content/x.md?v=1#top"),
    ("{static}../../../x.png", "content/post.md", "content", "/../../x.png"),
    ("{tag}machine%20learning", "content/post.md", "content", "/tags/machine-learning"),
    ("{category}C++", "content/post.md", "content", "/categories/cpp"),
    ("{index}", "content/post.md", "content", "/"),
    ("{filename}#part", "content/post.md", "content", "#part"),
])
def test_where_each_construct_leads(written: str, rel: str, path: str, expected: str) -> None:
    assert link_target(written, rel, path) == expected


@pytest.mark.parametrize("written", ["{tag}", "{tag}!!!", "{filename}", "plain.md"])
def test_constructs_that_lead_nowhere_are_none(written: str) -> None:
    assert link_target(written, "content/post.md", "content") is None


def test_a_link_address_with_spaces_is_taken_whole_as_python_markdown_does() -> None:
    body = translated('[me]({author}Ada Lovelace "Ada") and [t]( {tag}static sites )').body
    assert body == '[me](/authors/ada-lovelace "Ada") and [t]( /tags/static-sites )'


def test_angle_bracketed_and_single_quoted_addresses() -> None:
    body = translated("[a](<{filename}my post.md>) <a href='{static}/f.pdf'>f</a>").body
    assert body == "[a](</content/my post.md>) <a href='/content/f.pdf'>f</a>"


def test_a_construct_outside_a_link_is_left_with_a_notice() -> None:
    result = translate_body("Intro.\n\nWrite {filename}a.md in a link.\n", 7,
                            "content/post.md", "content")
    assert "{filename}a.md" in result.body
    assert result.left == {"filename": 1}
    [notice] = result.notices
    assert notice.line == 9


def test_a_table_of_pipes_is_not_the_old_spelling() -> None:
    result = translated("|index|name|\n|-----|----|\n|1|a|\n")
    assert not result.left and not result.notices


def test_the_liquid_notebook_tag_is_left_with_a_notice() -> None:
    result, body_line = translated_fixture("liquid_notebook_tag.md")
    assert "{% notebook notebook_with_sidecar.ipynb cells[1:2] %}" in result.body
    assert result.left == {"notebook": 1}
    [notice] = result.notices
    assert notice.line == body_line
    assert "notebook_with_sidecar.ipynb cells[1:2]" in notice.message


def test_codehilite_markers_become_fences() -> None:
    result, _ = translated_fixture("code_colon_marker.md")
    body = result.body
    assert 'A marked block:\n```python\ndef hello():\n    return "world"\n```\n' in body
    assert '```python\nprint("numbered in Pelican")\n```' in body  # `#!python`
    assert '```python\n#!/usr/bin/env python\nprint("hi")\n```' in body  # the path stays
    assert '```python hl_lines="2"\na = 1\nb = 2\n```' in body
    assert result.translated == {"codehilite": 4}


def test_blocks_codehilite_does_not_mark_are_left_alone() -> None:
    body = translated_fixture("code_colon_marker.md")[0].body
    assert "    :::python\n    not_code = True" in body  # a list item's paragraph
    assert '\n\n    plain = "code"' in body


def test_fencing_keeps_the_lines_after_a_block_where_they_were() -> None:
    body = "Text\n\n    :::python\n    x = 1\n\nAfter {filename}a.md\n"
    result = translated(body)
    assert result.body.split("\n")[5] == "After {filename}a.md"
    assert result.notices[0].line == 6


def test_a_fence_longer_than_any_in_the_code() -> None:
    result = translated("Text\n\n    :::markdown\n    ```\n    code\n    ```\n")
    assert result.body == "Text\n````markdown\n```\ncode\n```\n````\n"


def test_tab_indented_blocks() -> None:
    result = translated("Text\n\n\t:::console\n\tline\n\t\tdeeper\n")
    assert result.body == "Text\n```console\nline\n\tdeeper\n```\n"


def test_fenced_blocks_render_with_their_language() -> None:
    result, _ = translated_fixture("code_colon_marker.md")
    html = render_markdown(result.body).html
    assert html.count('class="language-python"') == 4
    assert "linenos" not in html
    assert ":::python" in html  # the list item's paragraph, as Pelican showed it


def test_relative_addresses_of_a_page_served_elsewhere_are_read_from_there() -> None:
    header = parse_header((CONTENT / "pages" / "page_saved_elsewhere_relative_links.md")
                          .read_text(encoding="utf-8"))
    result = translate_body(header.body, header.body_line, "content/pages/page.md", "content",
                            served_from="")
    assert "![a picture](/images/pixel.png), [about](/about-these-notes/)" in result.body
    assert '<img src="/images/pixel.png" alt="again">' in result.body
    assert "[From the root](/images/pixel.png)" in result.body
    assert "[elsewhere](https://example.org/a.png) and [here](#top)" in result.body
    assert result.translated == {"relative address": 3}


@pytest.mark.parametrize(("written", "served_from", "expected"), [
    ("[a](../img/a.png)", "blog/2019", "[a](/blog/img/a.png)"),
    ("[a](../../../a.png)", "blog", "[a](/a.png)"),
    ("[a](b.html?x=1#y)", "blog", "[a](/blog/b.html?x=1#y)"),
    ("[a](mailto:me@example.org)", "blog", "[a](mailto:me@example.org)"),
    ("`[a](b.png)`", "blog", "`[a](b.png)`"),
])
def test_relative_addresses(written: str, served_from: str, expected: str) -> None:
    assert translate_body(written, 1, "content/x.md", "content",
                          served_from=served_from).body == expected


def test_no_rebasing_where_the_page_was_served_from_its_own_folder() -> None:
    assert translated("[a](images/a.png)").body == "[a](images/a.png)"
