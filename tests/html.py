"""Reading served HTML in tests: parse once, select with CSS, compare normalised text."""

from __future__ import annotations

import lxml.html
from lxml.html import HtmlElement


def parse(markup: str) -> HtmlElement:
    return lxml.html.document_fromstring(markup)


def text_of(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())
