"""Asking other sites about addresses (app/linkcheck/external.py), against local sites the
tests start on 127.0.0.1: HEAD then GET, redirects, timeouts, pacing per host, concurrency."""

from __future__ import annotations

import time

import pytest

from app.linkcheck.external import MAX_REDIRECTS, Outcome, Politeness, check_urls
from tests.remote_site import Remote

QUICK = Politeness(concurrency=4, host_interval=0, timeout=0.5)


def check(remote: Remote, *paths: str, politeness: Politeness = QUICK) -> dict[str, Outcome]:
    outcomes = check_urls([remote.url(path) for path in paths], politeness)
    return {url.split(":", 2)[2].split("/", 1)[1]: outcome for url, outcome in outcomes.items()}


def test_a_page_that_answers_is_asked_once_with_head(remote: Remote) -> None:
    outcome = check(remote, "/ok")["ok"]

    assert (outcome.status, outcome.broken, outcome.final_url) == (200, False, None)
    assert remote.asked() == ["HEAD /ok"]


@pytest.mark.parametrize("path", ["/no-head", "/head-not-implemented", "/lies"])
def test_head_refused_or_denied_is_asked_again_with_get(remote: Remote, path: str) -> None:
    outcome = check(remote, path)[path[1:]]

    assert (outcome.status, outcome.broken) == (200, False)
    assert remote.asked(path) == ["HEAD", "GET"]


def test_a_missing_page_is_broken_after_asking_both_ways(remote: Remote) -> None:
    outcome = check(remote, "/missing")["missing"]

    assert (outcome.status, outcome.broken) == (404, True)
    assert outcome.describe() == f"{remote.url('/missing')!r}: answers 404"
    assert remote.asked("/missing") == ["HEAD", "GET"]


def test_redirects_are_followed_and_reported(remote: Remote) -> None:
    outcomes = check(remote, "/moved", "/moved-to-nothing")

    moved, nothing = outcomes["moved"], outcomes["moved-to-nothing"]
    assert (moved.status, moved.broken, moved.redirect_status, moved.final_url) == (
        200, False, 301, remote.url("/ok"))
    assert moved.describe() == f"{remote.url('/moved')!r} redirects (301) to {remote.url('/ok')!r}"
    assert (nothing.status, nothing.broken, nothing.redirect_status) == (404, True, 302)
    assert nothing.describe().endswith(f"answers 404 after a redirect (302) to "
                                       f"{remote.url('/missing')!r}")
    assert remote.asked("/moved") == ["HEAD"] and remote.asked("/ok") == ["HEAD"]


def test_a_redirect_loop_is_broken(remote: Remote) -> None:
    outcome = check(remote, "/loop")["loop"]

    assert (outcome.status, outcome.error) == (None, f"more than {MAX_REDIRECTS} redirects")
    assert remote.asked("/loop") == ["HEAD"] * (MAX_REDIRECTS + 1)


def test_a_page_too_slow_to_answer_is_broken(remote: Remote) -> None:
    started = time.monotonic()

    outcome = check(remote, "/slow")["slow"]

    assert (outcome.status, outcome.broken, outcome.error) == (
        None, True, "no answer within 0.5 s")
    assert time.monotonic() - started < 1.5  # HEAD timed out, and nothing waited for /slow


def test_a_host_asking_to_slow_down_is_neither_broken_nor_fine(remote: Remote) -> None:
    outcome = check(remote, "/busy")["busy"]

    assert (outcome.status, outcome.broken, outcome.unknown) == (429, False, True)
    assert remote.asked("/busy") == ["HEAD"]


def test_a_host_that_is_not_there_is_broken(remote: Remote) -> None:
    port = remote.servers[3].server_address[1]
    remote.servers[3].shutdown()
    remote.servers[3].server_close()

    outcome = check_urls([f"http://127.0.0.1:{port}/ok"], QUICK)[f"http://127.0.0.1:{port}/ok"]

    assert outcome.broken and outcome.error is not None
    assert outcome.error.startswith("cannot connect")


def test_one_host_is_asked_at_most_once_per_interval(remote: Remote) -> None:
    polite = Politeness(concurrency=4, host_interval=0.25, timeout=2)

    outcomes = check(remote, "/ok", "/ok?2", "/no-head", "/moved", politeness=polite)

    assert not any(outcome.broken for outcome in outcomes.values())
    # HEAD /ok, HEAD /ok?2, HEAD and GET /no-head, HEAD /moved and its hop to /ok
    times = remote.times()
    assert len(times) == 6
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.2, gaps


@pytest.mark.parametrize("concurrency", [1, 2, 4])
def test_hosts_are_asked_side_by_side_up_to_the_concurrency(remote: Remote,
                                                            concurrency: int) -> None:
    polite = Politeness(concurrency=concurrency, host_interval=0, timeout=2)

    outcomes = check_urls([remote.url("/a-moment", host) for host in range(4)], polite)

    assert len(outcomes) == 4 and not any(outcome.broken for outcome in outcomes.values())
    assert remote.most_in_flight == concurrency


@pytest.mark.parametrize("url", ["http://127.0.0.1:port/", "https://:80/x", "http:///x"])
def test_an_address_no_request_can_be_made_for_is_broken(url: str) -> None:
    outcome = check_urls([url], QUICK)[url]

    assert outcome.broken and outcome.error is not None
    assert outcome.error.startswith("not a usable address")
