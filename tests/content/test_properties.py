"""Random frontmatter and Markdown thrown at the reader, the normalisers, slugify and the
renderer (hypothesis): no exception but the documented ContentError and InvalidArticle, and
no script, event handler or script address in what is rendered.

Text reaches the parts after ``decode`` as valid Unicode, so their inputs hold no lone
surrogates; the tests that start from bytes cover everything else.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.content import planning
from app.content.characters import INVISIBLE
from app.content.media import is_embedded_image
from app.content.metadata import MAX_TITLE_LENGTH, MetaSettings, normalise
from app.content.problems import ContentError, InvalidArticle
from app.content.reader import RawArticle, decode, read_article
from app.content.render import URL_SCHEMES, render_markdown, sanitise
from app.content.slugs import MAX_SLUG_LENGTH, fallback_slug, slugify
from app.routing import SLUG_REGEX

# Generated inputs are large; the health check on that is about speed, which is not the point.
SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLUG = re.compile("[a-z0-9][a-z0-9-]*")
KEYS = ["title", "date", "updated", "lastmod", "author", "authors", "category", "categories",
        "tags", "read_time", "image", "image_alt", "excerpt", "description", "draft",
        "published", "slug", "aliases", "toc", "extra", "weight"]

# Text that reaches corners: controls, direction marks, noncharacters, markup, YAML and TOML
# punctuation, long runs.
characters = st.characters(exclude_categories=["Cs"])
awkward = st.sampled_from(["\x00", "\x1b", "\x7f", "\x85", "\u009b", "\u202e", "\u2066",
                           "\u200f", "\ufeff", "\ufffe", "\r", "\t", "\u2028", "---", "+++",
                           "&", "*", "!", "%", "@", "`", "|", ">", "<script>", "'", '"', ":",
                           "#", "[", "{", "..", "/", "\\"])
texts = st.lists(st.one_of(st.text(characters, max_size=20), awkward), max_size=30).map("".join)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**200), 2**200), st.floats(),
                    texts, st.dates(), st.datetimes(), st.datetimes(timezones=st.timezones()),
                    st.binary(max_size=20))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                      | st.dictionaries(texts, inner, max_size=5), max_leaves=20)


def fenced(opening: str, block: str, closing: str, body: str) -> str:
    return f"{opening}\n{block}\n{closing}\n{body}"


frontmatter_texts = st.one_of(
    texts,
    st.builds(fenced, st.sampled_from(["---", "+++", "--- ", "----"]), texts,
              st.sampled_from(["---", "+++", "...", ""]), texts),
    st.builds(lambda lines, body: fenced("---", "\n".join(lines), "---", body),
              st.lists(st.builds("{}: {}".format, st.sampled_from(KEYS), texts), max_size=8),
              texts),
)


def expect_documented_errors(call: Any) -> Any:
    """The call's result, or None when it raised one of the errors it documents."""
    try:
        return call()
    except (ContentError, InvalidArticle):
        return None


# --- reader -------------------------------------------------------------------------------


@SETTINGS
@given(st.binary(max_size=400) | texts.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_decode_gives_text_without_controls_or_a_content_error(data: bytes) -> None:
    decoded = expect_documented_errors(lambda: decode(data))
    if decoded is not None:
        text, _ = decoded
        assert "\r" not in text
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text)


@SETTINGS
@given(frontmatter_texts)
def test_read_article_gives_a_mapping_or_a_content_error(text: str) -> None:
    raw = expect_documented_errors(lambda: read_article(text))
    if raw is not None:
        assert isinstance(raw.meta, dict)
        assert raw.text == text and text.endswith(raw.body)
        assert_clean_text(raw.meta)


def assert_clean_text(value: Any) -> None:
    """No control or text-direction character in any text of a frontmatter value."""
    if isinstance(value, str):
        assert not INVISIBLE.search(value), value
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_clean_text(key)
            assert_clean_text(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            assert_clean_text(item)


identifiers = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True)
# Text the reader keeps as it is: no control or format characters, no noncharacters.
plain_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Cf"],
                                   exclude_characters="\ufffe\uffff"), max_size=40)
plain_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**64), 2**64), plain_text),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(identifiers, inner, max_size=4),
    max_leaves=12)


@SETTINGS
@given(st.dictionaries(identifiers, plain_values, max_size=8), texts)
def test_yaml_frontmatter_written_by_a_yaml_library_reads_back_the_same(
        meta: dict[str, Any], body: str) -> None:
    block = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) if meta else ""
    raw = read_article(f"---\n{block}---\n{body}")
    assert raw.meta == meta


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


toml_scalars = st.one_of(st.booleans(), st.integers(-(2**63), 2**63 - 1), plain_text)


@SETTINGS
@given(st.dictionaries(identifiers, toml_scalars | st.lists(toml_scalars, max_size=4),
                       max_size=8), texts)
