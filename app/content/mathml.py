"""TeX maths to MathML, by latex2mathml, refusing what it would get wrong.

latex2mathml converts what it knows and is lenient with the rest: an unknown command becomes an
identifier spelled ``\\foo``, ``\\frac{a}`` a fraction with one part, an ``&`` outside a table a
letter, an unknown environment vanishes around its content. A reader would see wrong maths and
the author no warning, so the result is checked, and TeX that TeX itself would refuse is
refused here too (:class:`TexError`), for the caller to show as code.

The MathML keeps the TeX source as an ``x-tex`` annotation: browsers do not show it, but copying,
screen readers' tools and Folio's own plain text (excerpts, search) read it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from functools import lru_cache

from latex2mathml.converter import convert_to_element

from app.content.nesting import MAX_NESTING

# latex2mathml takes about 10 µs a character and a real equation is well under 1,000 of them;
# a longer one is almost surely a missing closing delimiter swallowing the text after it.
MAX_TEX_CHARS = 10_000
# nh3 reads each element in time proportional to the elements left open (see nesting).
MAX_DEPTH = MAX_NESTING
TEX_ANNOTATION = "application/x-tex"

# Standard LaTeX that latex2mathml lacks (it would refuse \arg, or read \big\vert as an unknown
# command), as what it has that looks the same. Found in real blogs' maths.
_ALIASES = {
    "\\begin{aligned}": "\\begin{align*}", "\\end{aligned}": "\\end{align*}",
    "\\arg": "\\operatorname{arg}", "\\vert": "|", "\\Vert": "\\|",
    "\\dag": "\\dagger", "\\ddag": "\\ddagger", "\\nonumber": "", "\\notag": "",
}
# An alias as a whole command (\vert, not \vertical), or a \\ kept whole so that the \vert in
# \\vert stays the text it is.
_ALIASED = re.compile("|".join([r"\\\\"] + [
    re.escape(alias) + (r"(?![A-Za-z])" if alias[-1].isalpha() else "") for alias in _ALIASES]))
_COMMAND = re.compile(r"\\[A-Za-z]+")
# latex2mathml writes characters as references inside element text (serialised as text, they
# would read "&amp;#x0003D;"); they become the characters themselves.
_CHARACTER_REFERENCE = re.compile(r"&#(x[0-9A-Fa-f]+|[0-9]+);")
_TOKENS = frozenset({"mi", "mn", "mo", "ms", "mtext"})
# Elements whose children are positional parts: a fraction has exactly two, and so on.
_PARTS = {"mfrac": 2, "mroot": 2, "msub": 2, "msup": 2, "munder": 2, "mover": 2,
          "msubsup": 3, "munderover": 3}
_EXCEPTION_MESSAGES = {
    "NoAvailableTokensError": "it ends too early: a { or \\begin is not closed, or a command "
                              "lacks its argument",
    "MissingEndError": "a \\begin{...} has no matching \\end{...}",
    "ExtraLeftOrMissingRightError": "\\left and \\right do not pair up",
    "MissingSuperScriptOrSubscriptError": "^ or _ has nothing after it",
    "DoubleSuperscriptsError": "double superscript: write {x^a}^b or x^{ab}",
    "DoubleSubscriptsError": "double subscript: write {x_a}_b or x_{ab}",
    "NumeratorNotFoundError": "a fraction has no numerator",
    "DenominatorNotFoundError": "a fraction has no denominator",
    "LimitsMustFollowMathOperatorError": "\\limits must follow an operator such as \\sum",
}


class TexError(ValueError):
    """TeX that cannot be converted, with what is wrong in words an author can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _Refused:
    message: str


def tex_to_mathml(tex: str, *, display: bool) -> str:
    """The MathML for ``tex`` (the maths without its delimiters): ``<math display="block">``
    for display maths, ``display="inline"`` otherwise.

    Raises TexError for TeX that latex2mathml cannot convert or would convert wrongly, too
    long (:data:`MAX_TEX_CHARS`) or nested too deeply (:data:`MAX_DEPTH`).
    """
    result = _converted(tex.strip(), display)
    if isinstance(result, _Refused):
        raise TexError(result.message)
    return result


