"""Maths in Markdown, rendered to MathML while Python-Markdown parses: ``$$...$$`` and
``\\[...\\]`` display, ``\\(...\\)`` and (with ``inline_dollars``) ``$...$`` inline.

Pages run no script, so the server converts (:mod:`app.content.mathml`). The rules are pandoc's:
an inline ``$`` opens only before a non-space, closes only after a non-space and not before a
digit, and ends at the next ``$``; ``\\$`` is a dollar sign. So "$5 and $10" stays money.

Where the maths is found decides what can touch it:

* inline maths, by an inline pattern that runs right after code spans and before backslash
  escapes, links and emphasis. Code spans are already set aside (so never read as maths), and
  the MathML is stashed as raw HTML, so no later pattern reads the TeX's ``_`` and ``*``.
  Python-Markdown never runs inline patterns on code blocks, so those stay as written too;
* display maths on lines of its own, by a block processor that runs before headings, quotes,
  rules and tables, so a TeX line starting with ``>`` or ``#`` stays maths. Display maths
  inside a paragraph is found by the inline pattern and shown as a block all the same.

TeX that cannot be converted is shown as code, and reported: Python-Markdown keeps no line
numbers, so :func:`failure_notices` finds each failure's first line in the body.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass

import markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import STX, AtomicString

from app.content.mathml import TexError, tex_to_mathml
from app.content.problems import Notice

# After code spans (190), before backslash escapes (180) and everything else inline.
INLINE_PRIORITY = 185
# After list items' indented content (90) and indented code (80); before tables (75),
# headings (70, 60), rules (50), lists and quotes.
BLOCK_PRIORITY = 78
# After the table of contents (5), which must name headings by their TeX; before unescaping (0).
REVEAL_PRIORITY = 4

DISPLAY_CLASS = "math-display"
ERROR_CLASS = "math-error"
HINT = ("fix the TeX (LaTeX's own maths commands convert, most packages' do not), or write "
        "\\$ for a dollar sign that is not maths")

_CLOSING = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}
_DISPLAY = frozenset({"$$", "\\["})
# Each finds the end of the maths from just after its opening: everything up to the closing
# delimiter, a backslash always taking the character after it (so \$ and \\ are TeX's).
# Possessive, so a failed search costs one pass.
_BODY = {
    "$": re.compile(r"(?:[^\\$]|\\.)*+", re.DOTALL),
    "$$": re.compile(r"(?:[^\\$]|\\.|\$(?!\$))*+", re.DOTALL),
    "\\(": re.compile(r"(?:[^\\]|\\[^)])*+", re.DOTALL),
    "\\[": re.compile(r"(?:[^\\]|\\[^\]])*+", re.DOTALL),
}
_BLOCK_OPENING = re.compile(r" {0,3}(\$\$|\\\[)")


@dataclass(frozen=True)
class MathFailure:
    """Maths shown as code: its source as written, delimiters included, and why."""

    source: str
    message: str


class MathsExtension(Extension):
    """The maths syntax for one converter; ``failures`` holds those of the last conversion."""

    def __init__(self, inline_dollars: bool = True) -> None:
        super().__init__()
        self.inline_dollars = inline_dollars
        self.failures: list[MathFailure] = []
        # Stash entries holding a heading-friendly TeX stand-in until the MathML goes in.
        self.pending: list[tuple[int, str]] = []

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # Markdown's API names it
        md.registerExtension(self)
        md.ESCAPED_CHARS = [*md.ESCAPED_CHARS, "$"]
        openings = r"\\[(\[]|\$\$?" if self.inline_dollars else r"\\[(\[]|\$\$"
        md.inlinePatterns.register(_InlineMaths(openings, md, self), "folio_maths",
                                   INLINE_PRIORITY)
        md.parser.blockprocessors.register(_DisplayMathsBlock(md.parser, md, self),
                                           "folio_display_maths", BLOCK_PRIORITY)
        md.treeprocessors.register(_RevealMaths(md, self), "folio_reveal_maths",
                                   REVEAL_PRIORITY)

    def reset(self) -> None:
        self.failures = []
        self.pending = []

    def render(self, md: markdown.Markdown, source: str, opening: str, tex: str, *,
               block: bool) -> str:
        """Stash the HTML for one piece of maths; returns the stash's placeholder."""
        try:
            mathml = tex_to_mathml(tex, display=opening in _DISPLAY)
        except TexError as exc:
            self.failures.append(MathFailure(source, exc.message))
            code = html.escape(source, quote=False)
            return md.htmlStash.store(f'<pre class="{ERROR_CLASS}"><code>{code}</code></pre>'
                                      if block else f'<code class="{ERROR_CLASS}">{code}</code>')
        if opening in _DISPLAY:
            # A box that scrolls an equation wider than the text, as tables and code do: a
            # <div> when alone, a <span> inside a paragraph (laid out as a block all the same).
            wrapper = "div" if block else "span"
            mathml = f'<{wrapper} class="{DISPLAY_CLASS}">{mathml}</{wrapper}>'
        if block:
            return md.htmlStash.store(mathml)
        # The table of contents names a heading by its text; until it has, the stash holds the
        # TeX, so "The $O(n^2)$ bound" is listed as "The O(n^2) bound", not "The O(n2) bound".
        placeholder = md.htmlStash.store(html.escape(tex.strip(), quote=False))
        self.pending.append((md.htmlStash.html_counter - 1, mathml))
        return placeholder


