import re
import time
from pathlib import Path

import pytest

from app.content.maths import MathFailure, failure_notices
from app.content.reader import decode, read_article
from app.content.render import Rendered, render_markdown

MATH = re.compile(r'<math xmlns="http://www.w3.org/1998/Math/MathML" display="(\w+)">.*?'
                  r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.DOTALL)


def fixture(name: str) -> Rendered:
    path = Path(__file__).parent.parent / "fixtures" / "articles" / name
    raw = read_article(decode(path.read_bytes())[0])
    return render_markdown(raw.body, title=raw.meta["title"])


def maths(html: str) -> list[tuple[str, str]]:
    """(display, TeX) of each piece of maths, in order."""
    return MATH.findall(html)


# --- the delimiters ------------------------------------------------------------------------


def test_every_delimiter_becomes_mathml() -> None:
    html = fixture("maths_display_and_inline.md").html

    assert maths(html) == [
        ("inline", r"e^{i\pi} + 1 = 0"),
        ("inline", r"\varphi = \frac{1+\sqrt5}{2}"),
        ("block", r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2}"),
        ("block", r"\int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}"),
        ("block", r"\sigma^2 = E[X^2] - E[X]^2"),
    ]
    assert "$" not in html and "\\(" not in html and "\\[" not in html


def test_display_maths_on_its_own_lines_is_a_block_not_a_paragraph() -> None:
    html = fixture("maths_display_and_inline.md").html

    assert html.count('<div class="math-display" tabindex="0"><math') == 2
    assert "<p><math" not in html
    # Inside a paragraph it stays there, in a box laid out as a block.
    assert re.search(r'<p>The variance is <span class="math-display" tabindex="0"><math '
                     r'[^>]*display="block"', html)


@pytest.mark.parametrize(
    "body",
    [
        "$$\nx\n> 0\n$$\n",  # would be a quote
        "$$\nx\n# 1\n$$\n",  # a heading
        "$$\na\n---\n$$\n",  # a rule, or a heading underlined
        "\\[\n| a | b |\n|---|---|\n\\]\n",  # a table
    ],
)
def test_display_lines_are_never_read_as_markdown_blocks(body: str) -> None:
    html = render_markdown(body).html
    assert html.startswith('<div class="math-display"')
    assert not re.search(r"<(blockquote|h\d|hr|table)", html)


def test_text_after_a_display_block_is_markdown_again() -> None:
    html = render_markdown("$$\nx\n$$\n*after*\n").html
    assert html.endswith("</div>\n<p><em>after</em></p>")


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("# The $O(n^2)$ bound\n", [("inline", "O(n^2)")]),
        ("- one $x_1$\n- two \\(x_2\\)\n", [("inline", "x_1"), ("inline", "x_2")]),
        ("| a | b |\n|---|---|\n| $x^2$ | $\\alpha_i$ |\n", [("inline", "x^2"),
                                                           ("inline", "\\alpha_i")]),
        ("> quoted $a$\n", [("inline", "a")]),
        ("1. item\n\n    $$\n    y\n    $$\n", [("block", "y")]),
        ("Term\n:   defined as $t$\n", [("inline", "t")]),
        ("[link $k$](/k)\n", [("inline", "k")]),
        ("Note.[^1]\n\n[^1]: With $n$.\n", [("inline", "n")]),
    ],
)
def test_maths_works_wherever_text_does(body: str, found: list[tuple[str, str]]) -> None:
    assert maths(render_markdown(body).html) == found


def test_a_heading_with_maths_is_named_by_its_tex() -> None:
    rendered = render_markdown("## The $O(n^2)$ bound\n")
    assert rendered.toc == [{"id": "the-on2-bound", "name": "The O(n^2) bound", "level": 2,
                             "children": []}]
    assert '<h2 id="the-on2-bound">The <math' in rendered.html


# --- what stays text -----------------------------------------------------------------------


def test_money_stays_money() -> None:
    html = fixture("maths_money_dollars.md").html

    assert "<p>Tickets cost $5 and $10, or $ 20 with a $ sign alone.</p>" in html
    assert "<p>A literal $x$ and a price of $3.</p>" in html
    assert "<p>From $3 to $4.50, and <math" in html
    assert maths(html) == [("inline", "x")]


@pytest.mark.parametrize(
    "body",
    [
        "$5 and $10\n",  # the closing $ comes before a digit
        "$x $\n",  # a space before the closing $
        "$ x$\n",  # a space after the opening $
        "$$\n",
        "$$$$\n",  # empty
        "\\$x\\$\n",  # escaped
        "\\\\(x\\\\)\n",  # an escaped backslash, then parentheses
        "$unclosed\n\nparagraph$\n",  # a blank line ends the search
    ],
)
def test_not_maths(body: str) -> None:
    assert "<math" not in render_markdown(body).html


