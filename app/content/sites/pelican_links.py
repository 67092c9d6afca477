"""A Pelican article's body in plain Markdown: its intrasite links and code-block language
markers translated.

Pelican replaces ``{filename}path``, ``{static}path``, ``{attach}path`` (and the old
``|filename|path``), ``{tag}name``, ``{category}name``, ``{author}name`` and ``{index}`` in the
*rendered* HTML, in quoted attribute values only (pelican.contents.Content._update_content):
so here they are translated where a link's address is written (``[x]({filename}a.md)``,
``[ref]: {static}/images/a.png``, ``<img src="{static}a.png">``), never inside code. A path
starting with ``/`` is from the content folder (PATH); any other from the article's folder.
Articles and files are given as paths from the site's root (``/content/a.md``,
``/content/images/a.png``), which Folio's links and media resolve.

Python-Markdown's CodeHilite, which Pelican enables, reads a ``:::python`` (or ``#!python``)
first line of an indented code block as its language: such a block becomes a fenced one.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote

from app.content.nesting import code_spans
from app.content.problems import Notice
from app.content.slugs import slugify

# Where a link's address starts: a Markdown link `](`, a reference definition `[x]:`, a quoted
# HTML attribute Pelican looks in. Then the construct, in either spelling, maybe
# percent-encoded by an editor.
_LINK = re.compile(
    r"""(?P<lead>\]\([ \t]*<?|^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?"""
    r"""|\b(?i:href|src|poster|data|cite|formaction|action|content)[ \t]*=[ \t]*["'])"""
    r"""(?P<mark>(?:\{|%7[Bb]|\|)(?P<what>filename|static|attach|tag|category|author|index)"""
    r"""(?:\}|%7[Dd]|\|))""")
# A relative address where a link's address starts: not from the root, a fragment, another
# scheme or one of Pelican's constructs.
_RELATIVE = re.compile(
    r"""(?P<lead>\]\([ \t]*<?|^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?"""
    r"""|\b(?i:href|src|poster)[ \t]*=[ \t]*["'])"""
    r"""(?=[^\s"'<>()#/{|%?])(?![A-Za-z][\w+.-]*:)""")
_MARK = re.compile(r"(?:\{|%7[Bb]|\|)(?P<what>filename|static|attach|tag|category|author|index)"
                   r"(?:\}|%7[Dd]|\|)")
_LIQUID = re.compile(r"\{%-?\s*(?P<name>[A-Za-z_]\w*)(?P<rest>.*?)-?%\}")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^[ ]{0,3}(?:[-*+]|\d+[.)])(?:[ \t]|$)")
# CodeHilite's first-line marker (markdown.extensions.codehilite.CodeHilite._parseHeader).
_CODE_MARKER = re.compile(
    r"""(?:(?:^::+)|(?P<shebang>^[#]!))(?P<path>(?:/\w+)*[/ ])?(?P<lang>[\w#.+-]*)\s*"""
    r"""(hl_lines=(?P<quot>"|')(?P<hl_lines>.*?)(?P=quot))?""")
_TAXONOMY = {"tag": "tags", "category": "categories", "author": "authors"}
_FILES = ("filename", "static", "attach")


@dataclass
class Translation:
    """A body with Pelican's constructs translated, and what was translated and left."""

    body: str
    translated: Counter[str] = field(default_factory=Counter)
    left: Counter[str] = field(default_factory=Counter)
    notices: list[Notice] = field(default_factory=list)


def translate_body(body: str, body_line: int, rel: str, content_path: str, *,
                   code_markers: bool = True, served_from: str | None = None) -> Translation:
    """``body`` (starting at file line ``body_line``) of the file ``rel`` (from the site's
    root), its links translated; ``content_path``: Pelican's PATH from the root.
    ``code_markers``: also turn CodeHilite-marked indented blocks into fenced ones.
    ``served_from``: the folder of the old site the page was served from, where it is not
    the file's own folder (a page saved as ``index.html``): a relative address, which the
    browser read from there, becomes the address it led to (``/images/a.png``)."""
    result = Translation(body)
    lines = body.split("\n")
    kinds = _line_kinds(lines)
    if code_markers:
        lines, kinds = _fence_marked_blocks(lines, kinds, result)
    for index, line in enumerate(lines):
        if kinds[index] != _TEXT:
            continue
        if "{" in line or "|" in line or "%7" in line.upper():
            line = _translate_line(line, body_line + index, rel, content_path, result)
        if served_from is not None and ("(" in line or "=" in line or "]:" in line):
            line = _rebase_line(line, served_from, result)
        lines[index] = line
    result.body = "\n".join(lines)
    return result


