import re
from pathlib import Path

import pytest

import app
from app.content.highlight import pygments_stylesheet

COMMITTED_CSS = Path(app.__file__).parent / "static" / "css" / "pygments.css"


def light_and_dark(css: str) -> tuple[str, str]:
    light, dark = css.split("@media (prefers-color-scheme: dark) {", 1)
    return light, dark


def rule(css: str, selector: str) -> str:
    found = re.search(re.escape(selector) + r" \{([^}]*)\}", css)
    assert found is not None, selector
    return found.group(1).strip()


def test_stylesheet_has_highlight_rules():
    css = pygments_stylesheet()
    assert ".highlight .k {" in css
    assert ".highlight .s {" in css
    assert ".highlight .c {" in css


def test_stylesheet_has_dark_block_with_other_colours():
    light, dark = light_and_dark(pygments_stylesheet())
    assert dark.rstrip().endswith("}")
    assert rule(light, ".highlight .k") != rule(dark, ".highlight .k")
    assert rule(light, ".highlight") != rule(dark, ".highlight")


def test_stylesheet_says_how_it_is_made():
    assert pygments_stylesheet().startswith("/* Generated from the Pygments styles")
    assert "flask build-css" in pygments_stylesheet()


@pytest.mark.parametrize(("light", "dark"), [("friendly", "monokai"), ("default", "default")])
def test_stylesheet_styles_are_configurable(light, dark):
    css = pygments_stylesheet(light, dark)
    assert f"{light!r} (light)" in css
    assert f"{dark!r} (dark)" in css


def test_committed_stylesheet_matches_pygments():
    # If this fails, regenerate the file with `flask build-css`.
    assert COMMITTED_CSS.read_text(encoding="utf-8") == pygments_stylesheet()
