"""Jekyll's Liquid and kramdown in a body, translated into the Markdown Folio renders.

Pure functions of the body's text and the site's values (:class:`SiteValues`): nothing here
reads a file. Jekyll runs Liquid over a file, then kramdown over what Liquid wrote; so does
:func:`translate`: first the Liquid pass (:class:`_Liquid`, line by line), then the kramdown
rules (:func:`translate_kramdown`).

What has one certain meaning is translated in place, keeping the body's line count where it
can (notices, links and images carry file lines):

* ``{% highlight lang [linenos] %}...{% endhighlight %}`` becomes a fenced code block, which
  Folio highlights (line numbers are not shown);
* ``{% raw %}...{% endraw %}`` is literal text, its Liquid shown as written and not reported;
  ``{% comment %}...{% endcomment %}`` is removed, as Jekyll removes it;
* ``{% post_url name %}`` and ``{% link path %}`` become the site-root path of the target's
  source file (``/_posts/2018-01-01-name.md``), which the link resolution of the whole import
  turns into the post's address;
* ``{{ site.baseurl }}``, ``{{ site.url }}``, ``relative_url``, ``absolute_url``,
  ``{{ site.X }}`` and ``{{ page.X }}`` take their values. One rule for the site's own
  addresses (:func:`site_address`): a reference to a *file* of the site loses the base URL
  (``/lil-log/assets/a.png`` is ``/assets/a.png``), because Folio stores and serves the file
  itself; a reference to a *page* keeps it, so it leads to the old address, which answers 301.

Liquid inside fenced code and code spans is what an author shows: it stays as written and is
not reported (only the ``raw`` markers go, as Jekyll drops them). Anything else (``{% include
%}``, loops, unknown variables) stays visible as text, counted in ``left``, with one notice per
construct and file.

kramdown (:func:`translate_kramdown`; the tests compare with kramdown itself): attribute lists
(``{: .class}``, ``{:target="_blank"}``) are dropped, as Folio's sanitiser decides what an
element may carry; a ``{:toc}`` list is dropped, Folio shows its own table of contents;
``{::comment}`` and ``{::options /}`` go, ``{::nomarkdown}`` is unwrapped; ``$$`` is display
maths only where kramdown makes it a block, inline maths (``\\(...\\)``) anywhere else; each
heading keeps the id kramdown gave it, so an old link to a part of a post still lands there.
``<a name="x">`` anchors become ids, which the sanitiser keeps.

Every rule runs in time linear in the body: a hostile file (a line of ten thousand unclosed
``{%``) costs one pass, not one per opening.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from posixpath import splitext
from typing import Any

from app.content.media import PAGE_SUFFIXES
from app.content.nesting import code_spans
from app.content.problems import Notice

HINT = "Folio runs no Liquid: write it as Markdown or HTML, or remove it"
BLOCK_TAGS = ("raw", "highlight", "comment")
_END = {name: re.compile(r"\{%-?\s*end" + name + r"\s*-?%\}") for name in BLOCK_TAGS}
_RAW_MARKER = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_FENCE_RUN = re.compile(r"^[ \t]*(`+|~+)")
_QUOTED = re.compile(r"""^(?:'([^']*)'|"([^"]*)")$""")
_VARIABLE = re.compile(r"^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*$")
# Where a path written after {{ site.baseurl }} ends: at a quote, a bracket or a space.
_PATH = re.compile(r"""^/[^\s"'()<>{}\[\]]*""")
_SHOWN = 60  # longer constructs are cut short in messages


@dataclass(frozen=True)
class SiteValues:
    """What a body's Liquid may refer to: the site's settings and documents."""

    baseurl: str = ""  # "/lil-log", or "" for a site at the root
    url: str = ""  # "https://lilianweng.github.io"
    site: Mapping[str, Any] = field(default_factory=dict)  # _config.yml, for {{ site.X }}
    posts: Mapping[str, str] = field(default_factory=dict)  # post_url names -> source path
    documents: frozenset[str] = frozenset()  # source paths {% link %} may name
    # How kramdown names headings (auto_ids): "gfm" (its GFM input's rule, Jekyll's
    # default), "kramdown" (its own input's), or None (auto_ids: false).
    heading_ids: str | None = "gfm"