def test_toml_frontmatter_reads_back_the_same(meta: dict[str, Any], body: str) -> None:
    block = "".join(f"{key} = {toml_value(value)}\n" for key, value in meta.items())
    raw = read_article(f"+++\n{block}+++\n{body}")
    assert raw.meta == meta


@SETTINGS
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=10), texts)
def test_random_yaml_frontmatter_is_read_or_refused(meta: dict[str, Any], body: str) -> None:
    try:
        block = yaml.safe_dump(meta, allow_unicode=True)
    except (yaml.YAMLError, ValueError):
        assume(False)
    raw = expect_documented_errors(lambda: read_article(f"---\n{block}---\n{body}"))
    if raw is not None:
        assert_clean_text(raw.meta)
        check_normalised(raw)


@SETTINGS
@given(st.one_of(
    st.binary(max_size=300),
    st.builds(lambda fm, body: f"---\n{fm}\n---\n{body}".encode("utf-8", "surrogatepass"),
              st.lists(st.builds("{}: {}".format, st.sampled_from(KEYS),
                                 st.text(st.characters(codec=None), max_size=30)), max_size=8)
              .map("\n".join), st.text(st.characters(codec=None), max_size=200)),
    frontmatter_texts.map(lambda text: text.encode("utf-8")),
))
def test_a_file_of_any_bytes_imports_or_gets_a_content_error(data: bytes) -> None:
    """What the importer does with each file: decode, read, normalise, render."""
    parsed = expect_documented_errors(
        lambda: planning.parse_article(data, "post.md", MetaSettings()))
    if parsed is not None:
        meta, raw, _ = parsed
        rendered = expect_documented_errors(lambda: render_markdown(raw.body, title=meta.title))
        if rendered is not None:
            assert_no_script(rendered.html)


# --- metadata -----------------------------------------------------------------------------


@SETTINGS
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=12),
       st.sampled_from(["post.md", "2024-02-30-bad-date.md", "2023-05-01-dated.md", "🎉.md",
                        ".md", "a/b/c.markdown", "C++ & C#.md"]))
def test_normalise_gives_safe_metadata_or_invalid_article(meta: dict[str, Any],
                                                          filename: str) -> None:
    raw = RawArticle(meta, "", "", 1, {key: n + 2 for n, key in enumerate(meta)})
    check_normalised(raw, filename)


def check_normalised(raw: RawArticle, filename: str = "post.md") -> None:
    result = expect_documented_errors(lambda: normalise(raw, filename, MetaSettings()))
    if result is None:
        return
    article, _ = result
    assert re.fullmatch(SLUG_REGEX, article.slug)
    assert 0 < len(article.title) <= MAX_TITLE_LENGTH
    assert slugify(article.author)
    assert article.category is None or slugify(article.category)
    assert all(slugify(tag) for tag in article.tags)
    assert all(re.fullmatch(SLUG_REGEX, alias) for alias in article.aliases)
    assert article.published_at.tzinfo == dt.UTC
    assert article.reading_minutes is None or 1 <= article.reading_minutes <= 10_000
    if article.image is not None:
        assert len(article.image) <= 1000
        if not article.image.startswith(("http://", "https://")):
            assert ":" not in article.image.split("/")[0] and not article.image.startswith("//")
            assert ".." not in article.image.split("/")
    json.dumps(article.extra, allow_nan=False)


# --- slugs --------------------------------------------------------------------------------


