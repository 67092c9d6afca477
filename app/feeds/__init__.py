"""Feeds: Atom, RSS 2.0 and JSON Feed 1.1, for the whole site and for each tag, category and
author."""

from flask import Blueprint

from app.feeds.content import inert_text, text_as_html

bp = Blueprint("feeds", __name__)
# For the XML templates: they must return plain str, not Markup, so autoescape adds the XML
# layer on top (Flask has no filters scoped to one blueprint; these names are the feeds' own).
bp.add_app_template_filter(text_as_html)
bp.add_app_template_filter(inert_text)

from app.feeds import views  # noqa: E402,F401  (routes register on import)