def test_an_escaped_backslash_before_maths_is_a_backslash() -> None:
    html = render_markdown("\\\\$x$\n").html
    assert html.startswith("<p>\\<math") and maths(html) == [("inline", "x")]


def test_code_is_never_touched() -> None:
    html = fixture("maths_in_code.md").html

    assert "<code>$HOME/$USER</code>" in html and "<code>\\(x\\)</code>" in html
    assert 'echo &quot;$PATH&quot; &quot;$$&quot;' in html or 'echo "$PATH" "$$"' in \
        re.sub(r"<[^>]+>", "", html)
    assert "indented $x_1$ and $$y$$" in html
    assert maths(html) == [("inline", "a_b")]


def test_a_code_span_inside_dollars_keeps_them_text() -> None:
    html = render_markdown("$a `b$` c$\n").html
    assert "<code>b$</code>" in html and "<math" not in html


@pytest.mark.parametrize("tex", ["a_1 * b_2 * c_3", "x_i y_i", "**a**", "a*b*c", "f_{x}_{y}"])
def test_underscores_and_asterisks_in_maths_are_not_emphasis(tex: str) -> None:
    html = render_markdown(f"Here ${tex}$ and \\({tex}\\) and\n\n$$\n{tex}\n$$\n").html
    assert "<em>" not in html and "<strong>" not in html


def test_without_inline_dollars_only_dollars_stay_text() -> None:
    html = render_markdown("Costs $x$, or \\(y\\).\n\n$$\nz\n$$\n", inline_dollars=False).html
    assert "Costs $x$, or <math" in html
    assert maths(html) == [("inline", "y"), ("block", "z")]


# --- what cannot be converted --------------------------------------------------------------


def test_unconvertible_tex_is_code_and_a_warning_at_its_line() -> None:
    rendered = fixture("maths_unconvertible.md")

    assert maths(rendered.html) == [("inline", "x^2")]
    assert '<code class="math-error">$\\frac{a}$</code>' in rendered.html
    assert ('<pre tabindex="0" class="math-error"><code>$$\n\\begin{matrix}\na &amp; b\n$$'
            '</code></pre>') in rendered.html
    assert '<code class="math-error">\\(\\unknowncommand\\)</code>' in rendered.html
    # Lines of the body: the frontmatter takes four.
    assert [(n.line, n.message) for n in rendered.notices] == [
        (2, "maths not converted, shown as code: \\frac, \\sqrt[], ^, _ or \\limits is "
            "missing a part"),
        (4, "maths not converted, shown as code: a \\begin{...} has no matching \\end{...}"),
        (9, "maths not converted, shown as code: unknown command \\unknowncommand"),
    ]
    assert all("\\$" in n.hint for n in rendered.notices)


def test_each_failure_is_found_at_its_own_line() -> None:
    body = "$$\nx\n$$\n\n$\\bad$ once\n\n> $\\bad$ twice\n\n$$\n\\bad\n$$\n"
    failures = [MathFailure("$\\bad$", "m"), MathFailure("$\\bad$", "m"),
                MathFailure("$$\n\\bad\n$$", "m")]
    assert [n.line for n in failure_notices(body, failures)] == [5, 7, 9]


def test_a_failure_that_cannot_be_found_is_reported_at_the_first_line() -> None:
    assert [n.line for n in failure_notices("text\n", [MathFailure("$y$", "m")])] == [1]


# --- hostile input -------------------------------------------------------------------------


@pytest.mark.parametrize("opening", ["\\(", "\\[", "$"])
def test_thousands_of_unclosed_openings_render_quickly(opening: str) -> None:
    body = (opening + "x ") * 20_000 + "\n"  # "$x $" is no maths: a space before the $
    started = time.perf_counter()
    html = render_markdown(body).html
    # Generous: the machine is shared, and Python-Markdown itself takes seconds over 20,000
    # backslash escapes in one paragraph. Searching each opening to the end would take minutes.
    assert time.perf_counter() - started < 20
    assert html.count("<math") == 0


def test_thousands_of_formulas_render_quickly() -> None:
    body = " ".join(f"$x_{{{n}}}$" for n in range(5_000)) + "\n"
    started = time.perf_counter()
    count = render_markdown(body).html.count("<math")
    assert time.perf_counter() - started < 20
    assert count == 5_000
