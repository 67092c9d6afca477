"""What an import did, as the author and the logs are told it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.content.problems import Problem


class Progress(Protocol):
    def phase(self, label: str, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...


class NoProgress:
    def phase(self, label: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass


@dataclass
class ImportReport:
    folder: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)  # pruned
    missing: list[str] = field(default_factory=list)  # gone from disk, kept (no --prune)
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    written: bool = False
    media_added: int = 0  # files (images with their variants count once) new to the store
    media_removed: int = 0  # files no post referenced any more, pruned
    # A site written for another engine (app.content.sites): its engine, and the constructs
    # of that engine met in the files read (Liquid tags, shortcodes, {filename} links),
    # translated or left as text, by name.
    engine: str = "folio"
    translated: Counter[str] = field(default_factory=Counter)
    left: Counter[str] = field(default_factory=Counter)

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.updated) + len(self.removed) + self.media_removed

    def where(self, rel: str) -> str:
        """A file of the import as the author named its folder, for messages."""
        return str(Path(self.folder) / rel)

    def write_nothing(self) -> None:
        """The import writes nothing after all: no file counts as added, updated or removed."""
        self.added, self.updated, self.removed = [], [], []
        self.media_added = self.media_removed = 0

    def summary(self) -> str:
        files = ""
        if self.media_added or self.media_removed:
            files = f" (files: {self.media_added} stored, {self.media_removed} removed)"
        constructs = ""
        if self.translated or self.left:
            constructs = (f" ({self.engine} constructs: {self.translated.total()} translated, "
                          f"{self.left.total()} left as text)")
        return (f"{len(self.added)} added, {len(self.updated)} updated, {self.unchanged} "
                f"unchanged, {len(self.removed)} removed{files}{constructs}, "
                f"{len(self.warnings)} warnings, {len(self.errors)} errors in "
                f"{self.seconds:.2f} s")
