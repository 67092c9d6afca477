"""Hugo shortcodes, translated into the Markdown or HTML they stand for.

Hugo expands ``{{< name args >}}`` (its output used as it is) and ``{{% name args %}}`` (its
output read as Markdown) before the Markdown is rendered. Folio runs no templates, so each
shortcode Hugo 0.111 ships becomes what it would have produced, in place, keeping the body's
lines where it can: ``highlight`` a fenced block, ``figure`` a ``<figure>``, ``ref`` and
``relref`` the source path of the page they name (the link graph makes that a link to its
current address), ``param`` the value from the page or the site, and the embeds (``gist``,
``youtube``, ``vimeo``, ``tweet``, ``instagram``) a plain link to the original, with no
third-party script or frame. The comment form ``{{</* name */>}}`` is shown as the shortcode
it spells, as Hugo does.

Anything else (the site's own shortcodes from ``layouts/shortcodes/``) stays visible as text,
reported once per name and file. Inside fenced code and code spans only the shortcodes that
give text (``param``, ``ref``, ``relref``) are expanded, as Hugo expands them there too; the
others are the code's text.

Pure functions: no file system, everything a translation needs comes in a
:class:`ShortcodeContext`.
"""

from __future__ import annotations

import html
import posixpath
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote

import markdown

from app.content.problems import Notice

MAX_TAG_LENGTH = 4000  # a tag longer than this is not one (an unclosed `{{<` in prose)
COMMENT = "escaped shortcode"  # the construct name of {{</* name */>}}


@dataclass(frozen=True)
class ShortcodeContext:
    """What the translations need to know about the page and the site."""

    page: str = ""  # the page's path inside the content folder: post/x.md
    refs: dict[str, str] = field(default_factory=dict)  # see :func:`resolve_ref`
    site_params: dict[str, Any] = field(default_factory=dict)  # keys in lower case
    page_params: dict[str, Any] = field(default_factory=dict)  # keys in lower case
    custom: frozenset[str] = frozenset()  # the site's own shortcodes (layouts/shortcodes/)


@dataclass
class Translation:
    """A body with its shortcodes translated, and what was met on the way."""

    body: str
    translated: Counter[str] = field(default_factory=Counter)
    left: Counter[str] = field(default_factory=Counter)
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True)
class Tag:
    """One shortcode tag as written: ``{{< name "a" key="b" >}}`` at ``body[start:end]``."""

    name: str
    positional: tuple[str, ...]
    named: dict[str, str]
    start: int
    end: int
    closing: bool = False
    markdown: bool = False  # the {{% %}} form

    def get(self, key: str, index: int | None = None) -> str | None:
        """The named argument ``key``, else the positional one at ``index``."""
        if key in self.named:
            return self.named[key]
        if index is not None and index < len(self.positional):
            return self.positional[index]
        return None


