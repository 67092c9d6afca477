"""What can be wrong with an article, said so that an author can fix it."""

from __future__ import annotations

from dataclasses import dataclass

from app.content.characters import printable


@dataclass(frozen=True)
class Notice:
    """A warning about one line of a file: the article still imports."""

    line: int
    message: str
    hint: str = ""


class ContentError(Exception):
    """An article cannot be imported: the file, at ``line``, needs fixing."""

    def __init__(self, line: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint

    def __reduce__(self) -> tuple[type[ContentError], tuple[int, str, str]]:
        # Errors travel back from worker processes; the default pickling drops line and hint.
        return (ContentError, (self.line, self.message, self.hint))


@dataclass(frozen=True)
class Problem:
    """A warning or error tied to a file, printed as ``path:line: message``."""

    path: str
    line: int
    message: str
    hint: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        # Control characters from a file name or a value would reach the terminal as they are.
        text = printable(f"{self.path}:{self.line}: {self.severity}: {self.message}")
        return f"{text}\n    hint: {printable(self.hint)}" if self.hint else text

    @classmethod
    def from_error(cls, path: str, error: ContentError) -> Problem:
        return cls(path, error.line, error.message, error.hint, "error")

    @classmethod
    def from_notice(cls, path: str, notice: Notice) -> Problem:
        return cls(path, notice.line, notice.message, notice.hint, "warning")


class InvalidArticle(Exception):
    """Several things are wrong with one article; all of them are reported together."""

    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = sorted(errors, key=lambda e: e.line)

    def __reduce__(self) -> tuple[type[InvalidArticle], tuple[list[ContentError]]]:
        return (InvalidArticle, (self.errors,))
