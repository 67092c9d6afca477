"""The site menu: the ``MENU`` setting (else Folio's default entries), joined by the pages
whose frontmatter says ``menu: main``, in weight order.

An entry of ``MENU`` without a weight weighs ten times its position (10, 20, ...), so a list
keeps its order and a page's weight can place it between two entries; a page without a weight
comes last. Pages come from the database once per content state, so a menu costs no query on
most requests, and an error page still has its menu while the database is away.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from app import queries
from app.extensions import db

DEFAULT_MENU = (
    {"label": "Home", "url": "/"},
    {"label": "Archive", "url": "/archive/"},
    {"label": "Tags", "url": "/tags/"},
    {"label": "Categories", "url": "/categories/"},
    {"label": "Authors", "url": "/authors/"},
)
_PAGES = "folio_menu_pages"  # app.extensions: (content epoch, the menu's pages)


@dataclass(frozen=True)
class MenuItem:
    label: str
    href: str
    current: bool  # the page being shown


@dataclass(frozen=True)
class _Entry:
    label: str
    url: str  # a path on the site ("/archive/"), or an absolute URL
    weight: float
    order: int  # ties keep the order entries were given in

    @property
    def on_site(self) -> bool:
        return self.url.startswith("/")


def init_app(app: Flask) -> None:
    app.extensions[_PAGES] = _PageMemo()


def site_menu() -> list[MenuItem]:
    """The menu of the page being rendered. Needs a request context."""
    menu = current_app.config.get("MENU")
    configured = DEFAULT_MENU if menu is None else menu  # [] leaves the pages alone
    entries = configured_entries(configured) + _page_entries(len(configured))
    entries.sort(key=lambda entry: (entry.weight, entry.order))
    return [_item(entry) for entry in entries]


def configured_entries(menu: Sequence[Mapping[str, Any]]) -> list[_Entry]:
    """``MENU`` (checked by ``config.check_menu``) as entries, with implicit weights."""
    return [_Entry(str(item["label"]).strip(), str(item["url"]),
                   float(item["weight"]) if item.get("weight") is not None else 10.0 * (n + 1),
                   n) for n, item in enumerate(menu)]


def _page_entries(first_order: int) -> list[_Entry]:
    return [_Entry(title, path, float(weight) if weight is not None else float("inf"),
                   first_order + n)
            for n, (title, path, weight) in enumerate(_menu_pages())]


def _item(entry: _Entry) -> MenuItem:
    if not entry.on_site:
        return MenuItem(entry.label, entry.url, False)
    # A path of the site's own, under whatever prefix a proxy mounts the site at.
    return MenuItem(entry.label, request.script_root + entry.url, entry.url == request.path)


class _PageMemo:
    """The menu's pages for one content state; a new import or a page going live is a new
    state (``app.caching``), so they are loaded again then."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epoch: str | None = None
        self._rows: Sequence[Any] = ()

    def rows(self, epoch: str | None) -> Sequence[Any]:
        with self._lock:
            if epoch is not None and epoch == self._epoch:
                return self._rows
        try:
            rows = queries.menu_pages()
        except SQLAlchemyError:
            # An error page while the database is away (or before its tables exist): the menu
            # without its pages. The page's own error is the one worth reporting.
            with contextlib.suppress(SQLAlchemyError):
                db.session.rollback()
            return ()
        if epoch is not None:
            with self._lock:
                self._epoch, self._rows = epoch, rows
        return rows


def _menu_pages() -> Sequence[Any]:
    state = g.get("content_state")
    memo: _PageMemo = current_app.extensions[_PAGES]
    return memo.rows(state.epoch if state is not None else None)
