"""Authors' HTML habits repaired as they meant them (app.content.html_repairs), through the
renderer, as an article's HTML meets them."""

import re
from collections import Counter

from app.content.html_repairs import close_self_closed, repaired
from app.content.render import render_markdown


def page(body: str) -> str:
    return render_markdown(body).html


def ids(fragment: str) -> Counter[str]:
    return Counter(re.findall(r'\sid="([^"]*)"', fragment))


def test_a_self_closed_anchor_is_an_empty_anchor_not_a_link_around_the_rest() -> None:
    # lil-log's <a name="ssm" /> before a list: the browser (and the sanitiser's parser) kept
    # the anchor open, repeated it in every block after it, and vnu refused the page.
    html = page('<a id="ssm" />Some text.\n\n- one\n- two\n\n> quoted\n')
    assert '<a id="ssm"></a>' in html
    assert ids(html) == {"ssm": 1}
    assert "<ul>\n<li>one</li>" in html


def test_void_and_mathml_elements_keep_their_own_closing() -> None:
    assert close_self_closed('<br/><img src="a.png" /><mspace width="1em"/>') == \
        '<br/><img src="a.png" /><mspace width="1em"/>'
    assert close_self_closed('<span class="x"/><DIV/>') == '<span class="x"></span><DIV></DIV>'


def test_an_anchor_repeating_a_headings_id_gives_way_to_the_heading() -> None:
    # Pelican posts put <a id="x"></a> before "## X", whose generated id is x too.
    html = page('Contents: [Setup](#setup)\n\n<a id="setup"></a>\n\n## Setup\n\nText.\n')
    assert ids(html)["setup"] == 1
    assert '<h2 id="setup">' in html


def test_empty_anchors_sharing_an_id_keep_one() -> None:
    assert ids(repaired('<a id="x"></a><p>a</p><a id="x"> </a>')) == {"x": 1}


def test_an_anchor_with_a_unique_id_stays() -> None:
    assert '<a id="top"></a>' in page('<a id="top"></a>\n\n## Other\n')


def test_html_headings_join_the_outline_below_the_title() -> None:
    html = page("Intro.\n\n<div>\n<h3>Martin Uribe</h3>\n<p>Bio.</p>\n</div>\n\n"
                "<div>\n<h3>Dante Septem</h3>\n</div>\n")
    assert html.count("<h2>") == 2 and html.count("</h2>") == 2 and "<h3" not in html


def test_markdown_headings_are_unchanged_by_the_outline() -> None:
    body = "## One\n\n#### Deeper\n\n## Two\n\n### Three\n"
    assert re.findall(r"<h(\d)", page(body)) == ["2", "3", "2", "3"]


def test_an_image_without_alt_is_named_by_its_file() -> None:
    html = page('<img src="/assets/images/profile_photo.png" width="320">')
    assert 'alt="profile photo"' in html


def test_an_authors_alt_text_is_kept_even_empty() -> None:
    html = page('<img src="/a/decoration.png" alt="">\n\n![A chart](/a/chart.png)')
    assert 'alt=""' in html and 'alt="A chart"' in html
    assert 'alt="decoration"' not in html and html.count("alt=") == 2
