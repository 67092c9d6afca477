"""Asking other sites whether the addresses posts link to still answer, politely.

Politeness is the point: at most ``concurrency`` requests in flight over all hosts, and each
host asked at most once every ``host_interval`` seconds (redirect hops included, each paced by
its own host). ``HEAD`` first, since it costs the host no body; ``GET`` (never read past the
headers) when ``HEAD`` is refused: many servers answer 405 or 501 to it, and some lie with a
403 or 404 for a page that is there. Redirects are followed by hand, so each hop is paced and
the first one's status is reported. No database and no Flask: addresses in, outcomes out.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from app.content.links import shown

MAX_REDIRECTS = 10
# Answers to HEAD worth asking again with GET: anything but "slow down".
RATE_LIMITED = 429


@dataclass(frozen=True)
class Politeness:
    concurrency: int = 8  # requests in flight at once, all hosts together
    host_interval: float = 1.0  # seconds between two requests to one host
    timeout: float = 10.0  # seconds to connect, and then between bytes of the answer
    user_agent: str = "Folio link checker"


@dataclass(frozen=True)
class Outcome:
    """How an address answered: its final status (None: no answer, see ``error``), and where
    redirects led, if anywhere."""

    url: str
    status: int | None
    error: str | None = None
    final_url: str | None = None
    redirect_status: int | None = None  # of the first redirect

    @property
    def broken(self) -> bool:
        return self.status is None or (self.status >= 400 and self.status != RATE_LIMITED)

    @property
    def unknown(self) -> bool:
        """The host asked us to slow down: the address may be fine."""
        return self.status == RATE_LIMITED

    def describe(self) -> str:
        """What to tell the author, after the address's file and line."""
        if self.status is None:
            return f"{shown(self.url)}: {self.error}"
        if self.unknown:
            return f"{shown(self.url)}: not checked, the host answers 429 Too Many Requests"
        moved = (f" ({self.redirect_status}) to {shown(self.final_url)}"
                 if self.final_url is not None else "")
        if self.broken:
            return f"{shown(self.url)}: answers {self.status}" + (
                f" after a redirect{moved}" if moved else "")
        return f"{shown(self.url)} redirects{moved}"


class _Pacer:
    """The next moment each host may be asked, shared by all threads."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.lock = threading.Lock()
        self.next_turn: dict[str, float] = defaultdict(float)

    def wait(self, host: str) -> None:
        with self.lock:
            now = time.monotonic()
            turn = max(now, self.next_turn[host])
            self.next_turn[host] = turn + self.interval
        if turn > now:
            time.sleep(turn - now)


def check_urls(urls: Iterable[str], politeness: Politeness) -> dict[str, Outcome]:
    """Ask each of ``urls`` (absolute http(s) addresses) how it answers. Never raises for what
    a host does; one host's addresses are asked one after another, several hosts at once."""
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in dict.fromkeys(urls):
        by_host[_host(url)].append(url)
    pacer = _Pacer(politeness.host_interval)
    limits = httpx.Limits(max_connections=politeness.concurrency)
    timeout = httpx.Timeout(politeness.timeout)
    headers = {"User-Agent": politeness.user_agent}
    outcomes: dict[str, Outcome] = {}
    with httpx.Client(timeout=timeout, limits=limits, headers=headers) as client, \
            ThreadPoolExecutor(max_workers=politeness.concurrency) as pool:
        for found in pool.map(lambda batch: [_check(client, pacer, url, politeness)
                                             for url in batch], by_host.values()):
            outcomes.update((outcome.url, outcome) for outcome in found)
    return outcomes


def _host(url: str) -> str:
    try:
        return httpx.URL(url).netloc.decode("ascii").lower()
    except (httpx.InvalidURL, UnicodeDecodeError):
        return ""


def _check(client: httpx.Client, pacer: _Pacer, url: str, politeness: Politeness) -> Outcome:
    try:
        response, redirects = _fetch(client, pacer, "HEAD", url)
        if response.status_code >= 400 and response.status_code != RATE_LIMITED:
            response, redirects = _fetch(client, pacer, "GET", url)
    except httpx.TimeoutException:
        return Outcome(url, None, f"no answer within {politeness.timeout:g} s")
    except httpx.TooManyRedirects:
        return Outcome(url, None, f"more than {MAX_REDIRECTS} redirects")
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as error:
        # ValueError: a host name the IDNA codec refuses fails inside the resolver call.
        return Outcome(url, None, f"not a usable address: {_reason(error)}")
    except (httpx.HTTPError, OSError) as error:
        return Outcome(url, None, f"cannot connect: {_reason(error)}")
    if not redirects:
        return Outcome(url, response.status_code)
    return Outcome(url, response.status_code, final_url=str(response.url),
                   redirect_status=redirects[0].status_code)


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _fetch(client: httpx.Client, pacer: _Pacer, method: str,
           url: str) -> tuple[httpx.Response, list[httpx.Response]]:
    """The final answer to ``method url`` and the redirects before it; no body is read."""
    request = client.build_request(method, url)
    redirects: list[httpx.Response] = []
    for _ in range(MAX_REDIRECTS + 1):
        pacer.wait(_host(str(request.url)))
        response = client.send(request, stream=True, follow_redirects=False)
        response.close()
        if response.next_request is None:
            return response, redirects
        redirects.append(response)
        request = response.next_request
    raise httpx.TooManyRedirects("too many redirects", request=request)
