"""The code-highlighting stylesheet, generated from Pygments styles rather than written by hand."""

from __future__ import annotations

from pygments.formatters import HtmlFormatter

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"
SELECTOR = ".highlight"


def pygments_stylesheet(light: str = LIGHT_STYLE, dark: str = DARK_STYLE) -> str:
    """CSS for highlighted code: ``light`` by default, ``dark`` under prefers-color-scheme."""
    light_rules = HtmlFormatter(style=light).get_style_defs(SELECTOR)
    dark_rules = HtmlFormatter(style=dark).get_style_defs(SELECTOR)
    indented_dark = "\n".join("  " + line for line in dark_rules.splitlines())
    return (
        f"/* Generated from the Pygments styles {light!r} (light) and {dark!r} (dark) by\n"
        "   `flask build-css`; do not edit by hand. */\n"
        f"{light_rules}\n"
        "@media (prefers-color-scheme: dark) {\n"
        f"{indented_dark}\n"
        "}\n"
    )