@dataclass
class Translation:
    """A translated body, what was translated and left by construct name, and the notices
    (lines of the body, from 1)."""

    body: str
    translated: Counter[str] = field(default_factory=Counter)
    left: Counter[str] = field(default_factory=Counter)
    notices: list[Notice] = field(default_factory=list)

    def done(self, name: str, count: int = 1) -> None:
        if count:
            self.translated[name] += count

    def leave(self, name: str, line: int, message: str, hint: str = HINT) -> None:
        """Count a construct left as text; the first of each name in a file is reported."""
        if not self.left[name]:
            self.notices.append(Notice(line, message, hint))
        self.left[name] += 1


def translate(body: str, values: SiteValues, page: Mapping[str, Any] | None = None, *,
              markdown: bool = True) -> Translation:
    """``body`` with its Liquid (and, for a Markdown file, kramdown) translated; ``page``:
    the file's front matter, for ``{{ page.X }}``."""
    result = Translation(body)
    result.body = anchor_ids(_Liquid(values, page or {}, result).run(body), result)
    if markdown:
        result.body = translate_kramdown(result.body, result, values.heading_ids)
    return result


_NAMED_ANCHOR = re.compile(r"<a(\s[^<>]{0,500}?)?\sname=(\"[^\"<>]*\"|'[^'<>]*')([^<>]{0,500})>",
                           re.IGNORECASE)


def anchor_ids(body: str, result: Translation) -> str:
    """``<a name="x">`` outside fenced code written ``<a id="x">``: the same target for a
    link's ``#x`` (Folio's sanitiser keeps ids, not the old ``name``)."""
    if "name=" not in body.lower():
        return body
    lines, fence = body.split("\n"), None
    for index, line in enumerate(lines):
        if fence is None and "name=" in line.lower() and not FENCE.match(line):
            lines[index] = _NAMED_ANCHOR.sub(lambda m: _anchor_with_id(m, result), line)
        fence = _fence_after(line, fence)
    return "\n".join(lines)


def _anchor_with_id(match: re.Match[str], result: Translation) -> str:
    before, name, after = match.group(1) or "", match.group(2), match.group(3)
    if re.search(r"\sid=", before + " " + after, re.IGNORECASE):
        return match.group(0)
    result.done("named anchors")
    return f"{match.group(0)[:2]}{before} id={name}{after}>"


def mark_excerpt(body: str, separator: str, more: str = "<!--more-->") -> str:
    """The body with the first ``separator`` (a post's or the site's ``excerpt_separator``)
    outside fenced code written as Folio's ``<!--more-->``; Jekyll's default separator, a
    blank line, ends the first paragraph, which is Folio's excerpt already."""
    if not separator.strip() or separator == more or more in body:
        return body
    offset, fence = 0, None
    for line in body.split("\n"):
        fence = _fence_after(line, fence)
        found = line.find(separator) if fence is None and not FENCE.match(line) else -1
        if found != -1:
            start = offset + found
            return body[:start] + more + body[start + len(separator):]
        offset += len(line) + 1
    return body


def _fence_after(line: str, fence: str | None) -> str | None:
    """The fence open after ``line``, given the one open before it."""
    if fence is not None:
        return None if closes_fence(line, fence) else fence
    opening = FENCE.match(line)
    return opening.group(1) if opening else None


def closes_fence(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def site_address(path: str, values: SiteValues, *, absolute: bool = False) -> str:
    """What Jekyll's ``relative_url`` (``absolute``: ``absolute_url``) of a path of the site
    becomes: a file's path from the site root, which Folio stores and serves; a page's old
    address, with the base URL (and the site's URL), which answers 301."""
    if not path.startswith("/"):
        path = "/" + path
    if is_file_path(path):
        return path
    return (values.url if absolute else "") + values.baseurl + path


def is_file_path(path: str) -> bool:
    """Whether a site path names a file (an image, a PDF) rather than a page."""
    bare = path.split("#", 1)[0].split("?", 1)[0]
    if bare.endswith("/"):
        return False
    return splitext(bare)[1].lower() not in PAGE_SUFFIXES


def post_url(name: str, posts: Mapping[str, str]) -> str | None:
    """The source path ``{% post_url name %}`` names (``/_posts/2018-01-01-a.md``), or
    None. ``posts`` holds every name Jekyll accepts for each post (``configure`` builds it)."""
    found = posts.get(name.strip().lstrip("/"))
    return "/" + found if found else None


def link_target(path: str, documents: frozenset[str]) -> str | None:
    """The source path ``{% link path %}`` names: a document of the site (a post or a page)
    by its path from the root, or a file of the site (an image, a PDF), which the media
    store finds or reports; None for a document that is not there."""
    rel = path.strip().lstrip("/")
    if rel in documents:
        return "/" + rel
    if rel and is_file_path("/" + rel) and not rel.lower().endswith((".md", ".markdown")):
        return "/" + rel
    return None


def highlight_fence(code: list[str]) -> str:
    """A fence longer than any run of backticks starting a line of ``code``."""
    longest = max((len(m.group(1)) for line in code if (m := _FENCE_RUN.match(line))
                   and m.group(1)[0] == "`"), default=0)
    return "`" * max(3, longest + 1)


def highlight_language(arguments: str) -> str:
    """The language of ``{% highlight python linenos %}`` (its options are dropped)."""
    words = arguments.split()
    return words[0] if words and re.fullmatch(r"[\w#+.-]+", words[0]) else ""


def shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN - 3] + "..."


