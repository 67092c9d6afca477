"""The Markdown a site was written in, as Python-Markdown extensions for the renderer.

``folio`` is Python-Markdown's own Markdown, with fenced code. ``gfm`` is GitHub-flavoured
Markdown, which kramdown's GFM input and Hugo's goldmark read. Most of it comes from
pymdown-extensions, a well-kept set built for Python-Markdown:

* ``~~strike~~`` (tilde; a single ``~`` stays text, as kramdown reads it), task lists (their
  boxes shown as ☑ and ☐: an article holds no form controls), bare addresses as links
  (magiclink: GFM's autolink literals), GFM's emphasis (betterem), and no heading without a
  space after its ``#`` (saneheaders);
* fences anywhere a paragraph can be, in list items and quotes too (superfences), highlighted
  by codehilite as Python-Markdown's fenced_code does: code looks the same in both dialects.

No maintained extension gives GFM's lists: a list may start right after a paragraph line, and
an item's blocks (a nested list, a fence) are indented to the column of the item's text, two
spaces under ``- item``, where Python-Markdown wants four. Python-Markdown's maintainers
declined the first (Python-Markdown issue 874), pymdown-extensions has neither, and the small
extensions that do one or the other (mdx_truly_sane_lists, mdx_breakless_lists) are not kept up.
So this module does it, in three steps that leave the lines outside lists as written:

1. a preprocessor re-indents list items to Python-Markdown's four spaces a level and marks
   each list tight or loose, as GFM reads it (:func:`reindent_gfm_lists`);
2. a block processor ends a paragraph where a list starts (:class:`_ListAfterParagraph`);
3. a tree processor gives each list GFM's spacing: every item's text in paragraphs in a loose
   list, none in a tight one (:class:`_ListSpacing`).

Still read as Python-Markdown reads them (rare in posts): a bullet changing from ``-`` to
``*`` goes on with the same list; ``1)`` starts no list; a quote's lazy lines are not read for
lists; indented code right after a list joins its last item; a backslash at the end of a line
is no line break.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from typing import Any

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.codehilite import CodeHilite, CodeHiliteExtension, parse_hl_lines
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE

FOLIO = "folio"
GFM = "gfm"
DIALECTS = frozenset({FOLIO, GFM})

# After whitespace is normalised (30: tabs expanded, so columns are characters), before fences
# are stashed (25), so a fence inside a list item moves with the item.
_INDENTATION_PRIORITY = 29
# After the list processors (40, 30), which take a block that starts with a list; before
# definition lists (25), quotes (20) and paragraphs (10).
_AFTER_PARAGRAPH_PRIORITY = 27
# Before pymdownx.tasklist (25), which finds a task's box in the item's text or its paragraph,
# and inline parsing (20).
_LIST_SPACING_PRIORITY = 26
# After pymdownx.tasklist (25) has put its checkbox in the stash, before the stash is read.
_TASK_BOX_PRIORITY = 24
_TAB = 4  # Python-Markdown's indentation of a nested block

CHECKED_BOX = "\N{BALLOT BOX WITH CHECK}"
UNCHECKED_BOX = "\N{BALLOT BOX}"


def dialect_extensions(dialect: str) -> tuple[list[str | Extension], dict[str, dict[str, Any]]]:
    """The extensions, and their settings, that make Python-Markdown read ``dialect``.

    Raises ValueError for a dialect Folio does not know.
    """
    if dialect == FOLIO:
        return ["fenced_code"], {}
    if dialect == GFM:
        return [
            "pymdownx.superfences", "pymdownx.tilde", "pymdownx.tasklist",
            "pymdownx.magiclink", "pymdownx.betterem", "pymdownx.saneheaders",
            _GfmListsExtension(),
        ], {
            "pymdownx.superfences": {"custom_fences": [
                {"name": "*", "class": "highlight", "format": _highlighted_fence,
                 "validator": _fence_options},
            ]},
            "pymdownx.tilde": {"subscript": False},
        }
    raise ValueError(f"unknown Markdown dialect {dialect!r}: {', '.join(sorted(DIALECTS))}")


# --- fenced code ---------------------------------------------------------------------------


def _fence_options(language: str, inputs: dict[str, str], options: dict[str, str],
                   attrs: dict[str, str], md: markdown.Markdown) -> bool:
    """``hl_lines="2 3"`` after the language highlights lines, as with fenced_code."""
    for key, value in inputs.items():
        (options if key == "hl_lines" else attrs)[key] = value
    return True


def _highlighted_fence(source: str, language: str, class_name: str, options: dict[str, str],
                       md: markdown.Markdown, **kwargs: Any) -> str:
    """A fence highlighted as Python-Markdown's fenced_code does it, with codehilite's
    settings: the same HTML, whichever dialect found the fence."""
    settings = next(ext.getConfigs() for ext in md.registeredExtensions
                    if isinstance(ext, CodeHiliteExtension))
    classes = kwargs.get("classes") or []
    if classes:
        settings["css_class"] = " ".join([*classes, settings["css_class"]])
    if "hl_lines" in options:
        settings["hl_lines"] = parse_hl_lines(options["hl_lines"])
    style = settings.pop("pygments_style", "default")
    highlighter = CodeHilite(source, lang=language or None, style=style, **settings)
    return str(highlighter.hilite(shebang=False))


# --- lists ---------------------------------------------------------------------------------


class _GfmListsExtension(Extension):
    """GFM's lists in Python-Markdown: blocks indented to the item's text, a list right after
    a paragraph line, spacing by list, and task-list boxes as characters."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # Markdown's API names it
        indentation = _GfmListIndentation(md)
        md.preprocessors.register(indentation, "gfm_list_indentation", _INDENTATION_PRIORITY)
        md.parser.blockprocessors.register(_ListAfterParagraph(md.parser),
                                           "gfm_list_after_paragraph", _AFTER_PARAGRAPH_PRIORITY)
        md.treeprocessors.register(_ListSpacing(md, indentation), "gfm_list_spacing",
                                   _LIST_SPACING_PRIORITY)
        md.treeprocessors.register(_TaskBoxes(md), "gfm_task_boxes", _TASK_BOX_PRIORITY)


