"""Jupyter notebooks (``.ipynb``) as articles: their metadata, and their cells as a Markdown body
for Folio's renderer (:mod:`app.content.render`).

nbformat, the Jupyter project's own library, reads and validates a notebook of any format
version; nothing is ever executed: the outputs shown are those saved in the file. Each cell
becomes plain Markdown or HTML, the way nbconvert's HTML export shows it:

* a Markdown cell as written, its attachments (``attachment:plot.png``) as ``data:`` URIs;
* a code cell as a fenced block in the kernel's language, so Pygments highlights it;
* each of its outputs in a ``<div class="nb-output">``: text and tracebacks escaped in a
  ``<pre>`` (terminal colour codes removed), HTML sanitised, images as ``data:`` URIs (which
  :mod:`app.content.media` stores as files), Markdown and LaTeX as Markdown and maths.
  JavaScript and widgets need a kernel or a script the page does not run: a note says so.

Everything the body carries is sanitised again when the page is rendered; what is done here
keeps one output from changing how the Markdown around it reads.
"""

from __future__ import annotations

import base64
import copy
import html
import json
import re
import warnings
from html.parser import HTMLParser
from typing import Any, cast
from urllib.parse import unquote

import nbformat
from markdown.util import BLOCK_LEVEL_ELEMENTS
from nbformat import NotebookNode
from nbformat.validator import ValidationError, normalize
from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning

from app.content.nesting import code_spans
from app.content.problems import ContentError
from app.content.reader import read_article

HINT = "open the notebook in Jupyter and save it again"

# The types an output is shown as, best first (nbconvert's HTML export's order, with the
# images it cannot show inline last among the images).
_SHOWN_TYPES = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "image/gif",
                "image/webp", "text/markdown", "text/latex", "text/plain")
_IMAGE_TYPES = frozenset(t for t in _SHOWN_TYPES if t.startswith("image/"))
_WIDGET_TYPES = ("application/vnd.jupyter.widget-view+json",
                 "application/vnd.jupyter.widget-state+json")
_SCRIPT_TYPES = ("application/javascript", "text/javascript")
# Cell magics that change the language of a Python cell.
_MAGIC_LANGUAGES = {"bash": "bash", "sh": "bash", "script": "bash", "html": "html",
                    "javascript": "javascript", "js": "javascript", "latex": "latex",
                    "markdown": "markdown", "sql": "sql", "ruby": "ruby", "perl": "perl",
                    "svg": "xml", "writefile": "text", "capture": "python", "time": "python",
                    "timeit": "python"}
# Cell tags by which authors (Jupyter Book, nbconvert's TagRemovePreprocessor) hide parts.
_REMOVE_CELL = frozenset({"remove-cell", "remove_cell"})
_REMOVE_INPUT = frozenset({"remove-input", "remove_input"})
_REMOVE_OUTPUT = frozenset({"remove-output", "remove_output"})

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_WHITESPACE = re.compile(r"\s+")
_ATTACHMENT = re.compile(r"attachment:([^\s)\"'<>]+)")
_LANGUAGE_UNSAFE = re.compile(r"[^\w+#.-]")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX_TITLE = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT_TITLE = re.compile(r"^ {0,3}=+[ \t]*$")
_EMPHASIS = re.compile(r"(?<!\w)[*_](\S(?:.*?\S)?)[*_](?!\w)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]*>")
_VISIBLE_ELEMENT = re.compile(r"<(?:img|math|picture|video|audio)\b")
_MATHS = re.compile(r"^\s*(?:\$\$(.*)\$\$|\$(.*)\$|\\\[(.*)\\\])\s*$", re.DOTALL)
_MAX_MESSAGE = 200
_MAX_HEADING = 1000
_VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                        "meta", "source", "track", "wbr"})