class Untranslatable(Exception):  # noqa: N818 - a reason, not a failure of the program
    """A known shortcode that cannot be translated as written (a missing id, a page that is not
    there): it stays as text, and the notice says why."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


# ---- Reading tags ----------------------------------------------------------------------

_OPEN = re.compile(r"\{\{([<%])")
_COMMENT_FORM = re.compile(r"\{\{(<|%)(\s*)/\*(.*?)\*/(\s*)(?:>|%)\}\}", re.DOTALL)
_NAME = re.compile(r"[A-Za-z0-9_][\w.-]*(?:/[\w.-]+)*")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"'}


def parse_tag(body: str, start: int) -> Tag | None:
    """The shortcode tag opening at ``body[start]`` (``{{<`` or ``{{%``), or None when what is
    written there is not one."""
    delimiter = body[start + 2]
    close = ">}}" if delimiter == "<" else "%}}"
    limit = min(len(body), start + MAX_TAG_LENGTH)
    at = _skip_space(body, start + 3, limit)
    closing = body.startswith("/", at)
    if closing:
        at = _skip_space(body, at + 1, limit)
    name = _NAME.match(body, at, limit)
    if name is None:
        return None
    at = name.end()
    positional: list[str] = []
    named: dict[str, str] = {}
    while at < limit:
        at = _skip_space(body, at, limit)
        for ending in (close, "/" + close):
            if body.startswith(ending, at):
                return Tag(name.group(0), tuple(positional), named, start, at + len(ending),
                           closing, delimiter == "%")
        value = _value(body, at, limit, close)
        if value is None:
            return None
        text, at, bare = value
        if bare and body.startswith("=", at):
            argument = _value(body, _skip_space(body, at + 1, limit), limit, close)
            if argument is None:
                return None
            named[text.lower()] = argument[0]  # Hugo reads names in any case
            at = argument[1]
        else:
            positional.append(text)
    return None


def _skip_space(body: str, at: int, limit: int) -> int:
    while at < limit and body[at].isspace():
        at += 1
    return at


def _value(body: str, at: int, limit: int, close: str) -> tuple[str, int, bool] | None:
    """The argument at ``at``: (text, where it ends, whether it was written bare)."""
    if at >= limit:
        return None
    if body[at] == "`":
        end = body.find("`", at + 1, limit)
        return None if end == -1 else (body[at + 1:end], end + 1, False)
    if body[at] == '"':
        return _quoted(body, at, limit)
    end = at
    while end < limit and not body[end].isspace() and body[end] not in '="' \
            and not body.startswith(close, end) and not body.startswith("/" + close, end):
        end += 1
    return None if end == at else (body[at:end], end, True)


def _quoted(body: str, at: int, limit: int) -> tuple[str, int, bool] | None:
    text: list[str] = []
    index = at + 1
    while index < limit:
        char = body[index]
        if char == '"':
            return "".join(text), index + 1, False
        if char == "\\" and index + 1 < limit:
            text.append(_ESCAPES.get(body[index + 1], "\\" + body[index + 1]))
            index += 2
            continue
        text.append(char)
        index += 1
    return None


def _closing_tag(body: str, name: str, start: int) -> re.Match[str] | None:
    return re.compile(r"\{\{([<%])\s*/\s*" + re.escape(name) + r"\s*[>%]\}\}").search(body,
                                                                                       start)


# ---- Where the code is ----------------------------------------------------------------

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)((?:[^\n]|\n(?![ \t]*\n))+?)(?<!`)\1(?!`)")


def code_regions(body: str) -> list[tuple[int, int]]:
    """The spans of ``body`` that are code: fenced blocks (an unclosed fence runs to the end,
    as in CommonMark) and code spans, sorted."""
    regions: list[tuple[int, int]] = []
    fence: str | None = None
    opened = text_from = offset = 0
    for line in body.split("\n"):
        found = _FENCE.match(line)
        if fence is None and found and not (found.group(1)[0] == "`"
                                            and "`" in line[found.end():]):
            fence, opened = found.group(1), offset
            regions += _spans(body, text_from, offset)
        elif fence is not None and found and found.group(1)[0] == fence[0] \
                and len(found.group(1)) >= len(fence) and not line[found.end():].strip():
            regions.append((opened, offset + len(line)))
            fence, text_from = None, offset + len(line)
        offset += len(line) + 1
    if fence is not None:
        regions.append((opened, len(body)))
    else:
        regions += _spans(body, text_from, len(body))
    return sorted(regions)


def _spans(body: str, start: int, end: int) -> list[tuple[int, int]]:
    return [match.span() for match in _CODE_SPAN.finditer(body, start, end)]


def _inside(regions: list[tuple[int, int]], starts: list[int], at: int) -> bool:
    index = bisect_right(starts, at) - 1
    return index >= 0 and at < regions[index][1]


# ---- The rules -------------------------------------------------------------------------


def highlight(tag: Tag, inner: str) -> str:
    """``{{< highlight go "hl_lines=2 4-5,linenos=table" >}}`` ... ``{{< /highlight >}}``: a
    fenced block in that language, the highlighted lines kept (line numbers are Hugo's
    presentation and are dropped)."""
    language = tag.get("lang", 0) or ""
    options = _highlight_options(tag.get("options", 1) or "")
    lines = inner.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    code = "\n".join(lines)
    longest = max((len(run) for run in re.findall(r"^[ \t]*(`{3,})", code, re.MULTILINE)),
                  default=2)
    fence = "`" * max(3, longest + 1)
    marked = options.get("hl_lines", "")
    info = re.sub(r"[^\w#.+-]", "", language) + (f' hl_lines="{marked}"' if marked else "")
    return f"{fence}{info}\n{code}\n{fence}"


def _highlight_options(text: str) -> dict[str, str]:
    """Hugo's ``key=value,key=value`` options; ``hl_lines`` ranges spelled out (``4-5`` is
    ``4 5``), as Python-Markdown reads them."""
    options = {}
    for part in text.split(","):
        key, _, value = part.partition("=")
        options[key.strip().lower()] = value.strip().strip('"[]')
    numbers: list[str] = []
    for item in options.get("hl_lines", "").replace(",", " ").split():
        first, _, last = item.partition("-")
        if first.isdigit() and (not last or last.isdigit()):
            numbers += [str(n) for n in range(int(first), int(last or first) + 1)][:1000]
    options["hl_lines"] = " ".join(numbers)
    return options


def figure(tag: Tag) -> str:
    """``{{< figure src= alt= caption= title= link= attr= attrlink= class= width= height= >}}``:
    Hugo's ``<figure>``, on one line so that Markdown keeps it a block of HTML. The caption is
    Markdown, as Hugo's ``markdownify`` reads it; the image's address is left as written
    (relative to the page's bundle, or from the site's static folders)."""
    src = tag.get("src")
    if not src:
        raise Untranslatable("figure has no src=", 'write it as {{< figure src="a.png" >}}')
    caption = _inline_markdown(tag.get("caption") or "")
    alt = tag.get("alt") or _plain(caption)
    image = f'<img src="{_attr(src)}" alt="{_attr(alt)}"' + "".join(
        f' {name}="{_attr(value)}"' for name in ("width", "height")
        if (value := tag.get(name))) + ">"
    link = tag.get("link")
    if link:
        image = f'<a href="{_attr(link)}">{image}</a>'
    classes = tag.get("class")
    opening = f'<figure class="{_attr(classes)}">' if classes else "<figure>"
    return opening + image + _figcaption(tag, caption) + "</figure>"


def _figcaption(tag: Tag, caption: str) -> str:
    parts = []
    title = tag.get("title")
    if title:
        parts.append(f"<strong>{html.escape(title)}</strong>")
    if caption:
        parts.append(caption)
    attribution = _inline_markdown(tag.get("attr") or "")
    if attribution:
        link = tag.get("attrlink")
        parts.append(f'<a href="{_attr(link)}">{attribution}</a>' if link else attribution)
    return f"<figcaption>{' '.join(parts)}</figcaption>" if parts else ""


@cache
def _markdown() -> markdown.Markdown:
    return markdown.Markdown(output_format="html")


def _inline_markdown(text: str) -> str:
    """One line of Markdown as inline HTML (Hugo's ``markdownify``)."""
    if not text.strip():
        return ""
    converter = _markdown()
    converter.reset()
    rendered = converter.convert(" ".join(text.split()))
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return rendered


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def resolve_ref(tag: Tag, context: ShortcodeContext) -> str:
    """``{{< ref "other.md#part" >}}`` and ``relref``: the site-root path of the source file
    the page's link names (``/content/post/other.md#part``), which the link graph resolves to
    its current address; a section, which Folio has no page for, by its old address.

    ``context.refs`` maps each page's paths inside the content folder, in lower case, to its
    path from the site's root: ``post/other.md``, ``post/other``, and its base name ``other.md``
    and ``other`` when no other page has it (else to ""). A value starting with ``/`` is an
    address, not a file."""
    target = tag.get("path", 0)
    if not target:
        raise Untranslatable(f"{tag.name} names no page", f'write it as {{{{< {tag.name} '
                             '"other.md" >}}')
    path, hash_mark, anchor = target.partition("#")
    suffix = f"#{anchor}" if hash_mark else ""
    if not path:
        return suffix  # an anchor on this page
    found = _lookup_ref(path, context)
    if found is None:
        raise Untranslatable(f"{tag.name} {target!r}: there is no such page in the content "
                             "folder", "check the path, relative to this page's folder or "
                             "to the content folder")
    if not found:
        raise Untranslatable(f"{tag.name} {target!r}: several pages have that name",
                             "write the path from the content folder, such as /post/x.md")
    if found.startswith("/"):
        return found + suffix
    return "/" + quote(found) + suffix


def _lookup_ref(path: str, context: ShortcodeContext) -> str | None:
    """Hugo's order: a path starting with ``/`` is from the content folder; any other is
    tried from the page's own folder first, then from the content folder, then as a name."""
    wanted = []
    if not path.startswith("/"):
        wanted.append(posixpath.join(posixpath.dirname(context.page), path))
    wanted.append(path.lstrip("/"))
    for key in wanted:
        normal = posixpath.normpath(key).strip("/").lower()
        if normal in context.refs:
            return context.refs[normal]
    return None


def param(tag: Tag, context: ShortcodeContext) -> str:
    """``{{< param "name.sub" >}}``: the page's front matter value, else the site's params
    (Hugo's ``.Page.Param``), as text."""
    name = tag.get("name", 0)
    if not name:
        raise Untranslatable("param names no parameter", 'write it as {{< param "name" >}}')
    value = _dotted(context.page_params, name)
    if value is None:
        value = _dotted(context.site_params, name)
    if value is None or isinstance(value, dict):
        raise Untranslatable(f"param {name!r} is in neither the page's front matter nor the "
                             "site's params", "add it to [params] in the site's configuration")
    text = _go_text(value)
    return text if tag.markdown else html.escape(text, quote=False)


def _dotted(values: dict[str, Any], name: str) -> Any:
    found: Any = values
    for part in name.lower().split("."):
        if not isinstance(found, dict) or part not in found:
            return None
        found = found[part]
    return found


def _go_text(value: Any) -> str:
    """A value as a Go template prints it: booleans in lower case, lists in brackets."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_go_text(item) for item in value) + "]"
    return str(value)


def gist(tag: Tag) -> str:
    """``{{< gist user id [file] >}}``."""
    user, gist_id = tag.get("user", 0), tag.get("id", 1)
    if not user or not gist_id:
        raise Untranslatable("gist needs a user and a gist id",
                             "write it as {{< gist user 1234abcd >}}")
    file = tag.get("file", 2)
    anchor = "#file-" + re.sub(r"[^\w-]", "-", file).lower() if file else ""
    url = f"https://gist.github.com/{_part(user)}/{_part(gist_id)}{anchor}"
    return _link(url, f"{file} (a gist by {user})" if file else f"A gist by {user}")


def youtube(tag: Tag) -> str:
    """``{{< youtube id >}}`` or ``{{< youtube id="..." title="..." >}}``."""
    video = _required_id(tag, "youtube")
    return _link(f"https://www.youtube.com/watch?v={_part(video)}",
                 tag.get("title") or "Watch the video on YouTube")


def vimeo(tag: Tag) -> str:
    """``{{< vimeo id >}}`` or ``{{< vimeo id="..." title="..." >}}``."""
    video = _required_id(tag, "vimeo")
    return _link(f"https://vimeo.com/{_part(video)}",
                 tag.get("title") or "Watch the video on Vimeo")


def tweet(tag: Tag) -> str:
    """``{{< tweet user="x" id="y" >}}`` (Hugo 0.111), ``{{< tweet x y >}}``, or the older
    ``{{< tweet y >}}`` with the id only."""
    if "id" in tag.named or len(tag.positional) != 1:
        user, status = tag.get("user", 0), tag.get("id", 1)
    else:
        user, status = None, tag.positional[0]
    if not status:
        raise Untranslatable(f"{tag.name} has no id", '{{< tweet user="name" id="123" >}}')
    if user:
        return _link(f"https://twitter.com/{_part(user)}/status/{_part(status)}",
                     f"A post by @{user} on Twitter")
    return _link(f"https://twitter.com/i/web/status/{_part(status)}", "A post on Twitter")


def instagram(tag: Tag) -> str:
    """``{{< instagram id [hidecaption] >}}``."""
    post = _required_id(tag, "instagram")
    return _link(f"https://www.instagram.com/p/{_part(post)}/", "A post on Instagram")


def _required_id(tag: Tag, service: str) -> str:
    found = tag.get("id", 0)
    if not found:
        raise Untranslatable(f"{tag.name} has no id", f"write it as {{{{< {service} ID >}}}}")
    return found


def _part(text: str) -> str:
    return quote(text.strip(), safe="")


def _link(url: str, text: str) -> str:
    return f'<a href="{_attr(url)}">{html.escape(text)}</a>'


@dataclass(frozen=True)
class _Rule:
    """How a shortcode is translated: ``text`` gives its replacement; ``paired``: it has an
    inner part and a closing tag; ``in_code``: Hugo's output is text, expanded in code too;
    ``block``: its replacement stands on lines of its own, as many as the shortcode took;
    ``card``: written alone on its line, its link is a paragraph of its own."""

    text: Callable[[Tag, str, ShortcodeContext], str]
    paired: bool = False
    in_code: bool = False
    block: bool = False
    card: bool = False


def _card(make: Callable[[Tag], str]) -> _Rule:
    return _Rule(lambda tag, _, __: make(tag), block=True, card=True)


def _reference(tag: Tag, _: str, context: ShortcodeContext) -> str:
    return resolve_ref(tag, context)


_RULES = {
    "highlight": _Rule(lambda tag, inner, _: highlight(tag, inner), paired=True, block=True),
    "figure": _Rule(lambda tag, _, __: figure(tag), block=True),
    "ref": _Rule(_reference, in_code=True),
    "relref": _Rule(_reference, in_code=True),
    "param": _Rule(lambda tag, _, context: param(tag, context), in_code=True),
    "gist": _card(gist),
    "youtube": _card(youtube),
    "vimeo": _card(vimeo),
    "vimeo_simple": _card(vimeo),
    "tweet": _card(tweet),
    "twitter": _card(tweet),
    "twitter_simple": _card(tweet),
    "instagram": _card(instagram),
    "instagram_simple": _card(instagram),
}
BUILT_IN = frozenset(_RULES)


# ---- The translation -------------------------------------------------------------------


def translate(body: str, context: ShortcodeContext, first_line: int = 1) -> Translation:
    """``body`` with its shortcodes translated in place; ``first_line``: the file line of the
    body's first line, for the notices."""
    return _Translator(body, context, first_line).run()


class _Translator:
    def __init__(self, body: str, context: ShortcodeContext, first_line: int) -> None:
        self.body, self.context, self.first_line = body, context, first_line
        self.result = Translation(body)
        self.regions = code_regions(body)
        self.starts = [start for start, _ in self.regions]
        self.pieces: list[str] = []
        self.noticed: set[str] = set()

    def run(self) -> Translation:
        cursor = at = 0
        while (found := _OPEN.search(self.body, at)) is not None:
            start = found.start()
            comment = _COMMENT_FORM.match(self.body, start)
            if comment is not None:
                self.pieces += [self.body[cursor:start], _uncommented(comment)]
                self.result.translated[COMMENT] += 1
                cursor = at = comment.end()
                continue
            tag = parse_tag(self.body, start)
            if tag is None:
                at = start + 3
                continue
            end = self._translate(tag, cursor)
            cursor = end if end is not None else cursor
            at = end if end is not None else tag.end
        self.pieces.append(self.body[cursor:])
        self.result.body = "".join(self.pieces)
        return self.result

    def _translate(self, tag: Tag, cursor: int) -> int | None:
        """Translate ``tag`` (appending the text before it); the offset where the body goes
        on, or None when the tag stays as written."""
        rule = _RULES.get(tag.name)
        in_code = _inside(self.regions, self.starts, tag.start)
        if tag.closing:
            # An unknown shortcode's closing tag: its opening one was counted and reported.
            if rule is not None and not in_code:
                self._leave(tag, Untranslatable(f"{{{{< /{tag.name} >}}}} closes nothing",
                                                "remove it"))
            return None
        if rule is None or (in_code and not rule.in_code):
            if not in_code:
                self._leave(tag, None)
            return None
        end, inner = tag.end, ""
        if rule.paired:
            closing = _closing_tag(self.body, tag.name, tag.end)
            if closing is None:
                self._leave(tag, Untranslatable(f"{tag.name} is never closed",
                                                f"end it with {{{{< /{tag.name} >}}}}"))
                return None
            end, inner = closing.end(), self.body[tag.end:closing.start()]
        try:
            text = rule.text(tag, inner, self.context)
        except Untranslatable as reason:
            self._leave(tag, reason)
            return None
        if rule.block:
            text = self._as_block(tag, end, text, rule)
        self.pieces += [self.body[cursor:tag.start], text]
        self.result.translated[tag.name] += 1
        return end

    def _as_block(self, tag: Tag, end: int, text: str, rule: _Rule) -> str:
        """``text`` standing for ``body[tag.start:end]`` on lines of its own, taking as many
        lines as the shortcode did, so that the lines after it keep their numbers."""
        line_start = self.body.rfind("\n", 0, tag.start) + 1
        line_end = self.body.find("\n", end)
        before = self.body[line_start:tag.start]
        after = self.body[end:len(self.body) if line_end == -1 else line_end]
        alone = not before.strip() and not after.strip()
        if rule.card and alone:
            text = f'<p class="embed-link">{text}</p>'
        elif not rule.card:
            if before.strip():
                text = "\n" + text  # a block opens a line of its own
            elif rule.paired:
                # The closing fence at the opening one's indentation (inside a list item).
                head, _, last = text.rpartition("\n")
                text = f"{head}\n{before}{last}"
            text += "\n" if after.strip() else ""
        return text + "\n" * max(0, self.body.count("\n", tag.start, end) - text.count("\n"))

    def _leave(self, tag: Tag, reason: Untranslatable | None) -> None:
        """Count ``tag`` as left as text; one notice per name (or per reason) and file."""
        self.result.left[tag.name] += 1
        message, hint = (reason.message, reason.hint) if reason else _unknown(tag, self.context)
        key = message if reason else tag.name
        if key in self.noticed:
            return
        self.noticed.add(key)
        line = self.first_line + self.body.count("\n", 0, tag.start)
        self.result.notices.append(Notice(line, f"{message}; shown as text", hint))


def _unknown(tag: Tag, context: ShortcodeContext) -> tuple[str, str]:
    shown = f"{{{{{'%' if tag.markdown else '<'} {tag.name} {'%' if tag.markdown else '>'}}}}}"
    if tag.name in context.custom:
        return (f"shortcode {shown} (the site's layouts/shortcodes/{tag.name}.html) is not "
                "translated", "replace it with the Markdown or HTML it produced")
    return (f"shortcode {shown} is not translated",
            "Folio runs no shortcodes: replace it with the Markdown or HTML it produced")


def _uncommented(comment: re.Match[str]) -> str:
    """``{{</* name */>}}`` as Hugo shows it: ``{{< name >}}``."""
    opening = comment.group(1)
    closing = ">" if opening == "<" else "%"
    return f"{{{{{opening}{comment.group(2)}{comment.group(3)}{comment.group(4)}{closing}}}}}"