# A list item's start: indentation, the marker, and the spaces after it (none at the end of the
# line). Python-Markdown's markers only: ``1)`` starts no list there.
_ITEM = re.compile(r"( {0,3})([*+-]|\d{1,9}\.)( +|$)")
# An item that may end a paragraph (GFM: a bullet, or an ordered list from 1, not empty).
_INTERRUPTING_ITEM = re.compile(r" {0,3}(?:[*+-]|1\.) +\S")
_INTERRUPTING_LINE = re.compile(rf"^{_INTERRUPTING_ITEM.pattern}", re.MULTILINE)
_THEMATIC_BREAK = re.compile(r" {0,3}(?:(?:\* *){3,}|(?:- *){3,}|(?:_ *){3,})$")
_OPENING_FENCE = re.compile(r" {0,3}(`{3,}(?!.*`)|~{3,})")
_OTHER_BLOCK = re.compile(r" {0,3}(?:#{1,6}(?: |$)|>)")
_QUOTED = re.compile(r" {0,3}> ?")
# HTML whose text is kept as written (CommonMark's HTML blocks of type 1).
_RAW_HTML = re.compile(r" {0,3}<(pre|script|style|textarea)(?=[\s>]|$)", re.IGNORECASE)
# A line opening display maths that it does not close (app.content.maths' delimiters).
_DISPLAY_MATHS_OPENING = re.compile(r" {0,3}(\$\$|\\\[)")
_MARKER_AS_TEXT = re.compile(r" *(?:([*+-])|\d{1,9}(\.))(?: |$)")


@dataclass
class _List:
    ordered: bool
    first_line: int  # in the output
    # GFM: a blank line between two items, or between two blocks of an item (not of a list
    # nested in it). A loose list's items hold paragraphs, a tight list's bare text.
    loose: bool = False


@dataclass
class _Item:
    text_column: int  # in the source: where the item's text starts
    list: _List