@dataclass(frozen=True)
class _Token:
    """A Liquid tag (``{% %}``) or output (``{{ }}``) on one line."""

    start: int
    end: int
    tag: bool
    inner: str  # between the delimiters, without whitespace control or spaces

    @property
    def name(self) -> str:
        return self.inner.split(None, 1)[0] if self.inner else ""

    @property
    def arguments(self) -> str:
        parts = self.inner.split(None, 1)
        return parts[1] if len(parts) > 1 else ""


def tokens(line: str) -> Iterator[_Token]:
    """The Liquid tags and outputs of ``line``, in order. Linear: each kind's next opening is
    looked for once, and an opening that is never closed ends the search for its kind (no
    later one can close either)."""
    position = 0
    following = {opening: line.find(opening) for opening in ("{%", "{{")}
    while True:
        for opening, start in following.items():
            if -1 < start < position:
                following[opening] = line.find(opening, position)
        found = [(start, opening) for opening, start in following.items() if start != -1]
        if not found:
            return
        start, opening = min(found)
        end = line.find("%}" if opening == "{%" else "}}", start + 2)
        if end == -1:
            following[opening] = -1
            continue
        inner = line[start + 2:end].strip().strip("-").strip()
        yield _Token(start, end + 2, opening == "{%", inner)
        position = end + 2


class CodeSpans:
    """The code spans of a line, asked whether they cover a position (by bisection: a line
    may hold thousands)."""

    def __init__(self, line: str) -> None:
        self.spans = code_spans(line)
        self.starts = [start for start, _ in self.spans]

    def cover(self, position: int) -> bool:
        index = bisect_right(self.starts, position) - 1
        return index >= 0 and position < self.spans[index][1]