class _InlineMaths(InlineProcessor):
    def __init__(self, pattern: str, md: markdown.Markdown, extension: MathsExtension) -> None:
        super().__init__(pattern, md)
        self.extension = extension
        self._data = ""
        self._unclosed: set[str] = set()

    def handleMatch(  # type: ignore[override]  # Markdown's API names it; None: no maths here
            self, m: re.Match[str], data: str) -> tuple[str | None, int | None, int | None]:
        opening, start = m.group(), m.start()
        if data is not self._data:
            self._data, self._unclosed = data, set()
        if opening in self._unclosed:
            return None, None, None
        end = _closing_end(data, start, opening)
        if end == _NEVER_CLOSED:
            # No later opening of this kind can close either: without this, thousands of
            # unclosed \( would each be searched to the end of the paragraph.
            self._unclosed.add(opening)
        if end is None or end == _NEVER_CLOSED:
            return None, None, None
        source = data[start:end]
        tex = source[len(opening):-len(_CLOSING[opening])]
        if STX in tex:
            return None, None, None  # a code span inside: code wins, the $ stay text
        return self.extension.render(self.md, source, opening, tex, block=False), start, end


class _DisplayMathsBlock(BlockProcessor):
    """Display maths that starts a block and ends a line of it; the lines after it, if any,
    go back to be parsed as Markdown."""

    def __init__(self, parser: BlockParser, md: markdown.Markdown,
                 extension: MathsExtension) -> None:
        super().__init__(parser)
        self.md = md
        self.extension = extension

    def test(self, parent: etree.Element, block: str) -> bool:
        return _display_block(block) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        found = _display_block(blocks.pop(0))
        assert found is not None  # test() said so
        opening, source, rest = found
        tex = source[len(opening):-len(_CLOSING[opening])]
        paragraph = etree.SubElement(parent, "p")
        # Alone in its paragraph, a block-level stash entry replaces the paragraph.
        paragraph.text = AtomicString(self.extension.render(self.md, source, opening, tex,
                                                            block=True))
        if rest:
            blocks.insert(0, rest)


class _RevealMaths(Treeprocessor):
    def __init__(self, md: markdown.Markdown, extension: MathsExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        for index, mathml in self.extension.pending:
            self.md.htmlStash.rawHtmlBlocks[index] = mathml


_NEVER_CLOSED = -1


def _closing_end(data: str, start: int, opening: str) -> int | None:
    """Where the maths opened by ``opening`` at ``start`` ends (just past its closing
    delimiter); None when it is not maths (escaped, empty, or a ``$`` that breaks pandoc's
    rules), :data:`_NEVER_CLOSED` when no closing delimiter follows at all."""
    if _escaped(data, start):
        return None
    body_start = start + len(opening)
    if opening == "$" and (body_start >= len(data) or data[body_start].isspace()):
        return None
    found = _BODY[opening].match(data, body_start)
    assert found is not None  # a * pattern always matches
    if found.end() == len(data):
        return _NEVER_CLOSED
    closing = _CLOSING[opening]
    if not data.startswith(closing, found.end()) or found.end() == body_start:
        return None
    end = found.end() + len(closing)
    if opening == "$" and (data[found.end() - 1].isspace() or data[end:end + 1].isdigit()):
        return None
    return end


def _escaped(data: str, index: int) -> bool:
    """Whether an odd number of backslashes comes right before ``index``."""
    count = 0
    while index > count and data[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _display_block(block: str) -> tuple[str, str, str] | None:
    """``(opening, source, rest)`` for a block that starts with display maths closed at the end
    of one of its lines, else None."""
    found = _BLOCK_OPENING.match(block)
    if found is None:
        return None
    opening = found.group(1)
    end = _closing_end(block, found.start(1), opening)
    if end is None or end == _NEVER_CLOSED:
        return None
    line_end = block.find("\n", end)
    after = block[end:] if line_end == -1 else block[end:line_end]
    if after.strip():
        return None  # text follows on the same line: the paragraph's inline maths
    rest = "" if line_end == -1 else block[line_end + 1:]
    return opening, block[found.start(1):end], rest


def failure_notices(body: str, failures: list[MathFailure]) -> list[Notice]:
    """A warning for each failure, at the line of ``body`` (from 1) where it starts."""
    text = body.expandtabs(4)  # as Python-Markdown reads it
    searched_to: dict[str, int] = {}
    notices = []
    for failure in failures:
        line = _first_line(text, failure.source.expandtabs(4), searched_to)
        notices.append(Notice(line, f"maths not converted, shown as code: {failure.message}",
                              HINT))
    return sorted(notices, key=lambda notice: notice.line)


def _first_line(text: str, source: str, searched_to: dict[str, int]) -> int:
    """The line of ``text`` where ``source`` starts, looked for after the previous find of the
    same text. Quotes and lists strip the starts of the lines Python-Markdown hands on; maths
    that is not found whole is looked for by its longest line, without indentation, the least
    likely to be found elsewhere (a ``$$`` line is everywhere)."""
    lines = source.split("\n")
    index = max(range(len(lines)), key=lambda i: len(lines[i].strip()))
    for needle, offset in ((source, 0), (lines[index].strip(), index)):
        position = text.find(needle, searched_to.get(needle, 0))
        if position == -1:
            position = text.find(needle)
        if position != -1:
            searched_to[needle] = position + len(needle)
            return max(1, text.count("\n", 0, position) + 1 - offset)
    return 1
