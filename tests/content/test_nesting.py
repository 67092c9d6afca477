"""Folio's own nesting limits: what counts as a level, where the limit is passed, what is left
alone (code, thematic breaks, HTML that closes), and that real nesting stays well inside."""

from __future__ import annotations

import pytest

from app.content.nesting import (
    MAX_NESTING,
    check_markdown_nesting,
    code_spans,
    container_depth,
    flow_too_deep,
)
from app.content.problems import ContentError


def indented_list(levels: int) -> str:
    """A list nested ``levels`` deep by indentation, one item per level."""
    return "".join("    " * level + "- item\n" for level in range(levels))


def quotes_on_lines(levels: int) -> str:
    return "".join("> " * level + "Quoted.\n" for level in range(1, levels + 1))


def refusal(body: str) -> tuple[int, str]:
    with pytest.raises(ContentError) as info:
        check_markdown_nesting(body)
    return info.value.line, info.value.message


LISTS = f"lists and quotes nested more than {MAX_NESTING} levels deep"
HTML = f"HTML elements nested more than {MAX_NESTING} levels deep"


@pytest.mark.parametrize(("line", "depth"), [
    ("Plain text.", 0),
    ("", 0),
    (" " * 500, 0),
    ("- item", 1),
    ("* item", 1),
    ("+ item", 1),
    ("1. item", 1),
    ("1) item", 1),
    ("2024. A year to remember", 1),
    ("-", 1),
    ("> quote", 1),
    (">> tight quotes", 2),
    ("> > spaced quotes", 2),
    ("> - a list in a quote", 2),
    ("- - - a list in a list in a list", 3),
    ("    - nested item", 2),
    ("\t- nested by a tab", 2),
    ("        code in a nested item", 2),
    (">     code in a quote", 2),
    ("-     text after a wide marker", 1),
    ("+1 for this", 0),
    ("-not a marker", 0),
    ("* * *", 0),
    ("- - -", 0),
    ("_ _ _", 0),
    ("* " * 300, 0),
    ("> * * *", 1),
    ("---", 0),
], ids=lambda case: repr(case)[:30] if isinstance(case, str) else None)
def test_container_depth(line: str, depth: int) -> None:
    assert container_depth(line) == depth


@pytest.mark.parametrize("line", ["1. " * 2000, "- " * 2000 + "x", "> " * 2000,
                                  ">" * 2000, "\t" * 2000 + "x", " " * 2000 + "x",
                                  "-   " * 2000])
def test_container_depth_counts_past_the_limit(line: str) -> None:
    assert container_depth(line) > MAX_NESTING


def test_lists_nested_to_the_limit_pass() -> None:
    check_markdown_nesting(indented_list(MAX_NESTING))
    check_markdown_nesting(quotes_on_lines(MAX_NESTING))
    check_markdown_nesting("1. " * MAX_NESTING + "x")


@pytest.mark.parametrize(("body", "line"), [
    (indented_list(MAX_NESTING + 1), MAX_NESTING + 1),
    (quotes_on_lines(2000), MAX_NESTING + 1),
    ("Intro.\n\n" + "1. " * 2000, 3),
    ("> - " * 60 + "x", 1),
    ("Term\n" + "".join("    " * level + ":   definition\n" for level in range(200)), 103),
], ids=["indented_list", "quotes_on_lines", "markers_on_one_line", "quotes_and_lists_mixed",
        "definition_lists"])
def test_lists_and_quotes_past_the_limit_are_refused_at_the_line(body: str, line: int) -> None:
    assert refusal(body) == (line, LISTS)


@pytest.mark.parametrize("body", [
    "```\n" + ">" * 500 + "\n```\n",
    "~~~~ python\n" + " " * 1000 + "deep code\n~~~~\n",
    "```{.json #data}\n" + "- " * 500 + "\n```\n",
    '```python hl_lines="1"\n' + "<div>" * 500 + "\n```\n",
], ids=["backtick_fence", "tilde_fence_with_language", "fence_with_attributes",
        "fence_with_highlighted_lines"])
def test_fenced_code_is_not_measured(body: str) -> None:
    check_markdown_nesting(body)