class _Ends:
    """Where the end tags of the blocks (``{% endraw %}``...) are on one line."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.found: dict[str, tuple[list[int], list[re.Match[str]]]] = {}

    def after(self, name: str, position: int) -> re.Match[str] | None:
        if name not in self.found:
            ends = list(_END[name].finditer(self.line))
            self.found[name] = ([end.start() for end in ends], ends)
        starts, ends = self.found[name]
        index = bisect_left(starts, position)
        return ends[index] if index < len(ends) else None


@dataclass(frozen=True)
class _Prefix:
    """``{{ site.baseurl }}`` or ``{{ site.url }}``: kept or dropped by what follows."""

    name: str
    value: str


@dataclass(frozen=True)
class _Source:
    """The source path a ``post_url`` or ``link`` became: the base URL before it goes."""

    path: str


_Piece = str | _Prefix | _Source


@dataclass
class _Block:
    name: str
    indent: str = ""
    fence: str = ""


class _Liquid:
    """One pass over a body's lines, with the code fence or Liquid block open at each."""

    def __init__(self, values: SiteValues, page: Mapping[str, Any],
                 result: Translation) -> None:
        self.values = values
        self.page = page
        self.result = result
        self.out: list[str] = []
        self.lines: list[str] = []
        self.index = 0
        self.fence: str | None = None
        self.block: _Block | None = None
        self.last_end: dict[str, int] = {}

    def run(self, body: str) -> str:
        self.lines = body.split("\n")
        for name, pattern in _END.items():
            self.last_end[name] = max((n for n, line in enumerate(self.lines)
                                       if pattern.search(line)), default=-1)
        for index, line in enumerate(self.lines):
            self.index = index
            if self.fence is not None:
                self.out.append(self._unraw(line))
                if closes_fence(line, self.fence):
                    self.fence = None
            elif self.block is not None:
                self._block_line(line)
            elif opening := FENCE.match(line):
                self.fence = opening.group(1)
                self.out.append(self._unraw(line))
            elif "{" not in line:
                self.out.append(line)
            else:
                self._text(line)
        return "\n".join(self.out)

    @property
    def line(self) -> int:
        return self.index + 1

    def _unraw(self, line: str) -> str:
        """Code as written, but for the raw markers, which Jekyll never shows."""
        bare, count = _RAW_MARKER.subn("", line)
        self.result.done("raw", count)
        return bare

    def _block_line(self, line: str) -> None:
        assert self.block is not None
        block = self.block
        end = _END[block.name].search(line)
        if end is None:  # a comment's lines go, a raw block's stay as written, code is code
            kept = {"comment": "", "raw": line}.get(block.name)
            self.out.append(kept if kept is not None else self._unraw(line))
            return
        self.block = None
        before, after = line[:end.start()], line[end.end():]
        if block.name == "highlight":
            if before.strip():
                self.out.append(self._unraw(before))
            self.out.append(block.indent + block.fence)
            if after.strip():
                self._text(after)
        else:
            self._text(after, before if block.name == "raw" else "")

    def _text(self, line: str, literal: str = "") -> None:
        """A line outside code: its Liquid translated, or left and reported."""
        code, ends = CodeSpans(line), _Ends(line)
        pieces: list[_Piece] = [literal]
        position = 0
        for token in tokens(line):
            if token.start < position:
                continue
            inside_code = code.cover(token.start)
            if inside_code and not (token.tag and token.name in ("raw", "endraw")):
                continue
            pieces.append(line[position:token.start])
            position = token.end
            if inside_code:
                self.result.done("raw")
            elif token.tag and token.name in BLOCK_TAGS:
                position = self._open(token, line, pieces, ends)
                if position < 0:
                    return
            else:
                pieces.append(self._construct(token, line))
        pieces.append(line[position:])
        self.out.append(_joined(pieces, self.values))

    def _open(self, token: _Token, line: str, pieces: list[_Piece], ends: _Ends) -> int:
        """A raw, comment or highlight block opening at ``token``: where the line goes on
        (the block closed on it), or -1 when the block takes the rest of the line."""
        name = token.name
        end = ends.after(name, token.end)
        if end is None and self.last_end[name] <= self.index:
            self.result.leave(name, self.line, f"{{% {name} %}} is never closed "
                              f"({{% end{name} %}}); shown as text",
                              f"close it with {{% end{name} %}}")
            pieces.append(line[token.start:token.end])
            return token.end
        self.result.done(name)
        if name == "highlight":
            self._highlight(token, line, pieces, end)
            return -1
        inner_end = end.start() if end else len(line)
        if name == "raw":
            pieces.append(line[token.end:inner_end])
        if end is not None:
            return end.end()
        self.block = _Block(name)
        self.out.append(_joined(pieces, self.values))
        return -1

    def _highlight(self, token: _Token, line: str, pieces: list[_Piece],
                   end: re.Match[str] | None) -> None:
        before = _joined(pieces, self.values)
        indent = before if not before.strip() else ""
        if before.strip():
            self.out.append(before)
        code = line[token.end:end.start() if end else len(line)]
        following = [] if end else self.lines[self.index + 1:self.last_end["highlight"] + 1]
        fence = highlight_fence([code, *following])
        self.out.append(indent + fence + highlight_language(token.arguments))
        if code.strip():
            self.out.append(indent + self._unraw(code))
        if end is None:
            self.block = _Block("highlight", indent, fence)
            return
        self.out.append(indent + fence)
        if line[end.end():].strip():
            self._text(line[end.end():])

    def _construct(self, token: _Token, line: str) -> _Piece:
        """A tag or output translated, or its text with a notice."""
        written = line[token.start:token.end]
        if token.tag and token.name in ("post_url", "link"):
            target = (post_url(token.arguments, self.values.posts) if token.name == "post_url"
                      else link_target(token.arguments, self.values.documents))
            if target is not None:
                self.result.done(token.name)
                return _Source(target)
            self.result.leave(token.name, self.line, f"{shown(written)}: there is no "
                              f"{'post' if token.name == 'post_url' else 'file'} "
                              f"{token.arguments.strip()} in the site; shown as text",
                              "check the name against the files in _posts/"
                              if token.name == "post_url" else "check the path from the "
                              "site's root folder")
            return written
        if not token.tag:
            value = _Output(self.values, self.page).evaluate(token.inner)
            if value is not None:
                self.result.done(_output_name(token.inner))
                return value
        name = _tag_name(token.name) if token.tag else _output_name(token.inner)
        self.result.leave(name, self.line, f"{shown(written)} is not translated; shown as text")
        return written


