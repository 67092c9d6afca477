"""schemathesis, run against the API's own OpenAPI document on the sample site: generated
requests to every operation (its examples, coverage, fuzzing and stateful phases, positive and
negative data) must get answers the document describes (status, content type, body schema,
headers) and never a server error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER, HookContext

CONFIG = {
    "seed": 4,
    "generation": {"max-examples": 100, "deterministic": True, "mode": "all"},
}
# Search narrows by tag and category only: with q these are a documented 400, a dependency
# between parameters that OpenAPI 3 cannot express (tests/api/test_posts.py checks the 400).
NOT_WITH_SEARCH = ("author", "published_after", "published_before")
# Its WSGI transport asks for gzip as requests does, but, unlike an HTTP client, never decodes
# it: every call asks for the body as it is (the API's compression: tests/caching).
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture
def search_without_author_or_dates() -> Iterator[None]:
    def before_call(context: HookContext, case: schemathesis.Case,
                    kwargs: dict[str, Any]) -> None:
        if case.query and "q" in case.query:
            for name in NOT_WITH_SEARCH:
                case.query.pop(name, None)
        case.headers = {**(case.headers or {}), **IDENTITY}

    GLOBAL_HOOK_DISPATCHER.hook(before_call)
    yield
    GLOBAL_HOOK_DISPATCHER.unregister(before_call)


def failures(app: Flask) -> tuple[int, list[str]]:
    """Run schemathesis against ``app``: how many checks ran, and what failed."""
    config = SchemathesisConfig.from_dict(CONFIG)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    checked, problems = 0, []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    checked += 1
                    if node.status == Status.FAILURE and node.failure_info:
                        failure = node.failure_info.failure
                        problems.append(f"{event.recorder.label} ({event.phase}) {node.name}: "
                                        f"{failure.title}\n{failure.message}\n"
                                        f"{node.failure_info.code_sample}")
                    elif node.status == Status.ERROR:
                        problems.append(f"{event.recorder.label}: {node.name} errored")
        elif isinstance(event, events.NonFatalError):
            problems.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    return checked, problems


@pytest.mark.usefixtures("search_without_author_or_dates")
def test_schemathesis_finds_no_failure(site: Flask) -> None:
    checked, problems = failures(site)

    assert not problems, "\n\n".join(problems)
    assert checked > 500  # every operation was exercised, not skipped


@pytest.mark.parametrize("slug", ["newer", "no-toc", "xss", "secret", "later", "nope"])
def test_real_posts_conform_to_the_document(site: Flask, slug: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", site)
    case = schema["/api/v1/posts/{slug}"]["GET"].Case(path_parameters={"slug": slug},
                                                      headers=IDENTITY)

    case.call_and_validate()
