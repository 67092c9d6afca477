"""Extension objects, created unbound and bound to an app in the factory."""

from __future__ import annotations

from typing import Any

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from app.models import Base, UTCDateTime, managed_by_migrations


def _render_migration_type(kind: str, obj: Any, _context: Any) -> str | bool:
    """Write our column types as plain SQLAlchemy types, so migrations never import app code."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True, render_item=_render_migration_type,
                  include_object=managed_by_migrations)