def _tag_name(name: str) -> str:
    """``for`` for ``{% endfor %}`` too: a block is one construct."""
    return name[3:] if name.startswith("end") and len(name) > 3 else name


def _output_name(expression: str) -> str:
    """How an output is counted: by its variable (``site.baseurl``, ``page``, ``post.url``)
    or by its filter (``relative_url``)."""
    parts = [part.strip() for part in expression.split("|")]
    filters = [part.split(":", 1)[0].strip() for part in parts[1:]]
    for name in ("relative_url", "absolute_url"):
        if name in filters:
            return name
    head = parts[0]
    if head in ("site.baseurl", "site.url"):
        return head
    if head.startswith(("site.", "page.")):
        return head.split(".", 1)[0] + " variable"
    return shown(head or expression)


class _Output:
    """``{{ expression }}``: a string or a variable of the site or page, through a few
    filters whose result is certain; None for anything else."""

    def __init__(self, values: SiteValues, page: Mapping[str, Any]) -> None:
        self.values = values
        self.page = page

    def evaluate(self, expression: str) -> _Piece | None:
        parts = [part.strip() for part in _split_filters(expression)]
        value = self._primary(parts[0])
        for part in parts[1:]:
            if value is None:
                return None
            value = self._filter(value, part)
        return value

    def _primary(self, text: str) -> _Piece | None:
        quoted = _QUOTED.match(text)
        if quoted:
            return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
        if text in ("site.baseurl", "site.url"):
            name = text.split(".")[1]
            return _Prefix(name, self.values.baseurl if name == "baseurl" else self.values.url)
        if not _VARIABLE.match(text):
            return None
        root, _, path = text.partition(".")
        source = {"site": self.values.site, "page": self.page}.get(root)
        if source is None or not path or path == "date":
            return None
        return _scalar(source, path.split("."))

    def _filter(self, value: _Piece, text: str) -> _Piece | None:
        name, _, argument = (part.strip() for part in text.partition(":"))
        written = value.value if isinstance(value, _Prefix) else value
        if not isinstance(written, str):
            return None
        if name in ("relative_url", "absolute_url"):
            if "://" in written or written.startswith("//"):
                return written
            return site_address(written, self.values, absolute=name == "absolute_url")
        if name in ("prepend", "append", "default"):
            given = self._primary(argument)
            extra = given.value if isinstance(given, _Prefix) else given
            if not isinstance(extra, str):
                return None
            if name == "default":
                return written or extra
            return extra + written if name == "prepend" else written + extra
        return None


def _split_filters(expression: str) -> list[str]:
    """``'a|b' | append: "c"`` split at the pipes outside quotes."""
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    for character in expression:
        if quote:
            quote = "" if character == quote else quote
        elif character in "'\"":
            quote = character
        elif character == "|":
            parts.append("".join(current))
            current = []
            continue
        current.append(character)
    return [*parts, "".join(current)]


def _scalar(source: Mapping[str, Any], path: list[str]) -> str | None:
    """The text of a scalar setting at ``path`` (``author.name``), or None."""
    value: Any = source
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _joined(pieces: list[_Piece], values: SiteValues) -> str:
    """The pieces of a line as text: each base URL kept or dropped by what follows it (read
    from the end, so a run of them costs one pass)."""
    text = [""] * len(pieces)
    after: _Piece = ""
    for index in range(len(pieces) - 2):
        # `{{ site.baseurl }} {% post_url x %}`: Jekyll wrote a space into the address, a
        # typo that broke the link there; the link is meant, so the space goes with the base.
        first, middle, last = pieces[index:index + 3]
        if isinstance(first, _Prefix) and isinstance(last, _Source) \
                and isinstance(middle, str) and middle.strip(" \t") == "":
            pieces[index + 1] = ""
    for index in range(len(pieces) - 1, -1, -1):
        piece = pieces[index]
        if isinstance(piece, _Prefix):
            text[index] = _prefix_value(piece, after)
            continue
        text[index] = piece.path if isinstance(piece, _Source) else piece
        if piece != "":
            after = piece
    return "".join(text)