@dataclass
class _Fence:
    """Lines kept as written but for their indentation inside items: fenced code, or display
    maths (whose ``- x`` and ``+ y`` lines are TeX, not list items)."""

    closing: re.Pattern[str]
    level: int  # how many items hold it
    indent: int  # of the opening, inside the items: taken off each line of the fence
    maths: bool = False  # display maths: a line less indented goes on with it, as TeX

    @classmethod
    def opened(cls, opening: re.Match[str], level: int, column: int) -> _Fence:
        """The fence ``opening`` (``` or ~~~, three or more) starts inside ``level`` items whose
        text starts at ``column``."""
        marker = opening.group(1)
        closing = re.compile(rf" {{0,3}}{re.escape(marker[0])}{{{len(marker)},}} *$")
        return cls(closing, level, opening.start(1) - column)

    @classmethod
    def of_maths(cls, line: str, level: int, column: int) -> _Fence | None:
        """The display maths ``line`` opens and leaves open inside ``level`` items whose text
        starts at ``column`` (app.content.maths' delimiters), or None."""
        opening = _DISPLAY_MATHS_OPENING.match(line, column)
        if opening is None:
            return None
        closing = "$$" if opening.group(1) == "$$" else "\\]"
        if closing in line[opening.end():]:
            return None
        return cls(re.compile(rf".*?{re.escape(closing)}"), level, opening.start(1) - column,
                   maths=True)


@dataclass(frozen=True)
class SpacingMarks:
    """What ends the first line of each list, naming its spacing for :class:`_ListSpacing`."""

    tight: str = ""
    loose: str = ""


class _GfmListIndentation(Preprocessor):
    """Re-indent list items from GFM's columns to Python-Markdown's four spaces a level."""

    marks = SpacingMarks()

    def run(self, lines: list[str]) -> list[str]:
        # Stashed empty HTML: a mark left behind shows as nothing.
        self.marks = SpacingMarks(self.md.htmlStash.store(""), self.md.htmlStash.store(""))
        return reindent_gfm_lists(lines, marks=self.marks)


def reindent_gfm_lists(lines: list[str], *, marks: SpacingMarks | None = None) -> list[str]:
    """The lines of a GFM document (tabs expanded), list items re-indented for Python-Markdown.

    GFM nests by the column of an item's text: two spaces under ``- item``, three under
    ``1. item``. Python-Markdown nests by four spaces, so a nested list two spaces in became a
    sibling, and a fence inside an item left the list. Lines keep their text, but for the
    indentation inside items and a ``\\`` before a marker that GFM reads as text (``2. x``
    under a paragraph); a blank line goes where Python-Markdown needs one to end a block that
    GFM ends without (around a fence, before a line less nested). ``marks`` end the first line
    of each list, tight or loose as GFM reads it.
    """
    return _ListLines(marks or SpacingMarks()).read(lines)


