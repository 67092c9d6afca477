"""Checking the site's links: the service behind `flask check-links`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from app.content.link_graph import check_graph
from app.content.links import FoundLink, outside_links
from app.content.problems import Notice
from app.linkcheck import cache
from app.linkcheck.external import Outcome, Politeness, check_urls
from app.models import utcnow

Source = tuple[str, str, str]  # a post's source path, stored HTML and text as written


@dataclass(frozen=True)
class CheckOptions:
    site_url: str = ""
    external: bool = False  # also ask other sites
    refresh: bool = False  # ask again even what the cache remembers
    politeness: Politeness = field(default_factory=Politeness)
    cache_seconds: float = 7 * 24 * 3600


@dataclass(frozen=True)
class LinkProblem:
    source: str  # the linking file's source path
    notice: Notice
    severity: str = "error"  # "warning": a redirect, or a host that would not say


@dataclass
class LinkReport:
    problems: list[LinkProblem] = field(default_factory=list)
    internal: int = 0  # links between posts
    outside: int = 0  # links to other sites
    addresses: int = 0  # distinct addresses among them
    asked: int = 0  # addresses asked this time (the others were remembered)

    @property
    def broken(self) -> int:
        return sum(problem.severity == "error" for problem in self.problems)

    def summary(self, external: bool) -> str:
        text = f"{self.internal} links between posts"
        if external:
            text += (f", {self.outside} links to {self.addresses} addresses on other sites "
                     f"({self.asked} asked, {self.addresses - self.asked} remembered)")
        return f"{text}: {self.broken} broken"


def check_links(session: Session, sources: Iterable[Source], options: CheckOptions) -> LinkReport:
    """Check the link graph and, with ``options.external``, the outside links of ``sources``;
    remembers the outside addresses that answered well, and commits that."""
    report = LinkReport()
    graph = check_graph(session, options.site_url)
    report.internal = graph.links
    report.problems += [LinkProblem(broken.source, broken.notice) for broken in graph.broken]
    if options.external:
        _check_outside(session, sources, options, report)
    report.problems.sort(key=lambda problem: (problem.source, problem.notice.line))
    return report


def _check_outside(session: Session, sources: Iterable[Source], options: CheckOptions,
                   report: LinkReport) -> None:
    where: dict[str, list[tuple[str, FoundLink]]] = defaultdict(list)
    for path, page, text in sources:
        for link in outside_links(page, text, options.site_url):
            where[link.href].append((path, link))
    report.outside = sum(map(len, where.values()))
    report.addresses = len(where)
    now, max_age = utcnow(), timedelta(seconds=options.cache_seconds)
    outcomes = {} if options.refresh else cache.remembered(session, where, max_age, now)
    asked = check_urls([url for url in where if url not in outcomes], options.politeness)
    report.asked = len(asked)
    cache.remember(session, asked.values(), now, max_age)
    session.commit()
    for url, outcome in {**outcomes, **asked}.items():
        severity = _severity(outcome)
        if severity is not None:
            report.problems += [LinkProblem(path, _notice(link, outcome), severity)
                                for path, link in where[url]]


def _severity(outcome: Outcome) -> str | None:
    if outcome.broken:
        return "error"
    return "warning" if outcome.unknown or outcome.final_url is not None else None


def _notice(link: FoundLink, outcome: Outcome) -> Notice:
    if outcome.broken:
        return Notice(link.line, f"link to {outcome.describe()}",
                      "fix the address, or link to an archived copy")
    if outcome.unknown:
        return Notice(link.line, f"link to {outcome.describe()}", "check it again later")
    return Notice(link.line, f"link to {outcome.describe()}", "link to the new address")
