"""The README's promises that a file can check: its two commands and its pictures."""

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