_TEXT, _CODE, _MARKED = "text", "code", "marked"


def _line_kinds(lines: list[str]) -> list[str]:
    """Each line as text or code (fenced, indented at the top level, or indented twice in a
    list); the first line of a top-level indented block is ``marked`` when CodeHilite reads
    a language from it."""
    kinds = [_TEXT] * len(lines)
    index, in_list, blank_before, in_code = 0, False, True, False
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        fence = _FENCE.match(line)
        if fence is not None:
            end = next((n for n in range(index + 1, len(lines))
                        if lines[n].startswith(fence.group(1))
                        and not lines[n][len(fence.group(1)):].strip()), None)
            if end is not None:
                kinds[index:end + 1] = [_CODE] * (end + 1 - index)
                index, in_list, blank_before, in_code = end + 1, False, False, False
                continue
        indent = _indent(line)
        if not stripped:
            blank_before = True
            index += 1
            continue
        if indent >= 4 and ((blank_before or in_code) and (not in_list or indent >= 8)):
            kinds[index] = _CODE
            if not in_list and not in_code and _CODE_MARKER.match(_dedent(line)):
                kinds[index] = _MARKED
            in_code = True
        else:
            in_code = False
            if _LIST_ITEM.match(line):
                in_list = True
            elif indent < 4 and blank_before:
                in_list = False
        blank_before = False
        index += 1
    return kinds


def _indent(line: str) -> int:
    width = 0
    for character in line:
        if character == " ":
            width += 1
        elif character == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _dedent(line: str) -> str:
    if line.startswith("\t"):
        return line[1:]
    return line[4:] if line.startswith("    ") else line.lstrip(" ")


def _fence_marked_blocks(lines: list[str], kinds: list[str],
                         result: Translation) -> tuple[list[str], list[str]]:
    """Each top-level indented block whose first line is a CodeHilite marker as a fenced
    block of that language. The blank line before the block takes the opening fence and the
    marker's line goes, so the lines after the block keep their numbers."""
    out: list[str] = []
    out_kinds: list[str] = []
    index = 0
    while index < len(lines):
        if kinds[index] != _MARKED:
            out.append(lines[index])
            out_kinds.append(kinds[index])
            index += 1
            continue
        end = index + 1
        while end < len(lines) and (kinds[end] == _CODE or not lines[end].strip()):
            end += 1
        while end > index + 1 and not lines[end - 1].strip():
            end -= 1  # trailing blank lines are not the block's
        marker = _CODE_MARKER.match(_dedent(lines[index]))
        assert marker is not None
        code = [_dedent(line) if line.strip() else "" for line in lines[index + 1:end]]
        if marker.group("path"):
            code.insert(0, _dedent(lines[index]))  # `#!/usr/bin/python` stays, as CodeHilite
        ticks = max([3] + [len(m.group(0)) + 1 for line in code
                           if (m := re.match(r"`{3,}", line))])
        opening = "`" * ticks + marker.group("lang").lower()
        if marker.group("hl_lines"):
            opening += f' hl_lines="{marker.group("hl_lines")}"'
        if out and not out[-1].strip():
            out.pop()
            out_kinds.pop()
        elif out:
            out_kinds.append(_TEXT)
            out.append("")
        out += [opening, *code, "`" * ticks]
        out_kinds += [_CODE] * (len(code) + 2)
        result.translated["codehilite"] += 1
        index = end
    return out, out_kinds


def _translate_line(line: str, number: int, rel: str, content_path: str,
                    result: Translation) -> str:
    spans = code_spans(line)
    pieces: list[str] = []
    position = 0
    for match in _LINK.finditer(line):
        start = match.start("mark")
        if start < position or any(a <= start < b for a, b in spans):
            continue
        end = _value_end(line, match.end("mark"), match.group("lead"))
        what = match.group("what")
        value = line[match.end("mark"):end]
        target = _target(what, value, rel, content_path)
        if target is None:
            continue
        pieces += [line[position:start], target]
        position = end
        result.translated[what] += 1
    pieces.append(line[position:])
    line = "".join(pieces)
    _report_left(line, number, result)
    return line


