import re
from pathlib import Path

import pytest

from app.content.nesting import MAX_NESTING
from app.content.problems import ContentError
from app.content.reader import decode, read_article
from app.content.render import (
    EXCERPT_MAX_CHARS,
    plain_text,
    render_markdown,
    template_tag_notice,
)


def fixture(name: str) -> Path:
    return Path(__file__).parent.parent / "fixtures" / "articles" / name


def article(name: str):
    text, _ = decode(fixture(name).read_bytes())
    return read_article(text)


def render(name: str):
    raw = article(name)
    return render_markdown(raw.body, title=raw.meta["title"])


# --- code --------------------------------------------------------------------------------


def test_python_code_is_highlighted():
    html = render("code_python.md").html
    assert '<div class="highlight">' in html
    assert '<code class="language-python">' in html
    assert '<span class="k">def</span>' in html
    assert '<span class="k">return</span>' in html
    assert '<span class="nf">count_words</span>' in html


def test_unknown_language_is_plain_code():
    html = render("code_unknown_language.md").html
    assert '<div class="highlight">' in html
    assert "speed = fast\n[colours]\naccent = teal" in html
    assert "<span" not in html.split('<div class="highlight">', 1)[1].replace(
        "<span></span>", "")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("```\nx < y && z\n```\n", "x &lt; y &amp;&amp; z"),
        ("    indented <b>code</b>\n", "indented &lt;b&gt;code&lt;/b&gt;"),
        ("Inline `<script>` here.\n", "<code>&lt;script&gt;</code>"),
    ],
)
def test_code_is_escaped(body, code):
    assert code in render_markdown(body).html


def test_word_count_excludes_code_blocks():
    rendered = render("code_python.md")
    assert rendered.word_count == 3  # "A tiny function:"
    body = "one two three\n\n```python\n" + "x = 1\n" * 50 + "```\n"
    assert render_markdown(body).word_count == 3


# --- Markdown extensions -----------------------------------------------------------------


def test_table_alignment_kept():
    html = render("tables_and_definitions.md").html
    assert "<table tabindex=\"0\">" in html
    assert '<th class="align-left">Item</th>' in html
    assert '<td class="align-right">12</td>' in html


def test_definition_list():
    html = render("tables_and_definitions.md").html
    assert "<dl>\n<dt>Chutney</dt>\n<dd>A sweet and sour relish.</dd>\n</dl>" in html


def test_footnotes():
    html = render("toc_and_footnotes.md").html
    assert '<sup id="fnref:scale"><a class="footnote-ref" href="#fn:scale">1</a></sup>' in html
    assert '<li id="fn:scale">' in html
    assert "Surveyors were paid by the mile." in html
    assert 'class="footnote-backref" href="#fnref:scale"' in html


# --- headings and table of contents ------------------------------------------------------


def test_heading_ids_unique_with_anchor_links():
    html = render("toc_and_footnotes.md").html
    ids = re.findall(r'<h\d id="([^"]+)"', html)
    assert ids == ["scale", "roads", "scale_1"]
    for heading_id in ids:
        assert f'<a class="heading-anchor" href="#{heading_id}"' in html


def test_toc_is_nested():
    assert render("toc_and_footnotes.md").toc == [
        {"id": "scale", "name": "Scale", "level": 2, "children": [
            {"id": "roads", "name": "Roads", "level": 3, "children": []},
        ]},
        {"id": "scale_1", "name": "Scale", "level": 2, "children": []},
    ]


def test_toc_names_are_plain_text():
    toc = render_markdown("## Q&A <em>time</em>\n").toc
    assert toc == [{"id": "qa-time", "name": "Q&A time", "level": 2, "children": []}]


def test_leading_title_heading_dropped_and_h1_demoted():
    rendered = render("title_heading_repeated.md")
    assert "<h1" not in rendered.html
    assert "Building a Bird Box" not in rendered.html
    assert '<h2 id="tools">Tools' in rendered.html
    assert '<h3 id="drill-bits">Drill bits' in rendered.html
    assert rendered.toc == [
        {"id": "tools", "name": "Tools", "level": 2, "children": [
            {"id": "drill-bits", "name": "Drill bits", "level": 3, "children": []},
        ]},
    ]
    assert rendered.excerpt == "Start with untreated timber."


