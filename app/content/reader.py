"""Reading an article file: bytes to text, then frontmatter (YAML, TOML or plain lines) and body.

Every failure raises :class:`ContentError` with the line to look at and a hint.
"""

from __future__ import annotations

import codecs
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler

from app.content.characters import CONTROL, code_points
from app.content.nesting import flow_too_deep
from app.content.problems import ContentError, Notice
from app.content.values import MAX_DEPTH, storable

MAX_FILE_BYTES = 10 * 1024 * 1024


@cache
def _ftfy() -> tuple[Callable[..., str], Any]:
    """ftfy and its settings, imported on first use: an import with nothing to read (every file
    unchanged) need not pay for it.

    Only the repairs that undo a wrong decoding; everything else an author wrote stays as
    written (curly quotes, HTML entities in Markdown, full-width characters, Unicode normal
    form)."""
    import ftfy

    return ftfy.fix_text, ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )


@dataclass
class RawArticle:
    """A file split into its frontmatter mapping and Markdown body, with line bookkeeping."""

    meta: dict[str, Any]
    body: str
    text: str  # the whole decoded file
    body_line: int  # line number of the body's first line
    key_lines: dict[str, int]
    notices: list[Notice] = field(default_factory=list)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)


def decode(data: bytes) -> tuple[str, list[Notice]]:
    """Bytes to text: UTF-8 with or without BOM, any newline style, mojibake repaired,
    control characters removed (with a notice). Raises ContentError for an empty, binary,
    oversized or non-UTF-8 file."""
    if len(data) > MAX_FILE_BYTES:
        raise too_large(len(data))
    if not data.strip():
        raise ContentError(1, "empty file", "an article starts with a frontmatter block: "
                           "---, title: ..., date: YYYY-MM-DD, ---, then the text")
    nul = data.find(b"\x00")
    if nul != -1:
        raise ContentError(_line_at(data, nul), "binary file, not text",
                           "only Markdown text files belong in the content folder")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(_line_at(data, exc.start),
                           f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                           "save the file as UTF-8") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    notices: list[Notice] = []
    if not text.isascii():
        fix_text, settings = _ftfy()
        repaired = fix_text(text, settings)
        if repaired != text:
            notices.append(_repair_notice(text, repaired))
            text = repaired
    found = CONTROL.search(text)
    if found is not None:
        removed = CONTROL.findall(text)
        notices.append(Notice(text.count("\n", 0, found.start()) + 1,
                              f"removed {len(removed)} control character(s) "
                              f"({code_points(removed)})", "they are invisible and not allowed "
                              "in web pages or feeds; delete them from the file"))
        text = CONTROL.sub("", text)
    return text, notices


def too_large(size: int) -> ContentError:
    """The error for a file of ``size`` bytes, over :data:`MAX_FILE_BYTES`."""
    return ContentError(1, f"the file is {_megabytes(size)}; an article may be at most "
                        f"{_megabytes(MAX_FILE_BYTES)}", "split it into several articles, and "
                        "keep images and data files out of the content folder")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _line_at(data: bytes, offset: int) -> int:
    """The line number of a byte offset, whatever the newline style."""
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _repair_notice(before: str, after: str) -> Notice:
    """Name the first repaired line and show what changed there."""
    for number, (old, new) in enumerate(zip(before.split("\n"), after.split("\n"), strict=False)):
        if old != new:
            head = len(os.path.commonprefix([old, new]))
            tail = len(os.path.commonprefix([old[head:][::-1], new[head:][::-1]]))
            was, now = old[head:len(old) - tail], new[head:len(new) - tail]
            return Notice(number + 1, f"repaired mojibake: {was!r} became {now!r}",
                          "re-save the file as UTF-8 to make the repair permanent")
    return Notice(1, "repaired mojibake", "re-save the file as UTF-8")


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrontmatterLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """Safe YAML with fewer surprises: dates stay text (we parse them, with their zone), only
    true/false are booleans (``no`` is Norway, not False), and a repeated key is an error."""

    # On a site written for another engine a repeated key takes the last value, as that
    # engine's YAML library does, and is recorded here (key, line from 0, first line from 0).
    keep_last = False
    duplicates: list[tuple[str, int, int]]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):  # `!!set [a]`: the base class reports it
            return super().construct_mapping(node, deep=deep)
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                continue  # unhashable; the base constructor reports it
            if key in seen and self.keep_last:
                self.duplicates.append((str(key), key_node.start_mark.line, seen[key]))
            elif key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first given on line {seen[key] + 1})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's constructors raise ValueError, KeyError or AttributeError for a value their
        # tag cannot take (`!!timestamp soon`, `!!bool maybe`, an int of 5000 digits): made a
        # YAML error here, it is reported at its line like any other.
        try:
            return super().construct_object(node, deep=deep)
        except (yaml.YAMLError, RecursionError):
            raise
        except Exception:
            what = "this value"
            if isinstance(node, yaml.ScalarNode):
                what = repr(node.value if len(node.value) <= 40 else node.value[:40] + "...")
            raise yaml.constructor.ConstructorError(
                None, None, f"{what} is not a valid !!{node.tag.rsplit(':', 1)[-1]}",
                node.start_mark) from None


_FrontmatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FrontmatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class _ForeignLoader(_FrontmatterLoader):
    keep_last = True


class YamlHandler(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        return yaml.load(fm, Loader=_FrontmatterLoader)  # a safe loader (bandit would ask)

    def load_keeping_last(self, fm: str) -> tuple[Any, list[tuple[str, int, int]]]:
        """The block, a repeated key taking its last value; and the repeated keys."""
        loader = _ForeignLoader(fm)
        loader.duplicates = []
        try:
            return loader.get_single_data(), loader.duplicates
        finally:
            loader.dispose()


class TomlHandler(BaseHandler):
    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str) -> dict[str, Any]:
        return tomllib.loads(fm)


_HANDLERS: list[BaseHandler] = [YamlHandler(), TomlHandler()]

# A plain header line: `key: anything`, the way authors write when they don't think in YAML.
# The value is taken apart in Python: a lazy `(.*?)[ \t]*$` takes quadratic time on a long run
# of spaces, and a regular expression cannot be interrupted.
_PLAIN_KEY = re.compile(r"([A-Za-z_][\w.-]*)[ \t]*:")
_YAML_STRUCTURE = frozenset("[{|>!&*")
_KEY_LINE = re.compile(r"^[\"']?([A-Za-z_][\w.-]*)[\"']?[ \t]*[:=]")


@dataclass(frozen=True)
class _Parts:
    handler: BaseHandler
    frontmatter: str
    first: int  # the file line of the frontmatter's line 0
    body: str
    body_line: int


def _split(text: str) -> _Parts:
    handler = next((h for h in _HANDLERS if h.detect(text)), None)
    if handler is None:
        raise ContentError(1, "no frontmatter: title and date are required",
                           "start the file with a --- line, then title: ... and date: "
                           "YYYY-MM-DD, then another --- line")
    parts = handler.FM_BOUNDARY.split(text, 2)  # type: ignore[union-attr]
    if len(parts) < 3:
        raise ContentError(1, f"the frontmatter opened by {handler.START_DELIMITER} on line 1 "
                           "is never closed", f"end it with a {handler.END_DELIMITER} line")
    _, fm, body = parts
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    # Line k (from 0) of `fm` is line k + first of the file; the opening boundary may have
    # swallowed blank lines after it.
    opening = handler.FM_BOUNDARY.match(text)  # type: ignore[union-attr]
    first = 1 + (text.count("\n", 0, opening.end()) if opening else 0)
    return _Parts(handler, fm, first, body, body_line)


def article_body(text: str) -> tuple[str, int]:
    """The body of an article already read by :func:`read_article`, and its first line, without
    parsing the frontmatter again."""
    parts = _split(text)
    return parts.body, parts.body_line


def read_article(text: str, *, foreign: bool = False) -> RawArticle:
    """Split decoded text into frontmatter and body; raises ContentError on bad frontmatter.

    ``foreign``: the file was written for another engine, which published it; a repeated YAML
    key takes the last value (as Jekyll's and Hugo's YAML libraries do), with a warning."""
    parts = _split(text)
    handler, fm, first, body, body_line = (parts.handler, parts.frontmatter, parts.first,
                                           parts.body, parts.body_line)
    notices: list[Notice] = []
    key_lines = {m.group(1): number + first for number, line in enumerate(fm.split("\n"))
                 if (m := _KEY_LINE.match(line))}
    # Before parsing: how deep libyaml, PyYAML and tomllib can nest brackets before they fail,
    # and how they say it, differs from one to the next.
    deep = flow_too_deep(fm, MAX_DEPTH)
    if deep is not None:
        raise _nested_too_deeply(first + deep, key_lines)
    loaded = _load_frontmatter(handler, fm, first, notices, foreign)
    meta = storable(loaded, lambda key: key_lines.get(key, first), notices)
    return RawArticle(meta, body, text, body_line, key_lines, notices)


def _nested_too_deeply(line: int, key_lines: dict[str, int]) -> ContentError:
    """The error for brackets nested past MAX_DEPTH at ``line``, named after the key it belongs
    to, in the words :func:`storable` uses for a value nested too deeply once parsed."""
    above = [key for key, key_line in key_lines.items() if key_line <= line]
    key = max(above, key=key_lines.__getitem__) if above else "frontmatter"
    return ContentError(line, f"{key}: nested more than {MAX_DEPTH} levels deep",
                        "keep frontmatter values to lists and mappings of plain values")