def _rebase_line(line: str, served_from: str, result: Translation) -> str:
    """The line's relative addresses as the old site's browser read them."""
    spans = code_spans(line)
    pieces: list[str] = []
    position = 0
    for match in _RELATIVE.finditer(line):
        start = match.end("lead")
        if start < position or any(a <= start < b for a, b in spans):
            continue
        end = _value_end(line, start, match.group("lead"))
        value = line[start:end]
        cut = min((i for i in (value.find("?"), value.find("#")) if i != -1),
                  default=len(value))
        path = value[:cut]
        if not path:
            continue
        rebased = posixpath.normpath("/" + posixpath.join(served_from, path).lstrip("/"))
        if path.endswith("/") and rebased != "/":
            rebased += "/"  # a folder's address keeps its slash
        pieces += [line[position:start], rebased + value[cut:]]
        position = end
        result.translated["relative address"] += 1
    pieces.append(line[position:])
    return "".join(pieces)


def _value_end(line: str, start: int, lead: str) -> int:
    """Where the address that starts at ``start`` ends: at the closing quote of an
    attribute, the ``>`` of ``<...>``, white space in a reference definition; in a link, at
    its ``)`` or the white space before its quoted title (Python-Markdown takes spaces into a
    link's address: ``[Ada]({author}Ada Lovelace)``)."""
    closing = lead[-1]
    if closing in "\"'<":
        end = line.find(">" if closing == "<" else closing, start)
        return len(line) if end == -1 else end
    in_link = lead.startswith("]")
    depth = 0
    for position in range(start, len(line)):
        character = line[position]
        if character.isspace() and (not in_link or line[position:].lstrip()[:1] in "\"'"):
            return position
        if character == "(":
            depth += 1
        elif character == ")":
            if depth == 0:
                return len(line[:position].rstrip())
            depth -= 1
    return len(line)


def link_target(written: str, rel: str, content_path: str) -> str | None:
    """Where ``{filename}path`` (or another construct, whole) leads in Folio; None when
    ``written`` is no construct, or leads nowhere."""
    match = _MARK.match(written)
    if match is None:
        return None
    return _target(match.group("what"), written[match.end():], rel, content_path)


def _target(what: str, value: str, rel: str, content_path: str) -> str | None:
    """Where ``{what}value`` leads in Folio; None to leave it as written."""
    cut = min((i for i in (value.find("?"), value.find("#")) if i != -1), default=len(value))
    path, rest = value[:cut], value[cut:]
    if what == "index":
        return "/" + rest if not path else None
    if what in _TAXONOMY:
        slug = slugify(unquote(path))
        return f"/{_TAXONOMY[what]}/{slug}{rest}" if slug else None
    if not path:
        return rest or None
    if path.startswith("/"):
        joined = posixpath.join(content_path, path.lstrip("/"))
    else:
        joined = posixpath.join(posixpath.dirname(rel), path)
    normal = posixpath.normpath(joined)
    return ("/" if normal == "." else "/" + normal) + rest


def _report_left(line: str, number: int, result: Translation) -> None:
    """Constructs still in the line (outside code spans): each a notice."""
    spans = code_spans(line)
    for match in _MARK.finditer(line):
        if any(a <= match.start() < b for a, b in spans):
            continue
        what = match.group("what")
        if match.group(0).startswith("|") and what not in _FILES:
            continue  # `|index|name|`: a table's cells, not Pelican's old spelling
        result.left[what] += 1
        result.notices.append(Notice(
            number, f"{match.group(0)} is left as text: Pelican replaces it only in a link's "
            "address", "write the link as [text]({filename}path), or as a plain address"))
    for match in _LIQUID.finditer(line):
        if any(a <= match.start() < b for a, b in spans):
            continue
        name = match.group("name")
        result.left[name] += 1
        result.notices.append(_liquid_notice(number, name, match.group("rest").strip()))


def _liquid_notice(number: int, name: str, rest: str) -> Notice:
    if name == "notebook":
        return Notice(number, f"{{% notebook {rest} %}} (Pelican's liquid_tags) is left as "
                      "text: the site's PLUGINS do not name liquid_tags, or the notebook is "
                      "not in NOTEBOOK_DIR", "add liquid_tags to PLUGINS, or put the notebook "
                      "in NOTEBOOK_DIR (default: notebooks, in PATH)")
    return Notice(number, f"{{% {name} %}} (Pelican's liquid_tags plugin) is left as text",
                  "replace it with Markdown or HTML")