@pytest.mark.parametrize(
    ("body", "title", "kept"),
    [
        ("# My  Title\n\nText.\n", "my title", None),
        ("# *My* Title\n\nText.\n", "My Title", None),
        ("# Another Title\n\nText.\n", "My Title", '<h2 id="another-title">Another Title'),
        ("Intro.\n\n# My Title\n", "My Title", '<h2 id="my-title">My Title'),
    ],
)
def test_title_heading(body, title, kept):
    html = render_markdown(body, title=title).html
    assert "<h1" not in html
    if kept is None:
        assert "Title" not in html
    else:
        assert kept in html


def test_h2_sections_stay_h2_without_h1():
    html = render_markdown("## Section\n\n### Sub\n").html
    assert '<h2 id="section">' in html
    assert '<h3 id="sub">' in html


# --- sanitising --------------------------------------------------------------------------


def test_script_injection_removed():
    html = render("script_injection.md").html
    assert "<script" not in html
    assert "stolen cookies" not in html
    assert "onclick" not in html
    assert "onerror" not in html
    assert "steal()" not in html
    assert "javascript:" not in html.lower()
    assert "a tempting link" in html
    assert '<img src="/static/images/cat.png" alt="a cat">' in html


def test_allowed_raw_html_kept():
    html = render("script_injection.md").html
    assert "<kbd>Ctrl</kbd>+<kbd>S</kbd>" in html
    assert '<abbr title="HyperText Markup Language">HTML</abbr>' in html


@pytest.mark.parametrize(
    "body",
    [
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        "[x](  javascript:alert(1) )",
        '<a href="data:text/html,<b>x</b>">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
    ],
)
def test_dangerous_links_lose_their_href(body):
    html = render_markdown(body).html
    assert "<a>x</a>" in html
    assert "href" not in html


@pytest.mark.parametrize(
    ("body", "gone"),
    [
        ('<iframe src="https://example.com"></iframe>\n', "iframe"),
        ("<style>p { color: red }</style>\n", "color"),
        ('<div style="position:fixed" class="note">Note</div>\n', "position"),
        ("<svg><script>alert(1)</script></svg>\n", "alert"),
        ('<form action="/x"><input name="q"></form>\n', "input"),
    ],
)
def test_disallowed_html_removed(body, gone):
    assert gone not in render_markdown(body).html


def test_safe_links_kept():
    body = "[a](https://example.com/) [b](/about) [c](mailto:me@example.com)\n"
    html = render_markdown(body).html
    assert '<a href="https://example.com/">a</a>' in html
    assert '<a href="/about">b</a>' in html
    assert '<a href="mailto:me@example.com">c</a>' in html


# --- excerpt and word count --------------------------------------------------------------


def test_more_marker_excerpt():
    rendered = render("more_marker.md")
    assert rendered.excerpt == (
        "This opening is the teaser shown on the index page. "
        "It runs over two paragraphs, with a link.")
    assert "<" not in rendered.excerpt
    assert "Everything from here on" in rendered.html
    assert "more" not in rendered.html.replace("more_marker", "")


@pytest.mark.parametrize("marker", ["<!--more-->", "<!-- more -->", "<!--MORE-->"])
def test_more_marker_spellings(marker):
    rendered = render_markdown(f"Teaser one.\n\nTeaser two.\n\n{marker}\n\nRest.\n")
    assert rendered.excerpt == "Teaser one. Teaser two."


def test_more_marker_excerpt_after_heading():
    assert render("more_marker_after_heading.md").excerpt == (
        "Why bother Because small things add up.")


def test_first_paragraph_excerpt():
    rendered = render("first_paragraph_excerpt.md")
    assert rendered.excerpt == "The first paragraph has bold words & an inline link."


def test_excerpt_empty_without_paragraphs():
    assert render_markdown("```\ncode only\n```\n").excerpt == ""


def test_long_excerpt_shortened():
    body = " ".join(f"word{i}" for i in range(200)) + "\n"
    excerpt = render_markdown(body).excerpt
    assert excerpt.endswith("…")
    assert len(excerpt) <= EXCERPT_MAX_CHARS + 1
    assert excerpt[:-1] == body[:len(excerpt) - 1]
    assert body[len(excerpt) - 1] == " "  # cut at a word boundary


def test_short_excerpt_not_shortened():
    assert render_markdown("Short and sweet.\n").excerpt == "Short and sweet."


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", 0),
        ("one two three\n", 3),
        ("## Heading here\n\nSome *emphasised* text.\n", 5),
        ("Text with `inline code`.\n", 4),
    ],
)
def test_word_count(body, words):
    assert render_markdown(body).word_count == words


# --- template tags -----------------------------------------------------------------------


def test_liquid_tags_stay_visible():
    html = render("liquid_tags.md").html
    assert "{{ page.url }}" in html
    assert "{% raw %}" in html


