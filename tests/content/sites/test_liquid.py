"""Liquid and kramdown in a Jekyll body, translated rule by rule; each rule has its fixture file
named after its case. Where Debian's ``jekyll`` is installed, kramdown's own reading of the
maths fixtures is the ground truth."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from app.content.render import render_markdown
from app.content.sites import liquid

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sites" / "jekyll" / "liquid"
VALUES = liquid.SiteValues(
    baseurl="/blog", url="https://example.org",
    site={"title": "Fixture Blog", "author": {"name": "Ada"}, "feed_path": "/feed.xml",
          "comments": True},
    posts={"2020-01-02-hello-world": "_posts/2020-01-02-hello-world.md",
           "guides/2020-02-03-sub-folder-post": "_posts/guides/2020-02-03-sub-folder-post.md"},
    documents=frozenset({"about.md", "_posts/2020-01-02-hello-world.md"}))


def fixture(name: str) -> str:
    return (FIXTURES / f"{name}.md").read_text(encoding="utf-8")


def translate(name: str, **page: str) -> liquid.Translation:
    return liquid.translate(fixture(name), VALUES, page)


def lines_of(text: str) -> int:
    return len(text.split("\n"))


def test_highlight_becomes_fenced_code() -> None:
    result = translate("jekyll_highlight")
    assert result.body == ('Some code:\n```python\n# a comment, not a heading\nprint("hi")\n```\n'
                           '\n```ruby\nputs 1\n```\n')
    assert result.translated == {"highlight": 2}
    page = render_markdown(result.body).html
    assert "<h1" not in page and '<code class="language-python">' in page


def test_highlight_around_fences_gets_a_longer_fence() -> None:
    result = translate("jekyll_highlight_with_fences_inside")
    assert result.body == "````markdown\n```python\nx = 1\n```\n````\n"


def test_raw_is_literal_and_not_reported() -> None:
    result = translate("jekyll_raw")
    assert result.body == ("Write {{ page.title }} in a layout.\n\n\n{% include note.html %}"
                           "\n\n")
    assert not result.left and not result.notices


def test_liquid_in_code_stays_as_written() -> None:
    result = translate("jekyll_liquid_in_code")
    assert result.body == fixture("jekyll_liquid_in_code").replace(
        "{% raw %}", "").replace("{% endraw %}", "")
    assert not result.left and not result.notices


def test_comments_are_removed_line_for_line() -> None:
    result = translate("jekyll_comment")
    assert result.body == "Before.\n\n\n\nAfter end.\n"


def test_post_url_becomes_the_source_path() -> None:
    result = translate("jekyll_post_url")
    assert result.body.split("\n")[:3] == [
        "See [the first post](/_posts/2020-01-02-hello-world.md#part-two).",
        "And [a sub-folder post](/_posts/guides/2020-02-03-sub-folder-post.md).",
        "And [a missing one](/blog{% post_url 2019-01-01-gone %})."]
    assert result.translated == {"post_url": 2, "site.baseurl": 2}
    assert result.left == {"post_url": 1}
    assert [(n.line, n.message) for n in result.notices] == [
        (3, "{% post_url 2019-01-01-gone %}: there is no post 2019-01-01-gone in the site; "
            "shown as text")]


def test_a_space_between_the_base_url_and_post_url_goes_with_the_base() -> None:
    result = translate("jekyll_post_url_after_a_spaced_baseurl")
    assert result.body == ("A [typo](/_posts/2020-01-02-hello-world.md#part-two) with a "
                           "space.\n")
    assert not result.left


def test_link_names_a_document_or_a_file() -> None:
    result = translate("jekyll_link")
    assert result.body.split("\n")[:3] == [
        "[About](/about.md), [the PDF](/assets/paper.pdf),",
        "[a post](/_posts/2020-01-02-hello-world.md),",
        "[nothing]({% link missing.md %})."]
    assert result.left == {"link": 1}


def test_site_addresses_drop_the_base_url_for_files_only() -> None:
    result = translate("jekyll_site_urls")
    assert result.body.split("\n")[:5] == [
        "![A chart](/assets/chart.png)",
        '<img src="/assets/photo.jpg">',
        "[Home](/blog/) and [about](/blog/about.html).",
        "[Share](https://example.org/blog/about/) or /assets/logo.svg",
        "Base: /blog"]
    assert not result.left


def test_site_and_page_variables() -> None:
    result = translate("jekyll_site_variables", title="A page")
    assert result.body.split("\n")[:3] == [
        "Written by Ada for Fixture Blog (A page).",
        "Feed: https://example.org/feed.xml",
        "Unknown: {{ site.nothing_here }} and {{ post.url }} and {{ page.date }}."]
    assert result.left == {"site variable": 1, "post.url": 1, "page variable": 1}
    assert {n.line for n in result.notices} == {3}


def test_unknown_tags_stay_visible_and_are_reported_once_each() -> None:
    result = translate("jekyll_unknown_tags")
    assert result.body == fixture("jekyll_unknown_tags")
    assert result.left == {"include": 2, "for": 2, "post.title": 1}
    assert [(n.line, n.message) for n in result.notices] == [
        (1, "{% include toc.html %} is not translated; shown as text"),
        (3, "{% for post in site.posts %} is not translated; shown as text"),
        (3, "{{ post.title }} is not translated; shown as text")]


def test_named_anchors_become_ids() -> None:
    result = translate("html_named_anchors")
    assert result.body.split("\n")[:4] == [
        '<a id="DPR"></a>**Dense Passage Retriever**', "",
        """See <a href="#DPR" id="back">the retriever</a>, <A id='old'>an old one</A>""",
        'and <a id="kept" name="other"></a>.']
    assert '<a name="in-code"></a>' in result.body
    assert result.translated["named anchors"] == 3
    assert '<a id="DPR"></a>' in render_markdown(result.body).html


def test_excerpt_separator_becomes_folios_marker_outside_code() -> None:
    marked = liquid.mark_excerpt(fixture("jekyll_excerpt_separator"), "<!-- cut -->")
    assert marked.count("<!--more-->") == 1
    assert "Still the excerpt. <!--more--> After it." in marked
    assert render_markdown(marked).excerpt.endswith("Still the excerpt.")


@pytest.mark.parametrize("separator", ["\n\n", "<!--more-->", "  "])
def test_default_separators_leave_the_body_alone(separator: str) -> None:
    body = fixture("jekyll_excerpt_separator")
    assert liquid.mark_excerpt(body, separator) == body


def test_kramdown_attribute_lists_are_removed() -> None:
    result = translate("kramdown_attributes")
    assert result.body.split("\n") == [
        "![Figure](/assets/fig.png)", "", "*Fig. 1. A caption.*", "", "", "",
        "| a | b |", "|---|---|", "| 1 | 2 |", "",
        "[Download](/assets/data.csv) and `code{: .x}`.", "## Heading {#custom-id}", ""]
    assert result.translated == {"kramdown attributes": 4}
    page = render_markdown(result.body).html
    assert '<h2 id="custom-id">' in page and "<td>1</td>" in page


def test_kramdown_toc_is_removed() -> None:
    result = translate("kramdown_toc")
    assert result.body == "> An introduction.\n\n\n\n\n\n## First {#first}\n"
    assert result.translated == {"kramdown toc": 1, "kramdown attributes": 1,
                                 "kramdown heading ids": 1}


def test_kramdown_extensions() -> None:
    result = translate("kramdown_extensions")
    assert result.body.split("\n") == ["", "Visible.", "", "", "", "",
                                       "<b>raw</b> and  text.", ""]


def test_kramdown_maths_inline_and_display() -> None:
    result = translate("kramdown_maths")
    assert result.body.split("\n") == [
        r"Inline \(x^2\) and a price of $5.", "", "$$", "E = mc^2", "$$", "", "$$a + b$$", "",
        "Text before", r"\(", "y = 1", r"\)", "`$$ not maths $$`", ""]
    page = render_markdown(result.body, inline_dollars=False).html
    assert page.count('display="inline"') == 2 and page.count('display="block"') == 2
    assert "$5" in page


def test_headings_get_kramdowns_ids() -> None:
    result = translate("kramdown_heading_ids")
    lines = result.body.split("\n")
    assert lines[0] == "## MoCo & MoCo-V2 {#moco--moco-v2}"
    assert lines[6] == "## MoCo & MoCo-V2 {#moco--moco-v2-1}"
    assert lines[9] == "## Custom {#my-id}"
    assert lines[18] == "## Not a heading in code"
    page = render_markdown(result.body, inline_dollars=False).html
    assert '<h2 id="héllo-wörld-20">' in page and '<h3 id="deep-q-network-dqn">' in page


@pytest.mark.parametrize(("text", "rule", "identifier"), [
    ("MoCo & MoCo-V2", "gfm", "moco--moco-v2"),
    ("MoCo & MoCo-V2", "kramdown", "moco--moco-v2"),
    ("123 Numbers", "kramdown", "numbers"),
    ("Héllo", "kramdown", "hllo"),
    ("!!!", "kramdown", "section"),
])
def test_heading_id_rules(text: str, rule: str, identifier: str) -> None:
    assert liquid.heading_id(text, rule, {}) == identifier


def test_display_maths_with_blank_lines_stays_one_block() -> None:
    result = translate("kramdown_display_maths_with_blank_lines")
    assert lines_of(result.body) == lines_of(fixture("kramdown_display_maths_with_blank_lines"))
    page = render_markdown(result.body, inline_dollars=False)
    assert page.html.count('display="block"') == 1 and not page.notices


@pytest.mark.parametrize("name", [path.stem for path in sorted(FIXTURES.glob("*.md"))
                                  if path.stem != "jekyll_highlight"])
def test_translation_keeps_the_line_count(name: str) -> None:
    assert lines_of(translate(name).body) == lines_of(fixture(name))


@pytest.mark.parametrize(("path", "address"), [
    ("/assets/a.png", "/assets/a.png"),
    ("assets/paper.pdf", "/assets/paper.pdf"),
    ("/about.html", "/blog/about.html"),
    ("/about/", "/blog/about/"),
    ("/feed.xml", "/blog/feed.xml"),
    ("/2020/01/02/post", "/blog/2020/01/02/post"),
])
def test_site_address(path: str, address: str) -> None:
    assert liquid.site_address(path, VALUES) == address


def test_an_unclosed_tag_costs_one_pass() -> None:
    line = "{% " * 50_000 + "{{ " * 50_000
    started = time.perf_counter()
    assert list(liquid.tokens(line)) == []
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("body", [
    "x{: " * 200_000, "{::comment " * 100_000, "{::comment}" * 100_000, "$$ a " * 50_000,
    "{% raw %}" * 10_000 + "\ntext" * 10_000, "{{ site.baseurl }}" * 50_000,
    "{{ x }}" * 50_000 + "{%", "`a` $$ " * 50_000, "\\" * 100_000 + "$$",
    "<a name=" * 100_000, "## " + "[" * 100_000,
], ids=["span ials", "unclosed extensions", "extensions", "dollars", "raw", "base urls",
        "outputs", "code spans", "backslashes", "anchors", "heading"])
def test_hostile_bodies_take_linear_time(body: str) -> None:
    started = time.perf_counter()
    liquid.translate(body, VALUES)
    assert time.perf_counter() - started < 3


def test_a_block_never_closed_stays_text() -> None:
    result = liquid.translate("{% highlight python %}\nx = 1\n", VALUES)
    assert result.body == "{% highlight python %}\nx = 1\n"
    assert result.left == {"highlight": 1}


# kramdown itself, where Jekyll is installed.

needs_jekyll = pytest.mark.skipif(shutil.which("jekyll") is None,
                                  reason="Debian's jekyll is not installed")
_KRAMDOWN_MATHS = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.DOTALL)
_HEADING_IDS = re.compile(r'<h[1-6] id="([^"]*)"')
_FOLIO_MATHS = re.compile(r"\\\((.*?)\\\)|\$\$(.*?)\$\$", re.DOTALL)


def _maths(pattern: re.Pattern[str], text: str) -> list[tuple[str, str]]:
    """Each maths span as (kind, TeX), the TeX without spaces and TeX comment lines."""
    found = []
    for match in pattern.finditer(text):
        tex = match.group(1) if match.group(1) is not None else match.group(2)
        tex = "".join(line for line in tex.split("\n") if line.strip() != "%")
        found.append(("inline" if match.group(1) is not None else "display",
                      "".join(tex.split())))
    return found


def kramdown_html(tmp_path: Path, bodies: dict[str, str]) -> dict[str, str]:
    """Each body built as a post by Jekyll (its kramdown, GFM input): the HTML, by name."""
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: kramdown\n")
    for name, body in bodies.items():
        (site / "_posts" / f"2020-01-01-{name}.md").write_text("---\ntitle: t\n---\n" + body)
    subprocess.run(["jekyll", "build", "--quiet", "--disable-disk-cache", "-s", str(site), "-d",
                    str(tmp_path / "built")], check=True, capture_output=True, timeout=120,
                   env={**os.environ, "JEKYLL_NO_BUNDLER_REQUIRE": "true"})
    folder = tmp_path / "built" / "2020" / "01" / "01"
    return {name: (folder / f"{name}.html").read_text() for name in bodies}


@needs_jekyll
def test_maths_and_heading_ids_as_kramdown_reads_them(tmp_path: Path) -> None:
    bodies = {name: fixture(name).replace("`$$ not maths $$`", "") for name in
              ("kramdown_maths", "kramdown_display_maths_with_blank_lines",
               "kramdown_heading_ids")}
    built = kramdown_html(tmp_path, bodies)
    for name, body in bodies.items():
        ours = liquid.translate(body, VALUES).body
        assert _maths(_FOLIO_MATHS, ours) == _maths(_KRAMDOWN_MATHS, built[name]), name
        page = render_markdown(ours, inline_dollars=False).html
        assert _HEADING_IDS.findall(page) == _HEADING_IDS.findall(built[name]), name
