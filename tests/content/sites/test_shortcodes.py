"""Hugo shortcodes translated into Markdown and HTML: one fixture file per rule, named after
its case (tests/fixtures/sites/hugo/shortcodes/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.render import render_markdown, sanitise
from app.content.sites.shortcodes import (
    ShortcodeContext,
    Translation,
    code_regions,
    parse_tag,
    translate,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sites" / "hugo" / "shortcodes"

CONTEXT = ShortcodeContext(
    page="post/this.md",
    refs={
        "post/other.md": "content/post/other.md", "post/other": "content/post/other.md",
        "other.md": "content/post/other.md", "other": "content/post/other.md",
        "docs/guide.md": "content/docs/guide.md", "docs/guide": "content/docs/guide.md",
        "bundle-post": "content/post/bundle-post/index.md",
        "post/bundle-post": "content/post/bundle-post/index.md",
        "post": "/post/",
        "twice.md": "",
    },
    site_params={"author": "Site Author", "version": "1.2", "release": {"name": "Blue & Bird"}},
    page_params={"version": "2.0-page"},
    custom=frozenset({"note"}),
)


def translated(name: str, context: ShortcodeContext = CONTEXT, first_line: int = 1
               ) -> Translation:
    return translate((FIXTURES / name).read_text(encoding="utf-8"), context, first_line)


def rendered(result: Translation) -> str:
    return sanitise(render_markdown(result.body, dialect="gfm").html)


def test_highlight_becomes_a_fenced_block_with_its_marked_lines() -> None:
    result = translated("hugo_highlight.md")
    assert '```go hl_lines="2 4 5"\nfunc main() {\n\tx := 1\n' in result.body
    assert result.translated == {"highlight": 1}
    page = rendered(result)
    assert '<code class="language-go">' in page
    assert page.count('class="hll"') == 3
    assert "<h1" not in page  # the comment is code, not a heading


def test_highlight_in_a_list_item_closes_at_its_indentation() -> None:
    result = translated("hugo_highlight_in_list.md")
    assert "   ```shell\n   pip install folio\n   ```\n" in result.body
    page = rendered(result)
    assert page.index("<li>") < page.index("pip") < page.index("Run it")
    assert page.count("<ol>") == 1


def test_figure_with_caption_is_a_figure_with_markdown_in_its_caption() -> None:
    result = translated("hugo_figure_with_caption.md")
    assert ('<figure><img src="/img/cover.png" alt="A red square"><figcaption>The <em>cover'
            '</em> of the <a href="https://example.org">book</a></figcaption></figure>'
            ) in result.body
    assert "<figure>" in rendered(result)


def test_figure_with_link_title_and_attribution_keeps_the_lines_after_it() -> None:
    text = (FIXTURES / "hugo_figure_with_link_and_attribution.md").read_text()
    result = translated("hugo_figure_with_link_and_attribution.md")
    assert result.body.startswith(
        '<figure class="wide"><a href="https://example.org/full.png"><img src="diagram.png" '
        'alt="How it fits" width="600"></a><figcaption><strong>A diagram</strong> How it fits '
        '<a href="https://example.org/jane">Jane Doe</a></figcaption></figure>\n')
    assert result.body.count("\n") == text.count("\n")
    assert result.body.split("\n").index("The line after the figure.") == \
        text.split("\n").index("The line after the figure.")


def test_ref_and_relref_name_the_source_file_of_the_page() -> None:
    result = translated("hugo_ref_and_relref.md")
    assert "[the other post](/content/post/other.md)" in result.body
    assert "[its part](/content/post/other.md#part-two)" in result.body
    assert "[the guide](/content/docs/guide.md)" in result.body
    assert "[the bundle](/content/post/bundle-post/index.md)" in result.body
    assert "[a heading here](#intro)" in result.body
    assert "[the posts](/post/)" in result.body  # a section: its old address
    assert result.translated == {"ref": 5, "relref": 1}
    assert not result.left


def test_ref_to_a_missing_page_stays_as_text_with_a_notice_naming_it() -> None:
    result = translated("hugo_ref_missing.md", first_line=7)
    assert result.body == (FIXTURES / "hugo_ref_missing.md").read_text()
    assert result.left == {"ref": 1, "relref": 1}
    assert [(n.line, n.message) for n in result.notices] == [
        (7, "ref 'no-such-post.md': there is no such page in the content folder; shown as "
            "text"),
        (7, "relref 'gone.md': there is no such page in the content folder; shown as text")]


@pytest.mark.parametrize(("target", "found"), [
    ("other", "/content/post/other.md"),  # from the page's folder first
    ("../post/other.md", "/content/post/other.md"),
    ("/POST/Other.md", "/content/post/other.md"),  # Hugo's lookup ignores case
    ("bundle-post", "/content/post/bundle-post/index.md"),
])
def test_ref_lookup(target: str, found: str) -> None:
    result = translate(f'{{{{< ref "{target}" >}}}}', CONTEXT)
    assert result.body == found


def test_ref_to_a_name_several_pages_share_is_left_with_a_notice() -> None:
    result = translate('{{< ref "twice.md" >}}', CONTEXT)
    assert result.left == {"ref": 1}
    assert "several pages have that name" in result.notices[0].message


def test_param_takes_the_page_value_then_the_site_value() -> None:
    result = translated("hugo_param.md")
    # The {{% %}} form is Markdown: the value as it is; {{< >}} is HTML: escaped.
    assert result.body == "Version 2.0-page, released as Blue & Bird by Site Author.\n"
    assert result.translated == {"param": 3}
    both = translate('{{< param "release.name" >}}', CONTEXT)
    assert both.body == "Blue &amp; Bird"


def test_missing_param_stays_as_text() -> None:
    result = translated("hugo_param_missing.md")
    assert result.body == "The value of {{< param \"nowhere\" >}}.\n"
    assert result.left == {"param": 1}
    assert "'nowhere' is in neither" in result.notices[0].message


@pytest.mark.parametrize(("name", "links"), [
    ("hugo_gist.md", [("https://gist.github.com/spf13/7896402#file-img-html",
                       "img.html (a gist by spf13)")]),
    ("hugo_youtube.md", [("https://www.youtube.com/watch?v=w7Ft2ymGmfc",
                          "Watch the video on YouTube"),
                         ("https://www.youtube.com/watch?v=w7Ft2ymGmfc", "A talk about Hugo")]),
    ("hugo_vimeo.md", [("https://vimeo.com/146022717", "Watch the video on Vimeo")]),
    ("hugo_tweet.md", [("https://twitter.com/SanDiegoZoo/status/1453110110599868418",
                        "A post by @SanDiegoZoo on Twitter"),
                       ("https://twitter.com/i/web/status/1453110110599868418",
                        "A post on Twitter")]),
    ("hugo_instagram.md", [("https://www.instagram.com/p/BWNjjyYFxVx/",
                            "A post on Instagram")]),
])
def test_embeds_are_a_plain_link_to_the_original(name: str,
                                                 links: list[tuple[str, str]]) -> None:
    result = translated(name)
    cards = [f'<p class="embed-link"><a href="{url}">{text}</a></p>' for url, text in links]
    assert [line for line in result.body.split("\n") if line] == cards
    page = rendered(result)
    assert "<script" not in page and "<iframe" not in page
    assert sum(result.translated.values()) == len(links)


def test_an_embed_inside_a_sentence_is_a_link_in_it() -> None:
    result = translate("Watch {{< vimeo 146022717 >}} today.", CONTEXT)
    assert result.body == 'Watch <a href="https://vimeo.com/146022717">Watch the video on ' \
        'Vimeo</a> today.'


def test_an_embed_without_its_id_stays_as_text() -> None:
    result = translated("hugo_embed_without_id.md")
    assert result.body == "{{< youtube >}}\n"
    assert result.left == {"youtube": 1}
    assert result.notices[0].message == "youtube has no id; shown as text"


def test_escaped_shortcode_shows_the_shortcode_it_spells() -> None:
    result = translated("hugo_escaped_shortcode.md")
    assert result.body == 'Write {{< figure src="a.png" >}} for a figure, or ' \
        '{{% param "name" %}} for a value.\n'
    assert result.translated == {"escaped shortcode": 2}
    assert not result.notices


def test_shortcodes_in_code_are_code_except_those_hugo_expands_to_text() -> None:
    result = translated("hugo_shortcodes_in_code.md")
    assert "`{{< youtube w7Ft2ymGmfc >}}`" in result.body
    assert '{{< figure src="a.png" >}}\n{{< note >}}\n' in result.body
    assert "\nSite Author\n{{< param author >}}\n```" in result.body  # as Hugo gives it
    assert "{{< unknown >}}" in result.body
    assert not result.left and not result.notices


def test_unknown_shortcodes_stay_visible_reported_once_per_name() -> None:
    result = translated("hugo_unknown_shortcode.md", first_line=4)
    assert result.body == (FIXTURES / "hugo_unknown_shortcode.md").read_text()
    assert result.left == {"note": 2, "notice": 1}
    assert [(n.line, n.message) for n in result.notices] == [
        (4, "shortcode {{< note >}} (the site's layouts/shortcodes/note.html) is not "
            "translated; shown as text"),
        (10, "shortcode {{% notice %}} is not translated; shown as text")]
    assert "A note the site" in rendered(result)


def test_every_line_keeps_its_number() -> None:
    for path in FIXTURES.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert translate(text, CONTEXT).body.count("\n") == text.count("\n"), path.name


@pytest.mark.parametrize(("written", "name", "positional", "named"), [
    ('{{< figure src="a b.png" caption="say \\"hi\\"" >}}', "figure", (),
     {"src": "a b.png", "caption": 'say "hi"'}),
    ("{{<youtube abc/>}}", "youtube", ("abc",), {}),
    ("{{% gist user 123 `raw \"file\"` %}}", "gist", ("user", "123", 'raw "file"'), {}),
    ("{{< highlight go-html-template >}}", "highlight", ("go-html-template",), {}),
    ("{{< nested/name key=bare >}}", "nested/name", (), {"key": "bare"}),
])
def test_parse_tag(written: str, name: str, positional: tuple[str, ...],
                   named: dict[str, str]) -> None:
    tag = parse_tag(written, 0)
    assert tag is not None
    assert (tag.name, tag.positional, tag.named, tag.end) == (name, positional, named,
                                                              len(written))


@pytest.mark.parametrize("written", ["{{< >}}", "{{< figure src=\"open", "{{% %}} text",
                                     "{{< " + "x " * 3000 + ">}}"])
def test_what_is_not_a_tag(written: str) -> None:
    assert parse_tag(written, 0) is None
    assert translate(written, CONTEXT).body == written


def test_code_regions_find_fences_and_spans_but_not_a_fence_in_a_span() -> None:
    body = "a `x` b\n```\ncode\n```\n``` not a fence ``` c\n~~~~\nopen to the end"
    regions = [body[start:end] for start, end in code_regions(body)]
    assert regions == ["`x`", "```\ncode\n```", "``` not a fence ```",
                       "~~~~\nopen to the end"]