@SETTINGS
@given(texts)
def test_slugify_gives_lower_case_ascii_words_or_nothing(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or SLUG.fullmatch(slug)
    assert not slug.endswith("-") and "--" not in slug
    assert len(slug) <= MAX_SLUG_LENGTH
    assert slugify(slug) == slug
    assert re.fullmatch(SLUG_REGEX, fallback_slug(text))


# --- rendering ----------------------------------------------------------------------------

HOSTILE_HTML = [
    "<script>alert(1)</script>", "<SCRIPT SRC=//x.example/x.js></SCRIPT>", "<ScRiPt>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>", "<<script>script>", "&lt;script&gt;",
    "&#60;script&#62;", "<script/x>", "<script\n>", "</script>", "<!--<script>-->",
    "<img src=x onerror=alert(1)>", "<img src=x OnErRoR = alert(1)>", "<body onload=x()>",
    "<a href='javascript:alert(1)'>", '<a href="JaVaScRiPt:alert(1)">',
    "<a href=\"jav\tascript:x\">",
    '<a href="&#106;avascript:x">', '<a href="&#x6A;avascript:x">', '<a href=" javascript:x">',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">', '<a href="vbscript:x">',
    "<svg onload=alert(1)>", "<svg><script>alert(1)</script></svg>", "<math><mi>x</mi></math>",
    '<math href="javascript:x">', "<math><mtext><table><mglyph><style><img src=x onerror=y>",
    '<math><annotation-xml encoding="text/html"><script>x</script></annotation-xml></math>',
    '<math><mi xlink:href="javascript:x">x</mi></math>', '<math><maction actiontype="toggle">',
    '<math><mi onclick="x" style="x">x</mi></math>', "<iframe src=javascript:x>",
    "<object data=x>", "<embed src=x>",
    "<style>*{}</style>", '<div style="background:url(javascript:x)">', "<form action=x>",
    '<button formaction="javascript:x">', '<meta http-equiv="refresh" content="0;url=x">',
    '<base href="//evil">', '<img srcset="javascript:x 1x">', '<q cite="javascript:x">',
    '<video poster="javascript:x">', "<details open ontoggle=x()>", '<a href="x" onclick=y>',
    "<input autofocus onfocus=x>", "<template><script>x</script></template>", "<noscript>",
    "<xmp><script>", "<plaintext>", "<textarea><script>", '<img src="x` `<script>">',
    "<a href=\"#\" style=\"x\">", "<!DOCTYPE html>", "<?xml?>", "<![CDATA[<script>]]>",
]
MARKDOWN = [
    "# Title", "## Heading", "### Deep {#id .class onclick=x}", "- item", "1. item", "> quote",
    "```", "```python", "~~~", "    code", "`code`", "**bold**", "*em*", "_em_", "[link](/x)",
    "[x](javascript:alert(1))", "[x]( javascript:alert(1) )", "[x](<javascript:x>)",
    "![img](javascript:x)", "![i](data:image/png;base64,AA==)", "[ref][1]", "[1]: javascript:x",
    "<http://x.example>", "<javascript:alert(1)>", "[^1]", "[^1]: note", "Term\n:   definition",
    "| a | b |\n|---|---|\n| 1 | 2 |", "*[HTML]: Hyper", "!!! note", "{: onclick=x }",
    '{: href="javascript:x" }', "<div markdown=\"1\">*x*</div>", "<!-- more -->", "{{< x >}}",
    "{% raw %}", "{{ x }}", "---", "***", "\\", "&amp;", "&", "<", ">", "\n", "\n\n",
    "$x_1$", "$", "$$", "\\(", "\\)", "\\[", "\\]", "$$\\frac{a}{b}$$", "$\\frac{a}$",
    "$\\href{javascript:x}{y}$", "$\\style{color:red}{x}$", "$\\text{<script>x}$",
]
markdown_pieces = st.one_of(st.sampled_from(HOSTILE_HTML), st.sampled_from(MARKDOWN), texts)
markdown = st.lists(markdown_pieces, max_size=25).map(
    lambda pieces: "".join(p + (" " if i % 3 else "\n") for i, p in enumerate(pieces)))


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def assert_no_script(html: str) -> None:
    assert "<script" not in html.lower()
    parser = _Elements()
    parser.feed(html)
    parser.close()
    for tag, attributes in parser.tags:
        # MathML passes, but only the elements the maths renderer writes.
        assert tag not in ("script", "style", "iframe", "object", "embed", "svg", "form",
                           "meta", "base", "annotation-xml", "maction", "mglyph")
        for name, value in attributes:
            assert not name.startswith("on"), (tag, name)
            assert name != "xlink:href" and (name != "style" or tag in ("td", "th")), (tag, name)
            if name not in ("href", "src", "cite", "poster", "srcset", "action"):
                continue
            address = re.sub(r"[\x00-\x20\x7f]", "", value or "").lower()
            scheme = re.match(r"([a-z][a-z0-9+.-]*):", address)
            if tag == "img" and name == "src" and is_embedded_image(value or ""):
                continue  # a base64 image, which the import stores as a file (app.content.media)
            assert scheme is None or scheme.group(1) in URL_SCHEMES, (tag, name, value)
            assert "javascript:" not in address, (tag, name, value)


@SETTINGS
@given(markdown, st.one_of(st.just(""), texts))
def test_rendered_markdown_holds_no_script(body: str, title: str) -> None:
    rendered = expect_documented_errors(lambda: render_markdown(body, title=title))
    if rendered is None:
        return
    assert_no_script(rendered.html)
    assert rendered.word_count >= 0
    assert isinstance(rendered.excerpt, str) and len(rendered.excerpt) <= 301
    json.dumps(rendered.toc)


@SETTINGS
@given(st.lists(st.sampled_from(HOSTILE_HTML) | texts, max_size=15).map("".join))
def test_sanitised_html_holds_no_script(fragment: str) -> None:
    assert_no_script(sanitise(fragment))


@SETTINGS
@given(st.text(st.sampled_from("<>/=\"' \n\tsScRiIpPtT&#;:jJaAvV1xonerrorload"), max_size=80))
def test_script_spelled_any_way_is_removed(fragment: str) -> None:
    assert_no_script(render_markdown(fragment).html)
