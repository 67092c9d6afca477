"""What an import reports (app/content/report.py)."""

from __future__ import annotations

from app.content.problems import Problem
from app.content.report import ImportReport


def test_summary_counts_everything_once() -> None:
    report = ImportReport("content", added=["a.md"], updated=["b.md", "c.md"], unchanged=4,
                          removed=["d.md"], warnings=[Problem("content/a.md", 3, "w")],
                          seconds=1.234)
    assert report.summary() == ("1 added, 2 updated, 4 unchanged, 1 removed, 1 warnings, "
                                "0 errors in 1.23 s")
    assert report.changes == 4


def test_write_nothing_counts_no_file_as_changed() -> None:
    report = ImportReport("content", added=["a.md"], updated=["b.md"], removed=["c.md"],
                          missing=["e.md"], unchanged=2)
    report.write_nothing()
    assert (report.changes, report.missing, report.unchanged) == (0, ["e.md"], 2)


def test_where_names_a_file_as_the_folder_was_named() -> None:
    assert ImportReport("../blog/content").where("2024/post.md") == "../blog/content/2024/post.md"