@lru_cache(maxsize=4096)
def _converted(tex: str, display: bool) -> str | _Refused:
    """Cached, refusals included: articles repeat their symbols (``$x$``) many times."""
    if not tex:
        return _Refused("the maths is empty")
    if len(tex) > MAX_TEX_CHARS:
        return _Refused(f"the maths is longer than {MAX_TEX_CHARS:,} characters")
    try:
        math = convert_to_element(_with_aliases(tex), display="block" if display else "inline")
    except RecursionError:
        return _Refused("the maths is nested too deeply (or its macros expand too often)")
    except Exception as exc:  # latex2mathml's exceptions share no base class
        name = type(exc).__name__
        return _Refused(_EXCEPTION_MESSAGES.get(name, f"latex2mathml cannot read it ({name})"))
    _repair_sized_delimiters(math)
    _drop_empty_attributes(math)
    problem = _problem(math)
    if problem is not None:
        return _Refused(problem)
    _decode_references(math)
    return etree.tostring(_annotated(math, tex), encoding="unicode")


def _with_aliases(tex: str) -> str:
    tex = _BRACKET_OPENING_ENVIRONMENT.sub(r"\1{[}", tex)
    return _color_as_group(_ALIASED.sub(lambda m: _ALIASES.get(m.group(), m.group()), tex))


# latex2mathml reads a "[" straight after any \begin{...} as the environment's optional argument;
# in TeX only these environments have one, and elsewhere it is the maths' own bracket (a vector
# opening the first row of cases), so it is braced to stay a bracket.
_BRACKET_OPENING_ENVIRONMENT = re.compile(
    r"(\\begin\{(?!(?:array|aligned|alignedat|gathered|subarray)\})[A-Za-z]+\*?\})\s*\[")


_COLOR = re.compile(r"\\color\s*\{[^{}]{1,40}\}\s*\{")


def _color_as_group(tex: str) -> str:
    """``\\color{red}{x}`` as ``{\\color{red} x}``: MathJax (which Jekyll and Hugo sites load)
    reads ``\\color`` with two arguments, latex2mathml as a switch on the rest of the group,
    which swallows the ``&`` of an aligned row after it and refuses the whole block."""
    out: list[str] = []
    position = 0
    for match in _COLOR.finditer(tex):
        if match.start() < position:
            continue  # inside an argument already rewritten
        end = _closing_brace(tex, match.end())
        if end is None:
            break
        colour = tex[match.start():match.end() - 1].rstrip()
        out += [tex[position:match.start()], "{", colour, " ", tex[match.end():end], "}"]
        position = end + 1
    return "".join(out) + tex[position:]


def _closing_brace(tex: str, start: int) -> int | None:
    """The index of the ``}`` closing the group opened just before ``start``."""
    depth = 1
    index = start
    while index < len(tex):
        char = tex[index]
        if char == "\\":
            index += 2
            continue
        depth += (char == "{") - (char == "}")
        if depth == 0:
            return index
        index += 1
    return None


def _repair_sized_delimiters(math: etree.Element) -> None:
    """latex2mathml writes the delimiter of \\big, \\Bigl and their kin as its TeX (``\\{``,
    ``\\langle``) rather than the character: each becomes the character it converts to alone."""
    for element in math.iter("mo"):
        if element.text and element.text.startswith("\\"):
            element.text = _delimiter(element.text)


@lru_cache(maxsize=256)
def _delimiter(command: str) -> str:
    try:
        tokens = [e for e in convert_to_element(command).iter() if e.tag in _TOKENS]
    except Exception:  # latex2mathml's exceptions share no base class
        return command  # left for _problem to report
    return (tokens[0].text or command) if len(tokens) == 1 else command