def _prefix_value(prefix: _Prefix, after: _Piece) -> str:
    """``{{ site.baseurl }}`` (or ``{{ site.url }}``) before a post_url or link, or before a
    file's path, is dropped (:func:`site_address`); anywhere else it is its value."""
    if isinstance(after, _Source):
        return ""
    path = _PATH.match(after) if isinstance(after, str) else None
    if path is not None and is_file_path(path.group(0)):
        return ""
    return prefix.value


# kramdown: what Jekyll's Markdown adds to Markdown. Attribute lists style what Folio's
# sanitiser and stylesheet decide; kramdown's table of contents is Folio's own; its maths
# is Folio's maths, written the way Folio reads inline and display maths.
# Bounded: an attribute list is short, and a long line of {: never closed must not cost
# a search to its end from each of them.
_IAL_LINE = re.compile(r"^[ \t]*\{:(?!:)(?:\\\}|[^}\n]){0,500}\}[ \t]*$")
_TOC_LINE = re.compile(r"^[ \t]*\{:\s*toc\s*\}[ \t]*$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[*+-]|\d+\.)[ \t]+\S")
_EXTENSION = re.compile(r"\{::(\w+)[^}]*?(/?)\}")
_EXTENSION_END = re.compile(r"\{:/(\w*)\}")
_LONGEST_ATTRIBUTES = 500
# What may come before display maths on its line: indentation, quote and list markers.
_BLOCK_START = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:(?:[*+-]|\d+\.)[ \t]+)?$")


def translate_kramdown(body: str, result: Translation, heading_ids: str | None = "gfm") -> str:
    """The kramdown of ``body`` outside fenced code made into Folio's Markdown, line for
    line: attribute lists and ``{:toc}`` lists removed (Folio shows its own table of
    contents), ``{::comment}`` and ``{::options /}`` removed, ``{::nomarkdown}`` unwrapped,
    ``$$`` maths in running text written as inline maths, and each heading given the id
    kramdown gave it (``heading_ids``: :func:`heading_id`), so old links to a part of a
    post still land there."""
    lines = body.split("\n")
    last_end = max((n for n, line in enumerate(lines) if "{:/" in line), default=-1)
    fence: str | None = None
    extension: str | None = None
    for index, line in enumerate(lines):
        if fence is not None or (extension is None and FENCE.match(line)):
            fence = _fence_after(line, fence)
            continue
        if extension is None and "{" not in line:
            continue
        line, extension = kramdown_extensions(line, extension, index < last_end, result)
        if _TOC_LINE.match(line) and index and _LIST_ITEM.match(lines[index - 1]):
            lines[index - 1] = line = ""
            result.done("kramdown toc")
        elif _IAL_LINE.match(line):
            line = ""
            result.done("kramdown attributes")
        lines[index] = drop_span_attributes(line, result)
    inline_maths(lines, result)
    if heading_ids is not None:
        name_headings(lines, heading_ids, result)
    return "\n".join(lines)


def kramdown_extensions(line: str, open_name: str | None, closed_later: bool,
                        result: Translation) -> tuple[str, str | None]:
    """``line`` without kramdown's extensions, and the extension still open after it
    (``open_name`` was open before it). ``{::comment}`` takes its text along; ``{::options
    /}`` is removed; ``{::nomarkdown}`` and any other leave their text as it is.
    ``closed_later``: some later line closes an extension (one that is never closed is
    text, as kramdown shows it)."""
    if "{:" not in line:
        return ("" if open_name == "comment" else line), open_name
    ends = list(_EXTENSION_END.finditer(line))
    end_starts = [end.start() for end in ends]
    openings = _braces(line, "{::")
    kept: list[str] = []
    position, name = 0, open_name
    while True:
        if name is not None:
            index = bisect_left(end_starts, position)
            end = ends[index] if index < len(ends) else None
            stop = end.start() if end else len(line)
            if name != "comment":
                kept.append(line[position:stop])
            if end is None:
                return "".join(kept), name
            position, name = end.end(), None
            continue
        start = next((found for found in openings if found[0] >= position), None)
        opening = _EXTENSION.fullmatch(line, *start) if start else None
        if start is None or opening is None:
            if start is not None:
                continue
            kept.append(line[position:])
            return "".join(kept), None
        block = opening.group(2) != "/" and opening.group(1) != "options"
        if block and not closed_later and bisect_left(end_starts, start[1]) == len(ends):
            kept.append(line[position:])  # never closed: kramdown shows it as text
            return "".join(kept), None
        kept.append(line[position:start[0]])
        result.done("kramdown " + opening.group(1))
        position = start[1]
        name = opening.group(1) if block else None