@pytest.mark.parametrize(("body", "line"), [
    ("```\n" + ">" * 500 + "\n", 2),
    ("```\n" + ">" * 500 + "\n````\n", 2),
    ("``` two words\n" + ">" * 500 + "\n```\n", 2),
    ("    ```\n" + ">" * 500 + "\n    ```\n", 2),
], ids=["fence_never_closed", "fence_closed_by_a_longer_one", "fence_python_markdown_ignores",
        "indented_fence"])
def test_what_python_markdown_does_not_read_as_code_is_measured(body: str, line: int) -> None:
    assert refusal(body) == (line, LISTS)


def test_html_nested_to_the_limit_passes() -> None:
    check_markdown_nesting("<div>" * MAX_NESTING + "x" + "</div>" * MAX_NESTING)


@pytest.mark.parametrize(("body", "line"), [
    ("<div>" * 100_000, 1),
    ("Intro.\n\n" + "<div>\n" * 200, 3 + MAX_NESTING),
    ('<div markdown="1">\n' * 2000, MAX_NESTING + 1),
    ("<span>" * 200 + "x", 1),
    ("<div/>" * 200, 1),
    ("<div\n>" * 200, MAX_NESTING + 1),
    ("<span><div></span>" * 60, 1),
    ("<DIV>" * 200, 1),
    ("<!-- never closed\n" + "<div>" * 200, 2),
], ids=["unclosed_divs", "divs_on_lines", "markdown_in_html", "unclosed_spans",
        "self_closing_div", "tags_across_lines", "mismatched_end_tags", "upper_case",
        "comment_never_closed"])
def test_html_past_the_limit_is_refused_at_the_line(body: str, line: int) -> None:
    assert refusal(body) == (line, HTML)


@pytest.mark.parametrize("body", [
    "<div>x</div>\n" * 1000,
    "<p>Paragraph never closed\n" * 500,
    "<ul>" + "<li>item" * 500 + "</ul>",
    "<table>" + "<tr><td>cell" * 500 + "</table>",
    "Line<br>\n" * 500 + "<img src=a.png>" * 500 + "<hr>" * 500,
    "Use `<div>` to group.\n" * 500,
    "<!-- <div> -->\n" * 500,
    "<svg>" + "<path d='M0 0'/>" * 500 + "</svg>",
    "<https://example.com/a> and <user@example.com>\n" * 500,
    "if a < b and c > d, or x<y\n" * 500,
], ids=["balanced_divs", "unclosed_paragraphs", "unclosed_list_items", "unclosed_cells",
        "void_elements", "tags_in_code_spans", "tags_in_comments", "svg_self_closing",
        "autolinks", "comparisons"])
def test_html_that_does_not_nest_passes(body: str) -> None:
    check_markdown_nesting(body)


def test_a_real_article_passes() -> None:
    check_markdown_nesting(
        "# Title\n\nIntro with *emphasis*, `code` and <abbr title='x'>HTML</abbr>.\n\n"
        "> A quote\n> > inside a quote\n\n1. One\n    - nested\n        1. deeper\n\n"
        "            code in the deepest item\n\n* * *\n\n```python\nif a > b:\n"
        "    print('<div>')\n```\n\n<details><summary>More</summary>\n\nText.\n\n</details>\n")


@pytest.mark.parametrize(("line", "spans"), [
    ("no code", []),
    ("a `b` c", [(2, 5)]),
    ("``a ` b`` `c`", [(0, 9), (10, 13)]),
    ("`never closed", []),
    ("`` ` ``", [(0, 7)]),
])
def test_code_spans(line: str, spans: list[tuple[int, int]]) -> None:
    assert code_spans(line) == spans


@pytest.mark.parametrize(("text", "line"), [
    ("tags: [a, b]\nx: {a: [1, {b: 2}]}", None),
    ("x: " + "[]" * 10_000, None),
    ("x: " + "[" * 50 + "]" * 50, None),
    ("x: " + "[" * 51, 0),
    ("title: t\nx: " + "{a: " * 51 + "1" + "}" * 51, 1),
    ("x:\n" + "  [\n" * 60, 51),
    ("x: " + "]" * 100 + "\ny: " + "[" * 51, 1),
], ids=["shallow", "many_balanced", "at_the_limit", "past_the_limit", "mappings",
        "across_lines", "stray_closers_do_not_hide_openers"])
def test_flow_too_deep(text: str, line: int | None) -> None:
    assert flow_too_deep(text, 50) == line