@pytest.mark.parametrize(
    "body",
    ["Intro line\n{{ page.title }}\n", "## Welcome to {{ site.name }}\n",
     "* item {% raw %}\n", "{% endraw %}\n"],
)
def test_liquid_tags_in_text_stay_visible(body):
    tag = body[body.index("{"):body.rindex("}") + 1]
    assert tag in render_markdown(body).html


@pytest.mark.parametrize(
    ("body", "tag"),
    [
        (None, "{% endraw %}"),
        ("{% if site.comments %}\nComments are on.\n{% endif %}\n", "{% endif %}"),
    ],
)
def test_liquid_tag_ending_a_paragraph_stays_visible(body, tag):
    html = render("liquid_tags.md").html if body is None else render_markdown(body).html
    assert tag in html


def test_hugo_shortcode_shown_as_text():
    html = render("hugo_shortcode.md").html
    assert "<p>{{&lt; youtube dQw4w9WgXcQ &gt;}}</p>" in html
    assert "<youtube" not in html


def test_hugo_shortcode_in_code_block_left_as_code():
    html = render("hugo_shortcode.md").html
    code = html.split('<code class="language-markdown">', 1)[1].split("</code>", 1)[0]
    assert "{{&lt; youtube your-video-id &gt;}}" in code
    assert "&amp;lt;" not in html  # not escaped twice


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("Use `{{< ref x >}}` to link.\n", "<code>{{&lt; ref x &gt;}}</code>"),
        ("{{% notice %}}Careful{{% /notice %}}\n", "{{% notice %}}Careful{{% /notice %}}"),
        ("~~~\n{{< figure src=a >}}\n~~~\n", "{{&lt; figure src=a &gt;}}"),
    ],
)
def test_other_template_tags_shown(body, shown):
    html = render_markdown(body).html
    assert shown in html
    assert "&amp;lt;" not in html


@pytest.mark.parametrize(
    ("name", "line"),
    [("liquid_tags.md", 5), ("hugo_shortcode.md", 7)],
)
def test_template_tag_notice_names_file_line(name, line):
    raw = article(name)
    notice = template_tag_notice(raw.body, raw.body_line)
    assert notice is not None
    assert notice.line == line
    assert "not executed" in notice.message


def test_template_tag_notice_once_per_file():
    notice = template_tag_notice("a\nb\n{{ x }}\n{% y %}\n{{< z >}}\n", 10)
    assert notice is not None
    assert notice.line == 12


@pytest.mark.parametrize(
    "body",
    ["", "Plain text.\n", "Braces { like } these and {x} and {{x}\n",
     "```python\nd = {'a': {1: 2}}\n```\n"],
)
def test_template_tag_notice_none_for_clean_text(body):
    assert template_tag_notice(body, 5) is None


def heading_levels(page_html: str) -> list[str]:
    return re.findall(r"<(h[1-6]) id=\"([^\"]+)\"", page_html)


def test_headings_form_an_outline_under_the_title_without_skipped_levels() -> None:
    body = "### Start\n\n##### Deep\n\n###### Deeper\n\n## Back\n\n# Top\n\n### Under top\n"

    levels = heading_levels(render_markdown(body).html)

    assert levels == [("h2", "start"), ("h3", "deep"), ("h4", "deeper"), ("h2", "back"),
                      ("h2", "top"), ("h3", "under-top")]


def test_outline_feeds_the_table_of_contents() -> None:
    toc = render_markdown("# Title\n\n### First\n\n##### Inner\n", title="Title").toc

    assert [(e["id"], e["level"]) for e in toc] == [("first", 2)]
    assert [(e["id"], e["level"]) for e in toc[0]["children"]] == [("inner", 3)]


@pytest.mark.parametrize(("markdown_link", "expected"), [
    ('<a href="my file.pdf">x</a>', '<a href="my%20file.pdf">x</a>'),
    ("[x](https://bücher.example/?a=1&b=2)", '<a href="https://bücher.example/?a=1&amp;b=2">'),
    ('<a href="x|y^z`w">x</a>', '<a href="x%7Cy%5Ez%60w">x</a>'),
    ("[x]({{ site.repository }}/pull/1)", "<a>x</a>"),  # a Liquid tag leads nowhere
    ('<img src="{% link a.png %}" alt="a">', '<img alt="a">'),
])
def test_addresses_become_valid_urls(markdown_link: str, expected: str) -> None:
    assert expected in render_markdown(markdown_link).html


