"""Folio's own limits on how deeply an article nests, measured before anything parses it.

Python-Markdown parses a list, quote or indented block inside another by recursion, and nh3
(html5ever) reads every HTML tag in time proportional to the elements left open. Where that
breaks depends on the version, not on Folio: Markdown 3.11.3 runs out of stack at about 500
list markers in a row and 3.11.4 keeps the deeper ones as text; 2,000 quotes on 2,000 lines
render for more than a minute in both; 100,000 unclosed ``<div>`` keep nh3 busy for more than a
minute, in Rust, where the importer's timer cannot interrupt it; PyYAML, libyaml and tomllib
each fail differently on 10,000 nested brackets. So Folio measures the nesting itself, in one
pass, and refuses what is deeper than its limits at the line where a limit is passed, whichever
versions are installed.

The measures count rather than parse, and lean towards counting: a tag left open by mistake or
a bracket inside a string is a level too. What they cannot see (a parser's rules in every
corner) still meets the nets behind them: RecursionError and the render timer.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

from app.content.problems import ContentError

# Real articles nest a handful of levels; markdown-it stops at 100 too. Far enough below what
# breaks: Python-Markdown 3.11.3 runs out of stack at 248 lists nested by indentation, and
# nh3 slows down with the depth of every tag it reads.
MAX_NESTING = 100

CONTAINER_HINT = ("each > and list marker at the start of the line, and every 4 spaces of "
                  "indentation before them, is one level: flatten the lists and quotes, or put "
                  "the text in a fenced code block (```)")
HTML_HINT = "close each HTML tag you open (</div>, </span>, ...) before the article ends"

# A list marker or quote marker opening a container, after any indentation.
_CONTAINER = re.compile(r"([ \t]*)(>|(?:[-*+]|\d+[.)])(?=[ \t]|$))")
_SPACES = re.compile(r"[ \t]*")
_DEEP_PREFIX = re.compile(rf"^[ \t>*+.)\d-]{{{MAX_NESTING + 1}}}", re.MULTILINE)
# How many columns after a marker belong to it: one space after `>`, up to four after a list
# marker (more than that makes an indented block inside the item).
_MARKER_SPACE = {">": 1}
_LIST_MARKER_SPACE = 4
# A thematic break (`* * *`) as Python-Markdown reads it: it looks like list markers, opens none.
_BREAK = re.compile(r"(?:-(?: {0,2}-){2,}|_(?: {0,2}_){2,}|\*(?: {0,2}\*){2,}) *")
_BREAK_CHARACTERS = " \t-*_"

# The code fences Python-Markdown's fenced_code recognises: at the start of a line, an optional
# language or {attributes}, closed by the same fence alone on a later line.
_OPENING_FENCE = re.compile(
    r"(`{3,}|~{3,}) *(?:\{.*\}|\.?[\w#.+-]* *(?:hl_lines=([\"']).*?\2 *)?)")
_CLOSING_FENCE = re.compile(r"(`{3,}|~{3,}) *")
_FENCE_CHARACTERS = ("`", "~")

_BACKTICKS = re.compile(r"`+")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:[\s/][^<>]*)?>")
# Elements that never stay open: void ones, and those the parser closes by itself when the next
# one starts or ignores outside a table (authors leave <p> and <li> unclosed, legitimately).
_NOT_NESTING = frozenset({
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
    "colgroup", "caption", "html", "head", "body",
})
_FOREIGN = frozenset({"svg", "math"})  # inside them `<path/>` closes itself, as in XML


def check_markdown_nesting(body: str) -> None:
    """Refuse a Markdown body nested more than :data:`MAX_NESTING` levels deep in lists and
    quotes, or in HTML elements. Fenced code is not measured.

    Raises ContentError with the line of ``body`` (from 1) where the limit is passed.
    """
    # Most bodies are ruled out in C: each level takes at least one character at the start of
    # a line, and each element one `<`.
    deep_lines = _DEEP_PREFIX.search(body) is not None
    deep_html = body.count("<") > MAX_NESTING
    if not (deep_lines or deep_html):
        return
    prose = list(_outside_fences(body.split("\n")))
    for index, line in prose if deep_lines else ():
        if container_depth(line) > MAX_NESTING:
            raise ContentError(index + 1, f"lists and quotes nested more than {MAX_NESTING} "
                               "levels deep", CONTAINER_HINT)
    deep = html_too_deep(prose) if deep_html else None
    if deep is not None:
        raise ContentError(deep + 1, f"HTML elements nested more than {MAX_NESTING} levels "
                           "deep", HTML_HINT)


def container_depth(line: str) -> int:
    """At most how many lists, quotes and indented blocks ``line`` is nested in: each ``>`` and
    list marker at its start opens at most one, and so do every 4 columns of indentation beyond
    the space a marker takes (a tab counts 4). Counting stops past :data:`MAX_NESTING`."""
    if not line or line.isspace():
        return 0  # Markdown drops the spaces of a blank line
    markers = columns = end = allowance = 0
    may_break = True
    while markers <= MAX_NESTING and (found := _CONTAINER.match(line, end)) is not None:
        marker = found.group(2)
        if marker != ">" and may_break:
            # Checked once per line, where the rest could be a break, to stay linear.
            may_break = False
            if (found.start(2) >= len(line.rstrip(_BREAK_CHARACTERS))
                    and _BREAK.fullmatch(line, found.start(2))):
                break
        columns += max(0, _width(found.group(1)) - allowance)
        allowance = _MARKER_SPACE.get(marker, _LIST_MARKER_SPACE)
        markers, end = markers + 1, found.end()
    trailing = _SPACES.match(line, end)
    if trailing is not None:
        columns += max(0, _width(trailing.group()) - allowance)
    return markers + columns // 4


def _width(spaces: str) -> int:
    return spaces.count(" ") + 4 * spaces.count("\t")


def html_too_deep(lines: list[tuple[int, str]]) -> int | None:
    """The index of the first of ``lines`` (index, text) where more than :data:`MAX_NESTING`
    HTML elements are open, or None. Code spans and comments are skipped; an end tag closes
    only the element opened last, so mismatched tags can only make the count larger."""
    text = "\n".join(_outside_code_spans(line) if "`" in line else line for _, line in lines)
    text = _without_comments(text)
    open_elements: list[str] = []
    foreign = 0
    for tag in _TAG.finditer(text):
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _NOT_NESTING:
            continue
        if closing:
            if open_elements and open_elements[-1] == name:
                open_elements.pop()
                if name in _FOREIGN:
                    foreign -= 1
            continue
        if foreign and tag.group().endswith("/>"):
            continue
        open_elements.append(name)
        if name in _FOREIGN:
            foreign += 1
        if len(open_elements) > MAX_NESTING:
            return lines[text.count("\n", 0, tag.start())][0]
    return None


def _outside_fences(lines: list[str]) -> Iterator[tuple[int, str]]:
    """``(index, line)`` of each line that is not inside a closed fenced code block."""
    closings: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        if line.startswith(_FENCE_CHARACTERS) and (fence := _CLOSING_FENCE.fullmatch(line)):
            closings.setdefault(fence.group(1), []).append(index)
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = (_OPENING_FENCE.fullmatch(line) if line.startswith(_FENCE_CHARACTERS)
                   else None)
        if opening is not None:
            candidates = closings.get(opening.group(1), [])
            after = bisect_right(candidates, index)
            if after < len(candidates):
                index = candidates[after] + 1
                continue
        yield index, line
        index += 1


def _without_comments(text: str) -> str:
    """``text`` with each closed ``<!-- -->`` comment reduced to its newlines."""
    pieces, position = [], 0
    while (start := text.find("<!--", position)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        pieces += [text[position:start], "\n" * text.count("\n", start, end)]
        position = end + 3
    return "".join(pieces) + text[position:]


def _outside_code_spans(line: str) -> str:
    pieces, last = [], 0
    for start, end in code_spans(line):
        pieces.append(line[last:start])
        last = end
    pieces.append(line[last:])
    return "".join(pieces)


def code_spans(line: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each code span in ``line``: a run of backticks up to the next run of
    the same length. In one pass: a run that no later run matches is plain text."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(line)]
    following: list[int | None] = [None] * len(runs)
    latest: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        following[index] = latest.get(length)
        latest[length] = index
    spans, index = [], 0
    while index < len(runs):
        match = following[index]
        if match is None:
            index += 1
            continue
        spans.append((runs[index][0], runs[match][1]))
        index = match + 1
    return spans


_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def flow_too_deep(text: str, limit: int) -> int | None:
    """The index of the first line of ``text`` where YAML or TOML brackets (``[`` and ``{``)
    are open more than ``limit`` deep, or None. Brackets inside strings count too, which no
    real frontmatter comes near; a line is looked at bracket by bracket only where it could
    pass the limit."""
    depth = 0
    for index, line in enumerate(text.split("\n")):
        opening, closing = line.count("[") + line.count("{"), line.count("]") + line.count("}")
        if depth + opening <= limit:
            depth = max(0, depth + opening - closing)
            continue
        for bracket in _NOT_BRACKET.sub("", line):
            depth = depth + 1 if bracket in "[{" else max(0, depth - 1)
            if depth > limit:
                return index
    return None
