"""The GFM dialect (app.content.dialects): Markdown as kramdown's GFM input and Hugo's goldmark
read it, rendered by Python-Markdown. Expected HTML is the GFM spec's; where markdown-it-py (a
CommonMark parser) is installed, the block structure is also checked against it."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.content.dialects import CHECKED_BOX, UNCHECKED_BOX, reindent_gfm_lists
from app.content.reader import decode, read_article
from app.content.render import render_markdown

FIXTURES = Path(__file__).parent.parent / "fixtures"


def body(name: str) -> str:
    return (FIXTURES / "dialects" / name).read_text(encoding="utf-8")


def gfm(text: str) -> str:
    return render_markdown(text, dialect="gfm").html


def folio(text: str) -> str:
    return render_markdown(text).html


# --- the cases GFM reads differently -----------------------------------------------------


def test_list_right_after_a_paragraph():
    assert gfm(body("gfm_list_after_paragraph.md")) == (
        "<p>Before you start you need:</p>\n"
        "<ul>\n<li>a text editor</li>\n<li>Python 3.11</li>\n</ul>\n"
        "<p>Then, in order:</p>\n"
        "<ol>\n<li>clone the repository</li>\n<li>run the tests</li>\n</ol>\n"
        "<p>A list that does not start at 1 cannot end a paragraph, so this stays text:\n"
        "2. the second line of the paragraph</p>"
    )


def test_folio_keeps_a_list_after_a_paragraph_in_the_paragraph():
    assert folio(body("gfm_list_after_paragraph.md")) == (
        "<p>Before you start you need:\n- a text editor\n- Python 3.11</p>\n"
        "<p>Then, in order:\n1. clone the repository\n2. run the tests</p>\n"
        "<p>A list that does not start at 1 cannot end a paragraph, so this stays text:\n"
        "2. the second line of the paragraph</p>"
    )


def test_strikethrough():
    assert gfm(body("gfm_strikethrough.md")) == (
        "<p>The launch moved from <del>Tuesday</del> to Wednesday.</p>\n"
        "<p>Tildes in ~/.config, in ~50% and in <code>~~code~~</code> stay as written.</p>"
    )
    assert "~~Tuesday~~" in folio(body("gfm_strikethrough.md"))


def test_nested_two_space_list():
    assert gfm(body("gfm_nested_two_space_list.md")) == (
        "<ul>\n"
        "<li>Fruit<ul>\n<li>Apples<ul>\n<li>Cox</li>\n</ul>\n</li>\n<li>Pears</li>\n</ul>\n</li>\n"
        "<li>Vegetables<ol>\n<li>Carrots</li>\n<li>Leeks</li>\n</ol>\n</li>\n"
        "</ul>"
    )
    # Folio's own Markdown nests by four spaces: two make siblings.
    assert folio(body("gfm_nested_two_space_list.md")).startswith("<ul>\n<li>Fruit</li>\n")


def test_fenced_code_in_a_list_is_highlighted_inside_its_item():
    html = gfm(body("gfm_fenced_code_in_list.md"))
    assert html.count("<ol>") == 1
    items = re.findall(r"<li>(.*?)</li>", html, re.DOTALL)
    assert [plain_start(item) for item in items] == [
        "Install the package:", "Write a post:", "Publish it."]
    assert '<code class="language-sh">' in items[0]
    assert '<code class="language-python"><span class="k">def</span>' in items[1]


def test_fenced_code_in_a_list_looks_as_a_fence_does_outside_one():
    fence = '```python\ndef greet(name):\n    return f"Hello, {name}"\n```\n'
    in_list = gfm(body("gfm_fenced_code_in_list.md"))
    assert folio(fence) in in_list
    assert gfm(fence) == folio(fence)


def test_bare_addresses_become_links():
    assert gfm(body("gfm_autolink.md")) == (
        '<p>The docs live at <a href="https://example.com/docs/start?lang=en">'
        "https://example.com/docs/start?lang=en</a>, or "
        '<a href="http://www.example.org">www.example.org</a>.</p>\n'
        '<p>Write to <a href="mailto:editor@example.com">editor@example.com</a> (or see '
        '<a href="https://example.com/contact">https://example.com/contact</a>).</p>\n'
        "<p>Code keeps its address: <code>https://example.com/raw</code>, and "
        '<a href="https://example.com/named">a named link</a> keeps its name.</p>'
    )
    assert folio(body("gfm_autolink.md")).count("<a ") == 1  # the named link only


def test_task_list_boxes_are_shown_as_characters():
    html = gfm(body("gfm_task_list.md"))
    assert html == (
        "<p>Before publishing:</p>\n"
        '<ul class="task-list">\n'
        f'<li class="task-list-item"><span class="task-box">{CHECKED_BOX}</span> '
        "spell-check the draft</li>\n"
        f'<li class="task-list-item"><span class="task-box">{UNCHECKED_BOX}</span> '
        "add a cover image</li>\n"
        f'<li class="task-list-item"><span class="task-box">{CHECKED_BOX}</span> '
        "write the summary</li>\n"
        "</ul>"
    )


def test_task_in_a_loose_list():
    html = gfm("- [x] done\n\n- [ ] to do\n")
    assert f'<p><span class="task-box">{CHECKED_BOX}</span> done</p>' in html
    assert f'<p><span class="task-box">{UNCHECKED_BOX}</span> to do</p>' in html


def test_form_controls_written_as_html_are_still_removed():
    assert "<input" not in gfm('- [ ] task\n\n<input type="checkbox" checked> raw\n')


# --- lists, closer to GFM ----------------------------------------------------------------


def test_a_list_is_loose_as_a_whole():
    assert gfm("- a\n- b\n\n- c\n") == (
        "<ul>\n<li>\n<p>a</p>\n</li>\n<li>\n<p>b</p>\n</li>\n<li>\n<p>c</p>\n</li>\n</ul>")


def test_item_text_that_looks_like_a_numbered_item_stays_text():
    html = gfm("- a\n  2. b\n")
    assert "<ol>" not in html
    assert re.sub(r"\s+", " ", html) == "<ul> <li>a 2. b</li> </ul>"


def test_a_bullet_after_a_numbered_item_starts_a_new_list():
    assert gfm("1. one\n- two\n") == "<ol>\n<li>one</li>\n</ol>\n<ul>\n<li>two</li>\n</ul>"


def test_list_after_a_paragraph_inside_a_quote_and_an_item():
    assert re.sub(r"\s+", "", gfm("> Quoted:\n> - a\n>   - b\n")) == (
        "<blockquote><p>Quoted:</p><ul><li>a<ul><li>b</li></ul></li></ul></blockquote>")
    assert re.sub(r"\s+", "", gfm("- Item text\n  more text\n  - nested\n")) == (
        "<ul><li>Itemtextmoretext<ul><li>nested</li></ul></li></ul>")


def test_maths_in_a_list():
    html = gfm("Given:\n- $x^2$ grows\n  $$\n  y = 1\n  $$\n")
    item = html.split("<li>", 1)[1]
    assert item.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    assert '<span class="math-display" tabindex="0"><math' in item


def test_maths_failure_in_a_list_points_at_its_line():
    notices = render_markdown("Intro\n- item\n  $$\n  \\frac{1}{\n  $$\n- $\\nope{x$ text\n",
                              dialect="gfm").notices
    assert [notice.line for notice in notices] == [3, 6]


def test_heading_needs_a_space_after_its_hashes():
    html = gfm("#hashtag\n\n## Heading with ~~strike~~\n")
    assert html.startswith("<p>#hashtag</p>")
    assert render_markdown("## Heading with ~~strike~~\n", dialect="gfm").toc == [
        {"id": "heading-with-strike", "name": "Heading with strike", "level": 2,
         "children": []}]


# --- what GFM reads as Folio does --------------------------------------------------------


@pytest.mark.parametrize("name", [
    "code_python.md", "code_unknown_language.md", "maths_display_and_inline.md",
    "maths_in_code.md", "maths_unconvertible.md", "more_marker.md", "script_injection.md",
    "tables_and_definitions.md", "title_heading_repeated.md", "toc_and_footnotes.md",
    "hugo_shortcode.md", "liquid_tags.md",
])
def test_articles_without_gfm_constructs_render_the_same(name):
    text, _ = decode((FIXTURES / "articles" / name).read_bytes())
    raw = read_article(text)
    assert render_markdown(raw.body, title=raw.meta["title"], dialect="gfm") == \
        render_markdown(raw.body, title=raw.meta["title"])


def test_dialects_do_not_share_a_converter():
    text = body("gfm_list_after_paragraph.md")
    before = folio(text)
    gfm(text)
    assert folio(text) == before


def test_unknown_dialect_is_refused():
    with pytest.raises(ValueError, match="unknown Markdown dialect 'rst'"):
        render_markdown("text", dialect="rst")


@pytest.mark.parametrize(("source", "expected"), [
    ("Text\n\n    code - a\n", "Text\n\n    code - a\n"),
    ("- a\n  - b\n", "- a\n    - b\n"),
    ("1. a\n   ```\n   x\n     y\n   ```\n", "1. a\n\n    ```\n    x\n      y\n    ```\n"),
    ("<pre>\n- a\n  - b\n</pre>\n", "<pre>\n- a\n  - b\n</pre>\n"),
    ("```\n- a\n  - b\n```\n", "```\n- a\n  - b\n```\n"),
    ("- a\n\n  more\n- b\n", "- a\n\n    more\n\n- b\n"),
])
def test_list_lines_reindented(source, expected):
    assert "\n".join(reindent_gfm_lists(source.split("\n"))) == expected


# --- against a CommonMark parser ---------------------------------------------------------


@pytest.mark.parametrize("text", [
    body("gfm_list_after_paragraph.md"),
    body("gfm_nested_two_space_list.md"),
    body("gfm_fenced_code_in_list.md"),
    body("gfm_strikethrough.md"),
    "- a\n\n  para\n- b\n",
    "- a\n- b\n\n- c\n",
    "- a\nlazy line\n- b\n",
    "- a\n  - b\n\n  - c\n- d\n",
    "> text\n> - a\n>   - b\n",
    "Text\n```\ncode\n```\nMore text\n",
    "- item\n\n  ```\n  code\n  ```\n  after\n- next\n",
    "10. ten\n    - nested\n11. eleven\n",
])
def test_block_structure_matches_commonmark(text):
    markdown_it = pytest.importorskip("markdown_it")
    reference = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    assert skeleton(gfm(text)) == skeleton(reference.render(text))


class _Skeleton(HTMLParser):
    """Elements and words, without attributes, highlighting spans or heading anchors."""

    IGNORED = frozenset({"span", "div", "a"})
    SAME = {"s": "del"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self._element(f"<{self.SAME.get(tag, tag)}>", tag)

    def handle_endtag(self, tag):
        self._element(f"</{self.SAME.get(tag, tag)}>", tag)

    def handle_data(self, data):
        self.text += data

    def _element(self, part, tag):
        if tag not in self.IGNORED:
            self.parts += [*self.text.split(), part]
            self.text = ""


def skeleton(html: str) -> str:
    parser = _Skeleton()
    parser.feed(html)
    parser.close()
    return " ".join([*parser.parts, *parser.text.split()])


def plain_start(item_html: str) -> str:
    return re.sub(r"<[^>]+>", "", item_html).strip().split("\n")[0]


def test_display_maths_lines_starting_with_a_minus_are_tex_not_a_list() -> None:
    # A real post's aligned derivation: its "- \log p" line was re-indented as a list item,
    # and Python-Markdown's placeholders leaked into the MathML.
    tex = "\\begin{aligned}\n- \\log p(x)\n  &\\leq q \\\\\n+ r &= s\n\\end{aligned}"
    for opening, closing in (("$$", "$$"), ("\\[", "\\]")):
        page = gfm(f"Before.\n\n{opening}\n{tex}\n{closing}\n\n- after\n")
        assert "\x02" not in page and "\x03" not in page
        assert f'<annotation encoding="application/x-tex">{tex.replace("&", "&amp;")}' in page
        assert page.count("<li>") == 1


def test_display_maths_in_a_list_item_ends_where_its_delimiter_does() -> None:
    # A $$ block inside an item whose closing line is not indented: read as the end of the
    # item, the closing $$ opened the next block instead, and every later block's "- x" and
    # "+ y" TeX lines became list items (lil-log's TD-VAE objective).
    page = gfm("1. item:\n\n   $$\n   a\n   + b\n$$\n\nPara.\n\n$$\nJ = E[\n  c\n+ d\n- e]\n$$\n")
    assert "\x02" not in page and "\x03" not in page
    assert page.count("<li>") == 1
    assert '<annotation encoding="application/x-tex">a\n+ b</annotation>' in page
    assert '<annotation encoding="application/x-tex">J = E[\n  c\n+ d\n- e]</annotation>' in page
