"""The content state every cache key and validator is made from.

The state is the id of the last import that wrote something (``ImportRun``, in the database)
plus the publication time of the newest post public right now. An import changes the first;
a scheduled post going live changes the second. ``tracker`` keeps each process's copy current
and ``mirrors`` shares it between processes; the database is always the source of truth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from sqlalchemy import func, select

from app import queries
from app.extensions import db
from app.models import ImportRun, Post, utcnow


@dataclass(frozen=True)
class ContentState:
    version: str  # id of the last import run that wrote something, "0" before any
    latest_public: datetime | None  # publication time of the newest public post
    next_publication: datetime | None  # when the next scheduled post goes public
    last_modified: datetime  # the later of the last import and latest_public

    @property
    def last_modified_http(self) -> str:
        return format_datetime(self.last_modified, usegmt=True)

    @property
    def published(self) -> float:
        return self.latest_public.timestamp() if self.latest_public else 0.0

    @property
    def epoch(self) -> str:
        return f"{self.version}.{self.published:.0f}"

    @property
    def rank(self) -> tuple[int, float]:
        """Orders states in time: a later import, or the same one with a post gone live since."""
        return int(self.version), self.published

    def is_current(self) -> bool:
        """False once the next scheduled post is public: the state must be loaded again."""
        return self.next_publication is None or utcnow() < self.next_publication

    def to_json(self) -> str:
        return json.dumps({"version": self.version,
                           "latest_public": _iso(self.latest_public),
                           "next_publication": _iso(self.next_publication),
                           "last_modified": _iso(self.last_modified)})

    @classmethod
    def from_json(cls, raw: str | bytes) -> ContentState:
        """The state ``to_json`` wrote; ValueError (or KeyError, TypeError) for anything else."""
        data = json.loads(raw)
        version = str(data["version"])
        if not version.isdigit():
            raise ValueError(f"not a content version: {version!r}")
        last_modified = _parse(data["last_modified"])
        if last_modified is None:
            raise ValueError("a content state without last_modified")
        return cls(version, _parse(data["latest_public"]), _parse(data["next_publication"]),
                   last_modified)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _parse(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"a naive time in a content state: {text!r}")
    return moment


def database_version() -> str:
    return str(db.session.scalar(select(func.max(ImportRun.id))) or 0)


def load_state(version: str) -> ContentState:
    now = utcnow()
    latest = db.session.scalar(select(func.max(Post.published_at)).where(queries.is_public(now)))
    # The next moment the public site changes by itself: a scheduled post appears, or an
    # expiring one goes (cached pages must not outlive either).
    appearing = db.session.scalar(select(func.min(Post.published_at)).where(
        queries.is_scheduled(now)))
    leaving = db.session.scalar(select(func.min(Post.expires_at)).where(queries.expiring(now)))
    changes = [m for m in (appearing, leaving) if m is not None]
    upcoming = min(changes) if changes else None
    imported = db.session.scalar(select(func.max(ImportRun.finished_at)))
    moments = [m for m in (latest, imported) if m is not None]
    last_modified = max(moments) if moments else datetime(2000, 1, 1, tzinfo=UTC)
    return ContentState(version, latest, upcoming, last_modified)
