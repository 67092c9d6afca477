"""Pages: an about page, a colophon; served at ``/<slug>`` or at the address their ``url:``
names, and listed nowhere (``app.content.pages`` says what a page is)."""

from app.pages.views import bp

__all__ = ["bp"]
