"""The readiness checks' pure parts (app/health/checks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from app.health.checks import latest_revisions
from tests.conftest import REPO


def alembic_heads(folder: Path) -> frozenset[str]:
    config = Config()
    config.set_main_option("script_location", str(folder))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def test_latest_revisions_are_alembics_heads() -> None:
    assert latest_revisions(str(REPO / "migrations")) == alembic_heads(REPO / "migrations")


REVISION = '''"""{name}"""
revision = {revision!r}
down_revision = {down!r}
branch_labels = None
'''


@pytest.mark.parametrize(("chain", "heads"), [
    ([("a", None), ("b", "a"), ("c", "b")], {"c"}),
    ([("a", None), ("b", "a"), ("c", "a")], {"b", "c"}),  # two branches
    ([("a", None), ("b", "a"), ("c", "a"), ("m", ("b", "c"))], {"m"}),  # merged again
], ids=["line", "branches", "merge"])
def test_latest_revisions_of_a_graph(tmp_path: Path, chain: list[tuple[str, object]],
                                     heads: set[str]) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (tmp_path / "script.py.mako").write_text("")
    for revision, down in chain:
        (versions / f"{revision}.py").write_text(
            REVISION.format(name=revision, revision=revision, down=down))
    assert latest_revisions(str(tmp_path)) == heads == alembic_heads(tmp_path)