def read_notebook(text: str) -> NotebookNode:
    """The notebook ``text``, in format 4 whatever version it was saved in, and valid.

    Raises ContentError for text that is not JSON (at the line where it breaks), JSON that is
    not a notebook, a format version nbformat does not know, and a notebook that breaks its
    format's schema (cells without a source, an output without its type...).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError(exc.lineno, f"this notebook is not valid JSON: {exc.msg}",
                           HINT) from None
    major = data.get("nbformat") if isinstance(data, dict) else None
    if major is None:
        raise ContentError(1, 'this is not a Jupyter notebook: it has no "nbformat" version',
                           HINT)
    if isinstance(major, bool) or major not in nbformat.versions:
        raise ContentError(1, f"this notebook's format version, {major!r}, is not one nbformat "
                           f"reads ({', '.join(map(str, nbformat.versions))})", HINT)
    try:
        # nbformat warns about cell ids it fills in (format 4.5 wants them), and logs rather
        # than raises what the schema refuses: so nbformat.reads's steps, one by one.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingIDFieldWarning)
            warnings.simplefilter("ignore", DuplicateCellId)
            notebook = nbformat.versions[major].to_notebook_json(
                data, minor=data.get("nbformat_minor", 0))
            # nbformat's functions carry no annotations.
            notebook = nbformat.convert(notebook, 4)  # type: ignore[no-untyped-call]
            _, notebook = normalize(notebook, relax_add_props=True, strip_invalid_metadata=True)
            notebook = nbformat.from_dict(notebook)  # type: ignore[no-untyped-call]
            nbformat.validate(notebook, relax_add_props=True)
    except ValidationError as exc:
        where = "".join(f"[{part!r}]" if isinstance(part, int) else f".{part}"
                        for part in getattr(exc, "absolute_path", ())).lstrip(".")
        message = str(getattr(exc, "message", exc)).split("\n")[0]
        if len(message) > _MAX_MESSAGE:  # it may quote a whole cell
            message = message[:_MAX_MESSAGE] + "…"
        raise ContentError(1, f"this notebook breaks the notebook format: "
                           f"{where + ': ' if where else ''}{message}", HINT) from None
    except (nbformat.NBFormatError, ValueError, AttributeError, TypeError, KeyError) as exc:
        raise ContentError(1, "this notebook cannot be read: a part it needs is missing or "
                           f"not what the format says ({exc})", HINT) from None
    return cast(NotebookNode, notebook)


def notebook_meta(text: str) -> dict[str, Any]:
    """The house metadata keys (``title``, ``date``, ``authors``, ``tags``, ``slug``...) the
    notebook ``text`` gives itself: its metadata's ``title``, ``authors`` (JupyterLab's list of
    ``{name}``), ``date`` and ``tags``; a first raw cell of YAML frontmatter (Quarto's); its
    metadata's ``pelican`` and ``folio`` mappings, each over the one before. With no title,
    the first ``# Heading`` of the first Markdown cell. Keys not Folio's are kept as given.

    Raises ContentError as :func:`read_notebook` does, and for a first cell of frontmatter
    that cannot be read.
    """
    notebook = read_notebook(text)
    found: dict[str, Any] = {}
    own = notebook.metadata
    for key in ("title", "date", "tags"):
        if own.get(key) not in (None, "", []):
            found[key] = _plain(own[key])
    authors = _author_names(own.get("authors"))
    if authors:
        found["authors"] = authors
    found.update(_frontmatter_cell(notebook))
    for mapping in (own.get("pelican"), own.get("folio")):
        if isinstance(mapping, dict):
            found.update(_house_keys(mapping))
    if not found.get("title"):
        title = _first_heading(notebook)
        if title:
            found["title"] = title
    return found


def notebook_body(text: str, cells: slice | None = None) -> str:
    """The notebook ``text`` as a Markdown body for Folio's renderer, its outputs as saved
    (nothing is executed); ``cells``: only those cells (Pelican's ``{% notebook x.ipynb
    cells[2:5] %}``). A first raw cell of frontmatter is metadata, not body.

    Raises ContentError as :func:`read_notebook` does.
    """
    notebook = read_notebook(text)
    language = _language(notebook.metadata)
    skipped = 0 if _frontmatter_source(notebook) is not None else None
    numbered = list(enumerate(notebook.cells))
    blocks: list[str] = []
    for index, cell in numbered[cells] if cells is not None else numbered:
        tags = set(cell.metadata.get("tags", ()))
        if index == skipped or tags & _REMOVE_CELL:
            continue
        if cell.cell_type == "markdown":
            blocks.append(_markdown_cell(cell))
        elif cell.cell_type == "code":
            blocks += _code_cell(cell, language, tags)
        elif cell.cell_type == "raw":
            blocks += _raw_cell(cell)
    return "\n\n".join(block.strip("\n") for block in blocks if block.strip()) + "\n"


# --- metadata ------------------------------------------------------------------------------

def _author_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if not isinstance(value, list):
        return []
    names = []
    for author in value:
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
    return names


def _house_keys(mapping: dict[str, Any]) -> dict[str, Any]:
    """A ``pelican`` or ``folio`` metadata mapping with Pelican's spellings read: keys in any
    case, ``authors`` as names, ``status: draft``."""
    found: dict[str, Any] = {}
    for key, value in mapping.items():
        name = str(key).strip().lower()
        if name == "authors":
            value = _author_names(value) or value
        elif name == "status" and str(value).strip().lower() == "draft":
            found["draft"] = True
        found[name] = _plain(value)
    return found


def _plain(value: Any) -> Any:
    """A metadata value as plain JSON types (nbformat's NotebookNode is a dict subclass)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _frontmatter_source(notebook: NotebookNode) -> str | None:
    """The first cell's text when it is a raw cell of YAML frontmatter (``---`` ... ``---``)."""
    if not notebook.cells:
        return None
    first = notebook.cells[0]
    source = first.source.strip()
    if first.cell_type != "raw" or not source.startswith("---") or source.count("---") < 2:
        return None
    return str(source) + "\n"


def _frontmatter_cell(notebook: NotebookNode) -> dict[str, Any]:
    source = _frontmatter_source(notebook)
    if source is None:
        return {}
    try:
        return read_article(source, foreign=True).meta
    except ContentError as exc:
        raise ContentError(1, f"the notebook's first cell (frontmatter), line {exc.line}: "
                           f"{exc.message}", exc.hint) from None


def _first_heading(notebook: NotebookNode) -> str | None:
    """The text of the first level-1 heading of the first Markdown cell, markup removed."""
    first = next((cell for cell in notebook.cells if cell.cell_type == "markdown"), None)
    if first is None:
        return None
    # A title is at most a few hundred characters: longer lines are not looked into.
    lines = [line[:_MAX_HEADING] for line in _outside_fences(first.source).split("\n")]
    for index, line in enumerate(lines):
        atx = _ATX_TITLE.match(line)
        if atx:
            return _title_text(atx.group(1))
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line.strip() and _SETEXT_TITLE.match(following):
            return _title_text(line)
    return None


def _title_text(heading: str) -> str:
    text = _TAG.sub("", _LINK.sub(r"\1", heading))
    text = text.replace("**", "").replace("__", "").replace("`", "")
    text = _EMPHASIS.sub(r"\1", text)
    return " ".join(html.unescape(text).split())


def _outside_fences(source: str) -> str:
    """``source`` with the lines of fenced code blanked (kept as empty lines)."""
    lines = source.split("\n")
    fence: str | None = None
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            lines[index] = ""
        elif opening:
            fence = opening.group(1)
            lines[index] = ""
    return "\n".join(lines)


# --- cells ---------------------------------------------------------------------------------

def _language(metadata: NotebookNode) -> str:
    """The kernel's language as a Pygments name (``python``, ``r``, ``julia``). A notebook
    that names none is Python, as nbconvert takes it: IPython's, before kernels had names."""
    kernel = metadata.get("kernelspec") or {}
    info = metadata.get("language_info") or {}
    name = kernel.get("language") or info.get("name") or "python"
    return _LANGUAGE_UNSAFE.sub("", str(name).lower())


def _markdown_cell(cell: NotebookNode) -> str:
    source = _with_attachments(cell.source, cell.get("attachments") or {})
    return _closed_html_blocks(source)


def _with_attachments(source: str, attachments: dict[str, Any]) -> str:
    """``attachment:name`` references as ``data:`` URIs of the cell's attached images."""
    if not attachments or "attachment:" not in source:
        return source

    def inline(match: re.Match[str]) -> str:
        bundle = attachments.get(match.group(1)) or attachments.get(unquote(match.group(1)))
        if not isinstance(bundle, dict):
            return match.group(0)
        for kind in _SHOWN_TYPES:
            if kind in _IMAGE_TYPES and kind in bundle:
                uri = _data_uri(kind, bundle[kind])
                if uri is not None:
                    return uri
        return match.group(0)

    return _ATTACHMENT.sub(inline, source)


def _code_cell(cell: NotebookNode, language: str, tags: set[str]) -> list[str]:
    blocks = []
    code = cell.source.strip("\n")
    if code.strip() and not tags & _REMOVE_INPUT:
        blocks.append(_fenced(code, _cell_language(code, language)))
    if not tags & _REMOVE_OUTPUT:
        blocks += [_output_block(output) for output in _merged_streams(cell.outputs)]
    return blocks


def _cell_language(code: str, language: str) -> str:
    """The language of one cell: a Python cell starting with ``%%bash`` is Bash."""
    if language != "python" or not code.startswith("%%"):
        return language
    magic = code[2:].split(None, 1)[0] if code[2:].strip() else ""
    return _MAGIC_LANGUAGES.get(magic, language)


def _fenced(code: str, language: str) -> str:
    """A fence longer than any run of backticks in ``code``, so none can close it."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code}\n{fence}"


def _raw_cell(cell: NotebookNode) -> list[str]:
    """A raw cell meant as Markdown or HTML (its ``raw_mimetype``, or the older ``format``);
    any other (LaTeX, reStructuredText, for other exports) is not shown."""
    kind = str(cell.metadata.get("raw_mimetype") or cell.metadata.get("format") or "").lower()
    if kind in ("text/markdown", "markdown", "md"):
        return [_closed_html_blocks(cell.source)]
    if kind in ("text/html", "html"):
        return [_html_block("nb-raw", _sanitised(cell.source))]
    return []


# --- outputs -------------------------------------------------------------------------------

def _merged_streams(outputs: list[NotebookNode]) -> list[NotebookNode]:
    """Consecutive writes to the same stream as one output, as Jupyter shows them."""
    merged: list[NotebookNode] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.output_type == "stream" and previous is not None
                and previous.output_type == "stream" and previous.name == output.name):
            merged[-1] = copy.copy(previous)
            merged[-1]["text"] = previous.text + output.text
        else:
            merged.append(output)
    return merged


def _output_block(output: NotebookNode) -> str:
    kind = output.output_type
    if kind == "stream":
        text = _terminal_text(output.text)
        if not text.strip():
            return ""
        stream = "nb-stderr" if output.name == "stderr" else "nb-stdout"
        return _html_block("nb-output", _pre(f"nb-stream {stream}", text))
    if kind == "error":
        traceback = "\n".join(output.traceback) or f"{output.ename}: {output.evalue}"
        return _html_block("nb-output", _pre("nb-error", _terminal_text(traceback)))
    return _rich_output(output.data, output.metadata)


def _rich_output(bundle: dict[str, Any], metadata: dict[str, Any]) -> str:
    """An ``execute_result`` or ``display_data``: the best of its types Folio can show."""
    interactive = any(kind in bundle for kind in (*_WIDGET_TYPES, *_SCRIPT_TYPES))
    for kind in _SHOWN_TYPES:
        if kind not in bundle or (kind == "text/plain" and interactive):
            continue
        value = _joined(bundle[kind])
        if kind == "text/html":
            cleaned = _sanitised(value)
            if _shows_something(cleaned):
                return _html_block("nb-output", cleaned)
        elif kind in _IMAGE_TYPES:
            image = _image(kind, value, metadata.get(kind) or {}, _joined(
                bundle.get("text/plain", "")))
            if image is not None:
                return _html_block("nb-output", image)
        elif kind == "text/markdown":
            return _markdown_block(value)
        elif kind == "text/latex":
            return _markdown_block(_display_maths(value))
        elif value.strip():
            return _html_block("nb-output", _pre("nb-text", _terminal_text(value)))
    note = _note(bundle)
    return _html_block("nb-output", note) if note else ""


def _note(bundle: dict[str, Any]) -> str:
    """What an output that shows nothing was, for the reader; empty for an empty output."""
    if any(kind in bundle for kind in _WIDGET_TYPES):
        what = "an interactive widget, which needs a running notebook"
    elif (any(kind in bundle for kind in _SCRIPT_TYPES)
          or "<script" in _joined(bundle.get("text/html", "")).lower()):
        what = "an output made by JavaScript, which this page does not run"
    else:
        unknown = sorted(html.escape(kind) for kind in bundle if kind not in _SHOWN_TYPES)
        if not unknown:
            return ""  # blank text, empty HTML
        what = "an output of type " + ", ".join(unknown)
    return f'<p class="nb-note">Not shown here: {what}.</p>'


def _image(kind: str, value: str, metadata: dict[str, Any], plain: str) -> str | None:
    uri = _data_uri(kind, value)
    if uri is None:
        return None
    # A figure's text form is its repr (<Figure size 640x480 with 1 Axes>): no description.
    alt = plain.strip() if plain.strip() and not plain.lstrip().startswith("<") else "Output image"
    attributes = [f'src="{uri}"', f'alt="{html.escape(" ".join(alt.split()))}"']
    for side in ("width", "height"):
        size = metadata.get(side) if isinstance(metadata, dict) else None
        if isinstance(size, int) and not isinstance(size, bool) and size > 0:
            attributes.append(f'{side}="{size}"')
    return f"<img {' '.join(attributes)}>"


def _data_uri(kind: str, value: Any) -> str | None:
    """An image of a notebook (base64 text; an SVG as its markup) as a ``data:`` URI."""
    text = _joined(value)
    if kind == "image/svg+xml":
        payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    else:
        payload = _WHITESPACE.sub("", text)
        if not payload or not _BASE64.fullmatch(payload):
            return None
    return f"data:{kind};base64,{payload}"


def _markdown_block(markdown_text: str) -> str:
    """Markdown inside an output block: md_in_html reads a ``markdown="1"`` block's content."""
    inner = _closed_html_blocks(markdown_text.strip("\n"))
    return f'<div class="nb-output" markdown="1">\n\n{inner}\n\n</div>'


def _display_maths(latex: str) -> str:
    """A LaTeX output (SymPy's ``$\\displaystyle ...$``) as display maths."""
    found = _MATHS.match(latex)
    tex = next((part for part in found.groups() if part is not None), "") if found else latex
    return f"$$\n{tex.strip()}\n$$"


def _html_block(css_class: str, inner: str) -> str:
    """A raw HTML block Python-Markdown leaves as it is: alone on its lines, blank lines
    around (the caller joins blocks with them)."""
    return f'<div class="{css_class}">\n{inner}\n</div>'


def _pre(css_class: str, text: str) -> str:
    escaped = _inert(html.escape(text, quote=False))
    # A browser drops a newline right after <pre>: keep a first empty line.
    lead = "\n" if text.startswith("\n") else ""
    return f'<pre class="{css_class}">{lead}{escaped}</pre>'


def _sanitised(fragment: str) -> str:
    """HTML from an output, cleaned and balanced: an unclosed ``<div>`` would otherwise take
    the rest of the notebook into its raw HTML block."""
    # Imported here: reading a notebook's metadata (planning) need not load the renderer.
    from app.content.render import sanitise

    return _inert(sanitise(fragment).strip())


def _inert(fragment: str) -> str:
    """HTML whose text cannot start a Markdown code fence: fences are found before raw HTML
    blocks are set aside, even inside a ``<pre>``."""
    return fragment.replace("`", "&#96;").replace("~", "&#126;")


def _shows_something(fragment: str) -> bool:
    """Whether sanitised HTML has anything to see: a plot's script and its empty ``<div>``
    have not."""
    return bool(_TAG.sub("", fragment).strip()) or _VISIBLE_ELEMENT.search(fragment) is not None


def _terminal_text(text: Any) -> str:
    """What a terminal shows of ``text``: colour codes removed, a line rewritten after a
    carriage return (a progress bar) shown as it ended, trailing newlines dropped."""
    plain = _ANSI.sub("", _joined(text)).replace("\r\n", "\n")
    lines = [line.rstrip("\r").rsplit("\r", 1)[-1] for line in plain.split("\n")]
    return _CONTROL.sub("", "\n".join(lines)).rstrip("\n")


def _joined(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else str(value)


# --- keeping cells apart -------------------------------------------------------------------

class _OpenBlocks(HTMLParser):
    """The raw HTML blocks a piece of Markdown leaves open, found as Python-Markdown finds them
    (``markdown.htmlparser``): a block-level start tag at the start of a line opens one, which
    lasts until its end tag; inside, end tags close the tags opened after them.

    nbconvert renders each cell alone, so a ``<div>`` one cell leaves open ends with the cell;
    in one Markdown body it would make the rest of the notebook raw HTML."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(convert_charrefs=False)
        self.lines = lines
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            return
        if self.stack or (tag in BLOCK_LEVEL_ELEMENTS and self._at_line_start()):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def _at_line_start(self) -> bool:
        line, column = self.getpos()
        return column <= 3 and not self.lines[line - 1][:column].strip()


def _closed_html_blocks(source: str) -> str:
    """``source``, with end tags added for the raw HTML blocks it leaves open."""
    if "<" not in source:
        return source
    lines = [_without_code_spans(line) for line in _outside_fences(source).split("\n")]
    parser = _OpenBlocks(lines)
    parser.feed("\n".join(lines))
    if not parser.stack:
        return source
    return source.rstrip("\n") + "\n\n" + "".join(f"</{tag}>" for tag in reversed(parser.stack))


def _without_code_spans(line: str) -> str:
    if "`" not in line:
        return line
    for start, end in code_spans(line):
        line = line[:start] + " " * (end - start) + line[end:]
    return line