class _ListLines:
    """One pass over the lines, keeping the list items open at each line."""

    def __init__(self, marks: SpacingMarks) -> None:
        self.marks = marks
        self.out: list[str] = []
        self.lists: list[_List] = []
        self.items: list[_Item] = []
        self.fence: _Fence | None = None
        self.paragraph_level: int | None = None  # the items around the paragraph going on
        self.block_level: int | None = None  # the items around the current block's first line
        self.blank_before_next = False
        self.after_blank = False
        self.code_open = False  # the last line was indented code

    def read(self, lines: list[str]) -> list[str]:
        index = 0
        while index < len(lines):
            line = lines[index]
            if not line.strip():
                self._blank()
            elif self.fence is not None and self._in_fence(line):
                pass
            elif _QUOTED.match(line) and not self._containing_level(_indent(line)):
                index = self._quote(lines, index)
                continue
            elif not self.items and (raw := _RAW_HTML.match(line)):
                index = self._raw_html(lines, index, raw.group(1))
                continue
            else:
                self._line(line)
            index += 1
        for each in self.lists:
            self.out[each.first_line] += self.marks.loose if each.loose else self.marks.tight
        return self.out

    def _blank(self) -> None:
        self.out.append("")
        self.block_level = None
        if self.fence is None:
            self.paragraph_level = None
            self.after_blank = True

    def _in_fence(self, line: str) -> bool:
        """Whether ``line`` is the fence's: its content or its closing."""
        fence = self.fence
        assert fence is not None
        column = self._column(fence.level)
        if fence.level and _indent(line) < column and not fence.maths:
            self.fence = None  # the item ended, and the fence with it
            return False
        start = min(column + fence.indent, _indent(line))
        self.out.append(" " * (_TAB * fence.level) + line[start:])
        if fence.closing.match(line, min(column, _indent(line))):
            self.fence = None
            self.blank_before_next = not fence.maths  # maths may go on in its paragraph
        return True

    def _quote(self, lines: list[str], index: int) -> int:
        """Re-indent the lists inside a quote, as a document of its own; returns the index of
        the line after the quote."""
        end = index
        while end < len(lines) and _QUOTED.match(lines[end]):
            end += 1
        inside = _ListLines(self.marks).read(
            [_QUOTED.sub("", line, count=1) for line in lines[index:end]])
        apart = bool(self.items)  # the quote ends the items open
        del self.items[:]
        self.after_blank = False
        for line in inside:
            self._emit(f"> {line}" if line else ">", level=0, apart=apart)
            apart = False
        self.paragraph_level = None
        # A list or another block right after the quote is not in it, as it is for
        # Python-Markdown; a paragraph's lazy line is.
        follower = lines[end] if end < len(lines) else ""
        self.blank_before_next = bool(_ITEM.match(follower) or _starts_block(follower))
        return end

    def _raw_html(self, lines: list[str], index: int, tag: str) -> int:
        """Copy an HTML element whose text is kept as written (``<pre>``) up to its end tag,
        as Python-Markdown will; returns the index of the line after it."""
        end_tag = re.compile(rf"</{tag}>", re.IGNORECASE)
        end = index
        while end < len(lines) and not end_tag.search(lines[end]):
            end += 1
        self.out += lines[index:end + 1]
        self.paragraph_level = self.block_level = None
        return end + 1

    def _line(self, line: str) -> None:
        level = self._containing_level(_indent(line))
        item = self._item(line, level)
        if item is None and self.paragraph_level is not None and level < self.paragraph_level \
                and not _starts_block(line, self._column(level)):
            # A lazy continuation line of the paragraph: it stays in the paragraph's item.
            self._emit(_as_text(self._moved(line, self.paragraph_level)),
                       level=self.paragraph_level, lazy=True)
            return
        closed = self.items[level:]
        del self.items[level:]
        if item is None:
            if self.code_open and _indent(line) >= self._column(level) + _TAB:
                self.after_blank = False  # a blank line inside indented code
            self._after_blank(level, continued=None)
            # Python-Markdown would take a line that ends items into the last of them.
            self._block_line(line, level, apart=bool(closed))
            return
        ordered = item.group(2)[0].isdigit()
        continued = closed[0].list if closed and closed[0].list.ordered == ordered else None
        self._after_blank(level, continued)
        # A bullet after a numbered item starts a new list in GFM; Python-Markdown (with
        # sane_lists) ends the old one only at a blank line.
        self._emit(" " * (_TAB * level) + item.group(2) + " " + line[item.end():], level=level,
                   apart=bool(closed) and continued is None)
        if continued is None:
            continued = _List(ordered, first_line=len(self.out) - 1)
            self.lists.append(continued)
        self.items.append(_Item(_text_column(item), continued))
        self.paragraph_level = level + 1

    def _after_blank(self, level: int, continued: _List | None) -> None:
        """After a blank line, a line inside ``level`` items makes a list loose: the list it
        continues with an item, else the list of the item it is in."""
        if not self.after_blank:
            return
        self.after_blank = False
        if continued is not None:
            continued.loose = True
        elif level:
            self.items[level - 1].list.loose = True

    def _block_line(self, line: str, level: int, *, apart: bool) -> None:
        """A line inside ``level`` items that starts no item: text, a fence, code..."""
        column = self._column(level)
        opening = _OPENING_FENCE.match(line, column) if _indent(line) >= column else None
        code = self.paragraph_level is None and _indent(line) >= column + _TAB
        moved = self._moved(line, level)
        maths = _Fence.of_maths(line, level, column) if not (opening or code) and \
            _indent(line) >= column else None
        if maths:
            self.fence = maths
        elif opening:
            # A fence's placeholder, alone in a block, becomes the fence; in a paragraph's
            # block it would be part of the paragraph. _ListSpacing undoes the list spacing
            # that the blank lines around it give.
            self.fence = _Fence.opened(opening, level, column)
            moved = " " * (_TAB * level) + line[opening.start(1):]
            apart = True
        elif code and level:
            # Indented code right after a fence or a heading in the item.
            apart = apart or not (self.code_open or self.out[-1:] == [""])
        elif level and not _starts_block(line, column):
            moved = _as_text(moved)
        self._emit(moved, level=level, apart=apart)
        self.code_open = code
        self.paragraph_level = None if opening or code or _starts_block(line, column) \
            else level

    def _emit(self, line: str, *, level: int, lazy: bool = False, apart: bool = False) -> None:
        """Write ``line``, after a blank line where Python-Markdown needs one to end a block
        that GFM ends without: when asked (``apart``), after a fence, and before a line less
        nested than the block's first (Python-Markdown would take it into the block's item)."""
        less_nested = not lazy and self.block_level is not None and level < self.block_level
        if self.out and self.out[-1] and (apart or self.blank_before_next or less_nested):
            self.out.append("")
            self.block_level = None
        self.blank_before_next = self.code_open = False
        if self.block_level is None:
            self.block_level = level
        self.out.append(line)

    def _containing_level(self, indent: int) -> int:
        """How many of the open items a line indented by ``indent`` belongs to."""
        level = len(self.items)
        while level and indent < self.items[level - 1].text_column:
            level -= 1
        return level

    def _item(self, line: str, level: int) -> re.Match[str] | None:
        """The start of a list item inside ``level`` items, if ``line`` is one."""
        item = _ITEM.match(line, self._column(level))
        if item is None or _THEMATIC_BREAK.match(line, item.start()):
            return None
        if self.paragraph_level == level and not _INTERRUPTING_ITEM.match(line, item.start()):
            return None  # "2. x" cannot end a paragraph: it is more of the paragraph's text
        return item

    def _column(self, level: int) -> int:
        return self.items[level - 1].text_column if level else 0

    def _moved(self, line: str, level: int) -> str:
        """``line`` inside ``level`` items, indented by Python-Markdown's four spaces a level
        instead of the items' text columns; indentation beyond those is kept."""
        if level == 0:
            return line
        return " " * (_TAB * level) + line[min(self._column(level), _indent(line)):]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _text_column(item: re.Match[str]) -> int:
    """GFM's column of an item's text: one space after the marker when more than four follow
    (the rest is indented code) or none (an empty first line)."""
    spaces = len(item.group(3))
    return item.end(2) + (spaces if 1 <= spaces <= 4 else 1)


