"""The README's promises that a file can check: its two commands, its pictures, and a row or
mention for every setting ops can give."""

from __future__ import annotations

import re

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_serve_and_test_commands_ci_runs() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]

    assert "bash scripts/serve.sh" in first_block and "bash scripts/test.sh" in first_block
    assert "exec bash scripts/test.sh" in (REPO / ".ci" / "run").read_text()


def test_every_image_in_the_readme_exists() -> None:
    images = re.findall(r'<img src="([^"]+)"', README)

    assert images
    for image in images:
        assert (REPO / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image


def test_the_readme_documents_every_setting_and_deployment_variable() -> None:
    """Ops read one table per layer: every variable the app, gunicorn.conf.py or the
    entrypoint reads appears in the README as `NAME`."""
    from tests.container.test_compose import settings_read

    undocumented = sorted(name for name in settings_read() if f"`{name}`" not in README)
    assert undocumented == []