def _braces(line: str, opening: str) -> Iterator[tuple[int, int]]:
    """Each ``opening ... }`` of ``line`` no longer than an attribute list can be, as
    (start, end past the brace), in one pass: the next brace is looked for once."""
    close, start = -1, line.find(opening)
    while start != -1:
        if close < start:
            close = line.find("}", start)
            if close == -1:
                return
        if close - start <= _LONGEST_ATTRIBUTES:
            yield start, close + 1
            start = line.find(opening, close + 1)
        else:
            start = line.find(opening, start + 1)


def drop_span_attributes(line: str, result: Translation) -> str:
    """``[a](b){:target="_blank"}`` without its attribute list (outside code spans)."""
    if "{:" not in line:
        return line
    code = CodeSpans(line)
    kept, position = [], 0
    for start, end in _braces(line, "{:"):
        if line.startswith("{::", start) or not start or line[start - 1].isspace() \
                or code.cover(start):
            continue
        kept.append(line[position:start])
        position = end
        result.done("kramdown attributes")
    return "".join(kept) + line[position:]


def inline_maths(lines: list[str], result: Translation) -> None:
    """kramdown's ``$$...$$`` is display maths when it is a block of its own (after a
    blank line, ending one), and inline maths anywhere else; Folio reads ``$$`` as display
    maths, so each inline one is written ``\\(...\\)``, in place."""
    join_display_maths(lines, result)
    group: list[int] = []
    fence: str | None = None
    for index, line in enumerate([*lines, ""]):
        if fence is not None or FENCE.match(line) or not line.strip():
            _maths_in_paragraph(lines, group, result)
            group = []
            if index < len(lines):
                fence = _fence_after(line, fence)
        else:
            group.append(index)


def join_display_maths(lines: list[str], result: Translation) -> None:
    """Display maths with blank lines inside: kramdown reads it from the ``$$`` that opens a
    block to the next ``$$``, if that ends one; Python-Markdown would cut it at the blank
    lines. Each blank line inside becomes a TeX comment line (``%``), in place."""
    fence: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        if fence is not None or FENCE.match(line):
            fence = _fence_after(line, fence)
        elif (index == 0 or not lines[index - 1].strip()) and len(_dollar_pairs(line)) == 1 \
                and _BLOCK_START.match(line[:_dollar_pairs(line)[0]]):
            closing = _display_end(lines, index + 1)
            if closing is not None:
                for inside in range(index + 1, closing):
                    if not lines[inside].strip():
                        lines[inside] = "%"
                result.done("kramdown display maths")
                index = closing
        index += 1


def _display_end(lines: list[str], start: int) -> int | None:
    """The line whose first ``$$`` closes display maths opened before ``start``, when it
    ends that line and a block; None when the maths has no blank line inside or no end."""
    blank = False
    for index in range(start, len(lines)):
        line = lines[index]
        if FENCE.match(line):
            return None
        dollars = _dollar_pairs(line)
        if not dollars:
            blank = blank or not line.strip()
            continue
        ends_block = index + 1 == len(lines) or not lines[index + 1].strip()
        if blank and ends_block and not line[dollars[0] + 2:].strip():
            return index
        return None
    return None