@pytest.mark.parametrize(("markdown", "expected"), [
    ("![A diagram](/static/d.svg)",
     '<p><a class="image-link" href="/static/d.svg"><img alt="A diagram" src="/static/d.svg">'
     "</a></p>"),
    ("Before ![x](a.png) after.",
     '<p>Before <a class="image-link" href="a.png"><img alt="x" src="a.png"></a> after.</p>'),
    ("[![x](a.png)](https://example.com/)",
     '<p><a href="https://example.com/"><img alt="x" src="a.png"></a></p>'),
    ("![x](javascript:alert(1))", '<p><img alt="x"></p>'),
])
def test_an_image_opens_at_full_size(markdown: str, expected: str) -> None:
    assert render_markdown(markdown).html == expected


def test_code_blocks_and_tables_are_reachable_by_keyboard() -> None:
    page_html = render_markdown("```python\nx = 1\n```\n\n| a |\n|---|\n| 1 |\n").html

    assert '<pre tabindex="0">' in page_html and '<table tabindex="0">' in page_html


# --- maths (the syntax: test_maths.py) ----------------------------------------------------


def test_maths_passes_the_sanitiser_as_mathml() -> None:
    rendered = render_markdown("$$\n\\frac{a}{b}\n$$\n")
    assert '<div class="math-display" tabindex="0"><math xmlns="http://www.w3.org/1998/Math/' \
        'MathML" display="block"><semantics><mrow><mfrac>' in rendered.html
    assert rendered.notices == []


@pytest.mark.parametrize(("body", "gone"), [
    ("$\\href{javascript:alert(1)}{x}$", ' href="'),
    ("$\\style{background:url(x)}{x}$", ' style="'),
    ("$\\color{white}{x}$", ' mathcolor="'),
    ('<math><maction actiontype="toggle"><mi>x</mi></maction></math>', "<maction"),
    ('<math><mi mathbackground="black" onclick="x">x</mi></math>', ' mathbackground="'),
    ('<math><annotation-xml encoding="text/html"><b>x</b></annotation-xml></math>',
     "<annotation-xml"),
])
def test_mathml_beyond_what_the_renderer_writes_is_removed(body: str, gone: str) -> None:
    html = render_markdown(body).html
    assert gone not in html and "onclick" not in html


def test_maths_reads_as_its_tex_in_plain_text() -> None:
    rendered = render_markdown("The energy $E = mc^2$, and $a < b$.\n")
    assert rendered.excerpt == "The energy E = mc^2, and a < b."
    assert rendered.word_count == 8  # The energy E mc 2 and a b
    assert plain_text(rendered.html) == rendered.excerpt


# --- nesting -------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "line", "message"), [
    ("Intro.\n\n" + "1. " * 2000, 3, "lists and quotes nested more than 100 levels deep"),
    ("Intro.\n\n" + "".join("> " * depth + "x\n" for depth in range(1, 300)),
     3 + MAX_NESTING, "lists and quotes nested more than 100 levels deep"),
    ("Intro.\n\n" + "<div>" * 100_000, 3, "HTML elements nested more than 100 levels deep"),
], ids=["list_markers_on_one_line", "quotes_on_lines", "unclosed_divs"])
def test_nesting_past_folios_limit_is_refused_before_rendering(body, line, message):
    """The same error whichever Markdown and nh3 are installed: 3.11.3 runs out of stack on the
    list, 3.11.4 renders it; both take minutes over the quotes, nh3 over the divs."""
    with pytest.raises(ContentError) as info:
        render_markdown(body)
    assert (info.value.line, info.value.message) == (line, message)
    assert info.value.hint


def test_nesting_to_the_limit_renders():
    body = "".join("    " * level + "- item\n" for level in range(MAX_NESTING))
    assert render_markdown(body).html.count("<ul>") == MAX_NESTING



def test_table_column_alignment_is_a_class_not_a_style_the_csp_would_block() -> None:
    rendered = render_markdown("| a | b | c | d |\n|:--|--:|:-:|---|\n| 1 | 2 | 3 | 4 |\n")

    assert "style=" not in rendered.html
    cells = re.findall(r"<(t[dh])(?: class=\"([^\"]*)\")?>", rendered.html)
    assert cells == [("th", "align-left"), ("th", "align-right"), ("th", "align-center"),
                     ("th", ""), ("td", "align-left"), ("td", "align-right"),
                     ("td", "align-center"), ("td", "")]


def test_authors_inline_styles_on_cells_are_dropped() -> None:
    rendered = render_markdown('<table><tr><td style="text-align:right">x</td></tr></table>\n')
    assert "style=" not in rendered.html