def _as_text(line: str) -> str:
    """Paragraph text that Python-Markdown would read as a nested list's item (``2. x`` under
    a paragraph, which GFM keeps as text), its marker escaped: it shows as written."""
    marker = _MARKER_AS_TEXT.match(line)
    if marker is None:
        return line
    at = marker.start(1) if marker.group(1) else marker.start(2)
    return f"{line[:at]}\\{line[at:]}"


def _starts_block(line: str, column: int = 0) -> bool:
    """A heading, quote, rule or fence at ``column`` (the text column of the items around
    it): not a paragraph's lazy continuation."""
    return bool(_OTHER_BLOCK.match(line, column) or _THEMATIC_BREAK.match(line, column)
                or _OPENING_FENCE.match(line, column))


class _ListAfterParagraph(BlockProcessor):
    """End a paragraph at a line that starts a list, as GFM does; Python-Markdown reads the
    list as more of the paragraph's text."""

    def test(self, parent: etree.Element, block: str) -> bool:
        found = _INTERRUPTING_LINE.search(block)
        return found is not None and found.start() > 0 and not _THEMATIC_BREAK.match(
            block, found.start())

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        found = _INTERRUPTING_LINE.search(block)
        assert found is not None  # test() said so
        blocks.insert(0, block[found.start():])
        self.parser.parseBlocks(parent, [block[:found.start()].rstrip("\n")])