def _load_frontmatter(handler: BaseHandler, fm: str, first: int, notices: list[Notice],
                      foreign: bool = False) -> dict[str, Any]:
    """Parse the frontmatter block; ``first`` is the file line of the block's line 0."""
    if isinstance(handler, TomlHandler):
        try:
            meta = handler.load(fm)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"at line (\d+)", str(exc))
            line = int(found.group(1)) - 1 + first if found else first
            raise ContentError(line, f"invalid TOML frontmatter: {exc}",
                               'TOML needs quoted strings: title = "My post"') from None
        except RecursionError:
            lines = fm.split("\n")
            deepest = max(range(len(lines)), key=lambda n: _openings(lines[n]))
            raise ContentError(first + deepest, "frontmatter is nested too deeply",
                               "keep frontmatter values to lists and tables of plain values"
                               ) from None
        except ValueError:
            raise _long_number(fm, first) from None
        return meta
    try:
        if foreign and isinstance(handler, YamlHandler):
            loaded, duplicates = handler.load_keeping_last(fm)
            notices += [Notice(first + line, f"{key}: given twice (first on line {first + was}); "
                               "the last value is taken, as the site's engine does",
                               "remove one of them") for key, line, was in duplicates]
        else:
            loaded = handler.load(fm)
    except yaml.MarkedYAMLError as exc:
        index = _yaml_error_index(exc)
        line = index + first
        plain = _load_plain_lines(fm)
        if plain is None:
            problem = exc.problem or str(exc)
            hint = "remove one of them" if "duplicate key" in problem else (
                _quote_hint(fm, index) or "check the indentation, close brackets and quotes, "
                "and quote values with special characters")
            raise ContentError(line, f"invalid YAML frontmatter: {problem}", hint) from None
        notices.append(Notice(line, f"frontmatter is not valid YAML ({exc.problem}); read it "
                              "as plain 'key: value' lines", _quote_hint(fm, index)))
        return plain
    except yaml.YAMLError as exc:
        raise ContentError(1, f"invalid YAML frontmatter: {exc}") from None
    except RecursionError:
        raise ContentError(1, "frontmatter is nested too deeply") from None
    except Exception as exc:  # a PyYAML constructor failing where no line is known
        raise ContentError(first, f"invalid YAML frontmatter: {exc!r}",
                           "check the values written with a !!tag") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ContentError(2, "frontmatter must be 'key: value' lines, not a "
                           f"{type(loaded).__name__}", "write one 'key: value' per line")
    return loaded


def _openings(line: str) -> int:
    return line.count("[") + line.count("{")


def _long_number(fm: str, first: int) -> ContentError:
    found = re.search(r"[0-9A-Fa-f_:]{4000,}", fm)
    line = first + (fm.count("\n", 0, found.start()) if found else 0)
    return ContentError(line, "a number in the frontmatter has thousands of digits",
                        "quote it to keep it as text")


def _yaml_error_index(exc: yaml.MarkedYAMLError) -> int:
    """The block line to blame: where an unclosed quote or bracket opened, else where YAML
    noticed the problem."""
    opened = (exc.context or "").startswith(("while scanning a quoted scalar",
                                             "while parsing a flow"))
    mark = exc.context_mark if opened and exc.context_mark else exc.problem_mark
    return mark.line if mark else 0


def _load_plain_lines(fm: str) -> dict[str, Any] | None:
    """Read ``key: value`` lines literally, or None if the block is anything richer."""
    meta: dict[str, Any] = {}
    for line in fm.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        plain = _plain_line(line)
        if plain is None or plain[0] in meta:
            return None
        key, value = plain
        if value[:1] in _YAML_STRUCTURE:
            return None  # the author meant YAML (a list, a block, a tag) and got it wrong
        if value[:1] in ("'", '"'):
            if len(value) < 2 or value[-1] != value[0]:
                return None
            value = value[1:-1]
        meta[key] = value
    return meta


def _plain_line(line: str) -> tuple[str, str] | None:
    """``(key, value)`` of a ``key: value`` line, the value stripped of spaces and tabs."""
    match = _PLAIN_KEY.match(line)
    if match is None:
        return None
    rest = line[match.end():]
    if rest[:1] not in ("", " ", "\t"):
        return None  # `key:value` is not a plain line
    return match.group(1), rest.strip(" \t")


def _quote_hint(fm: str, index: int) -> str:
    lines = fm.split("\n")
    plain = _plain_line(lines[index]) if 0 <= index < len(lines) else None
    if plain is None or not plain[1]:
        return ""
    key, value = plain
    value = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'quote the value: {key}: "{value}"'
