"""Characters that must not reach a page, a feed or a terminal.

Control characters (C0 but tab and newline, DEL, C1) and the noncharacters U+FFFE and U+FFFF
are invisible, not allowed in XML (one in a title breaks every feed), and some make terminals
obey them. Text-direction overrides, embeddings and isolates (U+202A-U+202E, U+2066-U+2069)
reorder the text around them: harmless inside a paragraph of the body, where the paragraph ends
them, but in a title, a tag or a file name they turn ``gnp.exe`` into what looks like
``exe.png`` wherever the value is shown among other text. The marks U+200E, U+200F and
U+061C open nothing and stay.
"""

from __future__ import annotations

import re

_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff"  # all but \t \n \r
_DIRECTION = "\u202a-\u202e\u2066-\u2069"
CONTROL = re.compile(f"[{_CONTROLS}]")
INVISIBLE = re.compile(f"[{_CONTROLS}{_DIRECTION}]")
# What a file name or a line printed on a terminal must not carry: the above, tab and line
# breaks too (a name with a newline could forge a line of the report), and for printing the
# surrogates that stand for undecodable bytes of a file name.
NOT_IN_NAMES = re.compile(f"[\t\n\r{_CONTROLS}{_DIRECTION}]")
_UNPRINTABLE = re.compile(f"[\t\n\r{_CONTROLS}{_DIRECTION}\ud800-\udfff]")


def code_points(found: list[str], limit: int = 3) -> str:
    """``U+001B, U+202E`` for the distinct characters in ``found``, in order, at most ``limit``."""
    distinct = list(dict.fromkeys(found))
    names = ", ".join(f"U+{ord(c):04X}" for c in distinct[:limit])
    return names + (", ..." if len(distinct) > limit else "")


def printable(text: str) -> str:
    """``text`` with control, text-direction and undecodable characters written as escapes."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group(0))[1:-1], text)