class _ListSpacing(Treeprocessor):
    """A list is loose or tight as a whole in GFM: a loose list's items hold paragraphs, a
    tight list's bare text. Python-Markdown decides item by item (``- a\n- b\n\n- c`` had
    ``a`` bare and ``b`` in a paragraph), and puts an item's text in a paragraph when a block
    follows it after a blank line. The indentation step marks each list tight or loose."""

    def __init__(self, md: markdown.Markdown, indentation: _GfmListIndentation) -> None:
        super().__init__(md)
        self.indentation = indentation

    def run(self, root: etree.Element) -> None:
        marks = self.indentation.marks
        lists = [element for element in root.iter() if element.tag in ("ul", "ol")]
        for element in lists:
            items = [child for child in element if child.tag == "li"]
            if items and _take_mark(items[0], marks.tight):
                for item in items:
                    _paragraphs_as_text(item)
            elif items and _take_mark(items[0], marks.loose):
                for item in items:
                    _text_in_paragraphs(item)


def _take_mark(item: etree.Element, mark: str) -> bool:
    """Whether the first line of ``item`` ends with ``mark``, taking it away."""
    for holder in (item, item[0] if len(item) else None):
        if mark and holder is not None and holder.text and mark in holder.text:
            holder.text = holder.text.replace(mark, "")
            return True
    return False


def _paragraphs_as_text(item: etree.Element) -> None:
    """A tight item's paragraphs as bare text, as Python-Markdown writes a tight item's."""
    previous: etree.Element | None = None
    for child in list(item):
        if child.tag != "p" or child.attrib or len(child):
            previous = child
            continue
        text = "\n".join(part for part in (child.text, child.tail) if part)
        if previous is None:
            item.text = "\n".join(part for part in (item.text, text) if part)
        else:
            previous.tail = "\n".join(part for part in (previous.tail, text) if part)
        item.remove(child)


def _text_in_paragraphs(item: etree.Element) -> None:
    """Put the bare text of a list item, before and between its blocks, in paragraphs, and
    take stashed blocks out of the paragraphs Python-Markdown put them in."""
    pieces: list[str | etree.Element] = [item.text or ""]
    for child in item:
        text_only = child.tag == "p" and len(child) == 0 and not child.attrib
        pieces += [(child.text or "") if text_only else child, child.tail or ""]
        child.tail = None
    item.text = None
    for child in list(item):
        item.remove(child)
    for piece in pieces:
        if isinstance(piece, str):
            for text in _paragraph_texts(piece):
                etree.SubElement(item, "p").text = text
        else:
            item.append(piece)


def _paragraph_texts(text: str) -> list[str]:
    """``text`` as paragraphs: a stashed block (a fence, display maths) alone on its line
    makes a paragraph of its own, which Python-Markdown then replaces by the block."""
    paragraphs: list[list[str]] = [[]]
    for line in text.strip().split("\n"):
        if HTML_PLACEHOLDER_RE.fullmatch(line.strip()):
            paragraphs += [[line.strip()], []]
        else:
            paragraphs[-1].append(line)
    return ["\n".join(lines).strip() for lines in paragraphs if "".join(lines).strip()]


class _TaskBoxes(Treeprocessor):
    """A task's box as ☑ or ☐: pymdownx.tasklist writes a disabled ``<input>``, which the
    sanitiser removes (an article holds no form controls), leaving the task unmarked."""

    def run(self, root: etree.Element) -> None:
        for item in root.iter("li"):
            if "task-list-item" not in item.get("class", "").split():
                continue
            holder = item if item.text else next(iter(item), None)
            placeholder = HTML_PLACEHOLDER_RE.match((holder.text or "") if holder is not None
                                                    else "")
            if placeholder is None:
                continue
            index = int(placeholder.group(1))
            checked = " checked" in self.md.htmlStash.rawHtmlBlocks[index]
            box = CHECKED_BOX if checked else UNCHECKED_BOX
            self.md.htmlStash.rawHtmlBlocks[index] = f'<span class="task-box">{box}</span> '
