"""Frontmatter values made fit to store and show, whatever the YAML or TOML said.

A frontmatter block holds a few dozen values. YAML aliases can multiply them ("billion
laughs": nine lists of nine references to the list before, nine levels deep, is 387 million
values once walked) or make a list contain itself; escapes put NUL, terminal escapes and
text-direction overrides into text. Each value is copied here with its aliases expanded within
bounds and its invisible characters removed, or refused with the line of its key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.content.characters import INVISIBLE, code_points
from app.content.problems import ContentError, Notice

MAX_VALUES = 10_000  # per frontmatter key, aliases expanded
MAX_DEPTH = 50
MAX_INTEGER_BITS = 1024  # larger integers cannot be written as text or stored as JSON numbers


def storable(loaded: dict[Any, Any], line_of: Callable[[str], int],
             notices: list[Notice]) -> dict[Any, Any]:
    """A copy of ``loaded`` fit to store, with a notice for each key whose text lost invisible
    characters; raises ContentError for a value too large or deep, or that contains itself."""
    return dict(_Copier(str(key), line_of(str(key)), notices).item(key, value)
                for key, value in loaded.items())


class _Copier:
    """Copies one frontmatter item, counting what it copies."""

    def __init__(self, key: str, line: int, notices: list[Notice]) -> None:
        self.key, self.line, self.notices = key, line, notices
        self.budget = MAX_VALUES
        self.removed: list[str] = []
        self.containing: set[int] = set()

    def item(self, key: Any, value: Any) -> tuple[Any, Any]:
        copied = self._copy(key, 1), self._copy(value, 1)
        if self.removed:
            self.notices.append(Notice(
                self.line, f"{self.key}: removed {len(self.removed)} invisible character(s) "
                f"({code_points(self.removed)})", "control and text-direction characters hide "
                "or reorder the text around them; delete them"))
        return copied

    def _copy(self, value: Any, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise self._error(f"holds more than {MAX_VALUES} values once its YAML aliases are "
                              "expanded", "write the values out instead of nesting aliases "
                              "inside aliases")
        if isinstance(value, str):
            self.removed += INVISIBLE.findall(value)
            return INVISIBLE.sub("", value)
        if isinstance(value, int) and value.bit_length() > MAX_INTEGER_BITS:
            raise self._error(f"a number of more than {MAX_INTEGER_BITS} bits",
                              "quote it to keep it as text")
        if not isinstance(value, dict | list | tuple | set | frozenset):
            return value
        if depth > MAX_DEPTH:
            raise self._error(f"nested more than {MAX_DEPTH} levels deep",
                              "keep frontmatter values to lists and mappings of plain values")
        if id(value) in self.containing:
            raise self._error("a YAML alias refers to the list or mapping that contains it",
                              "an anchor (&name) cannot be used (*name) inside its own value")
        self.containing.add(id(value))
        try:
            if isinstance(value, dict):
                return {self._copy(k, depth + 1): self._copy(v, depth + 1)
                        for k, v in value.items()}
            return type(value)(self._copy(item, depth + 1) for item in value)
        finally:
            self.containing.discard(id(value))

    def _error(self, message: str, hint: str) -> ContentError:
        return ContentError(self.line, f"{self.key}: {message}", hint)