def _drop_empty_attributes(math: etree.Element) -> None:
    """latex2mathml writes ``columnspacing=""`` for some arrays: invalid, and the same as none."""
    for element in math.iter():
        for name in [name for name, value in element.attrib.items() if not value.strip()]:
            del element.attrib[name]


def _problem(math: etree.Element) -> str | None:
    """What makes latex2mathml's ``math`` wrong, or None; checked before character
    references are decoded, so ``\\backslash`` (written ``&#x0005C;``) is not a command."""
    if _depth(math) > MAX_DEPTH:
        return f"the maths is nested more than {MAX_DEPTH} levels deep"
    for element in math.iter():
        text = element.text or ""
        if element.tag in _TOKENS:
            command = _COMMAND.search(text)
            if command is not None:
                return f"unknown command {command.group()}"
            if "\\" in text:
                return f"latex2mathml cannot convert {text}"
            if text == "&":
                return "& outside a matrix or an aligned environment"
        parts = _PARTS.get(element.tag)
        if parts is not None and len(element) != parts:
            return "\\frac, \\sqrt[], ^, _ or \\limits is missing a part"
    return None


def _depth(element: etree.Element) -> int:
    # Iterative: a recursive walk could overflow on exactly the input it must refuse.
    deepest, stack = 0, [(element, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _decode_references(math: etree.Element) -> None:
    for element in math.iter():
        if element.text and "&#" in element.text:
            element.text = _CHARACTER_REFERENCE.sub(_character, element.text)


def _character(match: re.Match[str]) -> str:
    number = match.group(1)
    code = int(number[1:], 16) if number[0] == "x" else int(number)
    if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
        return chr(code)
    return "\N{REPLACEMENT CHARACTER}"  # a surrogate could not even be written as UTF-8


def _annotated(math: etree.Element, tex: str) -> etree.Element:
    """``math`` with its content and the TeX source side by side in ``<semantics>``."""
    content = list(math)
    for child in content:
        math.remove(child)
    semantics = etree.SubElement(math, "semantics")
    if len(content) == 1:
        semantics.append(content[0])
    else:
        etree.SubElement(semantics, "mrow").extend(content)
    annotation = etree.SubElement(semantics, "annotation", encoding=TEX_ANNOTATION)
    annotation.text = tex
    return math


# What latex2mathml writes, for the sanitiser's allow-list; nothing else of MathML passes.
# Left out on purpose: href (\href), class and style (\class, \style), and the colours
# mathcolor and mathbackground, chosen against one background and unreadable on the other
# (pages follow the reader's light or dark preference).
MATHML_ATTRIBUTES: dict[str, set[str]] = {
    "math": {"xmlns", "display"},
    "semantics": set(),
    "annotation": {"encoding"},
    "mrow": set(),
    "mi": {"mathvariant"},
    "mn": {"mathvariant"},
    "mtext": {"mathvariant"},
    "mo": {"accent", "fence", "form", "largeop", "lspace", "mathvariant", "maxsize", "minsize",
           "movablelimits", "rspace", "separator", "stretchy"},
    "mspace": {"depth", "height", "linebreak", "width"},
    "mpadded": {"depth", "height", "lspace", "voffset", "width"},
    "mphantom": set(),
    "mstyle": {"displaystyle", "mathsize", "scriptlevel"},
    "mfrac": {"linethickness"},
    "msqrt": set(),
    "mroot": set(),
    "msub": set(),
    "msup": set(),
    "msubsup": set(),
    "munder": {"accent"},
    "mover": {"accent"},
    "munderover": set(),
    "mtable": {"columnlines", "columnspacing", "displaystyle", "rowlines", "rowspacing"},
    "mtr": set(),
    "mtd": {"columnalign"},
    "menclose": {"notation"},
}
MATHML_TAGS = frozenset(MATHML_ATTRIBUTES)