def _escaped(line: str, position: int) -> bool:
    """Whether an odd number of backslashes comes right before ``position``."""
    count = 0
    while position > count and line[position - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _maths_in_paragraph(lines: list[str], group: list[int], result: Translation) -> None:
    dollars = [(index, column) for index in group for column in _dollar_pairs(lines[index])]
    pairs = list(zip(dollars[::2], dollars[1::2], strict=False))
    if not pairs or (len(pairs) == 1 and _is_display(lines, group, pairs[0])):
        return
    delimiters: dict[int, list[tuple[int, str]]] = {}
    for (first, opening), (last, closing) in pairs:
        delimiters.setdefault(first, []).append((opening, "\\("))
        delimiters.setdefault(last, []).append((closing, "\\)"))
        result.done("kramdown inline maths")
    for index, found in delimiters.items():
        line, pieces, position = lines[index], [], 0
        for column, delimiter in found:
            pieces += [line[position:column], delimiter]
            position = column + 2
        lines[index] = "".join(pieces) + line[position:]


def _is_display(lines: list[str], group: list[int],
                pair: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    (first, opening), (last, closing) = pair
    return (first == group[0] and last == group[-1]
            and bool(_BLOCK_START.match(lines[first][:opening]))
            and not lines[last][closing + 2:].strip())


def _dollar_pairs(line: str) -> list[int]:
    """Where each ``$$`` of ``line`` starts, outside code spans and not escaped."""
    if "$$" not in line:
        return []
    code = CodeSpans(line)
    found, position = [], line.find("$$")
    while position != -1:
        if not _escaped(line, position) and not code.cover(position):
            found.append(position)
            position = line.find("$$", position + 2)
        else:
            position = line.find("$$", position + 1)
    return found


_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*(?:#+[ \t]*)?$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_EXPLICIT_ID = re.compile(r"\{:?[^}]*#[^}]*\}[ \t]*$")
_INLINE_MATHS = re.compile(r"\\\((.*?)\\\)|\$\$(.*?)\$\$")
_LONGEST_HEADING = 1000  # longer is no heading anyone links to, and not worth a search
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")
_HTML_TAG = re.compile(r"<[^>]{0,500}>")
_EMPHASIS = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)")
_TYPOGRAPHY = re.compile(r"-{2,3}|\.\.\.|<<|>>")
_GFM_NOT_IN_ID = re.compile(r"[^\w\- \t]")


def name_headings(lines: list[str], rule: str, result: Translation) -> None:
    """Each ATX heading (and setext heading after a blank line) outside fenced code, with
    no id of its own, gets the id kramdown gave it, written ``{#id}`` (attr_list reads it)."""
    used: dict[str, int] = {}
    fence: str | None = None
    for index, line in enumerate(lines):
        if fence is not None or FENCE.match(line):
            fence = _fence_after(line, fence)
            continue
        heading = _ATX_HEADING.match(line)
        text = heading.group(2) if heading else None
        if heading is None and index + 1 < len(lines) and line.strip() \
                and _SETEXT_UNDERLINE.match(lines[index + 1]) \
                and (index == 0 or not lines[index - 1].strip()) and not FENCE.match(line):
            text = line.strip()
        if text is None or len(text) > _LONGEST_HEADING or _EXPLICIT_ID.search(text):
            continue
        identifier = heading_id(_heading_text(text), rule, used)
        if identifier:
            lines[index] = (f"{heading.group(1)} {text} {{#{identifier}}}" if heading
                            else f"{line.rstrip()} {{#{identifier}}}")
            result.done("kramdown heading ids")


def heading_id(text: str, rule: str, used: dict[str, int]) -> str:
    """kramdown's automatic id of a heading whose text is ``text``: by its GFM input's rule
    (lower case; letters, digits, ``_``, ``-`` and spaces kept, each space a ``-``) or its
    own (ASCII letters and digits, from the first letter); ``used`` counts the ids of the
    document so far, a repeated one taking ``-1``, ``-2``..."""
    if rule == "gfm":
        identifier = _GFM_NOT_IN_ID.sub("", text.lower()).replace(" ", "-").replace("\t", "-")
    else:
        identifier = re.sub(r"^[^a-zA-Z]+", "", text)
        identifier = re.sub(r"[^a-zA-Z0-9 -]", "", identifier).replace(" ", "-").lower()
        identifier = identifier or "section"
    if not identifier:
        return ""
    count = used.get(identifier)
    used[identifier] = 0 if count is None else count + 1
    return identifier if count is None else f"{identifier}-{count + 1}"


def _heading_text(markdown: str) -> str:
    """The text kramdown sees in a heading written in Markdown: maths as its TeX, code as
    written, links as their text, no images, tags or emphasis marks."""
    text = _INLINE_MATHS.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2),
                             markdown)
    code: list[str] = []
    pieces, last = [], 0
    for start, end in code_spans(text):
        code.append(text[start:end].strip("`").strip())
        pieces += [text[last:start], f"\x00{len(code) - 1}\x00"]
        last = end
    text = "".join(pieces) + text[last:]
    text = _LINK.sub(r"\1", _IMAGE.sub("", text))
    text = _TYPOGRAPHY.sub("", _EMPHASIS.sub("", _HTML_TAG.sub("", text)))
    text = html.unescape(text.replace("\\", ""))
    return re.sub("\x00(\\d+)\x00", lambda m: code[int(m.group(1))], text)
